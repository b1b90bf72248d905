// olsformer Highway backend: attention kernels (drivers in lib/common/attention_impl.hpp;
// this file holds the vector work). Compiled for the target the compiler flags select
// (AVX2 on the host preset, NEON on aarch64, HWY_SCALAR on Cortex-M) and, with
// OLSF_HWY_DYNAMIC_DISPATCH, also for AVX3, picked at run time (highway_targets.hpp).
// The drivers are compiled once per target, inside the target region, and inline the
// target's ops, which are coarse (a block of keys per call).
//
// Tails are copied through a small buffer instead of hn::MaskedLoad / hn::BlendedStore:
// on NEON, Highway 1.0.3 implements those as a full-vector load (and load + store), which
// would touch memory past the end of a row.

// Every header the drivers include, first included here: outside the target region, so
// that inline library functions are not compiled with one target's attributes.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "highway_targets.hpp"
#include "olsformer/kernels.hpp"
#include "olsformer/simd_width.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "highway/attention_highway.cpp"
#if defined(OLSF_HWY_DYNAMIC_DISPATCH)
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#endif
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>

HWY_BEFORE_NAMESPACE();
// Inside the target region, once per target (its templates land in
// olsf::detail::HWY_NAMESPACE): the drivers inline the target's ops below.
#include "../common/attention_impl.hpp"
namespace olsf::highway {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
namespace dt = ::olsf::detail::HWY_NAMESPACE;

// The attention ops' vectors: on AVX3, 256-bit ones (AVX-512VL: 32 registers, the same
// instructions AVX2 has). Decode and the Hopfield step work on rows of d <= 128 entries;
// 512-bit vectors halve the keys per reduction and double the tails, and where 512-bit
// operations run as two 256-bit halves (AMD Zen 4, this project's machine) they add no
// FMA throughput: measured 1.1-1.5x slower than AVX2 at d <= 32 and never faster (issue #7).
#if HWY_TARGET == HWY_AVX3
template <typename T>
using AttnTag = hn::CappedTag<T, 32 / sizeof(T)>;
#else
template <typename T>
using AttnTag = hn::ScalableTag<T>;
#endif
template <typename T>
inline constexpr std::size_t kAttnLanes = hn::MaxLanes(AttnTag<T>());

template <class D, typename T = hn::TFromD<D>>
HWY_INLINE hn::Vec<D> load_partial(D d, const T* p, std::size_t count) {
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)] = {};
  for (std::size_t k = 0; k < count; ++k) buf[k] = p[k];
  return hn::Load(d, buf);
}

template <class D, typename T = hn::TFromD<D>>
HWY_INLINE void store_partial(D d, hn::Vec<D> v, T* p, std::size_t count) {
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
  hn::Store(v, d, buf);
  for (std::size_t k = 0; k < count; ++k) p[k] = buf[k];
}

// Lane sums of Lanes(d) accumulators at once, as one vector (lane i = sum of the lanes of
// a[i]): a transposed reduction instead of one SumOfLanes per accumulator. The additions
// happen in another order than SumOfLanes', which the error bound of a dot product
// (gamma_d, any order) does not depend on.
template <class D, typename T = hn::TFromD<D>>
HWY_INLINE hn::Vec<D> sum_lanes_of(D d, const hn::Vec<D>* a) {
#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3
  (void)d;
  static_assert(hn::MaxLanes(D()) * sizeof(T) == 32, "x86: the attention ops' 256-bit vectors (AttnTag)");
  if constexpr (sizeof(T) == 4) {
    // h01 = [a0 a0 a1 a1 | ...] pair sums; then quads; then the two 128-bit halves.
    const __m256 h01 = _mm256_hadd_ps(a[0].raw, a[1].raw), h23 = _mm256_hadd_ps(a[2].raw, a[3].raw);
    const __m256 h45 = _mm256_hadd_ps(a[4].raw, a[5].raw), h67 = _mm256_hadd_ps(a[6].raw, a[7].raw);
    const __m256 q0 = _mm256_hadd_ps(h01, h23), q1 = _mm256_hadd_ps(h45, h67);
    const __m256 lo = _mm256_permute2f128_ps(q0, q1, 0x20), hi = _mm256_permute2f128_ps(q0, q1, 0x31);
    return hn::Vec<D>{_mm256_add_ps(lo, hi)};
  } else {
    const __m256d h01 = _mm256_hadd_pd(a[0].raw, a[1].raw), h23 = _mm256_hadd_pd(a[2].raw, a[3].raw);
    const __m256d lo = _mm256_permute2f128_pd(h01, h23, 0x20), hi = _mm256_permute2f128_pd(h01, h23, 0x31);
    return hn::Vec<D>{_mm256_add_pd(lo, hi)};
  }
#else
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
  const std::size_t N = hn::Lanes(d);
  for (std::size_t i = 0; i < N; ++i) buf[i] = hn::GetLane(hn::SumOfLanes(d, a[i]));
  return hn::Load(d, buf);
#endif
}

// R queries x C keys of scores: R*C accumulators along d, each q and k vector loaded once
// and used C (resp. R) times. Reduced Lanes(d) accumulators at a time when R*C allows.
// DIM != 0 fixes the head dimension at compile time (the loops unroll completely).
template <std::size_t R, std::size_t C, std::size_t DIM, typename T>
HWY_INLINE void score_tile(std::size_t dim_rt, const T* q, std::size_t ldq, const T* k, std::size_t ldk, T scale,
                           T* s, std::size_t lds) {
  const std::size_t dim = DIM != 0 ? DIM : dim_rt;
  const AttnTag<T> d;
  const std::size_t N = hn::Lanes(d);
  using V = hn::Vec<decltype(d)>;
  V acc[R * C];
  for (std::size_t r = 0; r < R * C; ++r) acc[r] = hn::Zero(d);
  std::size_t i = 0;
  for (; i + N <= dim; i += N) {
    V kv[C];
    for (std::size_t c = 0; c < C; ++c) kv[c] = hn::LoadU(d, k + c * ldk + i);
    for (std::size_t r = 0; r < R; ++r) {
      const V qv = hn::LoadU(d, q + r * ldq + i);
      for (std::size_t c = 0; c < C; ++c) acc[r * C + c] = hn::MulAdd(qv, kv[c], acc[r * C + c]);
    }
  }
  if (i < dim) {
    V kv[C];
    for (std::size_t c = 0; c < C; ++c) kv[c] = load_partial(d, k + c * ldk + i, dim - i);
    for (std::size_t r = 0; r < R; ++r) {
      const V qv = load_partial(d, q + r * ldq + i, dim - i);
      for (std::size_t c = 0; c < C; ++c) acc[r * C + c] = hn::MulAdd(qv, kv[c], acc[r * C + c]);
    }
  }
  if ((R * C) % N == 0) {
    const V vs = hn::Set(d, scale);
    if (R == 1) {
      for (std::size_t c = 0; c < C; c += N) hn::StoreU(hn::Mul(vs, sum_lanes_of(d, acc + c)), d, s + c);
      return;
    }
    HWY_ALIGN T buf[R * C];
    for (std::size_t c = 0; c < R * C; c += N) hn::Store(hn::Mul(vs, sum_lanes_of(d, acc + c)), d, buf + c);
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t c = 0; c < C; ++c) s[r * lds + c] = buf[r * C + c];
    return;
  }
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t c = 0; c < C; ++c) s[r * lds + c] = scale * hn::GetLane(hn::SumOfLanes(d, acc[r * C + c]));
}

template <std::size_t R, std::size_t DIM, typename T>
HWY_INLINE void score_rows(std::size_t nk, std::size_t dim, const T* q, std::size_t ldq, const T* k,
                           std::size_t ldk, T scale, T* s, std::size_t lds) {
  // One query: as many keys as lanes (8 float / 4 double on AVX2, 16 / 8 on AVX3) so that
  // their dot products are reduced together; several queries: 2 keys (R*C accumulators).
  constexpr std::size_t L = kAttnLanes<T> >= 4 ? kAttnLanes<T> : 4;
  constexpr std::size_t C = R == 1 ? (L <= 8 ? L : 8) : 2;
  std::size_t j = 0;
  for (; j + C <= nk; j += C) score_tile<R, C, DIM>(dim, q, ldq, k + j * ldk, ldk, scale, s + j, lds);
  if (R == 1 && C > 4)
    for (; j + 4 <= nk; j += 4) score_tile<R, 4, DIM>(dim, q, ldq, k + j * ldk, ldk, scale, s + j, lds);
  for (; j < nk; ++j) score_tile<R, 1, DIM>(dim, q, ldq, k + j * ldk, ldk, scale, s + j, lds);
}

// acc_r[c0 .. c0 + G N) += sum_j p_rj v_j[...], with U keys in flight on separate
// accumulators (summed at the end) when there are few vectors per row.
template <std::size_t R, std::size_t G, std::size_t U, typename T>
HWY_INLINE void accumulate_group(std::size_t nk, std::size_t c0, std::size_t count, const T* p, std::size_t ldp,
                                 const T* v, std::size_t ldv, T* acc, std::size_t ldacc) {
  const AttnTag<T> d;
  const std::size_t N = hn::Lanes(d);
  using V = hn::Vec<decltype(d)>;
  const bool partial = count < G * N;  // only when G == 1: the tail of the row
  V a[U][R][G];
  for (std::size_t u = 0; u < U; ++u)
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t g = 0; g < G; ++g)
        a[u][r][g] = u != 0 ? hn::Zero(d)
                     : partial ? load_partial(d, acc + r * ldacc + c0, count)
                               : hn::LoadU(d, acc + r * ldacc + c0 + g * N);
  std::size_t j = 0;
  for (; j + U <= nk; j += U) {
    for (std::size_t u = 0; u < U; ++u) {
      V pj[R];
      for (std::size_t r = 0; r < R; ++r) pj[r] = hn::Set(d, p[r * ldp + j + u]);
      for (std::size_t g = 0; g < G; ++g) {
        const T* vp = v + (j + u) * ldv + c0 + g * N;
        const V vv = partial ? load_partial(d, vp, count) : hn::LoadU(d, vp);
        for (std::size_t r = 0; r < R; ++r) a[u][r][g] = hn::MulAdd(pj[r], vv, a[u][r][g]);
      }
    }
  }
  for (; j < nk; ++j) {
    V pj[R];
    for (std::size_t r = 0; r < R; ++r) pj[r] = hn::Set(d, p[r * ldp + j]);
    for (std::size_t g = 0; g < G; ++g) {
      const T* vp = v + j * ldv + c0 + g * N;
      const V vv = partial ? load_partial(d, vp, count) : hn::LoadU(d, vp);
      for (std::size_t r = 0; r < R; ++r) a[0][r][g] = hn::MulAdd(pj[r], vv, a[0][r][g]);
    }
  }
  for (std::size_t u = 1; u < U; ++u)
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t g = 0; g < G; ++g) a[0][r][g] = hn::Add(a[0][r][g], a[u][r][g]);
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t g = 0; g < G; ++g) {
      if (partial) {
        store_partial(d, a[0][r][g], acc + r * ldacc + c0, count);
      } else {
        hn::StoreU(a[0][r][g], d, acc + r * ldacc + c0 + g * N);
      }
    }
}

template <std::size_t R, std::size_t DV, typename T>
HWY_INLINE void accumulate_rows(std::size_t nk, std::size_t dv_rt, const T* p, std::size_t ldp, const T* v,
                                std::size_t ldv, T* acc, std::size_t ldacc) {
  const std::size_t dv = DV != 0 ? DV : dv_rt;
  const std::size_t N = hn::Lanes(AttnTag<T>());
  if constexpr (R == 1 && DV != 0 && DV % kAttnLanes<T> == 0 && kAttnLanes<T> > 1) {
    // A whole row of at most 8 vectors (dv known at compile time): one pass over the keys
    // with the row in registers and 8 FMA chains (G vectors x U keys in flight); wider rows
    // in groups of 8 vectors.
    constexpr std::size_t kVec = DV / kAttnLanes<T>;
    constexpr std::size_t G = kVec < 8 ? kVec : 8;
    constexpr std::size_t U = 8 / G > 0 ? 8 / G : 1;
    for (std::size_t c = 0; c < dv; c += G * N) accumulate_group<1, G, U>(nk, c, G * N, p, ldp, v, ldv, acc, ldacc);
    return;
  }
  // About 8 independent accumulators: enough FMA chains in flight to hide the latency.
  // Several queries: 2 vectors of each row per pass, so every broadcast of p_rj feeds two
  // FMAs (loads per FMA, not FMA latency, bound this loop).
  constexpr std::size_t G = R == 1 ? 4 : 2;
  constexpr std::size_t U = R <= 2 ? 2 : 1;
  std::size_t c = 0;
  for (; c + G * N <= dv; c += G * N) accumulate_group<R, G, U>(nk, c, G * N, p, ldp, v, ldv, acc, ldacc);
  if (R == 1)
    for (; c + 2 * N <= dv; c += 2 * N) accumulate_group<R, 2, 4>(nk, c, 2 * N, p, ldp, v, ldv, acc, ldacc);
  for (; c + N <= dv; c += N) accumulate_group<R, 1, (R <= 2 ? 4 : 2)>(nk, c, N, p, ldp, v, ldv, acc, ldacc);
  if (c < dv) accumulate_group<R, 1, 2>(nk, c, dv - c, p, ldp, v, ldv, acc, ldacc);
}

// score_rows for detail::dispatch_scores, which fixes the common head dimensions.
struct ScoreKernel {
  template <std::size_t R, std::size_t Dim, typename T>
  static void run(std::size_t nk, std::size_t dim, const T* q, std::size_t ldq, const T* k, std::size_t ldk,
                  T scale, T* s, std::size_t lds) noexcept {
    score_rows<R, Dim>(nk, dim, q, ldq, k, ldk, scale, s, lds);
  }
};

template <typename T>
struct HighwayAttentionOps {
  static constexpr std::size_t kPad = kAttnLanes<T>;

  void scores(std::size_t nq, std::size_t nk, std::size_t dim, const T* q, std::size_t ldq, const T* k,
              std::size_t ldk, T scale, T* s, std::size_t lds) const noexcept {
    dt::dispatch_scores<ScoreKernel>(nq, nk, dim, q, ldq, k, ldk, scale, s, lds);
  }

  // count is a multiple of the lane count (kAttentionBlock); arguments are <= 0 or -inf,
  // where hn::Exp is accurate and exact at the edge (-inf -> 0).
  T exp_shift(std::size_t count, T* s, T m) const noexcept {
    const AttnTag<T> d;
    const std::size_t N = hn::Lanes(d);
    const auto vm = hn::Set(d, m);
    auto sum0 = hn::Zero(d), sum1 = hn::Zero(d);
    std::size_t j = 0;
    for (; j + 2 * N <= count; j += 2 * N) {
      const auto e0 = hn::Exp(d, hn::Sub(hn::LoadU(d, s + j), vm));
      const auto e1 = hn::Exp(d, hn::Sub(hn::LoadU(d, s + j + N), vm));
      hn::StoreU(e0, d, s + j);
      hn::StoreU(e1, d, s + j + N);
      sum0 = hn::Add(sum0, e0);
      sum1 = hn::Add(sum1, e1);
    }
    for (; j + N <= count; j += N) {
      const auto e = hn::Exp(d, hn::Sub(hn::LoadU(d, s + j), vm));
      hn::StoreU(e, d, s + j);
      sum0 = hn::Add(sum0, e);
    }
    return hn::GetLane(hn::SumOfLanes(d, hn::Add(sum0, sum1)));
  }

  void accumulate(std::size_t nq, std::size_t nk, std::size_t dv, const T* p, std::size_t ldp, const T* v,
                  std::size_t ldv, T* acc, std::size_t ldacc) const noexcept {
    switch (nq) {
      case 1:
        switch (dv) {
          case 16: return accumulate_rows<1, 16>(nk, dv, p, ldp, v, ldv, acc, ldacc);
          case 32: return accumulate_rows<1, 32>(nk, dv, p, ldp, v, ldv, acc, ldacc);
          case 64: return accumulate_rows<1, 64>(nk, dv, p, ldp, v, ldv, acc, ldacc);
          case 128: return accumulate_rows<1, 128>(nk, dv, p, ldp, v, ldv, acc, ldacc);
          default: return accumulate_rows<1, 0>(nk, dv, p, ldp, v, ldv, acc, ldacc);
        }
      case 2: return accumulate_rows<2, 0>(nk, dv, p, ldp, v, ldv, acc, ldacc);
      case 3: return accumulate_rows<3, 0>(nk, dv, p, ldp, v, ldv, acc, ldacc);
      default: return accumulate_rows<4, 0>(nk, dv, p, ldp, v, ldv, acc, ldacc);
    }
  }

  void feature(std::size_t n, const T* x, T* y, FeatureMap phi) const noexcept {
    if (phi == FeatureMap::identity) {
      for (std::size_t i = 0; i < n; ++i) y[i] = x[i];
      return;
    }
    const AttnTag<T> d;
    const std::size_t N = hn::Lanes(d);
    const auto zero = hn::Zero(d), one = hn::Set(d, T(1));
    // elu(x) + 1: x + 1 above 0, e^x below (hn::Exp is accurate for x <= 0).
    auto f = [&](hn::Vec<decltype(d)> xv) {
      return hn::IfThenElse(hn::Gt(xv, zero), hn::Add(xv, one), hn::Exp(d, hn::Min(xv, zero)));
    };
    std::size_t i = 0;
    for (; i + N <= n; i += N) hn::StoreU(f(hn::LoadU(d, x + i)), d, y + i);
    if (i < n) store_partial(d, f(load_partial(d, x + i, n - i)), y + i, n - i);
  }

  T dot(std::size_t n, const T* x, const T* y) const noexcept { return ::olsf::highway::dot(n, x, 1, y, 1); }

  // Max and finiteness in one vector pass: l - l is 0 for finite l and NaN otherwise, so
  // the sum of those differences is NaN exactly when some logit is not finite.
  bool logit_max(std::size_t n, const T* l, T& m) const noexcept {
    const AttnTag<T> d;
    const std::size_t N = hn::Lanes(d);
    using V = hn::Vec<decltype(d)>;
    const T inf = std::numeric_limits<T>::infinity();
    V mx0 = hn::Set(d, -inf), mx1 = mx0, chk0 = hn::Zero(d), chk1 = chk0;
    std::size_t j = 0;
    for (; j + 2 * N <= n; j += 2 * N) {
      const V a = hn::LoadU(d, l + j), b = hn::LoadU(d, l + j + N);
      mx0 = hn::Max(mx0, a);
      mx1 = hn::Max(mx1, b);
      chk0 = hn::Add(chk0, hn::Sub(a, a));
      chk1 = hn::Add(chk1, hn::Sub(b, b));
    }
    for (; j + N <= n; j += N) {
      const V a = hn::LoadU(d, l + j);
      mx0 = hn::Max(mx0, a);
      chk0 = hn::Add(chk0, hn::Sub(a, a));
    }
    T bm = hn::GetLane(hn::MaxOfLanes(d, hn::Max(mx0, mx1)));
    bool ok = hn::GetLane(hn::SumOfLanes(d, hn::Add(chk0, chk1))) == T(0);
    for (; j < n; ++j) {
      ok = ok && dt::attn_finite(l[j]);
      bm = l[j] > bm ? l[j] : bm;
    }
    m = bm;
    return ok;
  }

  // s_i += f_i v, row by row, the row of S streamed through once.
  void rank1(std::size_t rows, std::size_t cols, const T* f, const T* v, T* s, std::size_t lds) const noexcept {
    const AttnTag<T> d;
    const std::size_t N = hn::Lanes(d);
    using V = hn::Vec<decltype(d)>;
    for (std::size_t i = 0; i < rows; ++i) {
      const V fi = hn::Set(d, f[i]);
      T* si = s + i * lds;
      std::size_t c = 0;
      for (; c + 2 * N <= cols; c += 2 * N) {
        const V a = hn::MulAdd(fi, hn::LoadU(d, v + c), hn::LoadU(d, si + c));
        const V b = hn::MulAdd(fi, hn::LoadU(d, v + c + N), hn::LoadU(d, si + c + N));
        hn::StoreU(a, d, si + c);
        hn::StoreU(b, d, si + c + N);
      }
      for (; c + N <= cols; c += N) hn::StoreU(hn::MulAdd(fi, hn::LoadU(d, v + c), hn::LoadU(d, si + c)), d, si + c);
      for (; c < cols; ++c) si[c] += f[i] * v[c];
    }
  }
};

// One entry point per kernel and type for HWY_EXPORT (no overloads, no noexcept).
#define OLSF_HWY_ATTENTION_ENTRIES(T, S)                                                                             \
  OLSF_HWY_ENTRY Status AttentionDecode##S(std::size_t n, std::size_t d, std::size_t dv, T beta, const T* q, const T* k,        \
                            std::size_t ldk, const T* v, std::size_t ldv, const T* mask, T* out,                     \
                            AttentionObservables<T>* obs) {                                                          \
    return dt::attention_decode(HighwayAttentionOps<T>(), n, d, dv, beta, q, k, ldk, v, ldv, mask,                   \
                                            out, obs);                                                               \
  }                                                                                                                  \
  OLSF_HWY_ENTRY Status AttentionPrefill##S(std::size_t m, std::size_t n, std::size_t d, std::size_t dv, T beta, const T* q,    \
                             std::size_t ldq, const T* k, std::size_t ldk, const T* v, std::size_t ldv,              \
                             const T* mask, std::size_t ldmask, bool causal, T* out, std::size_t ldo,                \
                             AttentionObservables<T>* obs) {                                                         \
    return dt::attention_prefill(HighwayAttentionOps<T>(), m, n, d, dv, beta, q, ldq, k, ldk, v, ldv,                \
                                             mask, ldmask, causal, out, ldo, obs);                                   \
  }                                                                                                                  \
  OLSF_HWY_ENTRY Status LinearUpdate##S(std::size_t d, std::size_t dv, FeatureMap phi, const T* k, const T* v, T* s, \
                         std::size_t lds, T* z) {                                                                    \
    return dt::linear_attention_update(HighwayAttentionOps<T>(), d, dv, phi, k, v, s, lds, z);                       \
  }                                                                                                                  \
  OLSF_HWY_ENTRY Status LinearQuery##S(std::size_t d, std::size_t dv, FeatureMap phi, const T* q, const T* s, std::size_t lds,  \
                        const T* z, bool normalize, T* out) {                                                        \
    return dt::linear_attention_query(HighwayAttentionOps<T>(), d, dv, phi, q, s, lds, z, normalize,                 \
                                                  out);                                                              \
  }                                                                                                                  \
  OLSF_HWY_ENTRY Status Linear##S(std::size_t m, std::size_t n, std::size_t d, std::size_t dv, FeatureMap phi, bool causal,     \
                   bool normalize, const T* q, std::size_t ldq, const T* k, std::size_t ldk, const T* v,             \
                   std::size_t ldv, T* out, std::size_t ldo) {                                                       \
    return dt::linear_attention(HighwayAttentionOps<T>(), m, n, d, dv, phi, causal, normalize, q,                    \
                                            ldq, k, ldk, v, ldv, out, ldo);                                          \
  }
#if defined(OLSF_HWY_DYNAMIC_DISPATCH)
OLSF_HWY_ATTENTION_ENTRIES(float, F32)
OLSF_HWY_ATTENTION_ENTRIES(double, F64)
#endif

}  // namespace HWY_NAMESPACE
}  // namespace olsf::highway
HWY_AFTER_NAMESPACE();

#if !defined(OLSF_HWY_DYNAMIC_DISPATCH)
// One static target: the entry points outside the target region (no target attributes),
// so that they fold into the public functions and the code is what it was without them.
namespace olsf::highway::HWY_NAMESPACE {
OLSF_HWY_ATTENTION_ENTRIES(float, F32)
OLSF_HWY_ATTENTION_ENTRIES(double, F64)
}  // namespace olsf::highway::HWY_NAMESPACE
#endif
#undef OLSF_HWY_ATTENTION_ENTRIES

#if HWY_ONCE
namespace olsf::highway {

std::size_t attention_block_keys() noexcept { return detail::HWY_NAMESPACE::kAttentionBlock; }

#define OLSF_HWY_ATTENTION(T, S)                                                                                     \
  OLSF_HWY_EXPORT(AttentionDecode##S);                                                                               \
  OLSF_HWY_EXPORT(AttentionPrefill##S);                                                                              \
  OLSF_HWY_EXPORT(LinearUpdate##S);                                                                                  \
  OLSF_HWY_EXPORT(LinearQuery##S);                                                                                   \
  OLSF_HWY_EXPORT(Linear##S);                                                                                        \
  Status attention_decode(std::size_t n, std::size_t d, std::size_t dv, T beta, const T* q, const T* k,              \
                          std::size_t ldk, const T* v, std::size_t ldv, const T* mask, T* out,                       \
                          AttentionObservables<T>* obs) noexcept {                                                   \
    return OLSF_HWY_CALL(AttentionDecode##S)(n, d, dv, beta, q, k, ldk, v, ldv, mask, out, obs);                     \
  }                                                                                                                  \
  Status attention_prefill(std::size_t m, std::size_t n, std::size_t d, std::size_t dv, T beta, const T* q,          \
                           std::size_t ldq, const T* k, std::size_t ldk, const T* v, std::size_t ldv,                \
                           const T* mask, std::size_t ldmask, bool causal, T* out, std::size_t ldo,                  \
                           AttentionObservables<T>* obs) noexcept {                                                  \
    return OLSF_HWY_CALL(AttentionPrefill##S)(m, n, d, dv, beta, q, ldq, k, ldk, v, ldv, mask, ldmask, causal,       \
                                              out, ldo, obs);                                                        \
  }                                                                                                                  \
  Status linear_attention_update(std::size_t d, std::size_t dv, FeatureMap phi, const T* k, const T* v, T* s,        \
                                 std::size_t lds, T* z) noexcept {                                                   \
    return OLSF_HWY_CALL(LinearUpdate##S)(d, dv, phi, k, v, s, lds, z);                                              \
  }                                                                                                                  \
  Status linear_attention_query(std::size_t d, std::size_t dv, FeatureMap phi, const T* q, const T* s,               \
                                std::size_t lds, const T* z, bool normalize, T* out) noexcept {                      \
    return OLSF_HWY_CALL(LinearQuery##S)(d, dv, phi, q, s, lds, z, normalize, out);                                  \
  }                                                                                                                  \
  Status linear_attention(std::size_t m, std::size_t n, std::size_t d, std::size_t dv, FeatureMap phi,               \
                          bool causal, bool normalize, const T* q, std::size_t ldq, const T* k, std::size_t ldk,     \
                          const T* v, std::size_t ldv, T* out, std::size_t ldo) noexcept {                           \
    return OLSF_HWY_CALL(Linear##S)(m, n, d, dv, phi, causal, normalize, q, ldq, k, ldk, v, ldv, out, ldo);          \
  }
OLSF_HWY_ATTENTION(float, F32)
OLSF_HWY_ATTENTION(double, F64)
#undef OLSF_HWY_ATTENTION

}  // namespace olsf::highway
#endif  // HWY_ONCE
