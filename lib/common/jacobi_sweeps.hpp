// olsformer (internal): the Jacobi sweep drivers every backend shares. A backend
// supplies the vector work through an `Ops` type (arrays are padded to whole vectors):
//   std::size_t lanes() const;
//   void rotate_pair(std::size_t nvec, T* x, T* y, T cx, T sx, T cy, T sy);
//        // (x, y) <- (cx x + sx y, cy y + sy x)
//   void begin_round(std::size_t m);                      // lane pattern of round m
//   void column_update(std::size_t nvec, T* row, const T* cvec, const T* svec);
//        // row[j] <- cvec[j] row[j] + svec[j] row[j xor m]
//   std::size_t rotations(std::size_t nvec, const T* d, const T* dq, const T* o, const T* sgn,
//                         T* cvec, T* svec, T* tvec, T rel_tol, T abs_tol);  // jacobi_round_rotations
//   void gram(std::size_t mvec, const T* x, const T* y, T& xx, T& yy, T& xy) const;
// Rows are padded with zeros to whole vectors (nvec * lanes <= the row stride).
#pragma once
#include <cmath>
#include <cstddef>

#include "jacobi_rotation.hpp"
#include "olsformer/kernels.hpp"

namespace olsf::detail {

// The rotations of one round, lane by lane, as every backend computes them (the SIMD
// ones with vectors, this one is the scalar form). Lane j holds d = a_jj, dq = a_qq and
// o = a_pq (upper triangle) for its partner q = j xor m (o = 0 where there is none), and
// sgn = +1 if j < q, -1 if j > q. Both members compute the pair's rotation from the
// same (app, aqq, apq), so they agree bit for bit (also when app == aqq, where the sign
// of theta would otherwise differ); the member q applies t and s with the opposite sign,
// which is exactly the J of jacobi_rotation.hpp: C = c, S = -sgn s, and with
// tvec = sgn t, d <- d - tvec o is Rutishauser's diagonal update for both members.
// Returns the number of lanes rotated (twice the pairs).
template <typename T>
std::size_t jacobi_round_rotations(std::size_t count, const T* d, const T* dq, const T* o, const T* sgn, T* cvec,
                                   T* svec, T* tvec, T rel_tol, T abs_tol) noexcept {
  std::size_t active = 0;
  for (std::size_t j = 0; j < count; ++j) {
    cvec[j] = T(1);
    svec[j] = T(0);
    tvec[j] = T(0);
    if (!jacobi_needs_rotation(d[j], dq[j], o[j], rel_tol, abs_tol)) continue;
    const T app = sgn[j] > 0 ? d[j] : dq[j], aqq = sgn[j] > 0 ? dq[j] : d[j];
    const auto r = jacobi_rotation(app, aqq, o[j]);
    cvec[j] = r.c;
    svec[j] = -sgn[j] * r.s;
    tvec[j] = sgn[j] * r.t;
    ++active;
  }
  return active;
}

// Two-sided Jacobi, parallel ordering: round m = 1 .. n2 - 1 (n2 = n rounded up to a
// power of two) rotates the disjoint pairs (p, p xor m), p < p xor m < n, together. Every
// pair meets once per sweep. The pairs are disjoint, so all rotations of a round are
// computed from the matrix as the round found it. The diagonal lives in d during the
// sweep (the diagonal entries of the rows only feed the 2x2 blocks, which are set
// exactly), and is written back at the end. Its updates d -= t o are summed with
// error-free transformations (TwoSum, and FMA for the product's error) into a
// compensation term: the eigenvalues then carry about one rounding instead of one per
// rotation they took part in.
template <typename T, class Ops>
std::size_t jacobi_parallel_sweep(Ops& ops, std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv,
                                  T rel_tol, T abs_tol) noexcept {
  if (n < 2 || n > kJacobiMaxN) return 0;
  const std::size_t L = ops.lanes();
  const std::size_t nvec = (n + L - 1) / L;
  std::size_t n2 = 1;
  while (n2 < n) n2 <<= 1;
  constexpr std::size_t kCap = kJacobiMaxN + 64 / sizeof(T);
  alignas(64) T cvec[kCap], svec[kCap], tvec[kCap], d[kCap], dlo[kCap], dq[kCap], o[kCap], sgn[kCap];
  for (std::size_t j = 0; j < nvec * L; ++j) {
    d[j] = j < n ? a[j * lda + j] : T(0);
    dlo[j] = T(0);
  }
  std::size_t rotations = 0;
  for (std::size_t m = 1; m < n2; ++m) {
    for (std::size_t j = 0; j < nvec * L; ++j) {
      const std::size_t q = j ^ m;
      const bool paired = j < n && q < n;
      dq[j] = paired ? d[q] : T(0);
      // The upper-triangle entry for both members: their thetas are then exact negatives.
      o[j] = paired ? (j < q ? a[j * lda + q] : a[q * lda + j]) : T(0);
      sgn[j] = j < q ? T(1) : T(-1);
    }
    const std::size_t active = ops.rotations(nvec, d, dq, o, sgn, cvec, svec, tvec, rel_tol, abs_tol);
    if (active == 0) continue;
    rotations += active / 2;
    for (std::size_t j = 0; j < n; ++j) {
      if (tvec[j] == T(0)) continue;
      const T p = tvec[j] * o[j];
      const T p_err = std::fma(tvec[j], o[j], -p);  // t o = p + p_err exactly
      const T sum = d[j] - p;                        // TwoSum(d, -p) (Knuth)
      const T bp = sum - d[j];
      const T sum_err = (d[j] - (sum - bp)) + (-p - bp);
      d[j] = sum;
      dlo[j] += sum_err - p_err;
    }
    // A <- J^T A (row pairs), then (J^T A) J (the same lane pattern in every row).
    for (std::size_t p = 0; p < n; ++p) {
      const std::size_t q = p ^ m;
      if (q <= p || q >= n || svec[p] == T(0)) continue;
      ops.rotate_pair(nvec, a + p * lda, a + q * lda, cvec[p], svec[p], cvec[q], svec[q]);
      ops.rotate_pair(nvec, vt + p * ldv, vt + q * ldv, cvec[p], svec[p], cvec[q], svec[q]);
    }
    ops.begin_round(m);
    for (std::size_t i = 0; i < n; ++i) ops.column_update(nvec, a + i * lda, cvec, svec);
    for (std::size_t p = 0; p < n; ++p) {  // the rotated 2x2 blocks are diagonal, exactly
      const std::size_t q = p ^ m;
      if (q < n && svec[p] != T(0)) a[p * lda + q] = T(0);
    }
  }
  for (std::size_t j = 0; j < n; ++j) a[j * lda + j] = d[j] + dlo[j];
  return rotations;
}

// One-sided (Hestenes) Jacobi, row-cyclic over the column pairs of X (rows of Xt).
template <typename T, class Ops>
std::size_t svd_cyclic_sweep(Ops& ops, std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt,
                             std::size_t ldv, T rel_tol, T abs_tol) noexcept {
  const std::size_t L = ops.lanes();
  const std::size_t mvec = (m + L - 1) / L, nvec = (n + L - 1) / L;
  std::size_t rotations = 0;
  for (std::size_t p = 0; p + 1 < n; ++p) {
    for (std::size_t q = p + 1; q < n; ++q) {
      T* xp = xt + p * ldx;
      T* xq = xt + q * ldx;
      T alpha, beta, gamma;
      ops.gram(mvec, xp, xq, alpha, beta, gamma);
      if (!jacobi_needs_rotation(alpha, beta, gamma, rel_tol, abs_tol)) continue;
      const auto r = jacobi_rotation(alpha, beta, gamma);
      ops.rotate_pair(mvec, xp, xq, r.c, -r.s, r.c, r.s);
      ops.rotate_pair(nvec, vt + p * ldv, vt + q * ldv, r.c, -r.s, r.c, r.s);
      ++rotations;
    }
  }
  return rotations;
}

// For the SIMD backends: the vector sweeps when rows are padded to whole vectors (and
// there is more than one lane), the scalar reference otherwise.
inline bool rows_padded(std::size_t n, std::size_t stride, std::size_t lanes) noexcept {
  return lanes > 1 && stride >= (n + lanes - 1) / lanes * lanes;
}

template <class Ops, typename T>
std::size_t simd_parallel_sweep(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,
                                T abs_tol) noexcept {
  Ops ops;
  if (!rows_padded(n, lda, ops.lanes()) || !rows_padded(n, ldv, ops.lanes()))
    return scalar::jacobi_sweep_parallel(n, a, lda, vt, ldv, rel_tol, abs_tol);
  return jacobi_parallel_sweep(ops, n, a, lda, vt, ldv, rel_tol, abs_tol);
}

template <class Ops, typename T>
std::size_t simd_svd_sweep(std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt, std::size_t ldv,
                           T rel_tol, T abs_tol) noexcept {
  Ops ops;
  if (!rows_padded(m, ldx, ops.lanes()) || !rows_padded(n, ldv, ops.lanes()))
    return scalar::svd_sweep(n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);
  return svd_cyclic_sweep(ops, n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);
}

}  // namespace olsf::detail

// Defines the public Jacobi kernels of a SIMD backend from its Ops template; the cyclic
// ordering (one rotation at a time) is the scalar reference's.
#define OLSF_DEFINE_SIMD_JACOBI_KERNELS(T, OpsTemplate)                                                     \
  std::size_t jacobi_sweep_parallel(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol, \
                                    T abs_tol) noexcept {                                                   \
    return ::olsf::detail::simd_parallel_sweep<OpsTemplate<T>>(n, a, lda, vt, ldv, rel_tol, abs_tol);       \
  }                                                                                                         \
  std::size_t jacobi_sweep_cyclic(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,   \
                                  T abs_tol) noexcept {                                                     \
    return ::olsf::scalar::jacobi_sweep_cyclic(n, a, lda, vt, ldv, rel_tol, abs_tol);                       \
  }                                                                                                         \
  std::size_t svd_sweep(std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt, std::size_t ldv,        \
                        T rel_tol, T abs_tol) noexcept {                                                    \
    return ::olsf::detail::simd_svd_sweep<OpsTemplate<T>>(n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);        \
  }

// Defines the public Jacobi kernels of detail/jacobi_api.inc in a backend namespace from
// `parallel_sweep_impl`, `cyclic_sweep_impl` and `svd_sweep_impl` visible there.
#define OLSF_DEFINE_JACOBI_KERNELS(T)                                                                       \
  std::size_t jacobi_sweep_parallel(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol, \
                                    T abs_tol) noexcept {                                                   \
    return parallel_sweep_impl(n, a, lda, vt, ldv, rel_tol, abs_tol);                                       \
  }                                                                                                         \
  std::size_t jacobi_sweep_cyclic(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,   \
                                  T abs_tol) noexcept {                                                     \
    return cyclic_sweep_impl(n, a, lda, vt, ldv, rel_tol, abs_tol);                                         \
  }                                                                                                         \
  std::size_t svd_sweep(std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt, std::size_t ldv,        \
                        T rel_tol, T abs_tol) noexcept {                                                    \
    return svd_sweep_impl(n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);                                        \
  }
