// olsformer (internal): the Jacobi sweep drivers every backend shares. A backend
// supplies the vector work through an `Ops` type:
//   std::size_t lanes() const;                                   // elements per vector
//   void rotate_rows(std::size_t nvec, T* x, T* y, T c, T s) const;   // (x, y) <- (cx - sy, sx + cy)
//   void column_update(std::size_t nvec, T* row, const T* cvec, const T* svec, std::size_t m) const;
//        // row[j] <- cvec[j] row[j] + svec[j] row[j xor m] for all j < nvec * lanes
//   void gram(std::size_t mvec, const T* x, const T* y, T& xx, T& yy, T& xy) const;
// Rows are padded with zeros to whole vectors (nvec * lanes <= the row stride).
#pragma once
#include <cstddef>

#include "jacobi_rotation.hpp"
#include "olsformer/kernels.hpp"

namespace olsf::detail {

// Two-sided Jacobi, parallel ordering: round m = 1 .. n2 - 1 (n2 = n rounded up to a
// power of two) rotates the disjoint pairs (p, p xor m), p < p xor m < n, together. Every
// pair meets once per sweep. The pairs are disjoint, so all rotations of a round are
// computed from the matrix as the round found it.
template <typename T, class Ops>
std::size_t jacobi_parallel_sweep(const Ops& ops, std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv,
                                  T rel_tol, T abs_tol) noexcept {
  if (n < 2 || n > kJacobiMaxN) return 0;
  const std::size_t L = ops.lanes();
  const std::size_t nvec = (n + L - 1) / L;
  std::size_t n2 = 1;
  while (n2 < n) n2 <<= 1;
  alignas(64) T cvec[kJacobiMaxN + 64 / sizeof(T)];
  alignas(64) T svec[kJacobiMaxN + 64 / sizeof(T)];
  JacobiRotation<T> rot[kJacobiMaxN];
  T app[kJacobiMaxN], aqq[kJacobiMaxN], apq[kJacobiMaxN];
  bool active[kJacobiMaxN];
  std::size_t rotations = 0;
  for (std::size_t m = 1; m < n2; ++m) {
    std::size_t active_count = 0;
    for (std::size_t j = 0; j < nvec * L; ++j) {
      cvec[j] = T(1);
      svec[j] = T(0);
    }
    for (std::size_t p = 0; p < n; ++p) {
      const std::size_t q = p ^ m;
      active[p] = false;
      if (q <= p || q >= n) continue;
      app[p] = a[p * lda + p];
      aqq[p] = a[q * lda + q];
      apq[p] = a[p * lda + q];
      if (!jacobi_needs_rotation(app[p], aqq[p], apq[p], rel_tol, abs_tol)) continue;
      rot[p] = jacobi_rotation(app[p], aqq[p], apq[p]);
      active[p] = true;
      cvec[p] = cvec[q] = rot[p].c;
      svec[p] = -rot[p].s;  // x'[p] = c x[p] - s x[q]
      svec[q] = rot[p].s;   // x'[q] = c x[q] + s x[p]
      ++active_count;
    }
    if (active_count == 0) continue;
    rotations += active_count;
    // A <- J^T A (row pairs), then (J^T A) J (the same lane pattern in every row).
    for (std::size_t p = 0; p < n; ++p)
      if (active[p]) ops.rotate_rows(nvec, a + p * lda, a + (p ^ m) * lda, rot[p].c, rot[p].s);
    for (std::size_t i = 0; i < n; ++i) ops.column_update(nvec, a + i * lda, cvec, svec, m);
    // The 2x2 blocks exactly: off-diagonal 0, diagonal by Rutishauser's update.
    for (std::size_t p = 0; p < n; ++p) {
      if (!active[p]) continue;
      const std::size_t q = p ^ m;
      a[p * lda + p] = app[p] - rot[p].t * apq[p];
      a[q * lda + q] = aqq[p] + rot[p].t * apq[p];
      a[p * lda + q] = T(0);
      a[q * lda + p] = T(0);
      ops.rotate_rows(nvec, vt + p * ldv, vt + q * ldv, rot[p].c, rot[p].s);
    }
  }
  return rotations;
}

// One-sided (Hestenes) Jacobi, row-cyclic over the column pairs of X (rows of Xt).
template <typename T, class Ops>
std::size_t svd_cyclic_sweep(const Ops& ops, std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt,
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
      ops.rotate_rows(mvec, xp, xq, r.c, r.s);
      ops.rotate_rows(nvec, vt + p * ldv, vt + q * ldv, r.c, r.s);
      ++rotations;
    }
  }
  return rotations;
}

}  // namespace olsf::detail

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
