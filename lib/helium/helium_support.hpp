// olsformer Helium backend (internal): the MVE pieces every kernel file shares. Cortex-M55
// (Armv8.1-M MVE with floating point, 4 float lanes, 8 Q registers, no double lanes and
// no vector divide). Tails are handled by tail predication (vctp32q): predicated-off
// lanes of an MVE load neither read memory nor fault, so no buffer copy is needed.
#pragma once
#include <cstddef>
#include <cstdint>

#include <arm_mve.h>

#if !defined(__ARM_FEATURE_MVE) || !(__ARM_FEATURE_MVE & 2)
#error "the Helium backend needs MVE with floating point (e.g. -mcpu=cortex-m55)"
#endif

namespace olsf::helium_detail {

constexpr std::size_t kLanes = 4;

inline mve_pred16_t tail_pred(std::size_t count) noexcept { return vctp32q(static_cast<std::uint32_t>(count)); }

// The count < 4 (or <= 4) elements at p, zeros in the other lanes (no memory access there).
inline float32x4_t load_tail(const float* p, std::size_t count) noexcept {
  return vldrwq_z_f32(p, tail_pred(count));
}

inline void store_tail(float* p, float32x4_t v, std::size_t count) noexcept { vstrwq_p_f32(p, v, tail_pred(count)); }

// GCC 12 turns every address q + i and k_c + i of the unrolled loop into its own
// induction variable or hoisted invariant, then spills them (8 Q and ~12 core registers):
// 2-3x the instructions. Hiding the base pointers from the optimizer once per key group
// keeps the loads at immediate offsets from one register per row.
template <typename P>
inline P opaque(P p) noexcept {
  __asm__ volatile("" : "+r"(p));
  return p;
}

// Sum of the four lanes, (l0 + l1) + (l2 + l3): MVE has no across-vector float add.
inline float sum_lanes(float32x4_t v) noexcept {
  return (vgetq_lane_f32(v, 0) + vgetq_lane_f32(v, 1)) + (vgetq_lane_f32(v, 2) + vgetq_lane_f32(v, 3));
}

// Lane c of the result = sum of the lanes of a_c: four stores, one de-interleaving load
// (VLD4, stride 4: vector m gets lane m of a0..a3) and three vector adds, instead of
// twelve scalar adds. (VST4 of the accumulators would need them in four consecutive Q
// registers, which costs GCC 12 spills.) The summation order differs from sum_lanes' but
// the error bound of a dot product (gamma_d, any order) does not depend on it.
inline float32x4_t sum_lanes4(float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3) noexcept {
  alignas(16) float scratch[16];
  float* buf = opaque(scratch);  // one base register, immediate offsets
  vstrwq_f32(buf, a0);
  vstrwq_f32(buf + 4, a1);
  vstrwq_f32(buf + 8, a2);
  vstrwq_f32(buf + 12, a3);
  const float32x4x4_t t = vld4q_f32(buf);  // t.val[m] = {a0[m], a1[m], a2[m], a3[m]}
  return vaddq_f32(vaddq_f32(t.val[0], t.val[1]), vaddq_f32(t.val[2], t.val[3]));
}

// e^x for x reduced as in Cephes expf (Moshier 1989): x = n ln2 + r, |r| <= ln2 / 2, ln2
// split in two parts (C1 exact in 9 bits, so n C1 is exact for |n| <= 2^15), e^r by the
// Cephes minimax polynomial of degree 5 in r after 1 + r + r^2/2 ... (peak relative error
// 1.7e-7 on [-ln2/2, ln2/2]), and 2^n built in the exponent bits.
struct ExpReduced {
  float32x4_t p;  // e^r
  int32x4_t n;
};

inline ExpReduced exp_reduce(float32x4_t xc) noexcept {
  const float32x4_t fx = vrndnq_f32(vmulq_n_f32(xc, 1.44269504088896341f));
  float32x4_t r = vfmaq_n_f32(xc, fx, -0.693359375f);
  r = vfmaq_n_f32(r, fx, 2.12194440e-4f);
  float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
  p = vfmasq_n_f32(p, r, 1.3981999507e-3f);
  p = vfmasq_n_f32(p, r, 8.3334519073e-3f);
  p = vfmasq_n_f32(p, r, 4.1665795894e-2f);
  p = vfmasq_n_f32(p, r, 1.6666665459e-1f);
  p = vfmasq_n_f32(p, r, 5.0000001201e-1f);
  const float32x4_t y = vaddq_n_f32(vfmaq_f32(r, p, vmulq_f32(r, r)), 1.0f);  // 1 + r + r^2 p(r)
  return {y, vcvtq_s32_f32(fx)};
}

inline float32x4_t pow2i(int32x4_t n) noexcept {
  return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_n_s32(n, 127), 23));
}

// e^x over the whole float range, exact at the edges like std::exp: NaN -> NaN, -inf and
// x < -104 -> 0, +inf and x > ln(FLT_MAX) -> +inf. 2^n is applied as 2^(n/2) 2^(n - n/2)
// so that n = 128 (x just below ln(FLT_MAX)) and the subnormal results stay representable.
inline float32x4_t exp_full(float32x4_t x) noexcept {
  // maxnm/minnm return the number when one operand is NaN: NaN is clamped here and
  // restored below.
  const float32x4_t xc = vminnmq_f32(vmaxnmq_f32(x, vdupq_n_f32(-104.0f)), vdupq_n_f32(89.0f));
  const ExpReduced e = exp_reduce(xc);
  const int32x4_t n1 = vshrq_n_s32(e.n, 1);
  float32x4_t y = vmulq_f32(vmulq_f32(e.p, pow2i(n1)), pow2i(vsubq_s32(e.n, n1)));
  y = vpselq_f32(vdupq_n_f32(__builtin_inff()), y, vcmpgtq_n_f32(x, 88.72283905206835f));
  return vpselq_f32(x, y, vcmpneq_f32(x, x));
}

// e^x for x <= 0 or -inf, no NaN (the softmax after max subtraction). Clamped at -88,
// where n = -127 makes 2^n's bits those of +0: -inf and everything below about -87.7 give
// exactly 0 (results below FLT_MIN may be flushed: kernel_api.inc), with no select.
inline float32x4_t exp_nonpositive(float32x4_t x) noexcept {
  const ExpReduced e = exp_reduce(vmaxnmq_f32(x, vdupq_n_f32(-88.0f)));
  return vmulq_f32(e.p, pow2i(e.n));
}

}  // namespace olsf::helium_detail
