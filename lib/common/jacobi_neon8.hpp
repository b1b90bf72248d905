// olsformer (internal): the 8 x 8 float parallel Jacobi sweep for aarch64 NEON (issue #10),
// shared by the Highway and xsimd backends (both reach it through simd_parallel_sweep).
//
// Layout: row i of A is two float32x4 registers, lo (columns 0..3) and hi (columns 4..7):
// 16 of the 32 q-registers. A sweep is the parallel (xor) ordering of
// jacobi_sweep_parallel, 7 rounds of 4 disjoint pairs, with the rounds ordered for the
// registers:
//  - "within" rounds m = 1, 2, 3: pairs (j, j xor m) inside each half; the column update
//    of every register is one lane permutation (xor m) and two fused operations;
//  - "cross" rounds m = 4 + s, s = 0, 1, 3, 2: pairs (k, 4 + (k xor s)); lo lane k meets
//    its partner in lane k of the hi register permuted by xor s.
// The 4 rotations of a round are computed together, one pair per lane (jacobi_rotation.hpp,
// Golub & Van Loan Alg. 8.5.1, with the criterion of jacobi_needs_rotation), rows are
// rotated by three shears with FMAs by lane (rotate_rows; the ordering's row permutation
// is register naming, fixed at compile time by unrolling the sweep), and the rotated
// pairs' entries are set to 0 exactly. The diagonal lives in d during the sweep (the
// diagonal lanes of the registers only feed the 2 x 2 blocks, which are then discarded),
// compensated as Rutishauser's (d(start) + the sum of the sweep's updates: one rounding
// per sweep, as in jacobi_cyclic_sweep_fixed, instead of the generic parallel sweep's
// TwoSum).
// Vt is not touched during the rounds: each round records its (tau, s) vectors, and once A
// is stored Vt is loaded into 16 registers and receives the recorded rounds in order (the
// same operations as rotating it round by round).
//
// Two ways through the rounds (a round that rotates nothing is an exact identity: c = 1,
// s = tau = 0, h = 0): while the iteration is far from converged (round 0 has 2 pairs far
// above the threshold), all 7 rounds run without tests, A in registers; there the within
// rounds leave the lower-left block (lo registers of rows 4..7) alone, since A is
// symmetric, and the cross rounds rebuild it first as the transpose of the upper-right
// block (transpose_upper), and the cross rounds keep the hi registers permuted to their s
// (rehi). Near convergence each round is tested on the entries in memory, skipped when it
// rotates nothing, and loads, updates (all four blocks) and stores A only when it rotates
// (GCC 12 keeps a register-resident A poorly across the skips). The two ways rotate the
// same pairs by the same angles; their results differ by roundings in the lower-left block.
//
// Member order: within a pair the lower lane plays p. A rotation for (q, p) is the same
// plane rotation as for (p, q) (theta and t change sign), except at theta = 0 where either
// 45-degree rotation diagonalises.
//
// Instructions per cold 8 x 8 solve (bench/arm, case jacobi8, Highway): 12,322 with the
// cyclic vector sweep, 7,319 with the first version of this one, 6,366 now (its 6 sweeps:
// 6,056 -> 5,103). Far from convergence a sweep costs about 1,120 instructions (was
// 1,335): the shears -122, the lower-left block left alone in the within rounds -63, the
// permuted hi registers in the cross rounds -19, one comparison for the two thresholds
// -7; near convergence the tested rounds load only the 4 entries they test (-83 per
// solve). Code: 10 KB, 480 bytes of stack (both ways through the rounds; one copy shared
// by both backends).
#pragma once
#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#define OLSF_JACOBI_NEON_SWEEP8 1

// The recorded rotations are only read for the rounds whose flag says they were written.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace olsf::detail::neon8 {

struct Regs {
  float32x4_t lo[8], hi[8];
};

// Pair j of round r: slots (p, q). Rounds 0..2: within, m = r + 1; rounds 3..6: cross,
// s = 0, 1, 3, 2.
constexpr unsigned kCrossXor[4] = {0, 1, 3, 2};
constexpr unsigned within_p(unsigned m, unsigned j) noexcept { return m == 1 ? 2 * j : j; }  // lane of p
constexpr unsigned within_q(unsigned m, unsigned j) noexcept { return within_p(m, j) ^ m; }
constexpr unsigned pair_p(unsigned r, unsigned j) noexcept {
  return r < 3 ? (j < 2 ? within_p(r + 1, j) : 4 + within_p(r + 1, j - 2)) : j;
}
constexpr unsigned pair_q(unsigned r, unsigned j) noexcept {
  return r < 3 ? (j < 2 ? within_q(r + 1, j) : 4 + within_q(r + 1, j - 2)) : 4 + (j ^ kCrossXor[r - 3]);
}

// x with its lanes permuted by lane xor X.
template <unsigned X>
[[gnu::always_inline]] inline float32x4_t lane_xor(float32x4_t x) noexcept {
  if constexpr (X == 0) return x;
  else if constexpr (X == 1) return vrev64q_f32(x);
  else if constexpr (X == 2) return vextq_f32(x, x, 2);
  else {  // lanes 3 2 1 0: one TBL instead of REV64 + EXT
    const uint8x16_t idx = {12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3};
    return vreinterpretq_f32_u8(vqtbl1q_u8(vreinterpretq_u8_f32(x), idx));
  }
}

template <int L>
[[gnu::always_inline]] inline float lane(float32x4_t v) noexcept {
  return vgetq_lane_f32(v, L);
}

// Fused operations by a lane, as single instructions: with the intrinsics GCC 12 hoists
// the lane broadcasts (DUP) out of the rounds and keeps them, spilled, for the Vt pass.
template <int J>
[[gnu::always_inline]] inline float32x4_t fma_lane(float32x4_t acc, float32x4_t x, float32x4_t v) noexcept {
  __asm__("fmla %0.4s, %1.4s, %2.s[%3]" : "+w"(acc) : "w"(x), "w"(v), "i"(J));
  return acc;
}
template <int J>
[[gnu::always_inline]] inline float32x4_t fms_lane(float32x4_t acc, float32x4_t x, float32x4_t v) noexcept {
  __asm__("fmls %0.4s, %1.4s, %2.s[%3]" : "+w"(acc) : "w"(x), "w"(v), "i"(J));
  return acc;
}

// Rows (p, q) <- (c p - s q, s p + c q) with tau = s / (1 + c) and s from lane J of tv, sv
// (J^T A, and J^T Vt), as three shears (Paeth 1986; exact for the rotation when
// tau = tan(phi / 2)): p <- p - tau q, q <- q + s p, p <- p - tau q. 3 fused operations
// in place instead of 2 multiplies and 2 fused operations into other registers. |phi| <= pi/4
// (|t| <= 1), so |tau| <= 0.42 and |s| <= 0.71: each shear adds at most one rounding of an
// entry of the pair's size, as the multiply-add form does. A pair that does not rotate
// (s = tau = 0) is left exactly as it was.
template <int J>
[[gnu::always_inline]] inline void rotate_rows(float32x4_t& p, float32x4_t& q, float32x4_t tv,
                                               float32x4_t sv) noexcept {
  p = fms_lane<J>(p, q, tv);
  q = fma_lane<J>(q, p, sv);
  p = fms_lane<J>(p, q, tv);
}

// Lower = false: not the lower-left block (lo registers of rows 4..7; see transpose_upper).
template <unsigned R, int J, bool Lower = true>
[[gnu::always_inline]] inline void rotate_pair_rows(Regs& x, float32x4_t cv, float32x4_t sv) noexcept {
  constexpr unsigned p = pair_p(R, J), q = pair_q(R, J);
  if (Lower || p < 4) rotate_rows<J>(x.lo[p], x.lo[q], cv, sv);
  rotate_rows<J>(x.hi[p], x.hi[q], cv, sv);
}

template <unsigned R, bool Lower = true>
[[gnu::always_inline]] inline void rotate_round_rows(Regs& x, float32x4_t cv, float32x4_t sv) noexcept {
  rotate_pair_rows<R, 0, Lower>(x, cv, sv);
  rotate_pair_rows<R, 1, Lower>(x, cv, sv);
  rotate_pair_rows<R, 2, Lower>(x, cv, sv);
  rotate_pair_rows<R, 3, Lower>(x, cv, sv);
}

// The hi registers' lanes permuted by xor X.
template <unsigned X>
[[gnu::always_inline]] inline void rehi(Regs& x) noexcept {
  for (int i = 0; i < 8; ++i) x.hi[i] = lane_xor<X>(x.hi[i]);
}

// The lower-left block (rows 4..7, columns 0..3) <- the transpose of the upper-right one:
// A is symmetric, so the untested sweep's within rounds update only the other three blocks
// and the cross rounds, which need it, rebuild it here (8 instructions instead of 18 in
// each of the 3 within rounds).
[[gnu::always_inline]] inline void transpose_upper(Regs& x) noexcept {
  const float32x4_t t0 = vtrn1q_f32(x.hi[0], x.hi[1]), t1 = vtrn2q_f32(x.hi[0], x.hi[1]);
  const float32x4_t t2 = vtrn1q_f32(x.hi[2], x.hi[3]), t3 = vtrn2q_f32(x.hi[2], x.hi[3]);
  const auto d = [](float32x4_t v) noexcept { return vreinterpretq_f64_f32(v); };
  x.lo[4] = vreinterpretq_f32_f64(vzip1q_f64(d(t0), d(t2)));
  x.lo[5] = vreinterpretq_f32_f64(vzip1q_f64(d(t1), d(t3)));
  x.lo[6] = vreinterpretq_f32_f64(vzip2q_f64(d(t0), d(t2)));
  x.lo[7] = vreinterpretq_f32_f64(vzip2q_f64(d(t1), d(t3)));
}

// Whole rows by LDP/STP of two q-registers (GCC 12 emits single LDR/STR q for the
// intrinsics, twice the instructions). The "m" operands order them with the other
// accesses to the matrix.
[[gnu::always_inline]] inline void load_rows(Regs& x, const float* m) noexcept {
  const auto& all = *reinterpret_cast<const float(*)[64]>(m);
  __asm__("ldp %q0, %q1, [%2]" : "=w"(x.lo[0]), "=w"(x.hi[0]) : "r"(m), "m"(all));
  __asm__("ldp %q0, %q1, [%2, #32]" : "=w"(x.lo[1]), "=w"(x.hi[1]) : "r"(m), "m"(all));
  __asm__("ldp %q0, %q1, [%2, #64]" : "=w"(x.lo[2]), "=w"(x.hi[2]) : "r"(m), "m"(all));
  __asm__("ldp %q0, %q1, [%2, #96]" : "=w"(x.lo[3]), "=w"(x.hi[3]) : "r"(m), "m"(all));
  __asm__("ldp %q0, %q1, [%2, #128]" : "=w"(x.lo[4]), "=w"(x.hi[4]) : "r"(m), "m"(all));
  __asm__("ldp %q0, %q1, [%2, #160]" : "=w"(x.lo[5]), "=w"(x.hi[5]) : "r"(m), "m"(all));
  __asm__("ldp %q0, %q1, [%2, #192]" : "=w"(x.lo[6]), "=w"(x.hi[6]) : "r"(m), "m"(all));
  __asm__("ldp %q0, %q1, [%2, #224]" : "=w"(x.lo[7]), "=w"(x.hi[7]) : "r"(m), "m"(all));
}
[[gnu::always_inline]] inline void store_rows(const Regs& x, float* m) noexcept {
  auto& all = *reinterpret_cast<float(*)[64]>(m);
  __asm__("stp %q1, %q2, [%3]" : "+m"(all) : "w"(x.lo[0]), "w"(x.hi[0]), "r"(m));
  __asm__("stp %q1, %q2, [%3, #32]" : "+m"(all) : "w"(x.lo[1]), "w"(x.hi[1]), "r"(m));
  __asm__("stp %q1, %q2, [%3, #64]" : "+m"(all) : "w"(x.lo[2]), "w"(x.hi[2]), "r"(m));
  __asm__("stp %q1, %q2, [%3, #96]" : "+m"(all) : "w"(x.lo[3]), "w"(x.hi[3]), "r"(m));
  __asm__("stp %q1, %q2, [%3, #128]" : "+m"(all) : "w"(x.lo[4]), "w"(x.hi[4]), "r"(m));
  __asm__("stp %q1, %q2, [%3, #160]" : "+m"(all) : "w"(x.lo[5]), "w"(x.hi[5]), "r"(m));
  __asm__("stp %q1, %q2, [%3, #192]" : "+m"(all) : "w"(x.lo[6]), "w"(x.hi[6]), "r"(m));
  __asm__("stp %q1, %q2, [%3, #224]" : "+m"(all) : "w"(x.lo[7]), "w"(x.hi[7]), "r"(m));
}

struct Sweep {
  float* a;
  float32x4_t dlo, dhi, zlo, zhi;    // diagonal and the sweep's updates to it
  uint32x4_t count;                  // rotations, per lane
  float32x4_t rec_tau[7], rec_s[7];  // the rounds' rotations (shears), for Vt
  unsigned char active[8];           // round r rotated
  float rel_tol, abs_tol;

  [[gnu::always_inline]] Regs load() const noexcept {
    Regs x;
    for (int i = 0; i < 8; ++i) {
      x.lo[i] = vld1q_f32(a + 8 * i);
      x.hi[i] = vld1q_f32(a + 8 * i + 4);
    }
    return x;
  }
  [[gnu::always_inline]] void store(const Regs& x) const noexcept {
    for (int i = 0; i < 8; ++i) {
      vst1q_f32(a + 8 * i, x.lo[i]);
      vst1q_f32(a + 8 * i + 4, x.hi[i]);
    }
  }

  // Whether round 0 has at least 2 pairs far (kBusy times) above the threshold: then (early
  // sweeps) nearly every round rotates, and the sweep runs without tests, A in registers;
  // else (the last sweeps of the quadratic convergence, a few tiny rotations) each round is
  // tested and skipped when it rotates nothing. Both rotate the same pairs: a round that
  // rotates nothing is an exact identity (c = 1, s = 0, h = 0).
  // (256: on issue #10's matrix the sweep with 25 of 28 rotations runs untested, the one
  // with 2 tested: 431 instead of about 1,120 instructions.)
  static constexpr float kBusy = 256.0f;
  [[gnu::always_inline]] bool busy() const noexcept {
    const float32x4_t o = float32x4_t{a[1], a[19], a[37], a[55]};  // round 0: (0,1) (2,3) (4,5) (6,7)
    const float32x4_t mag = vabsq_f32(o);
    const float32x4_t floor =
        vmulq_n_f32(vsqrtq_f32(vabsq_f32(vmulq_f32(vuzp1q_f32(dlo, dhi), vuzp2q_f32(dlo, dhi)))), kBusy * rel_tol);
    const uint32x4_t need = vandq_u32(vcgtq_f32(mag, floor), vcgtq_f32(mag, vdupq_n_f32(abs_tol)));
    return vaddvq_u32(vshrq_n_u32(need, 31)) >= 2;
  }

  // need, t and c of one round's 4 pairs (jacobi_needs_rotation, jacobi_rotation).
  // Returns whether any pair rotates.
  [[gnu::always_inline]] uint32x4_t need_mask(float32x4_t app, float32x4_t aqq, float32x4_t o) const noexcept {
    const float32x4_t mag = vabsq_f32(o);
    const float32x4_t floor = vmulq_n_f32(vsqrtq_f32(vabsq_f32(vmulq_f32(app, aqq))), rel_tol);
    // mag > floor and mag > abs_tol, as one comparison (FMAX: a NaN floor fails both ways)
    return vcgtq_f32(mag, vmaxq_f32(floor, vdupq_n_f32(abs_tol)));
  }

  // Round R's 4 pairs: a_pp, a_qq (from d) and a_pq read from memory, lanes as in
  // within_round / cross_round.
  template <unsigned R>
  [[gnu::always_inline]] void pair_operands(float32x4_t& app, float32x4_t& aqq, float32x4_t& o) const noexcept {
    o = float32x4_t{a[8 * pair_p(R, 0) + pair_q(R, 0)], a[8 * pair_p(R, 1) + pair_q(R, 1)],
                    a[8 * pair_p(R, 2) + pair_q(R, 2)], a[8 * pair_p(R, 3) + pair_q(R, 3)]};
    if constexpr (R == 0) {
      app = vuzp1q_f32(dlo, dhi);
      aqq = vuzp2q_f32(dlo, dhi);
    } else if constexpr (R < 3) {
      app = zip1d(dlo, dhi);
      aqq = zip2d(dlo, dhi);
      if constexpr (R == 2) aqq = vrev64q_f32(aqq);
    } else {
      app = dlo;
      aqq = lane_xor<kCrossXor[R - 3]>(dhi);
    }
  }

  // Whether round R rotates anything: the test of parameters, on the entries in memory
  // (the tested rounds load A only when they rotate).
  template <unsigned R>
  [[gnu::always_inline]] bool rotates() const noexcept {
    float32x4_t app, aqq, o;
    pair_operands<R>(app, aqq, o);
    return vmaxvq_u32(need_mask(app, aqq, o)) != 0;
  }

  template <bool Full>
  [[gnu::always_inline]] bool parameters(float32x4_t app, float32x4_t aqq, float32x4_t o, uint32x4_t& need,
                                         float32x4_t& t, float32x4_t& c) const noexcept {
    need = need_mask(app, aqq, o);
    if (!Full && vmaxvq_u32(need) == 0) return false;
    const float32x4_t one = vdupq_n_f32(1.0f);
    const float32x4_t theta = vdivq_f32(vsubq_f32(aqq, app), vaddq_f32(o, o));
    const float32x4_t at = vabsq_f32(theta);
    // For huge theta, theta^2 would overflow: t = 1 / (2 theta) to working accuracy.
    const float32x4_t tmag = vbslq_f32(vcgtq_f32(at, vdupq_n_f32(1e15f)), vdivq_f32(vdupq_n_f32(0.5f), at),
                                       vdivq_f32(one, vaddq_f32(at, vsqrtq_f32(vfmaq_f32(one, theta, theta)))));
    // t = copysign(tmag, theta), 0 where no rotation
    const uint32x4_t sign = vdupq_n_u32(0x80000000u);
    t = vreinterpretq_f32_u32(vandq_u32(
        need, vbslq_u32(sign, vreinterpretq_u32_f32(theta), vreinterpretq_u32_f32(tmag))));
    c = vdivq_f32(one, vsqrtq_f32(vfmaq_f32(one, t, t)));
    return true;
  }

  template <unsigned R, bool Full>
  [[gnu::always_inline]] void record(uint32x4_t need, float32x4_t tau, float32x4_t s) noexcept {
    count = vsubq_u32(count, need);  // need is all ones (-1) where a pair rotates
    rec_tau[R] = tau;
    rec_s[R] = s;
    if (!Full) active[R] = 1;
  }

  // tau = tan(phi / 2) = s / (1 + c) of the shears (rotate_rows).
  static float32x4_t half_tangent(float32x4_t c, float32x4_t s) noexcept {
    return vdivq_f32(s, vaddq_f32(vdupq_n_f32(1.0f), c));
  }

  // Within round m: pairs (j, j xor m) inside each half.
  template <unsigned M, bool Full>
  [[gnu::always_inline]] bool within_round(Regs& x) noexcept {
    constexpr unsigned R = M - 1;
    constexpr int p0 = static_cast<int>(within_p(M, 0)), p1 = static_cast<int>(within_p(M, 1));
    constexpr int q0 = p0 ^ static_cast<int>(M), q1 = p1 ^ static_cast<int>(M);
    float32x4_t o = vdupq_n_f32(lane<q0>(x.lo[p0]));
    o = vcopyq_laneq_f32(o, 1, x.lo[p1], q1);
    o = vcopyq_laneq_f32(o, 2, x.hi[4 + p0], q0);
    o = vcopyq_laneq_f32(o, 3, x.hi[4 + p1], q1);
    float32x4_t app, aqq;  // lanes: lo pair 0, lo pair 1, hi pair 0, hi pair 1
    if constexpr (M == 1) {
      app = vuzp1q_f32(dlo, dhi);
      aqq = vuzp2q_f32(dlo, dhi);
    } else {
      app = zip1d(dlo, dhi);
      aqq = zip2d(dlo, dhi);
      if constexpr (M == 3) aqq = vrev64q_f32(aqq);
    }
    uint32x4_t need;
    float32x4_t t, c;
    if (!parameters<Full>(app, aqq, o, need, t, c)) return false;
    const float32x4_t s = vmulq_f32(t, c), tau = half_tangent(c, s);
    record<R, Full>(need, tau, s);
    // Rutishauser: d_p -= t a_pq, d_q += t a_pq, spread from pair lanes to column lanes.
    const float32x4_t h = vmulq_f32(t, o), nh = vnegq_f32(h);
    const float32x4_t ns = vnegq_f32(s);
    float32x4_t hlo, hhi, clo, chi, slo, shi;
    if constexpr (M == 1) {  // lanes p = 0, 2; q = 1, 3
      hlo = vzip1q_f32(nh, h);
      hhi = vzip2q_f32(nh, h);
      clo = vzip1q_f32(c, c);
      chi = vzip2q_f32(c, c);
      slo = vzip1q_f32(ns, s);
      shi = vzip2q_f32(ns, s);
    } else {  // lanes p = 0, 1; q = 2, 3 (m = 2) or 3, 2 (m = 3)
      const float32x4_t hq = M == 3 ? vrev64q_f32(h) : h;
      const float32x4_t cq = M == 3 ? vrev64q_f32(c) : c;
      const float32x4_t sq = M == 3 ? vrev64q_f32(s) : s;
      hlo = zip1d(nh, hq);
      hhi = zip2d(nh, hq);
      clo = zip1d(c, cq);
      chi = zip2d(c, cq);
      slo = zip1d(ns, sq);
      shi = zip2d(ns, sq);
    }
    dlo = vaddq_f32(dlo, hlo);
    zlo = vaddq_f32(zlo, hlo);
    dhi = vaddq_f32(dhi, hhi);
    zhi = vaddq_f32(zhi, hhi);
    // Untested (Full): the lower-left block is left stale and rebuilt before the cross rounds.
    rotate_round_rows<R, !Full>(x, tau, s);
    for (int i = 0; i < 8; ++i) {  // A J: x'[l] = C[l] x[l] + S[l] x[l xor m]
      if (!Full || i < 4) x.lo[i] = vfmaq_f32(vmulq_f32(clo, x.lo[i]), slo, lane_xor<M>(x.lo[i]));
      x.hi[i] = vfmaq_f32(vmulq_f32(chi, x.hi[i]), shi, lane_xor<M>(x.hi[i]));
    }
    // The rotated pairs' entries, exactly 0 (unrotated pairs keep theirs: c = 1, s = 0).
    const float32x4_t kept = vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(o), need));
    x.lo[p0] = vcopyq_laneq_f32(x.lo[p0], q0, kept, 0);
    x.lo[q0] = vcopyq_laneq_f32(x.lo[q0], p0, kept, 0);
    x.lo[p1] = vcopyq_laneq_f32(x.lo[p1], q1, kept, 1);
    x.lo[q1] = vcopyq_laneq_f32(x.lo[q1], p1, kept, 1);
    x.hi[4 + p0] = vcopyq_laneq_f32(x.hi[4 + p0], q0, kept, 2);
    x.hi[4 + q0] = vcopyq_laneq_f32(x.hi[4 + q0], p0, kept, 2);
    x.hi[4 + p1] = vcopyq_laneq_f32(x.hi[4 + p1], q1, kept, 3);
    x.hi[4 + q1] = vcopyq_laneq_f32(x.hi[4 + q1], p1, kept, 3);
    return true;
  }

  // Cross round R (3..6): pairs (k, 4 + (k xor s)); lane k of the hi registers permuted
  // by xor s meets lane k of lo. Untested (Full), the hi registers arrive already permuted
  // (their lane l holds column 4 + (l xor s): see rehi) and stay so; tested, they are in
  // column order.
  template <unsigned R, bool Full>
  [[gnu::always_inline]] bool cross_round(Regs& x) noexcept {
    constexpr unsigned S = kCrossXor[R - 3];
    constexpr unsigned P = Full ? 0 : S;  // lane of row k's partner, xor k
    float32x4_t o = vdupq_n_f32(lane<0 ^ P>(x.hi[0]));
    o = vcopyq_laneq_f32(o, 1, x.hi[1], 1 ^ P);
    o = vcopyq_laneq_f32(o, 2, x.hi[2], 2 ^ P);
    o = vcopyq_laneq_f32(o, 3, x.hi[3], 3 ^ P);
    uint32x4_t need;
    float32x4_t t, c;
    if (!parameters<Full>(dlo, lane_xor<S>(dhi), o, need, t, c)) return false;
    const float32x4_t s = vmulq_f32(t, c), tau = half_tangent(c, s);
    record<R, Full>(need, tau, s);
    const float32x4_t h = vmulq_f32(t, o), hq = lane_xor<S>(h);
    dlo = vsubq_f32(dlo, h);
    zlo = vsubq_f32(zlo, h);
    dhi = vaddq_f32(dhi, hq);
    zhi = vaddq_f32(zhi, hq);
    rotate_round_rows<R>(x, tau, s);
    for (int i = 0; i < 8; ++i) {  // A J: (lo, hi) <- (c lo - s hi, s lo + c hi), lane by lane, as shears
      float32x4_t li = x.lo[i], hi = lane_xor<P>(x.hi[i]);
      li = vfmsq_f32(li, tau, hi);
      hi = vfmaq_f32(hi, s, li);
      x.lo[i] = vfmsq_f32(li, tau, hi);
      x.hi[i] = lane_xor<P>(hi);
    }
    const float32x4_t kept = vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(o), need));
    x.hi[0] = vcopyq_laneq_f32(x.hi[0], 0 ^ P, kept, 0);
    x.hi[1] = vcopyq_laneq_f32(x.hi[1], 1 ^ P, kept, 1);
    x.hi[2] = vcopyq_laneq_f32(x.hi[2], 2 ^ P, kept, 2);
    x.hi[3] = vcopyq_laneq_f32(x.hi[3], 3 ^ P, kept, 3);
    x.lo[pair_q(R, 0)] = vcopyq_laneq_f32(x.lo[pair_q(R, 0)], 0, kept, 0);
    x.lo[pair_q(R, 1)] = vcopyq_laneq_f32(x.lo[pair_q(R, 1)], 1, kept, 1);
    x.lo[pair_q(R, 2)] = vcopyq_laneq_f32(x.lo[pair_q(R, 2)], 2, kept, 2);
    x.lo[pair_q(R, 3)] = vcopyq_laneq_f32(x.lo[pair_q(R, 3)], 3, kept, 3);
    return true;
  }

  template <unsigned R>
  [[gnu::always_inline]] void tested_round() noexcept {
    if (!rotates<R>()) return;
    Regs x = load();
    bool rotated;
    if constexpr (R < 3) rotated = within_round<R + 1, false>(x);
    else rotated = cross_round<R, false>(x);
    if (rotated) store(x);
  }

  static float32x4_t zip1d(float32x4_t x, float32x4_t y) noexcept {
    return vreinterpretq_f32_f64(vzip1q_f64(vreinterpretq_f64_f32(x), vreinterpretq_f64_f32(y)));
  }
  static float32x4_t zip2d(float32x4_t x, float32x4_t y) noexcept {
    return vreinterpretq_f32_f64(vzip2q_f64(vreinterpretq_f64_f32(x), vreinterpretq_f64_f32(y)));
  }
};

// Vt <- the recorded rounds, in order (rows only).
template <unsigned R, bool Full>
[[gnu::always_inline]] inline void apply_recorded(Regs& v, const Sweep& w) noexcept {
  if (Full || w.active[R]) rotate_round_rows<R>(v, w.rec_tau[R], w.rec_s[R]);
}

template <bool Full>
[[gnu::always_inline]] inline void apply_recorded_rounds(float* vt, const Sweep& w) noexcept {
  Regs v;
  load_rows(v, vt);
  apply_recorded<0, Full>(v, w);
  apply_recorded<1, Full>(v, w);
  apply_recorded<2, Full>(v, w);
  apply_recorded<3, Full>(v, w);
  apply_recorded<4, Full>(v, w);
  apply_recorded<5, Full>(v, w);
  apply_recorded<6, Full>(v, w);
  store_rows(v, vt);
}

}  // namespace olsf::detail::neon8

namespace olsf::detail {

// One sweep; a and vt are 8 x 8 with row stride 8. Returns the rotations applied.
// (no-schedule-insns: GCC 12's scheduling before register allocation raises the register
// pressure of the unrolled rounds until A spills: 2x the loads and stores.)
#if defined(__clang__)
#define OLSF_NEON8_NO_PRE_RA_SCHEDULING
#else
#define OLSF_NEON8_NO_PRE_RA_SCHEDULING , gnu::optimize("no-schedule-insns")
#endif
[[gnu::flatten OLSF_NEON8_NO_PRE_RA_SCHEDULING]] inline std::size_t jacobi_parallel_sweep_neon8(
    float* a, float* vt, float rel_tol, float abs_tol) noexcept {
  using namespace neon8;
  Sweep w;
  w.a = a;
  float32x4_t dlo = vdupq_n_f32(a[0]);
  dlo = vsetq_lane_f32(a[9], dlo, 1);
  dlo = vsetq_lane_f32(a[18], dlo, 2);
  dlo = vsetq_lane_f32(a[27], dlo, 3);
  float32x4_t dhi = vdupq_n_f32(a[36]);
  dhi = vsetq_lane_f32(a[45], dhi, 1);
  dhi = vsetq_lane_f32(a[54], dhi, 2);
  dhi = vsetq_lane_f32(a[63], dhi, 3);
  const float32x4_t d0lo = dlo, d0hi = dhi;
  w.dlo = dlo;
  w.dhi = dhi;
  w.zlo = w.zhi = vdupq_n_f32(0.0f);
  w.count = vdupq_n_u32(0);
  w.rel_tol = rel_tol;
  w.abs_tol = abs_tol;
  const bool busy = w.busy();
  if (busy) {
    Regs x = w.load();
    w.within_round<1, true>(x);
    w.within_round<2, true>(x);
    w.within_round<3, true>(x);
    transpose_upper(x);
    // The cross rounds s = 0, 1, 3, 2 (a Gray code) with the hi registers permuted to each
    // round's s in turn: one permutation per register and change (xor 1, 2, 1, then 2 back
    // to column order), 32 in all instead of 2 per register in 3 rounds (48).
    w.cross_round<3, true>(x);
    rehi<1>(x);
    w.cross_round<4, true>(x);
    rehi<2>(x);
    w.cross_round<5, true>(x);
    rehi<1>(x);
    w.cross_round<6, true>(x);
    rehi<2>(x);
    w.store(x);
  } else {
    // Each round tested on the entries in memory first; A is loaded only to rotate.
    for (unsigned char& f : w.active) f = 0;
    w.tested_round<0>();
    w.tested_round<1>();
    w.tested_round<2>();
    w.tested_round<3>();
    w.tested_round<4>();
    w.tested_round<5>();
    w.tested_round<6>();
  }
  const std::size_t rotations = vaddvq_u32(w.count);
  if (rotations == 0) return 0;
  // Diagonal: d(start) + the sweep's updates.
  const float32x4_t flo = vaddq_f32(d0lo, w.zlo), fhi = vaddq_f32(d0hi, w.zhi);
  a[0] = lane<0>(flo);
  a[9] = lane<1>(flo);
  a[18] = lane<2>(flo);
  a[27] = lane<3>(flo);
  a[36] = lane<0>(fhi);
  a[45] = lane<1>(fhi);
  a[54] = lane<2>(fhi);
  a[63] = lane<3>(fhi);
  if (busy) apply_recorded_rounds<true>(vt, w);
  else apply_recorded_rounds<false>(vt, w);
  return rotations;
}

}  // namespace olsf::detail
#undef OLSF_NEON8_NO_PRE_RA_SCHEDULING
#pragma GCC diagnostic pop
#endif
