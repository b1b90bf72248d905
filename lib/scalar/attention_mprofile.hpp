// olsformer scalar backend (internal): the float attention kernels for the M-profile FPU
// with fused multiply-add (Cortex-M4F, M7, M55 without MVE use: issues #10 cases 4-5, #4,
// #6), where executed instructions, not flops, are the cost. Plain C++ on every other
// target (the scalar reference stays plain loops there: attention_scalar.cpp).
//
// What GCC 12 makes of the plain loops on the M4: a VLDR per operand, address arithmetic
// per element, ~6.7 instructions per multiply-add. Here the inner products run in inline
// assembly over fixed registers (as jacobi_sweeps.hpp's 8x8 path): one VLDM loads 8 floats
// of a key or value row, so a multiply-add costs ~1.2-1.3 instructions.
//  - scores: two keys per pass, 8 entries of q in s24..s31 and of each key in s8..s15 and
//    s16..s23, two independent sums (VFMA chains) in registers GCC picks;
//  - weighted sum of values: 16 (then 8) columns of the accumulator row in s16..s31 for
//    the whole pass over the keys, the weights of two keys by one VLDM into s0, s1, each
//    value row by two VLDMs into s8..s15;
//  - e^x by Cephes expf's reduction and polynomial (below), no libm call.
// Each sum runs in the textbook order (dot: i ascending; column c of the accumulator: keys
// ascending), one fused multiply-add per term (a dot product's first term is a plain
// product); the few entries past a multiple of 8 are done in C with std::fma, same order.
// The blocks use callee-saved s16..s31: each kernel call saves and restores them (VPUSH/
// VPOP, 64 B of stack), once per row, not per key.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__GNUC__) && defined(__arm__) && defined(__ARM_ARCH_PROFILE) && defined(__ARM_FP) && \
    defined(__FP_FAST_FMAF)
#if __ARM_ARCH_PROFILE == 'M' && (__ARM_FP & 4)
#define OLSF_ATTENTION_VFP 1
#endif
#endif

namespace olsf::scalar_detail {

// e^x for x <= 0 or -inf (no NaN: the softmax's exponentials after max subtraction) in
// the reduction and polynomial of the Helium backend's exp_nonpositive (lib/helium/
// helium_support.hpp), scalar: Cephes expf (Moshier 1989), x = n ln2 + r with
// |r| <= ln2/2, ln2 in two parts (C1 exact in 9 bits: n C1 exact), e^r = 1 + r + r^2 P(r)
// with the degree-5 minimax P, 2^n built in the exponent bits. The FPv4 FPU has neither
// VRINTN nor VMAXNM: n = the integer nearest to x log2 e, by one fused x log2 e + 1.5 * 2^23
// (whose last place is 1; exact for |x log2 e| < 2^22) minus 1.5 * 2^23, and the low 9 bits
// of that sum's pattern are n mod 512, so 2^n's pattern is (pattern << 23) + (127 << 23)
// without a conversion. Every product-sum is an explicit fma: nothing is left for GCC to
// contract, so the operation sequence is the same on every compiler setting.
// Clamped at -88: n = -127 gives the pattern of +0, so -inf and everything below about
// -87.7 give exactly 0 (results below FLT_MIN may be flushed: kernel_api.inc).
// Accuracy: at most 1 ulp from the correctly rounded e^x for every float x in
// [-87.33, 0] (where e^x >= FLT_MIN), measured exhaustively (all 1.1e9 floats) by a host
// replay of this function (fmaf, IEEE single, no contraction) against long double expl:
// worst 1 ulp, max relative error 8.4e-8; of the 41,535 inputs whose e^x is below FLT_MIN,
// those not flushed to 0 are within 1 ulp too. exp_max_ulp_f32() = 1 holds.
inline float exp_nonpositive(float x) noexcept {
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23
  x = x < -88.0f ? -88.0f : x;           // also -inf
  // x log2e + 1.5 * 2^23 in one rounding: n = the nearest integer to the exact x log2e
  // (Helium rounds x log2e first; GCC would contract the two operations here anyway).
  const float big = std::fma(x, 1.44269504088896341f, kRound);
  const float fx = big - kRound;
  float r = std::fma(fx, -0.693359375f, x);
  r = std::fma(fx, 2.12194440e-4f, r);
  float p = 1.9875691500e-4f;
  p = std::fma(p, r, 1.3981999507e-3f);
  p = std::fma(p, r, 8.3334519073e-3f);
  p = std::fma(p, r, 4.1665795894e-2f);
  p = std::fma(p, r, 1.6666665459e-1f);
  p = std::fma(p, r, 5.0000001201e-1f);
  const float y = std::fma(p, r * r, r) + 1.0f;
  std::uint32_t bits;
  std::memcpy(&bits, &big, sizeof bits);
  bits = (bits << 23) + 0x3f800000u;  // 2^n: n = (pattern - pattern(1.5 * 2^23)) mod 512
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return y * scale;
}

// m = max_{j < n} l[j] (-inf for n == 0) and whether every l[j] is finite: the result of
// detail::logit_max_loop, with one compare and one fused operation per entry (l 0 is +-0
// for a finite l and NaN otherwise, so the sum of those products is 0 exactly when all are).
inline bool logit_max_row(std::size_t n, const float* l, float& m) noexcept {
  float bm = -__builtin_inff(), chk = 0.0f;
  for (std::size_t j = 0; j < n; ++j) {
    const float x = l[j];
    chk = std::fma(x, 0.0f, chk);
    bm = x > bm ? x : bm;
  }
  m = bm;
  return chk == 0.0f;
}

// s[j] = e^(s[j] - m) for j < count (s[j] <= m or -inf); returns their sum, j ascending.
inline float exp_shift_row(std::size_t count, float* s, float m) noexcept {
  float sum = 0.0f;
  for (std::size_t j = 0; j < count; ++j) {
    const float e = exp_nonpositive(s[j] - m);
    s[j] = e;
    sum += e;
  }
  return sum;
}

#if defined(OLSF_ATTENTION_VFP)

// One pass of 8 entries for two keys: q in s24..s31, keys in s8..s15 and s16..s23.
#define OLSF_VFP_LOAD3 "vldmia %[q]!, {s24-s31}\n\tvldmia %[k0]!, {s8-s15}\n\tvldmia %[k1]!, {s16-s23}\n\t"
#define OLSF_VFP_FMA2(i, j, l)                                           \
  "vfma.f32 %[a0], s" #i ", s" #l "\n\tvfma.f32 %[a1], s" #j ", s" #l "\n\t"
#define OLSF_VFP_FMA2_REST                                                                                        \
  OLSF_VFP_FMA2(9, 17, 25) OLSF_VFP_FMA2(10, 18, 26) OLSF_VFP_FMA2(11, 19, 27) OLSF_VFP_FMA2(12, 20, 28)          \
      OLSF_VFP_FMA2(13, 21, 29) OLSF_VFP_FMA2(14, 22, 30) OLSF_VFP_FMA2(15, 23, 31)

// a0 = q.k0, a1 = q.k1 over 8 nc entries (nc >= 1), i ascending, each sum one VFMA chain.
inline void dot8_pair(const float* q, const float* k0, const float* k1, std::size_t nc, float& a0,
                      float& a1) noexcept {
  __asm__(OLSF_VFP_LOAD3
          "vmul.f32 %[a0], s8, s24\n\tvmul.f32 %[a1], s16, s24\n\t" OLSF_VFP_FMA2_REST
          "subs %[n], %[n], #1\n\t"
          "beq 2f\n"
          "1:\n\t" OLSF_VFP_LOAD3 OLSF_VFP_FMA2(8, 16, 24) OLSF_VFP_FMA2_REST
          "subs %[n], %[n], #1\n\t"
          "bne 1b\n"
          "2:"
          : [a0] "=&t"(a0), [a1] "=&t"(a1), [q] "+r"(q), [k0] "+r"(k0), [k1] "+r"(k1), [n] "+r"(nc)
          :
          : "cc", "memory", "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "s16", "s17", "s18", "s19",
            "s20", "s21", "s22", "s23", "s24", "s25", "s26", "s27", "s28", "s29", "s30", "s31");
}
// s[0, 2 pairs) = scale * (q . k_j), d = 8 nc (nc >= 1, pairs >= 1): dot8_pair with the
// loop over the key pairs inside, the sums in s0, s1, stored by one VSTM (~9 instructions
// per pair for what costs ~20 between separate asm statements).
inline void score_pairs8(std::size_t pairs, std::size_t nc, const float* q, const float* k, std::size_t ldk,
                         float scale, float* s) noexcept {
  const std::size_t ldk4 = ldk * sizeof(float), step = (2 * ldk - 8 * nc) * sizeof(float);
  const float* k1;
  const float* qp;
  std::size_t cnt;
  register float a0 __asm__("s0");  // the sums, adjacent for the VSTM
  register float a1 __asm__("s1");
  __asm__ volatile("0:\n\t"
                   "mov %[q], %[qbase]\n\t"
                   "mov %[cnt], %[nc]\n\t"
                   "add %[k1], %[k0], %[ldk4]\n\t" OLSF_VFP_LOAD3
                   "vmul.f32 %[a0], s8, s24\n\tvmul.f32 %[a1], s16, s24\n\t" OLSF_VFP_FMA2_REST
                   "subs %[cnt], %[cnt], #1\n\t"
                   "beq 2f\n"
                   "1:\n\t" OLSF_VFP_LOAD3 OLSF_VFP_FMA2(8, 16, 24) OLSF_VFP_FMA2_REST
                   "subs %[cnt], %[cnt], #1\n\t"
                   "bne 1b\n"
                   "2:\n\t"
                   "vmul.f32 %[a0], %[a0], %[scale]\n\t"
                   "vmul.f32 %[a1], %[a1], %[scale]\n\t"
                   "vstmia %[s]!, {%[a0]-%[a1]}\n\t"
                   "add %[k0], %[k0], %[step]\n\t"
                   "subs %[pairs], %[pairs], #1\n\t"
                   "bne 0b"
                   : [k0] "+r"(k), [s] "+r"(s), [pairs] "+r"(pairs), [k1] "=&r"(k1), [q] "=&r"(qp),
                     [cnt] "=&r"(cnt), [a0] "=&t"(a0), [a1] "=&t"(a1)
                   : [qbase] "r"(q), [nc] "r"(nc), [ldk4] "r"(ldk4), [step] "r"(step), [scale] "t"(scale)
                   : "cc", "memory", "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "s16", "s17",
                     "s18", "s19", "s20", "s21", "s22", "s23", "s24", "s25", "s26", "s27", "s28", "s29", "s30",
                     "s31");
}
#undef OLSF_VFP_FMA2_REST
#undef OLSF_VFP_FMA2
#undef OLSF_VFP_LOAD3

#define OLSF_VFP_FMA1(i, l) "vfma.f32 %[a0], s" #i ", s" #l "\n\t"
#define OLSF_VFP_FMA1_REST                                                                              \
  OLSF_VFP_FMA1(9, 25) OLSF_VFP_FMA1(10, 26) OLSF_VFP_FMA1(11, 27) OLSF_VFP_FMA1(12, 28) OLSF_VFP_FMA1(13, 29) \
      OLSF_VFP_FMA1(14, 30) OLSF_VFP_FMA1(15, 31)

// a0 = q.k0 over 8 nc entries (nc >= 1), i ascending.
inline float dot8(const float* q, const float* k0, std::size_t nc) noexcept {
  float a0;
  __asm__("vldmia %[q]!, {s24-s31}\n\tvldmia %[k0]!, {s8-s15}\n\t"
          "vmul.f32 %[a0], s8, s24\n\t" OLSF_VFP_FMA1_REST
          "subs %[n], %[n], #1\n\t"
          "beq 2f\n"
          "1:\n\t"
          "vldmia %[q]!, {s24-s31}\n\tvldmia %[k0]!, {s8-s15}\n\t" OLSF_VFP_FMA1(8, 24) OLSF_VFP_FMA1_REST
          "subs %[n], %[n], #1\n\t"
          "bne 1b\n"
          "2:"
          : [a0] "=&t"(a0), [q] "+r"(q), [k0] "+r"(k0), [n] "+r"(nc)
          :
          : "cc", "memory", "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "s24", "s25", "s26", "s27", "s28",
            "s29", "s30", "s31");
  return a0;
}
#undef OLSF_VFP_FMA1_REST
#undef OLSF_VFP_FMA1

// s[j] = scale * (q . k_j) for j < nk: the ScalarAttentionOps::scores of one query row.
// Out of line: the register blocks of the kernels above are saved once per call.
__attribute__((noinline)) inline void score_row_vfp(std::size_t nk, std::size_t d, const float* q, const float* k,
                                                    std::size_t ldk, float scale, float* s) noexcept {
  const std::size_t nc = d / 8, d8 = nc * 8;
  std::size_t j = 0;
  if (nc != 0 && d8 == d && nk >= 2) {
    score_pairs8(nk / 2, nc, q, k, ldk, scale, s);
    j = nk / 2 * 2;
  }
  for (; j + 2 <= nk; j += 2) {
    const float* k0 = k + j * ldk;
    const float* k1 = k0 + ldk;
    float a0 = 0.0f, a1 = 0.0f;
    if (nc != 0) dot8_pair(q, k0, k1, nc, a0, a1);
    for (std::size_t i = d8; i < d; ++i) {
      a0 = std::fma(q[i], k0[i], a0);
      a1 = std::fma(q[i], k1[i], a1);
    }
    s[j] = scale * a0;
    s[j + 1] = scale * a1;
  }
  if (j < nk) {
    const float* k0 = k + j * ldk;
    float a0 = nc != 0 ? dot8(q, k0, nc) : 0.0f;
    for (std::size_t i = d8; i < d; ++i) a0 = std::fma(q[i], k0[i], a0);
    s[j] = scale * a0;
  }
}

// Accumulator columns in s16..s31 (16) or s16..s23 (8) for the whole pass over the keys.
// A key's 16 columns: two VLDMs of 8 (the first advancing the row pointer by 8), then the
// step to the next row (ldv - 8 floats, in bytes).

#define OLSF_VFP_FMA8(...) OLSF_VFP_FMA8_(__VA_ARGS__)  // expands the register lists first
#define OLSF_VFP_FMA8_(w, a0, a1, a2, a3, a4, a5, a6, a7, v0, v1, v2, v3, v4, v5, v6, v7)                         \
  "vfma.f32 " a0 ", " w ", " v0 "\n\tvfma.f32 " a1 ", " w ", " v1 "\n\tvfma.f32 " a2 ", " w ", " v2               \
  "\n\tvfma.f32 " a3 ", " w ", " v3 "\n\tvfma.f32 " a4 ", " w ", " v4 "\n\tvfma.f32 " a5 ", " w ", " v5           \
  "\n\tvfma.f32 " a6 ", " w ", " v6 "\n\tvfma.f32 " a7 ", " w ", " v7 "\n\t"
#define OLSF_VFP_V8 "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15"
#define OLSF_VFP_W8 "s24", "s25", "s26", "s27", "s28", "s29", "s30", "s31"
#define OLSF_VFP_LO8 "s16", "s17", "s18", "s19", "s20", "s21", "s22", "s23"
#define OLSF_VFP_HI8 "s24", "s25", "s26", "s27", "s28", "s29", "s30", "s31"
// One key into 16 columns: weight in register w.
#define OLSF_VFP_KEY16(w)                                                                 \
  "vldmia %[v]!, {s8-s15}\n\t" OLSF_VFP_FMA8(w, OLSF_VFP_LO8, OLSF_VFP_V8)             \
      "vldmia %[v], {s8-s15}\n\t" OLSF_VFP_FMA8(w, OLSF_VFP_HI8, OLSF_VFP_V8) "add %[v], %[v], %[step]\n\t"

// acc[0, 16) = init[0, 16) + sum_{j < nk} p_j v_j[0, 16) (nk >= 1; v_j = v + j ldv), keys
// ascending. (volatile: the asm's only effect is on memory, GCC would drop it otherwise.)
inline void axpy_rows16(std::size_t nk, const float* p, const float* v, std::size_t ldv, const float* init,
                        float* acc) noexcept {
  const std::size_t step = (ldv - 8) * sizeof(float);
  std::size_t pairs = nk / 2;
  __asm__ volatile("vldmia %[init], {s16-s31}\n\t"
          "cmp %[pairs], #0\n\t"
          "beq 2f\n"
          "1:\n\t"
          "vldmia %[p]!, {s0-s1}\n\t" OLSF_VFP_KEY16("s0") OLSF_VFP_KEY16("s1")
          "subs %[pairs], %[pairs], #1\n\t"
          "bne 1b\n"
          "2:\n\t"
          "tst %[nk], #1\n\t"
          "beq 3f\n\t"
          "vldmia %[p]!, {s0}\n\t" OLSF_VFP_KEY16("s0")
          "3:\n\t"
          "vstmia %[acc], {s16-s31}"
          : [p] "+r"(p), [v] "+r"(v), [pairs] "+r"(pairs)
          : [init] "r"(init), [acc] "r"(acc), [nk] "r"(nk), [step] "r"(step)
          : "cc", "memory", "s0", "s1", "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "s16", "s17", "s18",
            "s19", "s20", "s21", "s22", "s23", "s24", "s25", "s26", "s27", "s28", "s29", "s30", "s31");
}
#undef OLSF_VFP_KEY16

// acc[0, 8) = init[0, 8) + sum_{j < nk} p_j v_j[0, 8) (nk >= 1), keys ascending; two keys
// per trip, rows in s8..s15 and s24..s31.
inline void axpy_rows8(std::size_t nk, const float* p, const float* v, std::size_t ldv, const float* init,
                       float* acc) noexcept {
  const std::size_t step = ldv * sizeof(float);
  std::size_t pairs = nk / 2;
  __asm__ volatile("vldmia %[init], {s16-s23}\n\t"
          "cmp %[pairs], #0\n\t"
          "beq 2f\n"
          "1:\n\t"
          "vldmia %[p]!, {s0-s1}\n\t"
          "vldmia %[v], {s8-s15}\n\t"
          "add %[v], %[v], %[step]\n\t"
          "vldmia %[v], {s24-s31}\n\t"
          "add %[v], %[v], %[step]\n\t" OLSF_VFP_FMA8("s0", OLSF_VFP_LO8, OLSF_VFP_V8)
              OLSF_VFP_FMA8("s1", OLSF_VFP_LO8, OLSF_VFP_W8)
          "subs %[pairs], %[pairs], #1\n\t"
          "bne 1b\n"
          "2:\n\t"
          "tst %[nk], #1\n\t"
          "beq 3f\n\t"
          "vldmia %[p]!, {s0}\n\t"
          "vldmia %[v], {s8-s15}\n\t" OLSF_VFP_FMA8("s0", OLSF_VFP_LO8, OLSF_VFP_V8)
          "3:\n\t"
          "vstmia %[acc], {s16-s23}"
          : [p] "+r"(p), [v] "+r"(v), [pairs] "+r"(pairs)
          : [init] "r"(init), [acc] "r"(acc), [nk] "r"(nk), [step] "r"(step)
          : "cc", "memory", "s0", "s1", "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "s16", "s17", "s18",
            "s19", "s20", "s21", "s22", "s23", "s24", "s25", "s26", "s27", "s28", "s29", "s30", "s31");
}
#undef OLSF_VFP_HI8
#undef OLSF_VFP_LO8
#undef OLSF_VFP_W8
#undef OLSF_VFP_V8
#undef OLSF_VFP_FMA8_
#undef OLSF_VFP_FMA8

// acc[c] += sum_{j < nk} p_j v_j[c] for c < dv (the ScalarAttentionOps::accumulate of one
// row), or with from_zero acc[c] = 0 + sum ...: what the driver computes on its zeroed
// accumulator, without the zeroing pass.
__attribute__((noinline)) inline void accumulate_row_vfp(std::size_t nk, std::size_t dv, const float* p,
                                                         const float* v, std::size_t ldv, float* acc,
                                                         bool from_zero = false) noexcept {
  static const float kZeros[16] = {};
  if (nk == 0) {
    if (from_zero)
      for (std::size_t c = 0; c < dv; ++c) acc[c] = 0.0f;
    return;
  }
  std::size_t c = 0;
  for (; c + 16 <= dv; c += 16) axpy_rows16(nk, p, v + c, ldv, from_zero ? kZeros : acc + c, acc + c);
  if (c + 8 <= dv) {
    axpy_rows8(nk, p, v + c, ldv, from_zero ? kZeros : acc + c, acc + c);
    c += 8;
  }
  for (; c < dv; ++c) {
    float a = from_zero ? 0.0f : acc[c];
    for (std::size_t j = 0; j < nk; ++j) a = std::fma(p[j], v[j * ldv + c], a);
    acc[c] = a;
  }
}

// 8 entries of x into s0..s7 and a fused x 0 added to chk for each (+-0 for a finite
// entry, NaN otherwise).
#define OLSF_VFP_CHECK8                                                                                    \
  "vldmia %[x]!, {s0-s7}\n\tvfma.f32 %[chk], s0, %[zero]\n\tvfma.f32 %[chk], s1, %[zero]\n\t"              \
  "vfma.f32 %[chk], s2, %[zero]\n\tvfma.f32 %[chk], s3, %[zero]\n\tvfma.f32 %[chk], s4, %[zero]\n\t"       \
  "vfma.f32 %[chk], s5, %[zero]\n\tvfma.f32 %[chk], s6, %[zero]\n\tvfma.f32 %[chk], s7, %[zero]\n\t"

// out[c] = acc[c] / z for c < n if every acc[c] is finite (then, with 1 <= z <= n keys,
// every quotient is finite too: |acc / z| <= |acc|), else false and out untouched. The
// quotients are those of detail::divide_all_finite.
inline bool divide_row_vfp(std::size_t n, const float* acc, float z, float* out) noexcept {
  float chk = 0.0f;
  const float* x = acc;
  std::size_t c = 0;
  for (; c + 8 <= n; c += 8)
    __asm__(OLSF_VFP_CHECK8
            : [chk] "+t"(chk), [x] "+r"(x)
            : [zero] "t"(0.0f), "m"(*reinterpret_cast<const float(*)[8]>(x))
            : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7");
  for (; c < n; ++c) chk = std::fma(acc[c], 0.0f, chk);
  if (!(chk == 0.0f)) return false;
  x = acc;
  float* o = out;
  for (c = 0; c + 8 <= n; c += 8)
    __asm__ volatile(
        "vldmia %[x]!, {s0-s7}\n\tvdiv.f32 s0, s0, %[z]\n\tvdiv.f32 s1, s1, %[z]\n\tvdiv.f32 s2, s2, %[z]\n\t"
        "vdiv.f32 s3, s3, %[z]\n\tvdiv.f32 s4, s4, %[z]\n\tvdiv.f32 s5, s5, %[z]\n\tvdiv.f32 s6, s6, %[z]\n\t"
        "vdiv.f32 s7, s7, %[z]\n\tvstmia %[o]!, {s0-s7}"
        : [x] "+r"(x), [o] "+r"(o)
        : [z] "t"(z)
        : "memory", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7");
  for (; c < n; ++c) out[c] = acc[c] / z;
  return true;
}
#undef OLSF_VFP_CHECK8

#endif  // OLSF_ATTENTION_VFP

}  // namespace olsf::scalar_detail
