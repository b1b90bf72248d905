// olsformer (internal): the Jacobi sweep drivers every backend shares. A backend
// supplies the vector work through an `Ops` type (arrays are padded to whole vectors):
//   std::size_t lanes() const;
//   void rotate_pair(std::size_t nvec, T* x, T* y, T cx, T sx, T cy, T sy);
//        // (x, y) <- (cx x + sx y, cy y + sy x)
//   void begin_round(std::size_t m);                      // lane pattern of round m
//   void column_update(std::size_t nvec, T* row, const T* cvec, const T* svec);
//        // row[j] <- cvec[j] row[j] + svec[j] row[j xor m]
//   std::size_t rotations(std::size_t nvec, const T* d, const T* dq, const T* o, const T* sgn,
//                         T* cvec, T* svec, T* tvec, T rel_tol, T abs_tol);  // jacobi_round_rotations
//   void gram(std::size_t mvec, const T* x, const T* y, T& xx, T& yy, T& xy) const;
// Rows are padded with zeros to whole vectors (nvec * lanes <= the row stride).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "jacobi_neon8.hpp"
#include "jacobi_rotation.hpp"
#include "olsformer/kernels.hpp"
#include "olsformer/simd_width.hpp"

namespace olsf::detail {

// The rotations of one round, lane by lane, as every backend computes them (the SIMD
// ones with vectors, this one is the scalar form). Lane j holds d = a_jj, dq = a_qq and
// o = a_pq (upper triangle) for its partner q = j xor m (o = 0 where there is none), and
// sgn = +1 if j < q, -1 if j > q. Both members compute the pair's rotation from the
// same (app, aqq, apq), so they agree bit for bit (also when app == aqq, where the sign
// of theta would otherwise differ); the member q applies t and s with the opposite sign,
// which is exactly the J of jacobi_rotation.hpp: C = c, S = -sgn s, and with
// tvec = sgn t, d <- d - tvec o is Rutishauser's diagonal update for both members.
// Returns the number of lanes rotated (twice the pairs).
template <typename T>
std::size_t jacobi_round_rotations(std::size_t count, const T* d, const T* dq, const T* o, const T* sgn, T* cvec,
                                   T* svec, T* tvec, T rel_tol, T abs_tol) noexcept {
  std::size_t active = 0;
  for (std::size_t j = 0; j < count; ++j) {
    cvec[j] = T(1);
    svec[j] = T(0);
    tvec[j] = T(0);
    if (!jacobi_needs_rotation(d[j], dq[j], o[j], rel_tol, abs_tol)) continue;
    const T app = sgn[j] > 0 ? d[j] : dq[j], aqq = sgn[j] > 0 ? dq[j] : d[j];
    const auto r = jacobi_rotation(app, aqq, o[j]);
    cvec[j] = r.c;
    svec[j] = -sgn[j] * r.s;
    tvec[j] = sgn[j] * r.t;
    ++active;
  }
  return active;
}

// Two-sided Jacobi, parallel ordering: round m = 1 .. n2 - 1 (n2 = n rounded up to a
// power of two) rotates the disjoint pairs (p, p xor m), p < p xor m < n, together. Every
// pair meets once per sweep. The pairs are disjoint, so all rotations of a round are
// computed from the matrix as the round found it. The diagonal lives in d during the
// sweep (the diagonal entries of the rows only feed the 2x2 blocks, which are set
// exactly), and is written back at the end. Its updates d -= t o are summed with
// error-free transformations (TwoSum, and FMA for the product's error) into a
// compensation term: the eigenvalues then carry about one rounding instead of one per
// rotation they took part in.
template <typename T, class Ops>
std::size_t jacobi_parallel_sweep(Ops& ops, std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv,
                                  T rel_tol, T abs_tol) noexcept {
  if (n < 2 || n > kJacobiMaxN) return 0;
  const std::size_t L = ops.lanes();
  const std::size_t nvec = (n + L - 1) / L;
  std::size_t n2 = 1;
  while (n2 < n) n2 <<= 1;
  // nvec L <= n + L - 1 entries: room for the widest vector (64 bytes); none on scalar-only
  // targets (kSimdBytes 0: Cortex-M0..M7, where every backend runs 1 lane), which saves
  // 0.5 KB of stack for float there.
  constexpr std::size_t kCap = kJacobiMaxN + (kSimdBytes == 0 ? 0 : 64 / sizeof(T));
  alignas(64) T cvec[kCap], svec[kCap], tvec[kCap], d[kCap], dlo[kCap], dq[kCap], o[kCap], sgn[kCap];
  for (std::size_t j = 0; j < nvec * L; ++j) {
    d[j] = j < n ? a[j * lda + j] : T(0);
    dlo[j] = T(0);
  }
  std::size_t rotations = 0;
  for (std::size_t m = 1; m < n2; ++m) {
    for (std::size_t j = 0; j < nvec * L; ++j) {
      const std::size_t q = j ^ m;
      const bool paired = j < n && q < n;
      dq[j] = paired ? d[q] : T(0);
      // The upper-triangle entry for both members: their thetas are then exact negatives.
      o[j] = paired ? (j < q ? a[j * lda + q] : a[q * lda + j]) : T(0);
      sgn[j] = j < q ? T(1) : T(-1);
    }
    const std::size_t active = ops.rotations(nvec, d, dq, o, sgn, cvec, svec, tvec, rel_tol, abs_tol);
    if (active == 0) continue;
    rotations += active / 2;
    for (std::size_t j = 0; j < n; ++j) {
      if (tvec[j] == T(0)) continue;
      const T p = tvec[j] * o[j];
      const T p_err = std::fma(tvec[j], o[j], -p);  // t o = p + p_err exactly
      const T sum = d[j] - p;                        // TwoSum(d, -p) (Knuth)
      const T bp = sum - d[j];
      const T sum_err = (d[j] - (sum - bp)) + (-p - bp);
      d[j] = sum;
      dlo[j] += sum_err - p_err;
    }
    // A <- J^T A (row pairs), then (J^T A) J (the same lane pattern in every row).
    for (std::size_t p = 0; p < n; ++p) {
      const std::size_t q = p ^ m;
      if (q <= p || q >= n || svec[p] == T(0)) continue;
      ops.rotate_pair(nvec, a + p * lda, a + q * lda, cvec[p], svec[p], cvec[q], svec[q]);
      ops.rotate_pair(nvec, vt + p * ldv, vt + q * ldv, cvec[p], svec[p], cvec[q], svec[q]);
    }
    ops.begin_round(m);
    for (std::size_t i = 0; i < n; ++i) ops.column_update(nvec, a + i * lda, cvec, svec);
    for (std::size_t p = 0; p < n; ++p) {  // the rotated 2x2 blocks are diagonal, exactly
      const std::size_t q = p ^ m;
      if (q < n && svec[p] != T(0)) a[p * lda + q] = T(0);
    }
  }
  for (std::size_t j = 0; j < n; ++j) a[j * lda + j] = d[j] + dlo[j];
  return rotations;
}

// Calls f(std::integral_constant<std::size_t, I>{}) for I = 0, 1, ...: the fixed-size
// sweep below indexes its register arrays with these constants only, so that the compiler
// keeps them in registers (a runtime index would force them to memory).
template <class F, std::size_t... I>
[[gnu::always_inline]] inline void unrolled(std::index_sequence<I...>, F&& f) noexcept {
  (f(std::integral_constant<std::size_t, I>{}), ...);
}

// a b + c, fused where the target has a fast FMA (Cortex-M4F for float, NEON, x86 with
// FMA), else as written. Spelling the fused step out keeps results in place: the
// compiler then needs no register moves in the rotation updates.
template <typename T>
[[gnu::always_inline]] inline T mul_add(T a, T b, T c) noexcept {
#if defined(__FP_FAST_FMAF) && defined(__FP_FAST_FMA)
  return std::fma(a, b, c);
#elif defined(__FP_FAST_FMAF)
  if constexpr (sizeof(T) == sizeof(float)) return std::fma(a, b, c);
  else return a * b + c;
#else
  return a * b + c;
#endif
}

// (x, y) <- (c x - s y, s x + c y): one plane rotation of an element pair.
template <typename T>
[[gnu::always_inline]] inline void rotate_elements(T& x, T& y, T c, T s) noexcept {
  const T x0 = x, y0 = y;
  y = mul_add(s, x0, c * y0);
  x = mul_add(-s, y0, c * x0);
}

// The n = 8 float sweep on the M-profile FPU with fused multiply-add (Cortex-M4F, M7,
// M55: issue #10), where instructions, not flops, are the cost. Both rows of A and of Vt
// of a rotation are rotated in memory by one block of fixed registers: VLDM of row p into
// s8..s15 and of row q into s16..s23; per element pair 3 fused operations in place (the
// shears below); VSTM of both; A's column q (its other triangle) by 8 VSTRs with
// immediate offsets. Column p only feeds the 2x2 lanes of the rotations that follow in
// row p, so it is written once, when row p is done (mirror_row_vfp8). 64 instructions
// per rotation (80 with the multiply-add form, about 150 when the compiler keeps row p
// in registers and moves single elements: GCC spills them), and 1 KB of code instead of
// 9 KB. Same rotations (t), order, threshold and compensated diagonal as
// jacobi_cyclic_sweep_fixed; the 2x2 block's cells get the lanes' by-products and are
// then set: a_pq = a_qp = 0, the diagonal from d at the end.
#if defined(__GNUC__) && defined(__arm__) && defined(__ARM_ARCH_PROFILE) && defined(__ARM_FP) && \
    defined(__FP_FAST_FMAF)
#if __ARM_ARCH_PROFILE == 'M' && (__ARM_FP & 4)
#define OLSF_JACOBI_VFP_SWEEP8 1
#endif
#endif
#if defined(OLSF_JACOBI_VFP_SWEEP8)
// The rotation (x, y) <- (c x - s y, s x + c y) as three shears (Paeth 1986; exact for
// the rotation by phi when tau = tan(phi / 2) = s / (1 + c)):
//   x <- x - tau y,  y <- y + s x,  x <- x - tau y,
// 3 fused operations per element pair in place instead of 2 multiplies and 2 fused
// operations: 48 instead of 64 per rotation (issue #10: 8 x 8 solve on Cortex-M4
// 17,496 -> 16,146 instructions). |phi| <= pi/4 (|t| <= 1), so |tau| <= 0.42 and
// |s| <= 0.71: each shear adds at most one rounding of an entry of the pair's size, as
// the multiply-add form does. Emulated on the host over 4000 random 8 x 8 float
// matrices (symmetric and SPD, same threshold strategy): max |V^T V - I| 7.3 eps (the
// multiply-add form 15.9 eps), max ||A v - lambda v|| / ||A||_F 6.7 eps (6.3 eps), the
// same rotations; the bounds of tests/support/jacobi_checks.hpp are unchanged.
#define OLSF_VFP_SHEAR(x, y) \
  "vfms.f32 " x ", %[tau], " y "\n\tvfma.f32 " y ", %[s], " x "\n\tvfms.f32 " x ", %[tau], " y "\n\t"
#define OLSF_VFP_ROT8                                                                                       \
  "vldmia %[xp], {s8-s15}\n\tvldmia %[xq], {s16-s23}\n\t" OLSF_VFP_SHEAR("s8", "s16") OLSF_VFP_SHEAR("s9", "s17") \
      OLSF_VFP_SHEAR("s10", "s18") OLSF_VFP_SHEAR("s11", "s19") OLSF_VFP_SHEAR("s12", "s20")                  \
          OLSF_VFP_SHEAR("s13", "s21") OLSF_VFP_SHEAR("s14", "s22") OLSF_VFP_SHEAR("s15", "s23")              \
              "vstmia %[xp], {s8-s15}\n\tvstmia %[xq], {s16-s23}\n\t"
inline void rotate_pair_vfp8(float* a, float* vt, std::size_t p, std::size_t q, float tau, float s) noexcept {
  __asm__(OLSF_VFP_ROT8  // A's rows: updated row p in s8..s15, updated row q in s16..s23
          "vstr s16, [%[cq]]\n\tvstr s17, [%[cq], #32]\n\tvstr s18, [%[cq], #64]\n\tvstr s19, [%[cq], #96]\n\t"
          "vstr s20, [%[cq], #128]\n\tvstr s21, [%[cq], #160]\n\tvstr s22, [%[cq], #192]\n\t"
          "vstr s23, [%[cq], #224]"
          : "+m"(*reinterpret_cast<float(*)[64]>(a))
          : [xp] "r"(a + 8 * p), [xq] "r"(a + 8 * q), [cq] "r"(a + q), [tau] "t"(tau), [s] "t"(s)
          : "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "s16", "s17", "s18", "s19", "s20", "s21", "s22",
            "s23");
  __asm__(OLSF_VFP_ROT8
          : "+m"(*reinterpret_cast<float(*)[64]>(vt))
          : [xp] "r"(vt + 8 * p), [xq] "r"(vt + 8 * q), [tau] "t"(tau), [s] "t"(s)
          : "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "s16", "s17", "s18", "s19", "s20", "s21", "s22",
            "s23");
}

// Column p <- row p of A (its other triangle), when row p is done.
inline void mirror_row_vfp8(float* a, std::size_t p) noexcept {
  __asm__("vldmia %[xp], {s8-s15}\n\t"
          "vstr s8, [%[cp]]\n\tvstr s9, [%[cp], #32]\n\tvstr s10, [%[cp], #64]\n\tvstr s11, [%[cp], #96]\n\t"
          "vstr s12, [%[cp], #128]\n\tvstr s13, [%[cp], #160]\n\tvstr s14, [%[cp], #192]\n\t"
          "vstr s15, [%[cp], #224]"
          : "+m"(*reinterpret_cast<float(*)[64]>(a))
          : [xp] "r"(a + 8 * p), [cp] "r"(a + p)
          : "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15");
}
#undef OLSF_VFP_ROT8
#undef OLSF_VFP_SHEAR
#endif

// jacobi_needs_rotation without its square root, for the fixed-size sweep: on squares,
// apq^2 > rel_tol^2 |app aqq| and apq^2 > abs_tol^2, while apq^2 is far from underflow
// (>= min / eps, where a square is still correct to a rounding); tinier pairs take the
// exact test. (A rounding at the threshold itself may decide either way, as it may there.)
template <typename T>
struct SquaredThreshold {
  T rel2, floor2, rel_tol, abs_tol;
  static constexpr T safe() noexcept { return std::numeric_limits<T>::min() / std::numeric_limits<T>::epsilon(); }
  SquaredThreshold(T rel, T abs) noexcept
      : rel2(rel * rel), floor2(abs * abs > safe() ? abs * abs : safe()), rel_tol(rel), abs_tol(abs) {}
  bool operator()(T app, T aqq, T apq) const noexcept {
    const T a2 = apq * apq;
    if (a2 > rel2 * std::fabs(app * aqq)) {
      if (a2 > floor2) return true;
    } else if (a2 >= safe()) {
      return false;
    }
    return jacobi_needs_rotation(app, aqq, apq, rel_tol, abs_tol);
  }
};

#if defined(OLSF_JACOBI_VFP_SWEEP8)
// jacobi_rotation's t (same theta, same branches), and for the three shears of
// rotate_pair_vfp8 tau = s / (1 + c) = t / (1 + w) and s = t / w, with w = sqrt(1 + t^2) = 1 / c.
struct ShearRotation {
  float tau, s, t;
};
inline ShearRotation jacobi_rotation_shear(float app, float aqq, float apq) noexcept {
  const float theta = (aqq - app) / (2 * apq);
  const float abs_theta = std::fabs(theta);
  const float t_mag =
      abs_theta > 1e15f ? 0.5f / abs_theta : 1.0f / (abs_theta + jacobi_sqrt(1.0f + theta * theta));
  const float t = theta < 0 ? -t_mag : t_mag;
  const float w = jacobi_sqrt(1.0f + t * t);
  return {t / (1.0f + w), t / w, t};
}

// The row-cyclic n = 8 float sweep of jacobi_cyclic_sweep_fixed (below) with both rows
// of a rotation in memory (rotate_pair_vfp8 above): runtime loops, no unrolling.
inline std::size_t jacobi_cyclic_sweep_vfp8(float* a, float* vt, float rel_tol, float abs_tol) noexcept {
  constexpr std::size_t N = 8;
  float d[N], d0[N], z[N];
  unrolled(std::make_index_sequence<N>(), [&](auto j) {  // (a loop becomes a memset call)
    d[j] = d0[j] = a[j * N + j];
    z[j] = 0.0f;
  });
  const SquaredThreshold<float> needs_rotation(rel_tol, abs_tol);
  std::size_t rotations = 0;
  for (std::size_t p = 0; p + 1 < N; ++p) {
    float dp = d[p], zp = z[p];
    bool rotated = false;
    for (std::size_t q = p + 1; q < N; ++q) {
      const float apq = a[p * N + q];
      if (!needs_rotation(dp, d[q], apq)) continue;
      const auto r = jacobi_rotation_shear(dp, d[q], apq);
      const float h = r.t * apq;  // Rutishauser's accumulated diagonal update
      dp -= h;
      zp -= h;
      d[q] += h;
      z[q] += h;
      rotate_pair_vfp8(a, vt, p, q, r.tau, r.s);
      a[p * N + q] = 0.0f;  // the rotated pair's entry, exactly (a_qp: mirror_row_vfp8)
      ++rotations;
      rotated = true;
    }
    if (rotated) mirror_row_vfp8(a, p);
    d[p] = dp;
    z[p] = zp;
  }
  for (std::size_t j = 0; j < N; ++j) a[j * N + j] = d0[j] + z[j];
  return rotations;
}
#endif

// Row-cyclic two-sided Jacobi for a fixed n = N (row stride LD for A and Vt), the scalar
// fast path (issue #10: Cortex-M4F). Same rotations (jacobi_rotation.hpp) and threshold
// test as the generic drivers. The diagonal is compensated the cheaper way of Rutishauser
// (Wilkinson & Reinsch, Handbook for Automatic Computation II, 1971, contribution II/1;
// not in papers.md): the rotations use d, updated in place, while the sweep's updates
// also add up in z, and the sweep ends with d = d(start) + z: one rounding per sweep
// instead of one per rotation. (On 2000 random
// 8 x 8 float matrices: max error 1.87e-7 ||A||_F, TwoSum's 1.84e-7, in place only
// 2.84e-7; Eigen's SelfAdjointEigenSolver 1.0e-6. TwoSum costs 2,900 more instructions
// per 8 x 8 solve on Cortex-M4, this 700.) What differs otherwise is the bookkeeping:
//  - the pairs (p, q), q = p + 1 .. N - 1, all share row p: row p of A and of Vt stay in
//    registers for the whole row (x, v), and only row q is loaded and stored per rotation;
//  - q and k are compile-time constants, so every address is an immediate offset and no
//    loop counter runs; the diagonal lives in d (and z) during the sweep;
//  - A is kept symmetric in memory by storing each updated entry of row q in both triangles;
//    row p's entries in memory (and the cells of column p) are stale while row p lives in
//    registers, and are written back, in both triangles, when the row is done. The k = p
//    lane of the row update reads such a stale cell; its results are never used (x[p] is
//    the diagonal position, kept in dp) and the cell is zeroed.
//  - a row is only loaded once a pair in it needs a rotation: the last sweep, which only
//    tests, costs a threshold test per pair.
// (flatten: every lambda of the unrolled loops inlined, or the arrays would live in memory)
template <typename T, std::size_t N, std::size_t LD>
[[gnu::flatten]] std::size_t jacobi_cyclic_sweep_fixed(T* a, T* vt, T rel_tol, T abs_tol) noexcept {
  static_assert(N >= 2 && LD >= N, "fixed-size sweep: 2 <= N <= LD");
#if defined(OLSF_JACOBI_VFP_SWEEP8)
  if constexpr (std::is_same_v<T, float> && N == 8 && LD == 8) return jacobi_cyclic_sweep_vfp8(a, vt, rel_tol, abs_tol);
#endif
  T d[N], d0[N], z[N];
  for (std::size_t j = 0; j < N; ++j) {
    d[j] = d0[j] = a[j * LD + j];
    z[j] = T(0);
  }
  const SquaredThreshold<T> needs_rotation(rel_tol, abs_tol);
  std::size_t rotations = 0;
  for (std::size_t p = 0; p + 1 < N; ++p) {
    T* const rowp = a + p * LD;
    std::size_t q0 = p + 1;
    while (q0 < N && !needs_rotation(d[p], d[q0], rowp[q0])) ++q0;
    if (q0 == N) continue;
    T* const vp = vt + p * LD;
    T x[N], v[N];
    unrolled(std::make_index_sequence<N>(), [&](auto k) {
      x[k] = rowp[k];
      v[k] = vp[k];
    });
    T dp = d[p], zp = z[p];
    unrolled(std::make_index_sequence<N>(), [&](auto qc) {
      constexpr std::size_t q = decltype(qc)::value;
      if (q < q0) return;  // also q <= p
      const T apq = x[q];
      if (q != q0 && !needs_rotation(dp, d[q], apq)) return;  // (q0 passed the test above)
      const auto r = jacobi_rotation(dp, d[q], apq);
{  // Rutishauser's accumulated diagonal update (see above)
        const T h = r.t * apq;
        dp -= h;
        zp -= h;
        d[q] += h;
        z[q] += h;
      }
      T* const rowq = a + q * LD;
      unrolled(std::make_index_sequence<N>(), [&](auto kc) {
        constexpr std::size_t k = decltype(kc)::value;
        if constexpr (k != q) {
          T y = rowq[k];
          rotate_elements(x[k], y, r.c, r.s);
          rowq[k] = y;
          a[k * LD + q] = y;
        }
      });
      x[q] = T(0);    // the rotated pair's entry, exactly
      rowq[p] = T(0);  // (its mirror a[p][q] is row p's: written back below)
      T* const vq = vt + q * LD;
      unrolled(std::make_index_sequence<N>(), [&](auto k) {
        T y = vq[k];
        rotate_elements(v[k], y, r.c, r.s);
        vq[k] = y;
      });
      ++rotations;
    });
    unrolled(std::make_index_sequence<N>(), [&](auto kc) {
      constexpr std::size_t k = decltype(kc)::value;
      rowp[k] = x[k];
      a[k * LD + p] = x[k];
      vp[k] = v[k];
    });
    d[p] = dp;
    z[p] = zp;
  }
  for (std::size_t j = 0; j < N; ++j) a[j * LD + j] = d0[j] + z[j];
  return rotations;
}

// The same sweep with each row as N / W vectors of W lanes (GCC/Clang vector extensions:
// NEON or SSE/AVX registers, whichever the target has), for the SIMD backends: per
// rotation, row q of A and of Vt is 2 N / W vector loads, fused updates and stores; only
// the mirror stores into column q stay scalar. The k = q lane of the row update lands in
// the diagonal cell of row q, which the sweep does not read (the diagonal lives in d).
// Same arithmetic as jacobi_cyclic_sweep_fixed, element by element.
template <typename T, std::size_t W>
struct LaneVector {
  typedef T type __attribute__((vector_size(W * sizeof(T))));
};

template <typename T, std::size_t N, std::size_t LD, std::size_t W>
[[gnu::flatten]] std::size_t jacobi_cyclic_sweep_fixed_vec(T* a, T* vt, T rel_tol, T abs_tol) noexcept {
  static_assert(N % W == 0 && LD >= N, "fixed-size vector sweep: whole vectors per row");
  using V = typename LaneVector<T, W>::type;
  constexpr std::size_t NV = N / W;
  const auto load = [](const T* ptr) noexcept {
    V v;
    std::memcpy(&v, ptr, sizeof v);
    return v;
  };
  const auto store = [](T* ptr, const V& v) noexcept { std::memcpy(ptr, &v, sizeof v); };
  T d[N], d0[N], z[N];
  for (std::size_t j = 0; j < N; ++j) {
    d[j] = d0[j] = a[j * LD + j];
    z[j] = T(0);
  }
  const SquaredThreshold<T> needs_rotation(rel_tol, abs_tol);
  std::size_t rotations = 0;
  for (std::size_t p = 0; p + 1 < N; ++p) {
    T* const rowp = a + p * LD;
    std::size_t q0 = p + 1;
    while (q0 < N && !needs_rotation(d[p], d[q0], rowp[q0])) ++q0;
    if (q0 == N) continue;
    T* const vp = vt + p * LD;
    V x[NV], v[NV];
    unrolled(std::make_index_sequence<NV>(), [&](auto j) {
      x[j] = load(rowp + j * W);
      v[j] = load(vp + j * W);
    });
    T dp = d[p], zp = z[p];
    unrolled(std::make_index_sequence<N>(), [&](auto qc) {
      constexpr std::size_t q = decltype(qc)::value;
      if (q < q0) return;
      const T apq = x[q / W][q % W];
      if (q != q0 && !needs_rotation(dp, d[q], apq)) return;
      const auto r = jacobi_rotation(dp, d[q], apq);
      {
        const T h = r.t * apq;
        dp -= h;
        zp -= h;
        d[q] += h;
        z[q] += h;
      }
      const V vc = V{} + r.c, vs = V{} + r.s;
      T* const rowq = a + q * LD;
      unrolled(std::make_index_sequence<NV>(), [&](auto j) {
        const V y = load(rowq + j * W), x0 = x[j];
        const V yn = vs * x0 + vc * y;
        x[j] = vc * x0 - vs * y;
        store(rowq + j * W, yn);
        unrolled(std::make_index_sequence<W>(), [&](auto l) {
          constexpr std::size_t k = decltype(j)::value * W + decltype(l)::value;
          if constexpr (k != q) a[k * LD + q] = yn[decltype(l)::value];
        });
      });
      x[q / W][q % W] = T(0);
      rowq[p] = T(0);
      T* const vq = vt + q * LD;
      unrolled(std::make_index_sequence<NV>(), [&](auto j) {
        const V y = load(vq + j * W), x0 = v[j];
        store(vq + j * W, vs * x0 + vc * y);
        v[j] = vc * x0 - vs * y;
      });
      ++rotations;
    });
    unrolled(std::make_index_sequence<NV>(), [&](auto j) {
      store(rowp + j * W, x[j]);
      store(vp + j * W, v[j]);
      unrolled(std::make_index_sequence<W>(), [&](auto l) {
        constexpr std::size_t k = decltype(j)::value * W + decltype(l)::value;
        a[k * LD + p] = x[decltype(j)::value][decltype(l)::value];
      });
    });
    d[p] = dp;
    z[p] = zp;
  }
  for (std::size_t j = 0; j < N; ++j) a[j * LD + j] = d0[j] + z[j];
  return rotations;
}

// One-sided (Hestenes) Jacobi, row-cyclic over the column pairs of X (rows of Xt).
template <typename T, class Ops>
std::size_t svd_cyclic_sweep(Ops& ops, std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt,
                             std::size_t ldv, T rel_tol, T abs_tol) noexcept {
  const std::size_t L = ops.lanes();
  const std::size_t mvec = (m + L - 1) / L, nvec = (n + L - 1) / L;
  std::size_t rotations = 0;
  for (std::size_t p = 0; p + 1 < n; ++p) {
    for (std::size_t q = p + 1; q < n; ++q) {
      T* xp = xt + p * ldx;
      T* xq = xt + q * ldx;
      T alpha, beta, gamma;
      ops.gram(mvec, xp, xq, alpha, beta, gamma);
      if (!jacobi_needs_rotation(alpha, beta, gamma, rel_tol, abs_tol)) continue;
      const auto r = jacobi_rotation(alpha, beta, gamma);
      ops.rotate_pair(mvec, xp, xq, r.c, -r.s, r.c, r.s);
      ops.rotate_pair(nvec, vt + p * ldv, vt + q * ldv, r.c, -r.s, r.c, r.s);
      ++rotations;
    }
  }
  return rotations;
}

// For the SIMD backends: the vector sweeps when rows are padded to whole vectors (and
// there is more than one lane), the scalar reference otherwise.
inline bool rows_padded(std::size_t n, std::size_t stride, std::size_t lanes) noexcept {
  return lanes > 1 && stride >= (n + lanes - 1) / lanes * lanes;
}

template <class Ops, typename T>
std::size_t simd_parallel_sweep(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,
                                T abs_tol) noexcept {
#if defined(OLSF_JACOBI_NEON_SWEEP8)
  // 8 x 8 float unpadded: the whole matrix in NEON registers (jacobi_neon8.hpp); what
  // JacobiOrdering::automatic runs there (detail::prefers_cyclic).
  if constexpr (std::is_same_v<T, float>) {
    if (n == 8 && lda == 8 && ldv == 8) return jacobi_parallel_sweep_neon8(a, vt, rel_tol, abs_tol);
  }
#endif
  Ops ops;
  if (!rows_padded(n, lda, ops.lanes()) || !rows_padded(n, ldv, ops.lanes()))
    return scalar::jacobi_sweep_parallel(n, a, lda, vt, ldv, rel_tol, abs_tol);
  return jacobi_parallel_sweep(ops, n, a, lda, vt, ldv, rel_tol, abs_tol);
}

// The cyclic sweep of the SIMD backends: n = 8 unpadded in 16-byte vectors (NEON, SSE
// lanes; the 8 x 8 float and double cases), else the scalar reference.
template <typename T>
std::size_t simd_cyclic_sweep(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,
                              T abs_tol) noexcept {
  if constexpr (kSimdBytes >= 16) {  // not on one-lane targets (Highway's HWY_SCALAR)
    if (n == 8 && lda == 8 && ldv == 8)
      return jacobi_cyclic_sweep_fixed_vec<T, 8, 8, 16 / sizeof(T)>(a, vt, rel_tol, abs_tol);
  }
#if defined(__aarch64__)
  // 16 x 16 float on NEON: rows of 4 vectors; what JacobiOrdering::automatic runs there
  // (detail::prefers_cyclic: 3.5x fewer instructions than the parallel sweep, issue #7).
  if constexpr (std::is_same_v<T, float>) {
    if (n == 16 && lda == 16 && ldv == 16) return jacobi_cyclic_sweep_fixed_vec<T, 16, 16, 4>(a, vt, rel_tol, abs_tol);
  }
#endif
  return scalar::jacobi_sweep_cyclic(n, a, lda, vt, ldv, rel_tol, abs_tol);
}

template <class Ops, typename T>
std::size_t simd_svd_sweep(std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt, std::size_t ldv,
                           T rel_tol, T abs_tol) noexcept {
  Ops ops;
  if (!rows_padded(m, ldx, ops.lanes()) || !rows_padded(n, ldv, ops.lanes()))
    return scalar::svd_sweep(n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);
  return svd_cyclic_sweep(ops, n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);
}

}  // namespace olsf::detail

// Defines the public Jacobi kernels of a SIMD backend from its Ops template; the cyclic
// ordering (one rotation at a time) is the scalar reference's.
#define OLSF_DEFINE_SIMD_JACOBI_KERNELS(T, OpsTemplate)                                                     \
  std::size_t jacobi_sweep_parallel(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol, \
                                    T abs_tol) noexcept {                                                   \
    return ::olsf::detail::simd_parallel_sweep<OpsTemplate<T>>(n, a, lda, vt, ldv, rel_tol, abs_tol);       \
  }                                                                                                         \
  std::size_t jacobi_sweep_cyclic(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,   \
                                  T abs_tol) noexcept {                                                     \
    return ::olsf::detail::simd_cyclic_sweep(n, a, lda, vt, ldv, rel_tol, abs_tol);                         \
  }                                                                                                         \
  std::size_t svd_sweep(std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt, std::size_t ldv,        \
                        T rel_tol, T abs_tol) noexcept {                                                    \
    return ::olsf::detail::simd_svd_sweep<OpsTemplate<T>>(n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);        \
  }

// Defines the public Jacobi kernels of detail/jacobi_api.inc in a backend namespace from
// `parallel_sweep_impl`, `cyclic_sweep_impl` and `svd_sweep_impl` visible there.
#define OLSF_DEFINE_JACOBI_KERNELS(T)                                                                       \
  std::size_t jacobi_sweep_parallel(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol, \
                                    T abs_tol) noexcept {                                                   \
    return parallel_sweep_impl(n, a, lda, vt, ldv, rel_tol, abs_tol);                                       \
  }                                                                                                         \
  std::size_t jacobi_sweep_cyclic(std::size_t n, T* a, std::size_t lda, T* vt, std::size_t ldv, T rel_tol,   \
                                  T abs_tol) noexcept {                                                     \
    return cyclic_sweep_impl(n, a, lda, vt, ldv, rel_tol, abs_tol);                                         \
  }                                                                                                         \
  std::size_t svd_sweep(std::size_t n, std::size_t m, T* xt, std::size_t ldx, T* vt, std::size_t ldv,        \
                        T rel_tol, T abs_tol) noexcept {                                                    \
    return svd_sweep_impl(n, m, xt, ldx, vt, ldv, rel_tol, abs_tol);                                        \
  }
