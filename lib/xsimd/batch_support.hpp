// olsformer xsimd backend (internal): what every xsimd kernel file needs beyond xsimd 8.1
// itself: partial loads and stores for the tail of an array (8.1 has no masked load, so
// they go through an aligned buffer), IEEE division, and an exp without UB.
#pragma once
#include <cstddef>

#include <xsimd/xsimd.hpp>

namespace olsf::xsimd_detail {

// The count < size elements at p, `fill` in the lanes past the end.
template <typename T, class A = ::xsimd::default_arch>
::xsimd::batch<T, A> load_tail(const T* p, std::size_t count, T fill) noexcept {
  using B = ::xsimd::batch<T, A>;
  alignas(A::alignment()) T buf[B::size];
  for (std::size_t k = 0; k < B::size; ++k) buf[k] = k < count ? p[k] : fill;
  return B::load_aligned(buf);
}

// Stores the first count < size lanes of v at p.
template <typename T, class A>
void store_tail(const ::xsimd::batch<T, A>& v, T* p, std::size_t count) noexcept {
  alignas(A::alignment()) T buf[::xsimd::batch<T, A>::size];
  v.store_aligned(buf);
  for (std::size_t k = 0; k < count; ++k) p[k] = buf[k];
}

// xsimd 8.1 divides float batches on NEON (neon64 included) by a reciprocal estimate and
// two Newton steps, which is off by an ulp or more; AArch64 has a true vector divide.
template <typename T, class A>
::xsimd::batch<T, A> exact_div(const ::xsimd::batch<T, A>& a, const ::xsimd::batch<T, A>& b) noexcept {
#if defined(__aarch64__)
  if constexpr (sizeof(T) == 4) return ::xsimd::batch<T, A>(vdivq_f32(a, b));
#endif
  return a / b;
}

// xsimd::exp without undefined behaviour: for double on AVX2 xsimd 8.1 converts the
// reduced argument to int64 with a scalar cast (AVX2 has no such instruction), which is UB
// for +-inf and NaN (UBSan reports it; -inf is common: masked logits, softmax padding).
// Clamping to [-750, 710] gives the same results (exp underflows to 0 below, overflows to
// inf above) and NaN is passed through. Float converts with a vector instruction: as is.
template <typename T, class A>
::xsimd::batch<T, A> exp(const ::xsimd::batch<T, A>& x) noexcept {
  if constexpr (sizeof(T) == 8) {
    using B = ::xsimd::batch<T, A>;
    const B clamped = ::xsimd::min(::xsimd::max(x, B(T(-750))), B(T(710)));  // NaN -> -750
    return ::xsimd::select(::xsimd::isnan(x), x, ::xsimd::exp(clamped));
  } else {
    return ::xsimd::exp(x);
  }
}

}  // namespace olsf::xsimd_detail
