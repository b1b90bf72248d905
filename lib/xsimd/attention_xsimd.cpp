// olsformer xsimd backend: attention kernels (drivers in lib/common/attention_impl.hpp;
// this file holds the vector work). xsimd 8.1 has no masked loads: row tails are handled
// element by element (or through a small buffer).
#include <cstddef>
#include <limits>

#include <xsimd/xsimd.hpp>

#include "../common/attention_impl.hpp"
#include "batch_support.hpp"
#include "olsformer/kernels.hpp"

namespace olsf::xsimd {
namespace {
namespace xs = ::xsimd;

template <typename T>
using Batch = xs::batch<T>;

// A partial vector: zeros past the end.
template <typename T>
Batch<T> load_partial(const T* p, std::size_t count) noexcept {
  return xsimd_detail::load_tail(p, count, T(0));
}
using xsimd_detail::store_tail;

// R queries x C keys of scores: R*C accumulators along d. DIM != 0 fixes the head
// dimension at compile time (the loops unroll completely).
template <std::size_t R, std::size_t C, std::size_t DIM, typename T>
inline void score_tile(std::size_t dim_rt, const T* q, std::size_t ldq, const T* k, std::size_t ldk, T scale, T* s,
                       std::size_t lds) noexcept {
  const std::size_t dim = DIM != 0 ? DIM : dim_rt;
  constexpr std::size_t N = Batch<T>::size;
  Batch<T> acc[R][C];
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t c = 0; c < C; ++c) acc[r][c] = Batch<T>(T(0));
  std::size_t i = 0;
  for (; i + N <= dim; i += N) {
    Batch<T> kv[C];
    for (std::size_t c = 0; c < C; ++c) kv[c] = Batch<T>::load_unaligned(k + c * ldk + i);
    for (std::size_t r = 0; r < R; ++r) {
      const Batch<T> qv = Batch<T>::load_unaligned(q + r * ldq + i);
      for (std::size_t c = 0; c < C; ++c) acc[r][c] = xs::fma(qv, kv[c], acc[r][c]);
    }
  }
  if (i < dim) {
    Batch<T> kv[C];
    for (std::size_t c = 0; c < C; ++c) kv[c] = load_partial(k + c * ldk + i, dim - i);
    for (std::size_t r = 0; r < R; ++r) {
      const Batch<T> qv = load_partial(q + r * ldq + i, dim - i);
      for (std::size_t c = 0; c < C; ++c) acc[r][c] = xs::fma(qv, kv[c], acc[r][c]);
    }
  }
  if constexpr (R == 1 && C == N && N > 1) {
    // One query, a key per lane: the N dot products reduced together (xs::haddp, a
    // transposed reduction: another summation order, same gamma_d bound).
    (xs::haddp(acc[0]) * Batch<T>(scale)).store_unaligned(s);
    return;
  }
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t c = 0; c < C; ++c) s[r * lds + c] = scale * xs::hadd(acc[r][c]);
}

template <std::size_t R, std::size_t DIM, typename T>
inline void score_rows(std::size_t nk, std::size_t dim, const T* q, std::size_t ldq, const T* k, std::size_t ldk,
                       T scale, T* s, std::size_t lds) noexcept {
  constexpr std::size_t N = Batch<T>::size;
  constexpr std::size_t C = R == 1 ? (N > 4 ? N : 4) : 2;
  std::size_t j = 0;
  for (; j + C <= nk; j += C) score_tile<R, C, DIM>(dim, q, ldq, k + j * ldk, ldk, scale, s + j, lds);
  if (R == 1 && C > 4)
    for (; j + 4 <= nk; j += 4) score_tile<R, 4, DIM>(dim, q, ldq, k + j * ldk, ldk, scale, s + j, lds);
  for (; j < nk; ++j) score_tile<R, 1, DIM>(dim, q, ldq, k + j * ldk, ldk, scale, s + j, lds);
}

template <std::size_t R, std::size_t G, std::size_t U, typename T>
inline void accumulate_group(std::size_t nk, std::size_t c0, std::size_t count, const T* p, std::size_t ldp,
                             const T* v, std::size_t ldv, T* acc, std::size_t ldacc) noexcept {
  constexpr std::size_t N = Batch<T>::size;
  const bool partial = count < G * N;
  Batch<T> a[U][R][G];
  for (std::size_t u = 0; u < U; ++u)
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t g = 0; g < G; ++g)
        a[u][r][g] = u != 0    ? Batch<T>(T(0))
                     : partial ? load_partial(acc + r * ldacc + c0, count)
                               : Batch<T>::load_unaligned(acc + r * ldacc + c0 + g * N);
  std::size_t j = 0;
  for (; j + U <= nk; j += U) {
    for (std::size_t u = 0; u < U; ++u) {
      Batch<T> pj[R];
      for (std::size_t r = 0; r < R; ++r) pj[r] = Batch<T>(p[r * ldp + j + u]);
      for (std::size_t g = 0; g < G; ++g) {
        const T* vp = v + (j + u) * ldv + c0 + g * N;
        const Batch<T> vv = partial ? load_partial(vp, count) : Batch<T>::load_unaligned(vp);
        for (std::size_t r = 0; r < R; ++r) a[u][r][g] = xs::fma(pj[r], vv, a[u][r][g]);
      }
    }
  }
  for (; j < nk; ++j) {
    Batch<T> pj[R];
    for (std::size_t r = 0; r < R; ++r) pj[r] = Batch<T>(p[r * ldp + j]);
    for (std::size_t g = 0; g < G; ++g) {
      const T* vp = v + j * ldv + c0 + g * N;
      const Batch<T> vv = partial ? load_partial(vp, count) : Batch<T>::load_unaligned(vp);
      for (std::size_t r = 0; r < R; ++r) a[0][r][g] = xs::fma(pj[r], vv, a[0][r][g]);
    }
  }
  for (std::size_t u = 1; u < U; ++u)
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t g = 0; g < G; ++g) a[0][r][g] += a[u][r][g];
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t g = 0; g < G; ++g) {
      if (partial) {
        store_tail(a[0][r][g], acc + r * ldacc + c0, count);
      } else {
        a[0][r][g].store_unaligned(acc + r * ldacc + c0 + g * N);
      }
    }
}

template <std::size_t R, std::size_t DV, typename T>
inline void accumulate_rows(std::size_t nk, std::size_t dv_rt, const T* p, std::size_t ldp, const T* v,
                            std::size_t ldv, T* acc, std::size_t ldacc) noexcept {
  const std::size_t dv = DV != 0 ? DV : dv_rt;
  constexpr std::size_t N = Batch<T>::size;
  if constexpr (R == 1 && DV != 0 && DV % N == 0) {
    // dv known at compile time: up to 8 vectors of the row in registers, 8 FMA chains
    // (G vectors x U keys in flight), one pass over the keys per 8 vectors.
    constexpr std::size_t kVec = DV / N;
    constexpr std::size_t G = kVec < 8 ? kVec : 8;
    constexpr std::size_t U = 8 / G > 0 ? 8 / G : 1;
    for (std::size_t c = 0; c < dv; c += G * N) accumulate_group<1, G, U>(nk, c, G * N, p, ldp, v, ldv, acc, ldacc);
    return;
  }
  constexpr std::size_t G = R == 1 ? 4 : R == 2 ? 2 : 1;
  constexpr std::size_t U = 2;
  std::size_t c = 0;
  for (; c + G * N <= dv; c += G * N) accumulate_group<R, G, U>(nk, c, G * N, p, ldp, v, ldv, acc, ldacc);
  for (; c + N <= dv; c += N) accumulate_group<R, 1, 4>(nk, c, N, p, ldp, v, ldv, acc, ldacc);
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
struct XsimdAttentionOps {
  static constexpr std::size_t kPad = Batch<T>::size;
  void scores(std::size_t nq, std::size_t nk, std::size_t dim, const T* q, std::size_t ldq, const T* k,
              std::size_t ldk, T scale, T* s, std::size_t lds) const noexcept {
    ::olsf::detail::dispatch_scores<ScoreKernel>(nq, nk, dim, q, ldq, k, ldk, scale, s, lds);
  }

  // count is a multiple of the batch size (kAttentionBlock); e^-inf = 0.
  T exp_shift(std::size_t count, T* s, T m) const noexcept {
    constexpr std::size_t N = Batch<T>::size;
    const Batch<T> vm(m);
    Batch<T> sum0(T(0)), sum1(T(0));
    std::size_t j = 0;
    for (; j + 2 * N <= count; j += 2 * N) {
      const auto e0 = xsimd_detail::exp(Batch<T>::load_unaligned(s + j) - vm);
      const auto e1 = xsimd_detail::exp(Batch<T>::load_unaligned(s + j + N) - vm);
      e0.store_unaligned(s + j);
      e1.store_unaligned(s + j + N);
      sum0 += e0;
      sum1 += e1;
    }
    for (; j + N <= count; j += N) {
      const auto e = xsimd_detail::exp(Batch<T>::load_unaligned(s + j) - vm);
      e.store_unaligned(s + j);
      sum0 += e;
    }
    return xs::hadd(sum0 + sum1);
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
    constexpr std::size_t N = Batch<T>::size;
    const Batch<T> zero(T(0)), one(T(1));
    auto f = [&](const Batch<T>& xv) { return xs::select(xv > zero, xv + one, xsimd_detail::exp(xs::min(xv, zero))); };
    std::size_t i = 0;
    for (; i + N <= n; i += N) f(Batch<T>::load_unaligned(x + i)).store_unaligned(y + i);
    if (i < n) store_tail(f(load_partial(x + i, n - i)), y + i, n - i);
  }

  T dot(std::size_t n, const T* x, const T* y) const noexcept { return ::olsf::xsimd::dot(n, x, 1, y, 1); }
  // Max and finiteness in one vector pass: l - l is 0 for finite l and NaN otherwise.
  bool logit_max(std::size_t n, const T* l, T& m) const noexcept {
    constexpr std::size_t N = Batch<T>::size;
    Batch<T> mx(-std::numeric_limits<T>::infinity()), chk(T(0));
    std::size_t j = 0;
    for (; j + N <= n; j += N) {
      const Batch<T> a = Batch<T>::load_unaligned(l + j);
      mx = xs::max(mx, a);
      chk += a - a;
    }
    alignas(Batch<T>::arch_type::alignment()) T buf[N];
    mx.store_aligned(buf);
    T bm = buf[0];
    for (std::size_t i = 1; i < N; ++i) bm = buf[i] > bm ? buf[i] : bm;
    bool ok = xs::hadd(chk) == T(0);
    for (; j < n; ++j) {
      ok = ok && ::olsf::detail::attn_finite(l[j]);
      bm = l[j] > bm ? l[j] : bm;
    }
    m = bm;
    return ok;
  }
  void rank1(std::size_t rows, std::size_t cols, const T* f, const T* v, T* s, std::size_t lds) const noexcept {
    constexpr std::size_t N = Batch<T>::size;
    for (std::size_t i = 0; i < rows; ++i) {
      const Batch<T> fi(f[i]);
      T* si = s + i * lds;
      std::size_t c = 0;
      for (; c + N <= cols; c += N)
        xs::fma(fi, Batch<T>::load_unaligned(v + c), Batch<T>::load_unaligned(si + c)).store_unaligned(si + c);
      for (; c < cols; ++c) si[c] += f[i] * v[c];
    }
  }
};

template <typename T>
XsimdAttentionOps<T> attention_ops() noexcept {
  return {};
}

}  // namespace

std::size_t attention_block_keys() noexcept { return detail::kAttentionBlock; }

OLSF_DEFINE_ATTENTION_KERNELS(float)
OLSF_DEFINE_ATTENTION_KERNELS(double)

}  // namespace olsf::xsimd
