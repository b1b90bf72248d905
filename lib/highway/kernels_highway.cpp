// olsformer Highway backend: the basic kernels, compiled for the target the compiler flags
// select (AVX2 on the host preset, NEON on aarch64, HWY_SCALAR on Cortex-M) and, with
// OLSF_HWY_DYNAMIC_DISPATCH, also for AVX3, picked at run time (highway_targets.hpp).
// Strided access falls back to the scalar reference in this one place: the vector
// paths are for the contiguous case every algorithm arranges for.
// Everything outside the HWY_BEFORE_NAMESPACE region is included before it (baseline
// code, shared by all targets); foreach_target.h re-includes this file once per target.
#include <cstddef>
#include <cstdint>
#include <limits>

#include "../common/softmax_guard.hpp"
#include "highway_targets.hpp"
#include "olsformer/kernels.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "highway/kernels_highway.cpp"
#if defined(OLSF_HWY_DYNAMIC_DISPATCH)
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#endif
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>

#if !HWY_HAVE_FLOAT64
#error "the Highway backend needs a target with float64 lanes (armv7 NEON has none: use scalar)"
#endif

HWY_BEFORE_NAMESPACE();
namespace olsf::highway {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <typename T>
using Tag = hn::ScalableTag<T>;

// Loads the count < Lanes trailing elements at p, `fill` in the lanes past the end.
// Through a buffer: Highway 1.0.3's MaskedLoad on NEON loads the whole vector, i.e.
// reads past the end of the array.
template <class D, typename T = hn::TFromD<D>>
HWY_INLINE hn::Vec<D> load_tail(D d, const T* p, std::size_t count, T fill) {
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
  for (std::size_t k = 0; k < hn::Lanes(d); ++k) buf[k] = k < count ? p[k] : fill;
  return hn::Load(d, buf);
}

template <typename T>
T dot_impl(std::size_t n, const T* x, std::size_t incx, const T* y, std::size_t incy) noexcept {
  if (incx != 1 || incy != 1) return scalar::dot(n, x, incx, y, incy);
  const Tag<T> d;
  const std::size_t N = hn::Lanes(d);
  // Four independent accumulators hide the FMA latency.
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  std::size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    s0 = hn::MulAdd(hn::LoadU(d, x + i), hn::LoadU(d, y + i), s0);
    s1 = hn::MulAdd(hn::LoadU(d, x + i + N), hn::LoadU(d, y + i + N), s1);
    s2 = hn::MulAdd(hn::LoadU(d, x + i + 2 * N), hn::LoadU(d, y + i + 2 * N), s2);
    s3 = hn::MulAdd(hn::LoadU(d, x + i + 3 * N), hn::LoadU(d, y + i + 3 * N), s3);
  }
  for (; i + N <= n; i += N) s0 = hn::MulAdd(hn::LoadU(d, x + i), hn::LoadU(d, y + i), s0);
  if (i < n) {
    s1 = hn::MulAdd(load_tail(d, x + i, n - i, T(0)), load_tail(d, y + i, n - i, T(0)), s1);
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
}

template <typename T>
void axpy_impl(std::size_t n, T a, const T* x, std::size_t incx, T* y, std::size_t incy) noexcept {
  if (incx != 1 || incy != 1) return scalar::axpy(n, a, x, incx, y, incy);
  const Tag<T> d;
  const std::size_t N = hn::Lanes(d);
  const auto va = hn::Set(d, a);
  std::size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(hn::MulAdd(va, hn::LoadU(d, x + i), hn::LoadU(d, y + i)), d, y + i);
  for (; i < n; ++i) y[i] += a * x[i];
}

template <typename T>
void gemv_impl(std::size_t rows, std::size_t cols, T alpha, const T* a, std::size_t lda, const T* x,
               std::size_t incx, T beta, T* y, std::size_t incy) noexcept {
  if (incx != 1) return scalar::gemv(rows, cols, alpha, a, lda, x, incx, beta, y, incy);
  for (std::size_t i = 0; i < rows; ++i) {
    const T ax = alpha * dot_impl(cols, a + i * lda, 1, x, 1);
    y[i * incy] = beta == T(0) ? ax : ax + beta * y[i * incy];
  }
}

template <typename T>
void gemv_t_impl(std::size_t rows, std::size_t cols, T alpha, const T* a, std::size_t lda,
                 const T* x, std::size_t incx, T beta, T* y, std::size_t incy) noexcept {
  if (incy != 1) return scalar::gemv_t(rows, cols, alpha, a, lda, x, incx, beta, y, incy);
  // y = beta*y, then one axpy per row of A: rows are contiguous, so this vectorizes.
  for (std::size_t j = 0; j < cols; ++j) y[j] = beta == T(0) ? T(0) : beta * y[j];
  for (std::size_t i = 0; i < rows; ++i) axpy_impl(cols, alpha * x[i * incx], a + i * lda, 1, y, 1);
}

template <typename T>
T reduce_max_impl(std::size_t n, const T* x, std::size_t incx) noexcept {
  if (incx != 1) return scalar::reduce_max(n, x, incx);
  const Tag<T> d;
  const std::size_t N = hn::Lanes(d);
  const T neg_inf = -std::numeric_limits<T>::infinity();
  auto m = hn::Set(d, neg_inf);
  auto nan_seen = hn::Zero(d);  // hardware max does not propagate NaN: track it apart
  std::size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto v = hn::LoadU(d, x + i);
    m = hn::Max(m, v);
    nan_seen = hn::Or(nan_seen, hn::VecFromMask(d, hn::IsNaN(v)));
  }
  if (i < n) {
    const auto v = load_tail(d, x + i, n - i, neg_inf);
    m = hn::Max(m, v);
    nan_seen = hn::Or(nan_seen, hn::VecFromMask(d, hn::IsNaN(v)));
  }
  if (!hn::AllFalse(d, hn::MaskFromVec(nan_seen))) return std::numeric_limits<T>::quiet_NaN();
  return hn::GetLane(hn::MaxOfLanes(d, m));
}

template <typename T>
T reduce_sum_impl(std::size_t n, const T* x, std::size_t incx) noexcept {
  if (incx != 1) return scalar::reduce_sum(n, x, incx);
  const Tag<T> d;
  const std::size_t N = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d);
  std::size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    s0 = hn::Add(s0, hn::LoadU(d, x + i));
    s1 = hn::Add(s1, hn::LoadU(d, x + i + N));
  }
  for (; i + N <= n; i += N) s0 = hn::Add(s0, hn::LoadU(d, x + i));
  if (i < n) s1 = hn::Add(s1, load_tail(d, x + i, n - i, T(0)));
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
}

// hn::Exp is accurate to 1 ulp on [-max, +104] (float) / [-max, +706] (double) but maps
// NaN to 0 and is wrong above that range; fix those lanes to what std::exp gives.
// Float overflows (88.72) inside the valid range. Double does not (709.78): above 700,
// e^x = e^(x - 8) * e^8 with x - 8 exact and e^8 as a double-double (hi + lo), which
// costs one extra rounding there (2 ulp instead of 1; see exp_max_ulp).
template <class D>
HWY_INLINE hn::Vec<D> exp_vec(D d, hn::Vec<D> v) {
  using T = hn::TFromD<D>;
  constexpr bool kF32 = sizeof(T) == 4;
  const auto overflow = hn::Gt(v, hn::Set(d, kF32 ? T(88.72283935546875) : T(709.782712893384)));
  auto y = hn::Exp(d, v);
  if constexpr (!kF32) {
    const auto big = hn::Gt(v, hn::Set(d, T(700)));
    if (HWY_UNLIKELY(!hn::AllFalse(d, big))) {
      const auto z = hn::Exp(d, hn::Sub(v, hn::Set(d, T(8))));
      const auto e8_hi = hn::Set(d, T(0x1.749ea7d470c6ep+11)), e8_lo = hn::Set(d, T(-2.7103295816873633e-14));
      y = hn::IfThenElse(big, hn::MulAdd(z, e8_hi, hn::Mul(z, e8_lo)), y);
    }
  }
  y = hn::IfThenElse(overflow, hn::Set(d, std::numeric_limits<T>::infinity()), y);
  return hn::IfThenElse(hn::IsNaN(v), v, y);
}

template <typename T>
void exp_impl(std::size_t n, const T* x, T* y) noexcept {
  const Tag<T> d;
  const std::size_t N = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(exp_vec(d, hn::LoadU(d, x + i)), d, y + i);
  if (i < n) {
    HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
    hn::Store(exp_vec(d, load_tail(d, x + i, n - i, T(0))), d, buf);
    for (std::size_t k = 0; i + k < n; ++k) y[i + k] = buf[k];
  }
}

template <typename T>
Status softmax_impl(std::size_t n, const T* x, std::size_t incx, T* y, std::size_t incy) noexcept {
  if (incx != 1 || incy != 1) return scalar::softmax(n, x, incx, y, incy);
  const T m = reduce_max_impl(n, x, 1);
  const Status s = detail::softmax_guard(n, m);
  if (s != Status::ok) return s;
  const Tag<T> d;
  const std::size_t N = hn::Lanes(d);
  const auto vm = hn::Set(d, m);
  // Inputs are x - m <= 0 (or -inf): hn::Exp is exact at the edges there (-inf -> 0).
  auto sum = hn::Zero(d);
  std::size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto e = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i), vm));
    hn::StoreU(e, d, y + i);
    sum = hn::Add(sum, e);
  }
  T total = hn::GetLane(hn::SumOfLanes(d, sum));
  for (; i < n; ++i) {
    HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
    hn::Store(hn::Exp(d, hn::Sub(hn::Set(d, x[i]), vm)), d, buf);
    y[i] = buf[0];
    total += buf[0];
  }
  const auto vt = hn::Set(d, total);  // >= 1: the maximal logit contributes e^0
  i = 0;
  for (; i + N <= n; i += N) hn::StoreU(hn::Div(hn::LoadU(d, y + i), vt), d, y + i);
  for (; i < n; ++i) y[i] /= total;
  return Status::ok;
}

OLSF_HWY_ENTRY std::size_t LanesF32() { return hn::Lanes(Tag<float>()); }
OLSF_HWY_ENTRY std::size_t LanesF64() { return hn::Lanes(Tag<double>()); }
OLSF_HWY_ENTRY std::int64_t Target() { return HWY_TARGET; }

// One entry point per kernel and type (HWY_EXPORT needs names without overloads, and
// function types without noexcept: Highway 1.0.3 cannot deduce those).
#define OLSF_HWY_KERNEL_ENTRIES(T, S)                                                                         \
  OLSF_HWY_ENTRY T Dot##S(std::size_t n, const T* x, std::size_t incx, const T* y, std::size_t incy) {             \
    return dot_impl(n, x, incx, y, incy);                                                                     \
  }                                                                                                           \
  OLSF_HWY_ENTRY void Axpy##S(std::size_t n, T a, const T* x, std::size_t incx, T* y, std::size_t incy) {          \
    axpy_impl(n, a, x, incx, y, incy);                                                                        \
  }                                                                                                           \
  OLSF_HWY_ENTRY void Gemv##S(std::size_t rows, std::size_t cols, T alpha, const T* a, std::size_t lda, const T* x,         \
               std::size_t incx, T beta, T* y, std::size_t incy) {                                  \
    gemv_impl(rows, cols, alpha, a, lda, x, incx, beta, y, incy);                                             \
  }                                                                                                           \
  OLSF_HWY_ENTRY void GemvT##S(std::size_t rows, std::size_t cols, T alpha, const T* a, std::size_t lda, const T* x,        \
                std::size_t incx, T beta, T* y, std::size_t incy) {                                 \
    gemv_t_impl(rows, cols, alpha, a, lda, x, incx, beta, y, incy);                                           \
  }                                                                                                           \
  OLSF_HWY_ENTRY T ReduceMax##S(std::size_t n, const T* x, std::size_t incx) { return reduce_max_impl(n, x, incx); } \
  OLSF_HWY_ENTRY T ReduceSum##S(std::size_t n, const T* x, std::size_t incx) { return reduce_sum_impl(n, x, incx); } \
  OLSF_HWY_ENTRY void Exp##S(std::size_t n, const T* x, T* y) { exp_impl(n, x, y); }                               \
  OLSF_HWY_ENTRY Status Softmax##S(std::size_t n, const T* x, std::size_t incx, T* y, std::size_t incy) {          \
    return softmax_impl(n, x, incx, y, incy);                                                                 \
  }
#if defined(OLSF_HWY_DYNAMIC_DISPATCH)
OLSF_HWY_KERNEL_ENTRIES(float, F32)
OLSF_HWY_KERNEL_ENTRIES(double, F64)
#endif

}  // namespace HWY_NAMESPACE
}  // namespace olsf::highway
HWY_AFTER_NAMESPACE();

#if !defined(OLSF_HWY_DYNAMIC_DISPATCH)
// One static target: the entry points outside the target region (no target attributes),
// so that they fold into the public functions and the code is what it was without them.
namespace olsf::highway::HWY_NAMESPACE {
OLSF_HWY_KERNEL_ENTRIES(float, F32)
OLSF_HWY_KERNEL_ENTRIES(double, F64)
}  // namespace olsf::highway::HWY_NAMESPACE
#endif
#undef OLSF_HWY_KERNEL_ENTRIES

#if HWY_ONCE
namespace olsf::highway {

OLSF_HWY_EXPORT(LanesF32);
OLSF_HWY_EXPORT(LanesF64);
OLSF_HWY_EXPORT(Target);

// hn::Exp (documented 1 ulp); 2 for double above 700 (see exp_vec).
unsigned exp_max_ulp_f32() noexcept { return 1; }
unsigned exp_max_ulp_f64() noexcept { return 2; }
const char* backend_name() noexcept { return "highway"; }

std::int64_t compiled_targets() noexcept {
#if defined(OLSF_HWY_DYNAMIC_DISPATCH)
  return HWY_TARGETS;
#else
  return HWY_STATIC_TARGET;  // HWY_TARGETS may list more (SVE on aarch64): not compiled here
#endif
}
std::int64_t dispatched_target() noexcept { return OLSF_HWY_CALL(Target)(); }

const char* isa_name() noexcept {
#if defined(OLSF_HWY_DYNAMIC_DISPATCH)
  return hwy::TargetName(dispatched_target());
#else
  // The static target the compiler flags selected; tests assert the expected one.
#if HWY_STATIC_TARGET == HWY_AVX3
  return "AVX3";
#elif HWY_STATIC_TARGET == HWY_AVX2
  return "AVX2";
#elif HWY_STATIC_TARGET == HWY_SSE4
  return "SSE4";
#elif HWY_STATIC_TARGET == HWY_SSSE3
  return "SSSE3";
#elif HWY_STATIC_TARGET == HWY_NEON
  return "NEON";
#elif HWY_STATIC_TARGET == HWY_SVE
  return "SVE";
#elif HWY_STATIC_TARGET == HWY_EMU128
  return "EMU128";
#elif HWY_STATIC_TARGET == HWY_SCALAR
  return "SCALAR";
#else
  return "other";
#endif
#endif
}

std::size_t lanes_f32() noexcept { return OLSF_HWY_CALL(LanesF32)(); }
std::size_t lanes_f64() noexcept { return OLSF_HWY_CALL(LanesF64)(); }

#define OLSF_HWY_KERNELS(T, S)                                                                              \
  OLSF_HWY_EXPORT(Dot##S);                                                                                  \
  OLSF_HWY_EXPORT(Axpy##S);                                                                                 \
  OLSF_HWY_EXPORT(Gemv##S);                                                                                 \
  OLSF_HWY_EXPORT(GemvT##S);                                                                                \
  OLSF_HWY_EXPORT(ReduceMax##S);                                                                            \
  OLSF_HWY_EXPORT(ReduceSum##S);                                                                            \
  OLSF_HWY_EXPORT(Exp##S);                                                                                  \
  OLSF_HWY_EXPORT(Softmax##S);                                                                              \
  T dot(std::size_t n, const T* x, std::size_t incx, const T* y, std::size_t incy) noexcept {               \
    return OLSF_HWY_CALL(Dot##S)(n, x, incx, y, incy);                                                      \
  }                                                                                                         \
  void axpy(std::size_t n, T a, const T* x, std::size_t incx, T* y, std::size_t incy) noexcept {            \
    OLSF_HWY_CALL(Axpy##S)(n, a, x, incx, y, incy);                                                         \
  }                                                                                                         \
  void gemv(std::size_t rows, std::size_t cols, T alpha, const T* a, std::size_t lda, const T* x,           \
            std::size_t incx, T beta, T* y, std::size_t incy) noexcept {                                    \
    OLSF_HWY_CALL(Gemv##S)(rows, cols, alpha, a, lda, x, incx, beta, y, incy);                              \
  }                                                                                                         \
  void gemv_t(std::size_t rows, std::size_t cols, T alpha, const T* a, std::size_t lda, const T* x,         \
              std::size_t incx, T beta, T* y, std::size_t incy) noexcept {                                  \
    OLSF_HWY_CALL(GemvT##S)(rows, cols, alpha, a, lda, x, incx, beta, y, incy);                             \
  }                                                                                                         \
  T reduce_max(std::size_t n, const T* x, std::size_t incx) noexcept {                                      \
    return OLSF_HWY_CALL(ReduceMax##S)(n, x, incx);                                                         \
  }                                                                                                         \
  T reduce_sum(std::size_t n, const T* x, std::size_t incx) noexcept {                                      \
    return OLSF_HWY_CALL(ReduceSum##S)(n, x, incx);                                                         \
  }                                                                                                         \
  void exp(std::size_t n, const T* x, T* y) noexcept { OLSF_HWY_CALL(Exp##S)(n, x, y); }                    \
  Status softmax(std::size_t n, const T* x, std::size_t incx, T* y, std::size_t incy) noexcept {            \
    return OLSF_HWY_CALL(Softmax##S)(n, x, incx, y, incy);                                                  \
  }
OLSF_HWY_KERNELS(float, F32)
OLSF_HWY_KERNELS(double, F64)
#undef OLSF_HWY_KERNELS

}  // namespace olsf::highway
#endif  // HWY_ONCE
