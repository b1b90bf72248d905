// olsformer scalar backend: attention kernels (drivers in lib/common/attention_impl.hpp).
// Plain loops in textbook order: the reference the SIMD backends are tested against, and
// what runs on Cortex-M. On the M-profile FPU with FMA (Cortex-M4F, M7, M55) the float score,
// exp and weighted-sum pieces are attention_mprofile.hpp's (same sums, same order, one
// fused multiply-add per term), and decode has a one-block fast path (below).
#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "../common/attention_impl.hpp"
#include "attention_mprofile.hpp"
#include "olsformer/kernels.hpp"

namespace olsf::scalar {
namespace {

template <typename T>
struct ScalarAttentionOps {
  static constexpr std::size_t kPad = 1;
  void scores(std::size_t nq, std::size_t nk, std::size_t d, const T* q, std::size_t ldq, const T* k,
              std::size_t ldk, T scale, T* s, std::size_t lds) const noexcept {
#if defined(OLSF_ATTENTION_VFP)
    if constexpr (std::is_same_v<T, float>) {
      for (std::size_t r = 0; r < nq; ++r) scalar_detail::score_row_vfp(nk, d, q + r * ldq, k, ldk, scale, s + r * lds);
      return;
    }
#endif
    for (std::size_t r = 0; r < nq; ++r)
      for (std::size_t j = 0; j < nk; ++j) s[r * lds + j] = scale * ::olsf::scalar::dot(d, q + r * ldq, 1, k + j * ldk, 1);
  }
  T exp_shift(std::size_t count, T* s, T m) const noexcept {
#if defined(OLSF_ATTENTION_VFP)
    if constexpr (std::is_same_v<T, float>) return scalar_detail::exp_shift_row(count, s, m);
#endif
    T sum = 0;
    for (std::size_t j = 0; j < count; ++j) {
      s[j] = std::exp(s[j] - m);  // <= 1; -inf gives 0
      sum += s[j];
    }
    return sum;
  }
  void accumulate(std::size_t nq, std::size_t nk, std::size_t dv, const T* p, std::size_t ldp, const T* v,
                  std::size_t ldv, T* acc, std::size_t ldacc) const noexcept {
#if defined(OLSF_ATTENTION_VFP)
    if constexpr (std::is_same_v<T, float>) {
      for (std::size_t r = 0; r < nq; ++r)
        scalar_detail::accumulate_row_vfp(nk, dv, p + r * ldp, v, ldv, acc + r * ldacc);
      return;
    }
#endif
    for (std::size_t r = 0; r < nq; ++r)
      for (std::size_t j = 0; j < nk; ++j) {
        const T w = p[r * ldp + j];
        for (std::size_t c = 0; c < dv; ++c) acc[r * ldacc + c] += w * v[j * ldv + c];
      }
  }
  void feature(std::size_t n, const T* x, T* y, FeatureMap phi) const noexcept {
    for (std::size_t i = 0; i < n; ++i)
      y[i] = phi == FeatureMap::identity ? x[i] : (x[i] > T(0) ? x[i] + T(1) : std::exp(x[i]));
  }
  T dot(std::size_t n, const T* x, const T* y) const noexcept { return ::olsf::scalar::dot(n, x, 1, y, 1); }
  bool logit_max(std::size_t n, const T* l, T& m) const noexcept {
#if defined(OLSF_ATTENTION_VFP)
    if constexpr (std::is_same_v<T, float>) return scalar_detail::logit_max_row(n, l, m);
#endif
    return ::olsf::detail::logit_max_loop(n, l, m);
  }
  void rank1(std::size_t rows, std::size_t cols, const T* f, const T* v, T* s, std::size_t lds) const noexcept {
    for (std::size_t i = 0; i < rows; ++i) ::olsf::scalar::axpy(cols, f[i], v, 1, s + i * lds, 1);
  }
};

template <typename T>
ScalarAttentionOps<T> attention_ops() noexcept {
  return {};
}

}  // namespace

std::size_t attention_block_keys() noexcept { return detail::kAttentionBlock; }

#if defined(OLSF_ATTENTION_VFP)
namespace {

// The common decode (no mask, no observables, n <= one block of keys: a Hopfield step, a
// decode over a short context) without the general driver's bookkeeping (the pattern of
// lib/helium/attention_helium.cpp): the very same operations in the same order as
// detail::attend_tile for one block (scores, max and finiteness, exps and their sum,
// weighted sum from zero, division by z), so the result is the driver's bit for bit.
// Anything else (a non-finite logit, a result that overflows) returns false without
// touching out, and the caller runs the driver, which owns every status and the overflow
// recovery. Out of line so that its scratch and the driver's never share a frame.
__attribute__((noinline)) bool decode_one_block(std::size_t n, std::size_t d, std::size_t dv, float beta,
                                                const float* q, const float* k, std::size_t ldk, const float* v,
                                                std::size_t ldv, float* out) noexcept {
  constexpr std::size_t B = detail::kAttentionBlock;
  float s[B];
  float acc[kAttentionMaxDim];
  scalar_detail::score_row_vfp(n, d, q, k, ldk, beta, s);
  float m;
  if (!scalar_detail::logit_max_row(n, s, m)) return false;
  const float z = scalar_detail::exp_shift_row(n, s, m);  // >= 1: the maximal logit contributes e^0
  scalar_detail::accumulate_row_vfp(n, dv, s, v, ldv, acc, true);
  return scalar_detail::divide_row_vfp(dv, acc, z, out);
}

// The general driver, out of line too: inlined here its frame (the scratch of attend_tile)
// would sit below decode_one_block's on every call (1.3 KB of stack instead of 0.9 KB in
// ports/mps2/footprint.cpp's Hopfield phase).
__attribute__((noinline)) Status decode_driver(std::size_t n, std::size_t d, std::size_t dv, float beta,
                                               const float* q, const float* k, std::size_t ldk, const float* v,
                                               std::size_t ldv, const float* mask, float* out,
                                               AttentionObservables<float>* obs) noexcept {
  return detail::attention_decode(attention_ops<float>(), n, d, dv, beta, q, k, ldk, v, ldv, mask, out, obs);
}

}  // namespace

Status attention_decode(std::size_t n, std::size_t d, std::size_t dv, float beta, const float* q, const float* k,
                        std::size_t ldk, const float* v, std::size_t ldv, const float* mask, float* out,
                        AttentionObservables<float>* obs) noexcept {
  if (detail::decode_fast_path_applies(n, d, dv, beta, mask, obs) && decode_one_block(n, d, dv, beta, q, k, ldk, v, ldv, out))
    return Status::ok;
  return decode_driver(n, d, dv, beta, q, k, ldk, v, ldv, mask, out, obs);
}

Status attention_prefill(std::size_t m, std::size_t n, std::size_t d, std::size_t dv, float beta, const float* q,
                         std::size_t ldq, const float* k, std::size_t ldk, const float* v, std::size_t ldv,
                         const float* mask, std::size_t ldmask, bool causal, float* out, std::size_t ldo,
                         AttentionObservables<float>* obs) noexcept {
  return detail::attention_prefill(attention_ops<float>(), m, n, d, dv, beta, q, ldq, k, ldk, v, ldv, mask, ldmask,
                                   causal, out, ldo, obs);
}

Status linear_attention_update(std::size_t d, std::size_t dv, FeatureMap phi, const float* k, const float* v,
                               float* s, std::size_t lds, float* z) noexcept {
  return detail::linear_attention_update(attention_ops<float>(), d, dv, phi, k, v, s, lds, z);
}

Status linear_attention_query(std::size_t d, std::size_t dv, FeatureMap phi, const float* q, const float* s,
                              std::size_t lds, const float* z, bool normalize, float* out) noexcept {
  return detail::linear_attention_query(attention_ops<float>(), d, dv, phi, q, s, lds, z, normalize, out);
}

Status linear_attention(std::size_t m, std::size_t n, std::size_t d, std::size_t dv, FeatureMap phi, bool causal,
                        bool normalize, const float* q, std::size_t ldq, const float* k, std::size_t ldk,
                        const float* v, std::size_t ldv, float* out, std::size_t ldo) noexcept {
  return detail::linear_attention(attention_ops<float>(), m, n, d, dv, phi, causal, normalize, q, ldq, k, ldk, v,
                                  ldv, out, ldo);
}
#else
OLSF_DEFINE_ATTENTION_KERNELS(float)
#endif
OLSF_DEFINE_ATTENTION_KERNELS(double)

}  // namespace olsf::scalar
