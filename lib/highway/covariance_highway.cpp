// olsformer Highway backend: the batched slow-memory kernels (detail/covariance_api.inc)
// through the shared register-blocked driver (lib/common/covariance_block.hpp). Compiled
// for the target the compiler flags select and, with OLSF_HWY_DYNAMIC_DISPATCH, also for
// AVX3 (highway_targets.hpp).
#include <cstddef>

#include "highway_targets.hpp"
#include "olsformer/kernels.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "highway/covariance_highway.cpp"
#if defined(OLSF_HWY_DYNAMIC_DISPATCH)
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#endif
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
// Inside the target region, once per target (Highway's per-target include guard; its
// templates land in olsf::detail::HWY_NAMESPACE): the shared driver must carry the same
// target attributes as the Highway ops it inlines.
#include "../common/covariance_block.hpp"
namespace olsf::highway {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <typename T>
struct CovOps {
  // AVX3: 256-bit vectors (AVX-512VL), as the attention ops. A sample row of d + k + 1
  // entries in 16-float vectors wastes most lanes at small d, and 512-bit operations add
  // no throughput where they run as two halves (this project's Zen 4): D = 8, 1024 rows,
  // 15.1 us on 512 bits, 6.6 us on 256.
#if HWY_TARGET == HWY_AVX3
  using D = hn::CappedTag<T, 32 / sizeof(T)>;
#else
  using D = hn::ScalableTag<T>;
#endif
  using V = hn::Vec<D>;
  static constexpr std::size_t L = hn::MaxLanes(D());
  static HWY_INLINE V zero() { return hn::Zero(D()); }
  static HWY_INLINE V set(T a) { return hn::Set(D(), a); }
  static HWY_INLINE V load(const T* p) { return hn::Load(D(), p); }
  static HWY_INLINE V loadu(const T* p) { return hn::LoadU(D(), p); }
  static HWY_INLINE void store(V v, T* p) { hn::Store(v, D(), p); }
  static HWY_INLINE void storeu(V v, T* p) { hn::StoreU(v, D(), p); }
  static HWY_INLINE V add(V a, V b) { return hn::Add(a, b); }
  static HWY_INLINE V sub(V a, V b) { return hn::Sub(a, b); }
  static HWY_INLINE V fma(V a, V b, V c) { return hn::MulAdd(a, b, c); }
  static HWY_INLINE V abs(V a) { return hn::Abs(a); }
  static HWY_INLINE V max(V a, V b) { return hn::Max(a, b); }
};

template <typename T>
void column_sums_impl(std::size_t m, std::size_t n, const T* x, std::size_t ldx, T* sum, T* amax) noexcept {
  detail::HWY_NAMESPACE::simd_column_sums<T, CovOps<T>>(m, n, x, ldx, sum, amax);
}

template <typename T>
void centred_gram_impl(std::size_t m, std::size_t d, std::size_t k, const T* x, std::size_t ldx, const T* cx,
                       const T* y, std::size_t ldy, const T* cy, T* sxx, std::size_t ldsxx, T* sxy,
                       std::size_t ldsxy, T* syy, T* rx, T* ry) noexcept {
  // One lane (HWY_SCALAR, the Cortex-M build): the reference is the same loop without
  // the 16 KB stack scratch a microcontroller cannot spare.
  if constexpr (CovOps<T>::L > 1) {
    if (detail::HWY_NAMESPACE::simd_centred_gram<T, CovOps<T>>(m, d, k, x, ldx, cx, y, ldy, cy, sxx, ldsxx, sxy, ldsxy, syy, rx,
                                                ry))
      return;
  }
  scalar::centred_gram_update(m, d, k, x, ldx, cx, y, ldy, cy, sxx, ldsxx, sxy, ldsxy, syy, rx, ry);
}

// One entry point per kernel and type for HWY_EXPORT (no overloads, no noexcept).
#define OLSF_HWY_COVARIANCE_ENTRIES(T, S)                                                                      \
  OLSF_HWY_ENTRY void ColumnSums##S(std::size_t m, std::size_t n, const T* x, std::size_t ldx, T* sum, T* amax) {             \
    column_sums_impl(m, n, x, ldx, sum, amax);                                                                 \
  }                                                                                                            \
  OLSF_HWY_ENTRY void CentredGram##S(std::size_t m, std::size_t d, std::size_t k, const T* x, std::size_t ldx, const T* cx,   \
                      const T* y, std::size_t ldy, const T* cy, T* sxx, std::size_t ldsxx, T* sxy,             \
                      std::size_t ldsxy, T* syy, T* rx, T* ry) {                                               \
    centred_gram_impl(m, d, k, x, ldx, cx, y, ldy, cy, sxx, ldsxx, sxy, ldsxy, syy, rx, ry);                   \
  }
#if defined(OLSF_HWY_DYNAMIC_DISPATCH)
OLSF_HWY_COVARIANCE_ENTRIES(float, F32)
OLSF_HWY_COVARIANCE_ENTRIES(double, F64)
#endif

}  // namespace HWY_NAMESPACE
}  // namespace olsf::highway
HWY_AFTER_NAMESPACE();

#if !defined(OLSF_HWY_DYNAMIC_DISPATCH)
// One static target: the entry points outside the target region (no target attributes),
// so that they fold into the public functions and the code is what it was without them.
namespace olsf::highway::HWY_NAMESPACE {
OLSF_HWY_COVARIANCE_ENTRIES(float, F32)
OLSF_HWY_COVARIANCE_ENTRIES(double, F64)
}  // namespace olsf::highway::HWY_NAMESPACE
#endif
#undef OLSF_HWY_COVARIANCE_ENTRIES

#if HWY_ONCE
namespace olsf::highway {

#define OLSF_HIGHWAY_COVARIANCE(T, S)                                                                          \
  OLSF_HWY_EXPORT(ColumnSums##S);                                                                              \
  OLSF_HWY_EXPORT(CentredGram##S);                                                                             \
  void column_sums(std::size_t m, std::size_t n, const T* x, std::size_t ldx, T* sum, T* amax) noexcept {      \
    OLSF_HWY_CALL(ColumnSums##S)(m, n, x, ldx, sum, amax);                                                     \
  }                                                                                                            \
  void centred_gram_update(std::size_t m, std::size_t d, std::size_t k, const T* x, std::size_t ldx,           \
                           const T* cx, const T* y, std::size_t ldy, const T* cy, T* sxx, std::size_t ldsxx,   \
                           T* sxy, std::size_t ldsxy, T* syy, T* rx, T* ry) noexcept {                         \
    OLSF_HWY_CALL(CentredGram##S)(m, d, k, x, ldx, cx, y, ldy, cy, sxx, ldsxx, sxy, ldsxy, syy, rx, ry);       \
  }

OLSF_HIGHWAY_COVARIANCE(float, F32)
OLSF_HIGHWAY_COVARIANCE(double, F64)
#undef OLSF_HIGHWAY_COVARIANCE

}  // namespace olsf::highway
#endif  // HWY_ONCE
