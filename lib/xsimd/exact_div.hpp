// olsformer xsimd backend (internal): IEEE division of batches. xsimd 8.1 divides float
// batches on NEON (neon64 included) by a reciprocal estimate and two Newton steps, which
// is off by an ulp or more; AArch64 has a true vector divide, so use it there.
#pragma once
#include <xsimd/xsimd.hpp>

namespace olsf::xsimd_detail {

template <typename T, class A>
::xsimd::batch<T, A> exact_div(const ::xsimd::batch<T, A>& a, const ::xsimd::batch<T, A>& b) noexcept {
#if defined(__aarch64__)
  if constexpr (sizeof(T) == 4) return ::xsimd::batch<T, A>(vdivq_f32(a, b));
#endif
  return a / b;
}

}  // namespace olsf::xsimd_detail
