// olsformer xsimd backend: the batched slow-memory kernels (detail/covariance_api.inc)
// through the shared register-blocked driver (lib/common/covariance_block.hpp).
#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "../common/covariance_block.hpp"
#include "olsformer/kernels.hpp"

namespace olsf::xsimd {
namespace {
namespace xs = ::xsimd;

template <typename T>
struct CovOps {
  using V = xs::batch<T>;
  static constexpr std::size_t L = V::size;
  static V zero() noexcept { return V(T(0)); }
  static V set(T a) noexcept { return V(a); }
  static V load(const T* p) noexcept { return V::load_aligned(p); }
  static V loadu(const T* p) noexcept { return V::load_unaligned(p); }
  static void store(const V& v, T* p) noexcept { v.store_aligned(p); }
  static void storeu(const V& v, T* p) noexcept { v.store_unaligned(p); }
  static V add(const V& a, const V& b) noexcept { return a + b; }
  static V sub(const V& a, const V& b) noexcept { return a - b; }
  static V fma(const V& a, const V& b, const V& c) noexcept { return xs::fma(a, b, c); }
  static V abs(const V& a) noexcept { return xs::abs(a); }
  static V max(const V& a, const V& b) noexcept { return xs::max(a, b); }
};

}  // namespace

#define OLSF_XSIMD_COVARIANCE(T)                                                                               \
  void column_sums(std::size_t m, std::size_t n, const T* x, std::size_t ldx, T* sum, T* amax) noexcept {      \
    detail::simd_column_sums<T, CovOps<T>>(m, n, x, ldx, sum, amax);                                           \
  }                                                                                                            \
  void centred_gram_update(std::size_t m, std::size_t d, std::size_t k, const T* x, std::size_t ldx,           \
                           const T* cx, const T* y, std::size_t ldy, const T* cy, T* sxx, std::size_t ldsxx,   \
                           T* sxy, std::size_t ldsxy, T* syy, T* rx, T* ry) noexcept {                         \
    if (!detail::simd_centred_gram<T, CovOps<T>>(m, d, k, x, ldx, cx, y, ldy, cy, sxx, ldsxx, sxy, ldsxy, syy, \
                                                 rx, ry))                                                      \
      scalar::centred_gram_update(m, d, k, x, ldx, cx, y, ldy, cy, sxx, ldsxx, sxy, ldsxy, syy, rx, ry);       \
  }

OLSF_XSIMD_COVARIANCE(float)
OLSF_XSIMD_COVARIANCE(double)
#undef OLSF_XSIMD_COVARIANCE

}  // namespace olsf::xsimd
