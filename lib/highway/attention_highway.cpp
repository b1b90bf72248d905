// olsformer Highway backend: attention kernels (drivers in lib/common/attention_impl.hpp;
// this file holds the vector work). Static dispatch to the target the compiler flags
// select (AVX2 on the host preset, NEON on aarch64, HWY_SCALAR on Cortex-M).
//
// Tails are copied through a small buffer instead of hn::MaskedLoad / hn::BlendedStore:
// on NEON, Highway 1.0.3 implements those as a full-vector load (and load + store), which
// would touch memory past the end of a row.
#include <cstddef>
#include <limits>

#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>

#include "../common/attention_impl.hpp"
#include "olsformer/kernels.hpp"

HWY_BEFORE_NAMESPACE();
namespace olsf::highway {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

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

// R queries x C keys of scores: R*C accumulators along d, each q and k vector loaded once
// and used C (resp. R) times.
template <std::size_t R, std::size_t C, typename T>
HWY_INLINE void score_tile(std::size_t dim, const T* q, std::size_t ldq, const T* k, std::size_t ldk, T scale,
                           T* s, std::size_t lds) {
  const hn::ScalableTag<T> d;
  const std::size_t N = hn::Lanes(d);
  using V = hn::Vec<decltype(d)>;
  V acc[R][C];
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t c = 0; c < C; ++c) acc[r][c] = hn::Zero(d);
  std::size_t i = 0;
  for (; i + N <= dim; i += N) {
    V kv[C];
    for (std::size_t c = 0; c < C; ++c) kv[c] = hn::LoadU(d, k + c * ldk + i);
    for (std::size_t r = 0; r < R; ++r) {
      const V qv = hn::LoadU(d, q + r * ldq + i);
      for (std::size_t c = 0; c < C; ++c) acc[r][c] = hn::MulAdd(qv, kv[c], acc[r][c]);
    }
  }
  if (i < dim) {
    V kv[C];
    for (std::size_t c = 0; c < C; ++c) kv[c] = load_partial(d, k + c * ldk + i, dim - i);
    for (std::size_t r = 0; r < R; ++r) {
      const V qv = load_partial(d, q + r * ldq + i, dim - i);
      for (std::size_t c = 0; c < C; ++c) acc[r][c] = hn::MulAdd(qv, kv[c], acc[r][c]);
    }
  }
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t c = 0; c < C; ++c) s[r * lds + c] = scale * hn::GetLane(hn::SumOfLanes(d, acc[r][c]));
}

template <std::size_t R, typename T>
HWY_INLINE void score_rows(std::size_t nk, std::size_t dim, const T* q, std::size_t ldq, const T* k,
                           std::size_t ldk, T scale, T* s, std::size_t lds) {
  constexpr std::size_t C = R == 1 ? 4 : 2;  // 4 or 8 independent FMA chains
  std::size_t j = 0;
  for (; j + C <= nk; j += C) score_tile<R, C>(dim, q, ldq, k + j * ldk, ldk, scale, s + j, lds);
  for (; j < nk; ++j) score_tile<R, 1>(dim, q, ldq, k + j * ldk, ldk, scale, s + j, lds);
}

// acc_r[c0 .. c0 + G N) += sum_j p_rj v_j[...], with U keys in flight on separate
// accumulators (summed at the end) when there are few vectors per row.
template <std::size_t R, std::size_t G, std::size_t U, typename T>
HWY_INLINE void accumulate_group(std::size_t nk, std::size_t c0, std::size_t count, const T* p, std::size_t ldp,
                                 const T* v, std::size_t ldv, T* acc, std::size_t ldacc) {
  const hn::ScalableTag<T> d;
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

template <std::size_t R, typename T>
HWY_INLINE void accumulate_rows(std::size_t nk, std::size_t dv, const T* p, std::size_t ldp, const T* v,
                                std::size_t ldv, T* acc, std::size_t ldacc) {
  const std::size_t N = hn::Lanes(hn::ScalableTag<T>());
  // About 8 independent accumulators: enough FMA chains in flight to hide the latency.
  constexpr std::size_t G = R == 1 ? 4 : R == 2 ? 2 : 1;
  constexpr std::size_t U = R == 1 ? 2 : R == 2 ? 2 : 2;
  std::size_t c = 0;
  for (; c + G * N <= dv; c += G * N) accumulate_group<R, G, U>(nk, c, G * N, p, ldp, v, ldv, acc, ldacc);
  for (; c + N <= dv; c += N) accumulate_group<R, 1, 4>(nk, c, N, p, ldp, v, ldv, acc, ldacc);
  if (c < dv) accumulate_group<R, 1, 2>(nk, c, dv - c, p, ldp, v, ldv, acc, ldacc);
}

template <typename T>
struct HighwayAttentionOps {
  void scores(std::size_t nq, std::size_t nk, std::size_t dim, const T* q, std::size_t ldq, const T* k,
              std::size_t ldk, T scale, T* s, std::size_t lds) const noexcept {
    switch (nq) {
      case 1: return score_rows<1>(nk, dim, q, ldq, k, ldk, scale, s, lds);
      case 2: return score_rows<2>(nk, dim, q, ldq, k, ldk, scale, s, lds);
      case 3: return score_rows<3>(nk, dim, q, ldq, k, ldk, scale, s, lds);
      default: return score_rows<4>(nk, dim, q, ldq, k, ldk, scale, s, lds);
    }
  }

  // count is a multiple of the lane count (kAttentionBlock); arguments are <= 0 or -inf,
  // where hn::Exp is accurate and exact at the edge (-inf -> 0).
  T exp_shift(std::size_t count, T* s, T m) const noexcept {
    const hn::ScalableTag<T> d;
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
      case 1: return accumulate_rows<1>(nk, dv, p, ldp, v, ldv, acc, ldacc);
      case 2: return accumulate_rows<2>(nk, dv, p, ldp, v, ldv, acc, ldacc);
      case 3: return accumulate_rows<3>(nk, dv, p, ldp, v, ldv, acc, ldacc);
      default: return accumulate_rows<4>(nk, dv, p, ldp, v, ldv, acc, ldacc);
    }
  }

  void feature(std::size_t n, const T* x, T* y, FeatureMap phi) const noexcept {
    if (phi == FeatureMap::identity) {
      for (std::size_t i = 0; i < n; ++i) y[i] = x[i];
      return;
    }
    const hn::ScalableTag<T> d;
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
  void axpy(std::size_t n, T a, const T* x, T* y) const noexcept { ::olsf::highway::axpy(n, a, x, 1, y, 1); }
  void gemv_t(std::size_t rows, std::size_t cols, const T* a, std::size_t lda, const T* x, T* y) const noexcept {
    ::olsf::highway::gemv_t(rows, cols, T(1), a, lda, x, 1, T(0), y, 1);
  }
};

}  // namespace HWY_NAMESPACE
}  // namespace olsf::highway
HWY_AFTER_NAMESPACE();

namespace olsf::highway {
namespace {
template <typename T>
HWY_NAMESPACE::HighwayAttentionOps<T> attention_ops() noexcept {
  return {};
}
}  // namespace

std::size_t attention_block_keys() noexcept { return detail::kAttentionBlock; }

OLSF_DEFINE_ATTENTION_KERNELS(float)
OLSF_DEFINE_ATTENTION_KERNELS(double)

}  // namespace olsf::highway
