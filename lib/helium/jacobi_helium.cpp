// olsformer Helium backend: Jacobi sweeps and the batched covariance kernels are the
// scalar reference's for now (MVE vectorization of these is future work; double has no
// MVE lanes at all). Forwarding keeps HeliumBackend a complete backend policy.
#include <cstddef>

#include "olsformer/kernels.hpp"

namespace olsf::helium {

#define OLSF_HELIUM_FORWARD_JACOBI(T)                                                                          \
  std::size_t jacobi_sweep_parallel(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,   \
                                    T abs_tol) noexcept {                                                     \
    return scalar::jacobi_sweep_parallel(n, a, lda, vt, ldv, rel_tol, abs_tol);                               \
  }                                                                                                           \
  std::size_t jacobi_sweep_cyclic(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,     \
                                  T abs_tol) noexcept {                                                       \
    return scalar::jacobi_sweep_cyclic(n, a, lda, vt, ldv, rel_tol, abs_tol);                                 \
  }                                                                                                           \
  std::size_t svd_sweep(std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt, std::size_t ldv,          \
                        T rel_tol, T abs_tol) noexcept {                                                      \
    return scalar::svd_sweep(n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);                                       \
  }                                                                                                           \
  void column_sums(std::size_t m, std::size_t n, const T* x, std::size_t ldx, T* sum, T* amax) noexcept {      \
    scalar::column_sums(m, n, x, ldx, sum, amax);                                                             \
  }                                                                                                           \
  void centred_gram_update(std::size_t m, std::size_t d, std::size_t k, const T* x, std::size_t ldx,           \
                           const T* cx, const T* y, std::size_t ldy, const T* cy, T* sxx, std::size_t ldsxx,   \
                           T* sxy, std::size_t ldsxy, T* syy, T* rx, T* ry) noexcept {                         \
    scalar::centred_gram_update(m, d, k, x, ldx, cx, y, ldy, cy, sxx, ldsxx, sxy, ldsxy, syy, rx, ry);        \
  }

OLSF_HELIUM_FORWARD_JACOBI(float)
OLSF_HELIUM_FORWARD_JACOBI(double)
#undef OLSF_HELIUM_FORWARD_JACOBI

}  // namespace olsf::helium
