// olsformer Helium backend: attention kernels (drivers in lib/common/attention_impl.hpp;
// this file holds the MVE vector work for float; double is the scalar reference's, MVE
// having no double lanes).
//
// Register budget: MVE has 8 Q registers. Scores take 4 keys at a time (4 accumulators,
// the query chunk, a key chunk); the weighted sum of values takes up to 4 vectors (16
// columns) of the accumulator row per pass over the keys, with the weight p_j as a scalar
// operand (VFMA vector-by-scalar), so no broadcast register is needed.
#include <cstddef>
#include <limits>

#include "../common/attention_impl.hpp"
#include "helium_support.hpp"
#include "olsformer/kernels.hpp"

namespace olsf::helium {
namespace {

using namespace ::olsf::helium_detail;

// Lane c = q . k_c for the 4 keys k_c = k + c ldk (dim entries each). DIM != 0 fixes the
// head dimension at compile time (the loop unrolls completely, immediate offsets).
template <std::size_t DIM>
inline float32x4_t score4(std::size_t dim_rt, const float* q, const float* k, std::size_t ldk) noexcept {
  const std::size_t dim = DIM != 0 ? DIM : dim_rt;
  q = opaque(q);
  const float* k0 = opaque(k);
  const float* k1 = opaque(k + ldk);
  const float* k2 = opaque(k + 2 * ldk);
  const float* k3 = opaque(k + 3 * ldk);
  float32x4_t a0, a1, a2, a3;
  std::size_t i = 0;
  if (dim >= 4) {  // the first products start the sums (no zeroing)
    const float32x4_t qv = vldrwq_f32(q);
    a0 = vmulq_f32(qv, vldrwq_f32(k0));
    a1 = vmulq_f32(qv, vldrwq_f32(k1));
    a2 = vmulq_f32(qv, vldrwq_f32(k2));
    a3 = vmulq_f32(qv, vldrwq_f32(k3));
    i = 4;
  } else {
    a0 = a1 = a2 = a3 = vdupq_n_f32(0.0f);
  }
  for (; i + 4 <= dim; i += 4) {
    const float32x4_t qv = vldrwq_f32(q + i);
    a0 = vfmaq_f32(a0, qv, vldrwq_f32(k0 + i));
    a1 = vfmaq_f32(a1, qv, vldrwq_f32(k1 + i));
    a2 = vfmaq_f32(a2, qv, vldrwq_f32(k2 + i));
    a3 = vfmaq_f32(a3, qv, vldrwq_f32(k3 + i));
  }
  if ((DIM == 0 || DIM % 4 != 0) && i < dim) {
    // Zeros in the lanes past the end add nothing (0 * 0); those lanes are not read.
    const mve_pred16_t p = tail_pred(dim - i);
    const float32x4_t qv = vldrwq_z_f32(q + i, p);
    a0 = vfmaq_f32(a0, qv, vldrwq_z_f32(k0 + i, p));
    a1 = vfmaq_f32(a1, qv, vldrwq_z_f32(k1 + i, p));
    a2 = vfmaq_f32(a2, qv, vldrwq_z_f32(k2 + i, p));
    a3 = vfmaq_f32(a3, qv, vldrwq_z_f32(k3 + i, p));
  }
  return sum_lanes4(a0, a1, a2, a3);
}

template <std::size_t DIM>
void score_row(std::size_t nk, std::size_t dim, const float* q, const float* k, std::size_t ldk, float scale,
               float* s) noexcept {
  std::size_t j = 0;
  for (; j + 4 <= nk; j += 4)
    vstrwq_f32(s + j, vmulq_n_f32(score4<DIM>(dim, q, k + j * ldk, ldk), scale));
  for (; j < nk; ++j) s[j] = scale * ::olsf::helium::dot(dim, q, 1, k + j * ldk, 1);
}

// acc[0, count) += sum_{j < nk} p_j v_j[0, count), count in (4 (G - 1), 4 G]; the last
// vector is tail-predicated when Partial. The G <= 4 accumulators are named variables,
// not an array: GCC 12 keeps an array of MVE vectors in memory (a store per vector and
// key).
template <std::size_t G, bool Partial>
void accumulate_group(std::size_t nk, std::size_t count, const float* p, const float* v, std::size_t ldv,
                      float* acc) noexcept {
  static_assert(G >= 1 && G <= 4, "1 to 4 vectors per group");
  const mve_pred16_t last = Partial ? tail_pred(count - 4 * (G - 1)) : mve_pred16_t(0xffff);
  auto load = [last](std::size_t g, const float* x) {
    return Partial && g + 1 == G ? vldrwq_z_f32(x + 4 * g, last) : vldrwq_f32(x + 4 * g);
  };
  const float32x4_t zero = vdupq_n_f32(0.0f);
  float32x4_t a0 = load(0, acc);
  float32x4_t a1 = G > 1 ? load(1, acc) : zero;
  float32x4_t a2 = G > 2 ? load(2, acc) : zero;
  float32x4_t a3 = G > 3 ? load(3, acc) : zero;
  auto step = [&](const float* vr, float pj) {
    a0 = vfmaq_n_f32(a0, load(0, vr), pj);
    if (G > 1) a1 = vfmaq_n_f32(a1, load(1, vr), pj);
    if (G > 2) a2 = vfmaq_n_f32(a2, load(2, vr), pj);
    if (G > 3) a3 = vfmaq_n_f32(a3, load(3, vr), pj);
  };
  // Two keys per trip (half the loop overhead); the row pointers are opaque so that the
  // loads use immediate offsets from them (see opaque()).
  const float* vr = v;
  for (std::size_t t = nk / 2; t != 0; --t) {
    vr = opaque(vr);
    step(vr, p[0]);
    const float* v1 = opaque(vr + ldv);
    step(v1, p[1]);
    vr = v1 + ldv;
    p += 2;
  }
  if (nk % 2 != 0) step(vr, p[0]);
  auto store = [last](std::size_t g, float* x, float32x4_t a) {
    if (Partial && g + 1 == G) {
      vstrwq_p_f32(x + 4 * g, a, last);
    } else {
      vstrwq_f32(x + 4 * g, a);
    }
  };
  store(0, acc, a0);
  if (G > 1) store(1, acc, a1);
  if (G > 2) store(2, acc, a2);
  if (G > 3) store(3, acc, a3);
}

void accumulate_row(std::size_t nk, std::size_t dv, const float* p, const float* v, std::size_t ldv,
                    float* acc) noexcept {
  std::size_t c = 0;
  for (; c + 16 <= dv; c += 16) accumulate_group<4, false>(nk, 16, p, v + c, ldv, acc + c);
  const std::size_t rem = dv - c;
  if (rem == 0) return;
  const bool partial = rem % 4 != 0;
  switch ((rem + 3) / 4) {
    case 1:
      return partial ? accumulate_group<1, true>(nk, rem, p, v + c, ldv, acc + c)
                     : accumulate_group<1, false>(nk, rem, p, v + c, ldv, acc + c);
    case 2:
      return partial ? accumulate_group<2, true>(nk, rem, p, v + c, ldv, acc + c)
                     : accumulate_group<2, false>(nk, rem, p, v + c, ldv, acc + c);
    case 3:
      return partial ? accumulate_group<3, true>(nk, rem, p, v + c, ldv, acc + c)
                     : accumulate_group<3, false>(nk, rem, p, v + c, ldv, acc + c);
    default:
      return partial ? accumulate_group<4, true>(nk, rem, p, v + c, ldv, acc + c)
                     : accumulate_group<4, false>(nk, rem, p, v + c, ldv, acc + c);
  }
}

// The softmax pieces of the driver are kept out of line: inlined into attend_tile
// (lib/common/attention_impl.hpp), GCC 12 spills their constants and vectors there.
// count is a multiple of 4; s[j] <= m or -inf (exp_nonpositive: -inf -> exactly 0).
__attribute__((noinline)) float exp_shift_row(std::size_t count, float* s, float m) noexcept {
  float32x4_t sum0 = vdupq_n_f32(0.0f), sum1 = sum0;
  std::size_t j = 0;
  for (; j + 8 <= count; j += 8) {
    const float32x4_t e0 = exp_nonpositive(vsubq_n_f32(vldrwq_f32(s + j), m));
    const float32x4_t e1 = exp_nonpositive(vsubq_n_f32(vldrwq_f32(s + j + 4), m));
    vstrwq_f32(s + j, e0);
    vstrwq_f32(s + j + 4, e1);
    sum0 = vaddq_f32(sum0, e0);
    sum1 = vaddq_f32(sum1, e1);
  }
  for (; j < count; j += 4) {
    const float32x4_t e = exp_nonpositive(vsubq_n_f32(vldrwq_f32(s + j), m));
    vstrwq_f32(s + j, e);
    sum0 = vaddq_f32(sum0, e);
  }
  return sum_lanes(vaddq_f32(sum0, sum1));
}

// Max and finiteness in one pass: l - l is 0 for finite l and NaN otherwise, so the sum
// of those differences is non-zero (NaN) exactly when some logit is not finite.
__attribute__((noinline)) bool logit_max_row(std::size_t n, const float* l, float& m) noexcept {
  const float inf = std::numeric_limits<float>::infinity();
  float32x4_t mx0 = vdupq_n_f32(-inf), mx1 = mx0, chk0 = vdupq_n_f32(0.0f), chk1 = chk0;
  std::size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const float32x4_t a = vldrwq_f32(l + j), b = vldrwq_f32(l + j + 4);
    mx0 = vmaxnmq_f32(mx0, a);
    mx1 = vmaxnmq_f32(mx1, b);
    chk0 = vaddq_f32(chk0, vsubq_f32(a, a));
    chk1 = vaddq_f32(chk1, vsubq_f32(b, b));
  }
  for (; j + 4 <= n; j += 4) {
    const float32x4_t a = vldrwq_f32(l + j);
    mx0 = vmaxnmq_f32(mx0, a);
    chk0 = vaddq_f32(chk0, vsubq_f32(a, a));
  }
  if (j < n) {
    const mve_pred16_t p = tail_pred(n - j);
    const float32x4_t a = vldrwq_z_f32(l + j, p);  // zeros past the end: finite
    mx1 = vmaxnmq_m_f32(mx1, mx1, a, p);
    chk1 = vaddq_f32(chk1, vsubq_f32(a, a));
  }
  m = vmaxnmvq_f32(-inf, vmaxnmq_f32(mx0, mx1));
  return vcmpneq_n_f32(vaddq_f32(chk0, chk1), 0.0f) == 0;
}

struct HeliumAttentionOps {
  static constexpr std::size_t kPad = kLanes;

  void scores(std::size_t nq, std::size_t nk, std::size_t dim, const float* q, std::size_t ldq, const float* k,
              std::size_t ldk, float scale, float* s, std::size_t lds) const noexcept {
    for (std::size_t r = 0; r < nq; ++r) {
      const float* qr = q + r * ldq;
      float* sr = s + r * lds;
      switch (dim) {
        case 16: score_row<16>(nk, dim, qr, k, ldk, scale, sr); break;
        case 32: score_row<32>(nk, dim, qr, k, ldk, scale, sr); break;
        case 64: score_row<64>(nk, dim, qr, k, ldk, scale, sr); break;
        default: score_row<0>(nk, dim, qr, k, ldk, scale, sr); break;
      }
    }
  }

  float exp_shift(std::size_t count, float* s, float m) const noexcept { return exp_shift_row(count, s, m); }

  void accumulate(std::size_t nq, std::size_t nk, std::size_t dv, const float* p, std::size_t ldp, const float* v,
                  std::size_t ldv, float* acc, std::size_t ldacc) const noexcept {
    for (std::size_t r = 0; r < nq; ++r) accumulate_row(nk, dv, p + r * ldp, v, ldv, acc + r * ldacc);
  }

  // elu(x) + 1: x + 1 above 0, e^x elsewhere (NaN stays NaN through exp_full).
  void feature(std::size_t n, const float* x, float* y, FeatureMap phi) const noexcept {
    if (phi == FeatureMap::identity) {
      for (std::size_t i = 0; i < n; ++i) y[i] = x[i];
      return;
    }
    auto f = [](float32x4_t xv) {
      return vpselq_f32(vaddq_n_f32(xv, 1.0f), exp_full(xv), vcmpgtq_n_f32(xv, 0.0f));
    };
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) vstrwq_f32(y + i, f(vldrwq_f32(x + i)));
    if (i < n) store_tail(y + i, f(load_tail(x + i, n - i)), n - i);
  }

  float dot(std::size_t n, const float* x, const float* y) const noexcept { return ::olsf::helium::dot(n, x, 1, y, 1); }

  bool logit_max(std::size_t n, const float* l, float& m) const noexcept { return logit_max_row(n, l, m); }

  void rank1(std::size_t rows, std::size_t cols, const float* f, const float* v, float* s,
             std::size_t lds) const noexcept {
    for (std::size_t i = 0; i < rows; ++i) ::olsf::helium::axpy(cols, f[i], v, 1, s + i * lds, 1);
  }
};

}  // namespace

std::size_t attention_block_keys() noexcept { return detail::kAttentionBlock; }

namespace {

// The common decode (no mask, no observables, n <= one block of keys: a Hopfield step, a
// decode over a short context) without the general driver's bookkeeping: the very same
// operations in the same order as detail::attend_tile for one block (scores, max, exps
// padded with -inf to whole vectors, weighted sum, division by z), so the result is the
// driver's bit for bit. Anything else (a non-finite logit, a sum that overflows) returns
// false without touching out, and the caller runs the driver, which owns every status
// and the overflow recovery.
bool decode_one_block(std::size_t n, std::size_t d, std::size_t dv, float beta, const float* q, const float* k,
                      std::size_t ldk, const float* v, std::size_t ldv, float* out) noexcept {
  constexpr std::size_t B = detail::kAttentionBlock;
  alignas(16) float s[B];
  alignas(16) float acc[(kAttentionMaxDim + kLanes - 1) / kLanes * kLanes];  // whole vectors
  const HeliumAttentionOps ops;
  ops.scores(1, n, d, q, 0, k, ldk, beta, s, B);
  float m;
  if (!logit_max_row(n, s, m)) return false;
  const std::size_t cnt = (n + kLanes - 1) / kLanes * kLanes;
  for (std::size_t j = n; j < cnt; ++j) s[j] = -std::numeric_limits<float>::infinity();
  const float z = exp_shift_row(cnt, s, m);  // >= 1: the maximal logit contributes e^0
  const float32x4_t zero = vdupq_n_f32(0.0f);
  for (std::size_t c = 0; c < dv; c += kLanes) vstrwq_f32(acc + c, zero);
  accumulate_row(n, dv, s, v, ldv, acc);
  // MVE has no vector divide; the driver divides, so must this (bit for bit).
  for (std::size_t c = 0; c < dv; ++c) acc[c] /= z;
  float32x4_t chk = zero;  // x - x: NaN exactly for a non-finite x
  std::size_t c = 0;
  for (; c + kLanes <= dv; c += kLanes) {
    const float32x4_t x = vldrwq_f32(acc + c);
    chk = vaddq_f32(chk, vsubq_f32(x, x));
  }
  if (c < dv) {
    const float32x4_t x = load_tail(acc + c, dv - c);
    chk = vaddq_f32(chk, vsubq_f32(x, x));
  }
  if (vcmpneq_n_f32(chk, 0.0f) != 0) return false;
  for (c = 0; c + kLanes <= dv; c += kLanes) vstrwq_f32(out + c, vldrwq_f32(acc + c));
  if (c < dv) store_tail(out + c, vldrwq_f32(acc + c), dv - c);
  return true;
}

}  // namespace

Status attention_decode(std::size_t n, std::size_t d, std::size_t dv, float beta, const float* q, const float* k,
                        std::size_t ldk, const float* v, std::size_t ldv, const float* mask, float* out,
                        AttentionObservables<float>* obs) noexcept {
  if (detail::decode_fast_path_applies(n, d, dv, beta, mask, obs) && decode_one_block(n, d, dv, beta, q, k, ldk, v, ldv, out))
    return Status::ok;
  return detail::attention_decode(HeliumAttentionOps{}, n, d, dv, beta, q, k, ldk, v, ldv, mask, out, obs);
}

Status attention_prefill(std::size_t m, std::size_t n, std::size_t d, std::size_t dv, float beta, const float* q,
                         std::size_t ldq, const float* k, std::size_t ldk, const float* v, std::size_t ldv,
                         const float* mask, std::size_t ldmask, bool causal, float* out, std::size_t ldo,
                         AttentionObservables<float>* obs) noexcept {
  return detail::attention_prefill(HeliumAttentionOps{}, m, n, d, dv, beta, q, ldq, k, ldk, v, ldv, mask, ldmask,
                                   causal, out, ldo, obs);
}

Status linear_attention_update(std::size_t d, std::size_t dv, FeatureMap phi, const float* k, const float* v,
                               float* s, std::size_t lds, float* z) noexcept {
  return detail::linear_attention_update(HeliumAttentionOps{}, d, dv, phi, k, v, s, lds, z);
}

Status linear_attention_query(std::size_t d, std::size_t dv, FeatureMap phi, const float* q, const float* s,
                              std::size_t lds, const float* z, bool normalize, float* out) noexcept {
  return detail::linear_attention_query(HeliumAttentionOps{}, d, dv, phi, q, s, lds, z, normalize, out);
}

Status linear_attention(std::size_t m, std::size_t n, std::size_t d, std::size_t dv, FeatureMap phi, bool causal,
                        bool normalize, const float* q, std::size_t ldq, const float* k, std::size_t ldk,
                        const float* v, std::size_t ldv, float* out, std::size_t ldo) noexcept {
  return detail::linear_attention(HeliumAttentionOps{}, m, n, d, dv, phi, causal, normalize, q, ldq, k, ldk, v, ldv,
                                  out, ldo);
}

// Double: the scalar reference (MVE has no double lanes).
Status attention_decode(std::size_t n, std::size_t d, std::size_t dv, double beta, const double* q, const double* k,
                        std::size_t ldk, const double* v, std::size_t ldv, const double* mask, double* out,
                        AttentionObservables<double>* obs) noexcept {
  return scalar::attention_decode(n, d, dv, beta, q, k, ldk, v, ldv, mask, out, obs);
}

Status attention_prefill(std::size_t m, std::size_t n, std::size_t d, std::size_t dv, double beta, const double* q,
                         std::size_t ldq, const double* k, std::size_t ldk, const double* v, std::size_t ldv,
                         const double* mask, std::size_t ldmask, bool causal, double* out, std::size_t ldo,
                         AttentionObservables<double>* obs) noexcept {
  return scalar::attention_prefill(m, n, d, dv, beta, q, ldq, k, ldk, v, ldv, mask, ldmask, causal, out, ldo, obs);
}

Status linear_attention_update(std::size_t d, std::size_t dv, FeatureMap phi, const double* k, const double* v,
                               double* s, std::size_t lds, double* z) noexcept {
  return scalar::linear_attention_update(d, dv, phi, k, v, s, lds, z);
}

Status linear_attention_query(std::size_t d, std::size_t dv, FeatureMap phi, const double* q, const double* s,
                              std::size_t lds, const double* z, bool normalize, double* out) noexcept {
  return scalar::linear_attention_query(d, dv, phi, q, s, lds, z, normalize, out);
}

Status linear_attention(std::size_t m, std::size_t n, std::size_t d, std::size_t dv, FeatureMap phi, bool causal,
                        bool normalize, const double* q, std::size_t ldq, const double* k, std::size_t ldk,
                        const double* v, std::size_t ldv, double* out, std::size_t ldo) noexcept {
  return scalar::linear_attention(m, n, d, dv, phi, causal, normalize, q, ldq, k, ldk, v, ldv, out, ldo);
}

}  // namespace olsf::helium
