// olsformer scalar backend: Jacobi sweeps, the reference for the SIMD backends and what
// Cortex-M cores run. One element per "vector".
#include <cstddef>

#include "../common/jacobi_sweeps.hpp"
#include "olsformer/kernels.hpp"

namespace olsf::scalar {
namespace {

template <typename T>
struct ScalarOps {
  std::size_t m = 0;
  std::size_t lanes() const noexcept { return 1; }
  void rotate_pair(std::size_t n, T* x, T* y, T cx, T sx, T cy, T sy) const noexcept {
    for (std::size_t k = 0; k < n; ++k) {
      const T xk = x[k], yk = y[k];
      x[k] = cx * xk + sx * yk;
      y[k] = cy * yk + sy * xk;
    }
  }
  void begin_round(std::size_t round) noexcept { m = round; }
  void column_update(std::size_t n, T* row, const T* cvec, const T* svec) const noexcept {
    for (std::size_t p = 0; p < n; ++p) {
      const std::size_t q = p ^ m;
      if (q <= p || q >= n || svec[p] == T(0)) continue;  // not rotated this round
      const T x = row[p], y = row[q];
      row[p] = cvec[p] * x + svec[p] * y;
      row[q] = cvec[q] * y + svec[q] * x;
    }
  }
  std::size_t rotations(std::size_t n, const T* d, const T* dq, const T* o, const T* sgn, T* cvec, T* svec,
                        T* tvec, T rel_tol, T abs_tol) const noexcept {
    return detail::jacobi_round_rotations(n, d, dq, o, sgn, cvec, svec, tvec, rel_tol, abs_tol);
  }
  void gram(std::size_t m_rows, const T* x, const T* y, T& xx, T& yy, T& xy) const noexcept {
    xx = yy = xy = 0;
    for (std::size_t k = 0; k < m_rows; ++k) {
      xx += x[k] * x[k];
      yy += y[k] * y[k];
      xy += x[k] * y[k];
    }
  }
};

template <typename T>
std::size_t parallel_sweep_impl(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,
                                T abs_tol) noexcept {
  ScalarOps<T> ops;
  return detail::jacobi_parallel_sweep(ops, n, a, lda, vt, ldv, rel_tol, abs_tol);
}

template <typename T>
std::size_t svd_sweep_impl(std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt, std::size_t ldv,
                           T rel_tol, T abs_tol) noexcept {
  ScalarOps<T> ops;
  return detail::svd_cyclic_sweep(ops, n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);
}

// Classic row-cyclic Jacobi: one rotation at a time, applied at once. The diagonal is
// compensated as in detail::jacobi_cyclic_sweep_fixed (Rutishauser's accumulated update).
template <typename T>
std::size_t cyclic_sweep_impl(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,
                              T abs_tol) noexcept {
  // Fixed-size path for n = 8 stored unpadded (SymmetricEigen<T, 8>: row stride 8 on every
  // target): row p in registers, no loop counters (9 KB of code), or on the M-profile FPU
  // rows rotated in memory by VLDM/VSTM (1 KB; jacobi_sweeps.hpp). Other sizes would each
  // cost as much code again, so only the 8 x 8 of the OLS-Transformer's default d = 8
  // gets one.
  if (n == 8 && lda == 8 && ldv == 8) return detail::jacobi_cyclic_sweep_fixed<T, 8, 8>(a, vt, rel_tol, abs_tol);
  if (n < 2 || n > kJacobiMaxN) return 0;
  const ScalarOps<T> ops;
  T d[kJacobiMaxN], d0[kJacobiMaxN], z[kJacobiMaxN];
  for (std::size_t j = 0; j < n; ++j) {
    d[j] = d0[j] = a[j * lda + j];
    z[j] = T(0);
  }
  std::size_t rotations = 0;
  for (std::size_t p = 0; p + 1 < n; ++p) {
    for (std::size_t q = p + 1; q < n; ++q) {
      const T apq = a[p * lda + q];
      if (!detail::jacobi_needs_rotation(d[p], d[q], apq, rel_tol, abs_tol)) continue;
      const auto r = detail::jacobi_rotation(d[p], d[q], apq);
      ops.rotate_pair(n, a + p * lda, a + q * lda, r.c, -r.s, r.c, r.s);
      for (std::size_t i = 0; i < n; ++i) {
        T* row = a + i * lda;
        const T x = row[p], y = row[q];
        row[p] = r.c * x - r.s * y;
        row[q] = r.s * x + r.c * y;
      }
      const T h = r.t * apq;
      d[p] -= h;
      z[p] -= h;
      d[q] += h;
      z[q] += h;
      a[p * lda + q] = T(0);
      a[q * lda + p] = T(0);
      ops.rotate_pair(n, vt + p * ldv, vt + q * ldv, r.c, -r.s, r.c, r.s);
      ++rotations;
    }
  }
  for (std::size_t j = 0; j < n; ++j) a[j * lda + j] = d0[j] + z[j];
  return rotations;
}

}  // namespace

OLSF_DEFINE_JACOBI_KERNELS(float)
OLSF_DEFINE_JACOBI_KERNELS(double)

}  // namespace olsf::scalar
