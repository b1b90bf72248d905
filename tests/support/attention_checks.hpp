// olsformer tests: the attention checks, written once and run by GoogleTest on x86-64 and
// aarch64 and by the bare-metal self-test on Cortex-M, for every backend.
//
// The reference is computed here in long double from the same (rounded) inputs, straight
// from the definitions: l_j = beta q.k_j + mask_j, p = e^(l - max l) / sum, out = V^T p,
// S = -sum p log p, F = -log Z / beta, <E> = sum p_j (-l_j / beta), C = beta^2 Var_p(E).
// Tolerances are first-order rounding-error bounds (Higham, ch. 3; gamma_n = n u / (1 - n u))
// derived for the algorithm the kernels document (online softmax in blocks of
// attention_block_keys(): at most one rescale per block), never fitted to results:
//   logit:   |dl_j| <= gamma_(d+2) (beta sum_i |q_i k_ji| + |mask_j|)
//   weight:  relative r_j = e^(dl_j + u (L_j + dl_j + dL)) (1 + gamma_((2k+2)(R+1))) (1 + gamma_n) - 1,
//            L_j = max l - l_j, dL = max dl, k = exp_max_ulp, R = number of blocks
//            (the argument rounding, k-ulp exps and rescale products of every block);
//   out_c:   (sum p_j |v_jc| r_j + |out_c| e_Z) / (1 - e_Z) (1 + u) + u |out_c|, e_Z = sum p_j r_j,
//            plus n FLT_MIN (max|v| + |out|) for weights flushed below the normal range;
// and the same bound for the reference's own rounding (u of long double, which is double
// on 32-bit ARM). The observables' bounds follow from the same r_j and dl_j (below).
// No heap: buffers are static, so the same code runs on a microcontroller.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>

#include "attention_table.hpp"
#include "kernel_checks.hpp"
#include "olsformer/attention.hpp"

namespace olsf::testing {

inline constexpr std::size_t kAttnMaxN = 140;
inline constexpr std::size_t kAttnMaxD = 24;
inline constexpr std::size_t kAttnMaxDv = 12;
inline constexpr std::size_t kAttnMaxM = 16;
inline constexpr std::size_t kAttnPad = 5;  // extra row stride in the strided cases

template <typename T>
struct AttnBuffers {
  T q[kAttnMaxM * (kAttnMaxD + kAttnPad)];
  T k[kAttnMaxN * (kAttnMaxD + kAttnPad)];
  T v[kAttnMaxN * (kAttnMaxDv + kAttnPad)];
  T mask[kAttnMaxM * kAttnMaxN];
  T out[kAttnMaxM * (kAttnMaxDv + kAttnPad)];
  T out2[kAttnMaxM * (kAttnMaxDv + kAttnPad)];
  T state[kAttnMaxD * kAttnMaxDv];
  T z[kAttnMaxD];
  AttentionObservables<T> obs[kAttnMaxM];
  AttentionObservables<T> obs2[kAttnMaxM];
  static AttnBuffers& get() noexcept {
    static AttnBuffers b;
    return b;
  }
};

inline Ref gam(Ref count, Ref u) noexcept { return count * u / (1 - count * u); }

// The long double reference of one softmax-attention row and the error bounds of a
// backend's result for it. Observables in the order log Z, S, F, <E>, C.
struct RowReference {
  bool all_masked = false;
  Ref out[kAttnMaxDv];
  Ref bound[kAttnMaxDv];
  Ref obs[5];
  Ref obs_bound[5];
};

// Keys [0, end) of K/V, optional additive mask row; beta > 0.
template <typename T>
void reference_row(std::size_t end, std::size_t d, std::size_t dv, T beta, const T* q, const T* k, std::size_t ldk,
                   const T* v, std::size_t ldv, const T* mask, unsigned exp_ulp, std::size_t block,
                   RowReference& out) noexcept {
  static Ref l[kAttnMaxN], sigma[kAttnMaxN], p[kAttnMaxN], rj[kAttnMaxN];
  const Ref inf = std::numeric_limits<Ref>::infinity();
  const Ref b = static_cast<Ref>(beta);
  Ref m = -inf;
  for (std::size_t j = 0; j < end; ++j) {
    Ref s = 0, sa = 0;
    for (std::size_t i = 0; i < d; ++i) {
      const Ref t = static_cast<Ref>(q[i]) * static_cast<Ref>(k[j * ldk + i]);
      s += t;
      sa += std::fabs(t);
    }
    const Ref bias = mask ? static_cast<Ref>(mask[j]) : 0;
    l[j] = bias == -inf ? -inf : b * s + bias;
    sigma[j] = b * sa + (bias == -inf ? 0 : std::fabs(bias));  // dl_j = gamma_(d+2) sigma_j
    m = l[j] > m ? l[j] : m;
  }
  out.all_masked = m == -inf;
  if (out.all_masked) return;
  Ref z = 0;
  for (std::size_t j = 0; j < end; ++j) {
    p[j] = std::exp(l[j] - m);
    z += p[j];
  }
  Ref entropy = 0, mean_l = 0, vmax[kAttnMaxDv];
  for (std::size_t c = 0; c < dv; ++c) out.out[c] = vmax[c] = 0;
  for (std::size_t j = 0; j < end; ++j) {
    p[j] /= z;
    if (p[j] > 0) {
      entropy -= p[j] * std::log(p[j]);
      mean_l += p[j] * l[j];
    }
    for (std::size_t c = 0; c < dv; ++c) {
      const Ref vj = static_cast<Ref>(v[j * ldv + c]);
      out.out[c] += p[j] * vj;
      vmax[c] = std::fabs(vj) > vmax[c] ? std::fabs(vj) : vmax[c];
    }
  }
  Ref var = 0, a1 = 0, a2 = 0;
  for (std::size_t j = 0; j < end; ++j) {
    if (p[j] == 0) continue;
    var += p[j] * (l[j] - mean_l) * (l[j] - mean_l);
    a1 += p[j] * (m - l[j]);
    a2 += p[j] * (m - l[j]) * (m - l[j]);
  }
  const Ref log_z = m + std::log(z);
  out.obs[0] = log_z;
  out.obs[1] = entropy;
  out.obs[2] = -log_z / b;
  out.obs[3] = -mean_l / b;  // <E> = sum p_j E_j, E_j = -l_j / beta
  out.obs[4] = var;          // beta^2 Var_p(E) = Var_p(l)
  for (std::size_t c = 0; c < dv; ++c) out.bound[c] = 0;
  for (int o = 0; o < 5; ++o) out.obs_bound[o] = 0;

  const std::size_t blocks = (end + block - 1) / block;
  // Two error models: the backend's (u of T, its exp, a rescale per block) and the
  // reference's own (u of long double, 1-ulp exp, no rescales).
  for (int model = 0; model < 2; ++model) {
    const Ref u = model == 0 ? unit_roundoff<T>() : unit_roundoff<Ref>();
    const Ref k_exp = model == 0 ? static_cast<Ref>(exp_ulp) : 1;
    const Ref rescales = model == 0 ? static_cast<Ref>(blocks) : 0;
    const Ref n = static_cast<Ref>(end);
    const Ref g_logit = gam(static_cast<Ref>(d + 2), u);
    Ref dl_max = 0;
    for (std::size_t j = 0; j < end; ++j)
      if (l[j] != -inf) dl_max = g_logit * sigma[j] > dl_max ? g_logit * sigma[j] : dl_max;
    const Ref g_exp = gam((2 * k_exp + 2) * (rescales + 1), u);
    const Ref g_sum = gam(n, u);
    Ref e_z = 0, dmean = 0, dx_sum = 0;
    for (std::size_t j = 0; j < end; ++j) {
      if (l[j] == -inf) {
        rj[j] = 0;
        continue;
      }
      const Ref dl = g_logit * sigma[j];
      const Ref lj = m - l[j];
      const Ref dx = dl + u * (lj + dl + dl_max);  // logit error + shift roundings
      rj[j] = std::exp(dx) * (1 + g_exp) * (1 + g_sum) - 1;
      e_z += p[j] * rj[j];
      dx_sum += p[j] * dx;
    }
    const Ref flush = model == 0 ? n * static_cast<Ref>(std::numeric_limits<T>::min()) : 0;
    for (std::size_t c = 0; c < dv; ++c) {
      Ref e_n = 0;
      for (std::size_t j = 0; j < end; ++j) e_n += p[j] * std::fabs(static_cast<Ref>(v[j * ldv + c])) * rj[j];
      const Ref o = std::fabs(out.out[c]);
      out.bound[c] += (e_n + o * e_z) / (1 - e_z) * (1 + u) + u * o + flush * (vmax[c] + o);
    }
    // Perturbed probabilities: |p'_j - p_j| <= p_j (r_j + e_Z) / (1 - e_Z).
    Ref dp_l = 0, dp_l2 = 0, cross = 0, sq = 0;
    for (std::size_t j = 0; j < end; ++j) {
      if (p[j] == 0) continue;
      const Ref dp = p[j] * (rj[j] + e_z) / (1 - e_z);
      const Ref lj = m - l[j];
      const Ref dev = std::fabs(l[j] - mean_l);
      dp_l += dp * lj;
      dp_l2 += dp * dev * dev;
      const Ref dx = g_logit * sigma[j] + u * (lj + g_logit * sigma[j] + dl_max);
      cross += p[j] * dev * dx;
      sq += p[j] * dx * dx;
    }
    const Ref g_merge = gam(n + 4 * static_cast<Ref>(blocks) + 8, u);
    dmean = dx_sum + dp_l + g_merge * a1 + flush * (a1 + 1);
    const Ref dlogz = -std::log1p(-e_z) + 3 * u * (std::log(z) + 1) + flush;
    out.obs_bound[0] += dlogz + u * (std::fabs(m) + std::log(z));
    out.obs_bound[1] += dlogz + dmean + u * (std::log(z) + a1);
    out.obs_bound[2] += (dlogz + u * (std::fabs(m) + std::log(z))) / b + 2 * u * std::fabs(out.obs[2]);
    out.obs_bound[3] += (dmean + u * (std::fabs(m) + a1)) / b + 2 * u * std::fabs(out.obs[3]);
    out.obs_bound[4] += 2 * (cross + dmean * std::sqrt(var)) + sq + 2 * dmean * dx_sum + dmean * dmean + dp_l2 +
                        gam(4 * n + 16, u) * a2 + u * var;
    if (model == 1) {
      // The reference evaluates S, <E> and C by their direct formulas: its p_j carry a
      // relative error <= gamma_(n+8) (1 + L_j) (argument, exp, sum, division), and each
      // formula sums n terms.
      const Ref g = gam(n + 8, u);
      Ref es = 0, ee = 0, ec = 0, dev1 = 0;
      for (std::size_t j = 0; j < end; ++j) {
        if (p[j] == 0) continue;
        const Ref w = p[j] * (1 + (m - l[j]));
        const Ref dev = std::fabs(l[j] - mean_l);
        es += w * (std::fabs(std::log(p[j])) + 1);
        ee += w * std::fabs(l[j]);
        ec += w * dev * dev;
        dev1 += p[j] * dev;
      }
      out.obs_bound[1] += 2 * g * es;
      out.obs_bound[3] += 2 * g * ee / b;
      out.obs_bound[4] += 2 * g * ec + 4 * g * ee * dev1;
    }
  }
}

template <typename T>
constexpr T kAttnSentinel = T(-12345);

template <typename T>
void fill_sentinel(T* p, std::size_t count) noexcept {
  for (std::size_t i = 0; i < count; ++i) p[i] = kAttnSentinel<T>;
}
template <typename T>
bool all_sentinel(const T* p, std::size_t count) noexcept {
  for (std::size_t i = 0; i < count; ++i)
    if (!(p[i] == kAttnSentinel<T>)) return false;
  return true;
}
template <typename T>
void fill_obs_sentinel(AttentionObservables<T>* o, std::size_t count) noexcept {
  for (std::size_t i = 0; i < count; ++i) o[i] = {kAttnSentinel<T>, kAttnSentinel<T>, kAttnSentinel<T>, kAttnSentinel<T>, kAttnSentinel<T>};
}
template <typename T>
bool obs_sentinel(const AttentionObservables<T>* o, std::size_t count) noexcept {
  for (std::size_t i = 0; i < count; ++i) {
    const T f[5] = {o[i].log_partition, o[i].entropy, o[i].free_energy, o[i].mean_energy, o[i].specific_heat};
    if (!all_sentinel(f, 5)) return false;
  }
  return true;
}

template <typename T>
bool row_matches(const RowReference& ref, std::size_t dv, const T* got) noexcept {
  bool ok = !ref.all_masked;
  for (std::size_t c = 0; c < dv; ++c)
    ok = ok && std::fabs(static_cast<Ref>(got[c]) - ref.out[c]) <= ref.bound[c];
  return ok;
}

template <typename T>
bool obs_matches(const RowReference& ref, const AttentionObservables<T>& o) noexcept {
  const T got[5] = {o.log_partition, o.entropy, o.free_energy, o.mean_energy, o.specific_heat};
  bool ok = !ref.all_masked;
  for (int i = 0; i < 5; ++i) ok = ok && std::fabs(static_cast<Ref>(got[i]) - ref.obs[i]) <= ref.obs_bound[i];
  return ok;
}

// Measured worst error relative to the bound (for reports; <= 1 means within bound).
struct AttnStats {
  Ref worst_out_rel = 0;  // max |got - ref| / max(|ref|, tiny)
};

// ---- decode ---------------------------------------------------------------------------

enum class LogitKind { random, huge, equal, increasing, masked_some };

template <typename T>
void make_decode_case(LogitKind kind, std::size_t n, std::size_t d, std::size_t ldk, std::size_t ldv, T& beta,
                      SplitMix64& rng) noexcept {
  auto& b = AttnBuffers<T>::get();
  fill_uniform(b.q, d, rng);
  fill_uniform(b.k, n * ldk, rng);
  fill_uniform(b.v, n * ldv, rng, -2, 2);
  beta = T(1.5);
  if (kind == LogitKind::huge) beta = T(2e4) / static_cast<T>(d > 0 ? d : 1);  // logits up to ~ +-1e4
  if (kind == LogitKind::equal)
    for (std::size_t j = 1; j < n; ++j)
      for (std::size_t i = 0; i < d; ++i) b.k[j * ldk + i] = b.k[i];
  if (kind == LogitKind::increasing) {
    // k_j = (j / n) q: logits increase with j, so the running maximum moves in every block.
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < d; ++i) b.k[j * ldk + i] = b.q[i] * static_cast<T>(j) / static_cast<T>(n);
    beta = T(8);
  }
  for (std::size_t j = 0; j < n; ++j) b.mask[j] = T(0);
  if (kind == LogitKind::masked_some) {
    for (std::size_t j = 0; j < n; j += 3) b.mask[j] = -std::numeric_limits<T>::infinity();
    b.mask[n - 1] = T(-0.5);  // at least one key stays (n = 1 included)
  }
}

template <typename T, class Sink>
void check_attention_decode(const AttentionTable<T>& t, Sink& sink) noexcept {
  auto& b = AttnBuffers<T>::get();
  SplitMix64 rng(41);
  static RowReference ref;
  const std::size_t L = t.lanes;
  const std::size_t ns[] = {1, 2, L - 1 > 0 ? L - 1 : 1, L + 1, 37, 64, 65, kAttnMaxN};
  const std::size_t ds[] = {1, 3, L, L + 1, 2 * L + 3 > kAttnMaxD ? kAttnMaxD : 2 * L + 3, 16};
  const LogitKind kinds[] = {LogitKind::random, LogitKind::huge, LogitKind::equal, LogitKind::increasing,
                             LogitKind::masked_some};
  const char* kind_names[] = {"random logits", "logits ~ +-1e4", "all logits equal", "increasing logits (rescales)",
                              "some -inf in mask"};
  for (std::size_t n : ns) {
    for (std::size_t d : ds) {
      for (int ki = 0; ki < 5; ++ki) {
        for (int strided = 0; strided < 2; ++strided) {
          const std::size_t dv = strided ? (d % kAttnMaxDv) + 1 : (d < kAttnMaxDv ? d : kAttnMaxDv);
          const std::size_t ldk = d + (strided ? 3 : 0), ldv = dv + (strided ? kAttnPad : 0);
          T beta;
          make_decode_case(kinds[ki], n, d, ldk, ldv, beta, rng);
          const bool use_mask = kinds[ki] == LogitKind::masked_some || strided;
          const T* mask = use_mask ? b.mask : nullptr;
          reference_row(n, d, dv, beta, b.q, b.k, ldk, b.v, ldv, mask, t.exp_max_ulp, t.block, ref);
          fill_sentinel(b.out, dv + 1);
          const Status s = t.decode(n, d, dv, beta, b.q, b.k, ldk, b.v, ldv, mask, b.out, b.obs);
          const bool ok = s == Status::ok && row_matches(ref, dv, b.out) && b.out[dv] == kAttnSentinel<T>;
          sink(ok, CheckInfo{t.name, "attention_decode", kind_names[ki], n, d * 100 + ldk});
          sink(s == Status::ok && obs_matches(ref, b.obs[0]),
               CheckInfo{t.name, "attention_decode", "observables vs S, F, <E>, C formulas", n, d * 100 + ki});
          // Without observables: the very same output, bit for bit.
          const Status s2 = t.decode(n, d, dv, beta, b.q, b.k, ldk, b.v, ldv, mask, b.out2, nullptr);
          bool same = s2 == Status::ok;
          for (std::size_t c = 0; c < dv; ++c) same = same && ulp_distance(b.out[c], b.out2[c]) == 0;
          sink(same, CheckInfo{t.name, "attention_decode", "obs == null gives the same output", n, d});
        }
      }
    }
  }
  // n = 1: p = 1, out = v_0 exactly; S = C = 0 exactly.
  fill_uniform(b.q, 8, rng);
  fill_uniform(b.k, 8, rng);
  fill_uniform(b.v, 8, rng);
  {
    const Status s = t.decode(1, 8, 5, T(3), b.q, b.k, 8, b.v, 8, nullptr, b.out, b.obs);
    bool ok = s == Status::ok && b.obs[0].entropy == T(0) && b.obs[0].specific_heat == T(0);
    for (std::size_t c = 0; c < 5; ++c) ok = ok && b.out[c] == b.v[c];
    sink(ok, CheckInfo{t.name, "attention_decode", "n = 1 returns v_0 exactly, S = C = 0", 1, 8});
  }
  // All equal logits: S = log n, C = 0 (within the bound of reference_row, checked above);
  // here the exact facts: p = 1/n, so out is the mean of V for V = constant rows.
  {
    const std::size_t n = 50;
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < 4; ++i) {
        b.k[j * 4 + i] = T(0.5);
        b.v[j * 4 + i] = T(0.25) * static_cast<T>(i + 1);
      }
    const Status s = t.decode(n, 4, 4, T(1), b.q, b.k, 4, b.v, 4, nullptr, b.out, b.obs);
    bool ok = s == Status::ok;
    for (std::size_t c = 0; c < 4; ++c) ok = ok && b.out[c] == T(0.25) * static_cast<T>(c + 1);
    sink(ok, CheckInfo{t.name, "attention_decode", "equal logits, equal values: out = v exactly", n, 4});
  }
  check_attention_decode_statuses(t, sink);
  check_attention_decode_heads(t, sink);
}

// ---- decode at the head sizes of practice; fast paths ---------------------------------

// Decode with d and dv up to 32 (the AttnBuffers hold them for n <= 65), against
// reference_row by groups of at most kAttnMaxDv columns, and without observables against
// with them, bit for bit. A backend may take a one-block fast path when obs and mask are
// null and n <= block (Helium; scalar on the M-profile FPU, whose kernels work on 8 and 16
// entries at a time: d = 19, dv = 27 reach every chunk and tail): it must return the
// driver's result and, for bad input, the driver's status with out untouched. e^x at its
// edges goes through decode too: n = 2 keys with logits 0 and -x give out = e^-x / (1 + e^-x).
template <typename T, class Sink>
void check_attention_decode_heads(const AttentionTable<T>& t, Sink& sink) noexcept {
  auto& b = AttnBuffers<T>::get();
  SplitMix64 rng(47);
  static RowReference ref;
  const T* no_mask = nullptr;
  const std::size_t top = t.block < 64 ? t.block : 64;
  // Every column group of out (after decode into out) against the reference.
  auto matches = [&](std::size_t n, std::size_t d, std::size_t dv, T beta, std::size_t ldk, std::size_t ldv) {
    bool ok = true;
    for (std::size_t c0 = 0; c0 < dv; c0 += kAttnMaxDv) {
      const std::size_t g = dv - c0 < kAttnMaxDv ? dv - c0 : kAttnMaxDv;
      reference_row(n, d, g, beta, b.q, b.k, ldk, b.v + c0, ldv, no_mask, t.exp_max_ulp, t.block, ref);
      ok = ok && row_matches(ref, g, b.out + c0);
    }
    return ok;
  };
  auto same_bits = [&](std::size_t dv) {
    bool same = true;
    for (std::size_t c = 0; c < dv; ++c) same = same && ulp_distance(b.out[c], b.out2[c]) == 0;
    return same;
  };
  const std::size_t ns[] = {1, 2, 3, 33, top, top + 1};
  const std::size_t ds[] = {8, 19, 32};
  const std::size_t dvs[] = {1, 16, 27};  // 27 = 16 + 8 + 3
  for (std::size_t n : ns)
    for (std::size_t d : ds)
      for (std::size_t dv : dvs)
        for (std::size_t pad = 0; pad <= 3; pad += 3) {
          const std::size_t ldk = d + pad, ldv = dv + pad;
          fill_uniform(b.q, d, rng);
          fill_uniform(b.k, n * ldk, rng);
          fill_uniform(b.v, n * ldv, rng, -2, 2);
          const T beta = T(0.75);
          fill_sentinel(b.out, dv + 1);
          const Status s = t.decode(n, d, dv, beta, b.q, b.k, ldk, b.v, ldv, nullptr, b.out, nullptr);
          sink(s == Status::ok && b.out[dv] == kAttnSentinel<T> && matches(n, d, dv, beta, ldk, ldv),
               CheckInfo{t.name, "attention_decode", "d, dv up to 32 vs reference", n, d * 100 + dv});
          const Status s2 = t.decode(n, d, dv, beta, b.q, b.k, ldk, b.v, ldv, nullptr, b.out2, b.obs);
          sink(s == s2 && same_bits(dv),
               CheckInfo{t.name, "attention_decode", "d, dv up to 32: obs == null gives the same output", n, d * 100 + dv});
        }

  // Bad input without observables: the driver's status, out untouched.
  const T inf = std::numeric_limits<T>::infinity();
  const T nan = std::numeric_limits<T>::quiet_NaN();
  const std::size_t n = top < 33 ? top : 33, d = 19, dv = 27;
  fill_uniform(b.q, d, rng);
  fill_uniform(b.k, n * d, rng);
  fill_uniform(b.v, n * dv, rng);
  auto refuses = [&](T beta, const char* what, std::size_t detail) {
    fill_sentinel(b.out, dv);
    const Status s = t.decode(n, d, dv, beta, b.q, b.k, d, b.v, dv, nullptr, b.out, nullptr);
    sink(s == Status::non_finite_input && all_sentinel(b.out, dv),
         CheckInfo{t.name, "attention_decode", what, n, detail});
  };
  for (std::size_t pos : {std::size_t(0), std::size_t(d - 1)})  // in the first chunk of 8, in the tail
    for (T bad : {nan, inf, -inf}) {
      const T keep = b.q[pos];
      b.q[pos] = bad;
      refuses(T(1), "obs == null: NaN/Inf in q is non_finite_input, out untouched", pos);
      b.q[pos] = keep;
    }
  for (std::size_t pos : {std::size_t(0), (n / 2) * d + 9, n * d - 1})
    for (T bad : {nan, inf, -inf}) {
      const T keep = b.k[pos];
      b.k[pos] = bad;
      refuses(T(1), "obs == null: NaN/Inf in K is non_finite_input, out untouched", pos);
      b.k[pos] = keep;
    }
  const T root = std::sqrt(std::numeric_limits<T>::max());
  const T keep_q = b.q[0], keep_k = b.k[(n - 1) * d];
  b.q[0] = 4 * root;
  b.k[(n - 1) * d] = 4 * root;
  refuses(T(1), "obs == null: overflowing logit is non_finite_input, out untouched", 0);
  refuses(T(1) / std::numeric_limits<T>::max(), "obs == null: q.k overflows under a tiny beta", 1);
  b.q[0] = keep_q;
  b.k[(n - 1) * d] = keep_k;

  // |v| near T's max: the unnormalised sums overflow, the row is recomputed normalised.
  constexpr T big = std::numeric_limits<T>::max();
  for (std::size_t j = 0; j < n; ++j) {
    fill_uniform(b.v + j * dv, dv, rng, 0.25, 0.5);
    for (std::size_t c = 0; c < dv; ++c) b.v[j * dv + c] *= c % 3 == 1 && j % 2 == 1 ? -big : big;
  }
  {
    const Status s = t.decode(n, d, dv, T(1), b.q, b.k, d, b.v, dv, nullptr, b.out, nullptr);
    const bool ok = s == Status::ok && matches(n, d, dv, T(1), d, dv);
    const Status s2 = t.decode(n, d, dv, T(1), b.q, b.k, d, b.v, dv, nullptr, b.out2, b.obs);
    sink(ok && s2 == Status::ok && same_bits(dv),
         CheckInfo{t.name, "attention_decode", "obs == null, |v| near max: vs reference, = with obs", n, d});
  }

  // e^-x at its edges: q = 1, k = (0, -x), beta = 1, v = (0, 1). Exact facts: 1/2 at x = 0;
  // 0 where e^-x is below half the smallest subnormal (correctly rounded: 0, flushed: 0).
  const Ref zero_beyond = 1 - std::log(static_cast<Ref>(std::numeric_limits<T>::denorm_min()));
  const double xs[] = {0,    1e-30, 1e-7, 0.25, 0.34657, 0.5,  0.69315, 1,   2.5,   7,    10,    15.9,
                       20,   30,    42,   50,   60,      70,   80,      85,  86,    87,   87.3,  87.33,
                       87.4, 87.9,  88,   88.7, 89,      100,  103.9,   104, 150,   700,  708.3, 745.2,
                       746,  1e4};  // (far beyond, the reference's bound is 0 inf: the +-max case below)
  bool exp_ok = true, exp_same = true;
  for (double x : xs) {
    b.q[0] = T(1);
    b.k[0] = T(0);
    b.k[1] = -static_cast<T>(x);
    b.v[0] = T(0);
    b.v[1] = T(1);
    const Status s = t.decode(2, 1, 1, T(1), b.q, b.k, 1, b.v, 1, nullptr, b.out, nullptr);
    reference_row(2, 1, 1, T(1), b.q, b.k, 1, b.v, 1, no_mask, t.exp_max_ulp, t.block, ref);
    bool ok = s == Status::ok && row_matches(ref, 1, b.out);
    if (x == 0) ok = ok && b.out[0] == T(0.5);
    if (static_cast<Ref>(b.k[1]) < -zero_beyond) ok = ok && b.out[0] == T(0);
    exp_ok = exp_ok && ok;
    const Status s2 = t.decode(2, 1, 1, T(1), b.q, b.k, 1, b.v, 1, nullptr, b.out2, b.obs);
    exp_same = exp_same && s2 == s && same_bits(1);
  }
  // Logits +max and -max: their difference is -inf, whose exponential is 0 exactly.
  b.k[0] = big;
  b.k[1] = -big;
  const Status s_inf = t.decode(2, 1, 1, T(1), b.q, b.k, 1, b.v, 1, nullptr, b.out, nullptr);
  exp_ok = exp_ok && s_inf == Status::ok && b.out[0] == T(0);
  sink(exp_ok, CheckInfo{t.name, "attention_decode", "e^-x at its edges (1/2, underflow, -inf) vs reference", 2, 1});
  sink(exp_same, CheckInfo{t.name, "attention_decode", "e^-x at its edges: obs == null gives the same output", 2, 1});
}

template <typename T, class Sink>
void check_attention_decode_statuses(const AttentionTable<T>& t, Sink& sink) noexcept {
  auto& b = AttnBuffers<T>::get();
  SplitMix64 rng(42);
  const T inf = std::numeric_limits<T>::infinity();
  const T nan = std::numeric_limits<T>::quiet_NaN();
  const std::size_t d = 2 * t.lanes + 3 > kAttnMaxD ? kAttnMaxD : 2 * t.lanes + 3, dv = 7;
  auto refuses = [&](Status want, std::size_t n, T beta, const T* mask, const char* what, std::size_t detail) {
    fill_sentinel(b.out, dv);
    fill_obs_sentinel(b.obs, 1);
    const Status s = t.decode(n, d, dv, beta, b.q, b.k, d, b.v, dv, mask, b.out, b.obs);
    sink(s == want && all_sentinel(b.out, dv) && obs_sentinel(b.obs, 1),
         CheckInfo{t.name, "attention_decode", what, n, detail});
  };
  for (std::size_t n : {std::size_t(1), std::size_t(t.lanes + 1), std::size_t(100)}) {
    fill_uniform(b.q, d, rng);
    fill_uniform(b.k, n * d, rng);
    fill_uniform(b.v, n * dv, rng);
    refuses(Status::empty, 0, T(1), nullptr, "n = 0 is empty, outputs untouched", 0);
    refuses(Status::invalid_argument, n, T(0), nullptr, "beta = 0 is invalid_argument", 0);
    refuses(Status::invalid_argument, n, nan, nullptr, "beta = NaN is invalid_argument", 0);
    refuses(Status::invalid_argument, n, inf, nullptr, "beta = inf is invalid_argument", 0);
    // NaN / Inf in q (first, last entry) or in K (first row, a middle row, the last
    // row's tail element): non_finite_input, outputs untouched.
    for (std::size_t pos : {std::size_t(0), d - 1}) {
      for (T bad : {nan, inf}) {
        const T keep = b.q[pos];
        b.q[pos] = bad;
        refuses(Status::non_finite_input, n, T(1), nullptr, "NaN/Inf in q is non_finite_input", pos);
        b.q[pos] = keep;
      }
    }
    for (std::size_t pos : {std::size_t(0), (n / 2) * d + 1, n * d - 1}) {
      for (T bad : {nan, inf, -inf}) {
        const T keep = b.k[pos];
        b.k[pos] = bad;
        refuses(Status::non_finite_input, n, T(1), nullptr, "NaN/Inf in K is non_finite_input", pos);
        b.k[pos] = keep;
      }
    }
    // Huge but finite: the logit overflows.
    b.q[0] = std::numeric_limits<T>::max() / 2;
    b.k[(n - 1) * d] = T(4);
    refuses(Status::non_finite_input, n, T(4), nullptr, "overflowing logit is non_finite_input", n);
    fill_uniform(b.q, d, rng);
    // All masked, and bad mask entries.
    for (std::size_t j = 0; j < n; ++j) b.mask[j] = -inf;
    refuses(Status::all_masked, n, T(1), b.mask, "all -inf is all_masked, outputs untouched", n);
    b.mask[n - 1] = nan;
    refuses(Status::non_finite_input, n, T(1), b.mask, "NaN in mask is non_finite_input", n);
    b.mask[n - 1] = inf;
    refuses(Status::non_finite_input, n, T(1), b.mask, "+inf in mask is non_finite_input", n);
  }
  fill_sentinel(b.out, dv);
  sink(t.decode(4, kAttentionMaxDim + 1, dv, T(1), b.q, b.k, d, b.v, dv, nullptr, b.out, nullptr) ==
               Status::capacity_exceeded &&
           all_sentinel(b.out, dv),
       CheckInfo{t.name, "attention_decode", "d > kAttentionMaxDim is capacity_exceeded", 4, 0});
}

// ---- prefill --------------------------------------------------------------------------

template <typename T, class Sink>
void check_attention_prefill(const AttentionTable<T>& t, Sink& sink) noexcept {
  auto& b = AttnBuffers<T>::get();
  SplitMix64 rng(43);
  static RowReference ref, ref2;
  const T inf = std::numeric_limits<T>::infinity();
  const std::size_t L = t.lanes;
  const std::size_t shapes[][3] = {{1, 1, 1}, {3, 5, L + 1}, {7, 7, 16}, {16, 70, L}, {5, kAttnMaxN, 2 * L + 3 > kAttnMaxD ? kAttnMaxD : 2 * L + 3}, {16, 16, 3}};
  for (const auto& sh : shapes) {
    const std::size_t m = sh[0], n = sh[1], d = sh[2];
    for (int variant = 0; variant < 4; ++variant) {
      const bool causal = variant & 1, masked = variant & 2;
      const std::size_t dv = masked ? 5 : (d < kAttnMaxDv ? d : kAttnMaxDv);
      const std::size_t ldq = d + (masked ? 2 : 0), ldk = d + (masked ? 3 : 0), ldv = dv + (masked ? kAttnPad : 0);
      const std::size_t ldo = dv + (masked ? 1 : 0), ldm = n + (masked ? 2 : 0);
      fill_uniform(b.q, m * ldq, rng);
      fill_uniform(b.k, n * ldk, rng);
      fill_uniform(b.v, n * ldv, rng);
      const T beta = T(2);
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < ldm; ++j)
          b.mask[i * ldm + j] = masked && (i + 2 * j) % 5 == 1 ? -inf : static_cast<T>(masked ? 0.25 * static_cast<double>(j % 3) : 0.0);
      for (std::size_t i = 0; i < m && masked; ++i) b.mask[i * ldm + (causal ? n - m + i : 0)] = T(0);  // a key per row
      const T* mask = masked ? b.mask : nullptr;
      fill_sentinel(b.out, m * ldo);
      const Status s = t.prefill(m, n, d, dv, beta, b.q, ldq, b.k, ldk, b.v, ldv, mask, ldm, causal, b.out, ldo, b.obs);
      bool ok = s == Status::ok, obs_ok = ok, same_as_decode = ok;
      for (std::size_t i = 0; i < m; ++i) {
        const std::size_t end = causal ? n - m + i + 1 : n;
        reference_row(end, d, dv, beta, b.q + i * ldq, b.k, ldk, b.v, ldv, mask ? mask + i * ldm : nullptr,
                      t.exp_max_ulp, t.block, ref);
        ok = ok && row_matches(ref, dv, b.out + i * ldo);
        for (std::size_t c = dv; c < ldo; ++c) ok = ok && b.out[i * ldo + c] == kAttnSentinel<T>;
        obs_ok = obs_ok && obs_matches(ref, b.obs[i]);
        // Row by row decode over the keys the row sees agrees to rounding (both bounds).
        const Status sd = t.decode(end, d, dv, beta, b.q + i * ldq, b.k, ldk, b.v, ldv,
                                   mask ? mask + i * ldm : nullptr, b.out2, nullptr);
        same_as_decode = same_as_decode && sd == Status::ok;
        for (std::size_t c = 0; c < dv; ++c)
          same_as_decode = same_as_decode && std::fabs(static_cast<Ref>(b.out[i * ldo + c]) -
                                                       static_cast<Ref>(b.out2[c])) <= 2 * ref.bound[c];
      }
      const char* what = causal ? (masked ? "causal + explicit mask vs reference" : "causal vs reference")
                                : (masked ? "explicit mask vs reference" : "random vs reference");
      sink(ok, CheckInfo{t.name, "attention_prefill", what, m * 1000 + n, d});
      sink(obs_ok, CheckInfo{t.name, "attention_prefill", "observables per row vs formulas", m * 1000 + n, d});
      sink(same_as_decode, CheckInfo{t.name, "attention_prefill", causal ? "causal prefill = row-by-row decode" : "prefill = row-by-row decode", m * 1000 + n, d});
    }
  }
  // Statuses: every check happens before any output is written.
  const std::size_t m = 6, n = 9, d = 5, dv = 3;
  fill_uniform(b.q, m * d, rng);
  fill_uniform(b.k, n * d, rng);
  fill_uniform(b.v, n * dv, rng);
  for (std::size_t i = 0; i < m * n; ++i) b.mask[i] = T(0);
  auto refuses = [&](Status want, std::size_t mm, std::size_t nn, bool causal, const T* mask, const char* what) {
    fill_sentinel(b.out, m * dv);
    fill_obs_sentinel(b.obs, m);
    const Status s = t.prefill(mm, nn, d, dv, T(1), b.q, d, b.k, d, b.v, dv, mask, n, causal, b.out, dv, b.obs);
    sink(s == want && all_sentinel(b.out, m * dv) && obs_sentinel(b.obs, m),
         CheckInfo{t.name, "attention_prefill", what, mm * 1000 + nn, 0});
  };
  refuses(Status::empty, 0, n, false, nullptr, "m = 0 is empty");
  refuses(Status::empty, m, 0, false, nullptr, "n = 0 is empty");
  refuses(Status::invalid_argument, m, m - 1, true, nullptr, "causal with m > n is invalid_argument");
  b.k[(n - 1) * d + d - 1] = std::numeric_limits<T>::quiet_NaN();
  refuses(Status::non_finite_input, m, n, false, nullptr, "NaN in the last key is non_finite_input");
  b.k[(n - 1) * d + d - 1] = T(0.5);
  b.q[(m - 1) * d] = inf;
  refuses(Status::non_finite_input, m, n, true, nullptr, "Inf in the last query is non_finite_input");
  b.q[(m - 1) * d] = T(0.5);
  for (std::size_t j = 0; j < n; ++j) b.mask[(m - 1) * n + j] = -inf;
  refuses(Status::all_masked, m, n, false, b.mask, "a fully masked last row is all_masked");
  b.mask[(m - 1) * n + n - 1] = T(0);  // the causal limit of the last row keeps this key
  b.mask[2 * n + 1] = std::numeric_limits<T>::quiet_NaN();
  refuses(Status::non_finite_input, m, n, true, b.mask, "NaN in a used mask entry is non_finite_input");
  // beta q.k fits but q.k does not (the kernels scale after the dot): refused before any
  // write, like decode refuses that key (a fuzz_attention finding).
  const T root = std::sqrt(std::numeric_limits<T>::max());
  b.q[(m - 1) * d] = 4 * root;
  b.k[(n - 1) * d] = 4 * root;
  fill_sentinel(b.out, m * dv);
  const T tiny_beta = T(1) / std::numeric_limits<T>::max();
  sink(t.prefill(m, n, d, dv, tiny_beta, b.q, d, b.k, d, b.v, dv, nullptr, n, false, b.out, dv, nullptr) ==
               Status::non_finite_input &&
           all_sentinel(b.out, m * dv) &&
           t.decode(n, d, dv, tiny_beta, b.q + (m - 1) * d, b.k, d, b.v, dv, nullptr, b.out, nullptr) ==
               Status::non_finite_input,
       CheckInfo{t.name, "attention_prefill", "q.k overflows under a tiny beta: status, out untouched", m * 1000 + n, 1});
}

// ---- linear attention -------------------------------------------------------------------

// Reference and bound for out_t = sum_{j < end} a_j v_j (/ sum_j a_j), a_j = phi(q).phi(k_j).
// phi in T has relative error uphi = (2k + 1) u (elu + 1: one exp or one add; identity: 0);
// dot products gamma_d, sums over keys gamma_n, in any order (recurrent: S then S^T phi(q);
// parallel: scores then V^T a): relative coefficient rho = (1 + uphi)^2 (1 + gamma_(n+d+2)) - 1
// on A_c = sum_j sum_i |phi(q)_i phi(k_j)_i v_jc| and D = sum_j sum_i |phi(q)_i phi(k_j)_i|.
template <typename T>
void linear_reference(std::size_t end, std::size_t d, std::size_t dv, FeatureMap phi, bool normalize, const T* q,
                      const T* k, std::size_t ldk, const T* v, std::size_t ldv, unsigned exp_ulp, Ref* out,
                      Ref* bound) noexcept {
  auto f = [phi](T x) -> Ref {
    const Ref r = static_cast<Ref>(x);
    return phi == FeatureMap::identity ? r : (r > 0 ? r + 1 : std::exp(r));
  };
  Ref a_abs[kAttnMaxDv] = {}, den = 0, den_abs = 0;
  for (std::size_t c = 0; c < dv; ++c) out[c] = 0;
  for (std::size_t j = 0; j < end; ++j) {
    Ref a = 0, aa = 0;
    for (std::size_t i = 0; i < d; ++i) {
      const Ref t = f(q[i]) * f(k[j * ldk + i]);
      a += t;
      aa += std::fabs(t);
    }
    den += a;
    den_abs += aa;
    for (std::size_t c = 0; c < dv; ++c) {
      out[c] += a * static_cast<Ref>(v[j * ldv + c]);
      a_abs[c] += aa * std::fabs(static_cast<Ref>(v[j * ldv + c]));
    }
  }
  for (std::size_t c = 0; c < dv; ++c) bound[c] = 0;
  for (int model = 0; model < 2; ++model) {
    const Ref u = model == 0 ? unit_roundoff<T>() : unit_roundoff<Ref>();
    const Ref uphi = phi == FeatureMap::identity ? 0 : (2 * static_cast<Ref>(model == 0 ? exp_ulp : 1) + 1) * u;
    const Ref rho = (1 + uphi) * (1 + uphi) * (1 + gam(static_cast<Ref>(end + d + 2), u)) - 1;
    for (std::size_t c = 0; c < dv; ++c) {
      if (!normalize) {
        bound[c] += rho * a_abs[c];
        continue;
      }
      const Ref o = std::fabs(out[c] / den);
      bound[c] += (rho * a_abs[c] + o * rho * den_abs) / (std::fabs(den) - rho * den_abs) * (1 + u) + u * o;
    }
  }
  if (normalize)
    for (std::size_t c = 0; c < dv; ++c) out[c] /= den;
}

template <typename T, class Sink>
void check_linear_attention(const AttentionTable<T>& t, Sink& sink) noexcept {
  auto& b = AttnBuffers<T>::get();
  SplitMix64 rng(44);
  static Ref ref[kAttnMaxDv], bound[kAttnMaxDv];
  const std::size_t L = t.lanes;
  const std::size_t ds[] = {1, L + 1, 16};
  for (std::size_t d : ds) {
    for (FeatureMap phi : {FeatureMap::identity, FeatureMap::elu_plus_one}) {
      for (bool normalize : {false, true}) {
        const std::size_t n = kAttnMaxM, dv = d % kAttnMaxDv + 2, ldk = d + 1, ldv = dv + 2, ldo = dv + 1;
        // Identity features are normalised only with positive data (phi(q).z far from 0).
        const double lo = phi == FeatureMap::identity && normalize ? 0.0 : -1.0;
        fill_uniform(b.q, n * d, rng, lo, 1.0);
        fill_uniform(b.k, n * ldk, rng, lo, 1.0);
        fill_uniform(b.v, n * ldv, rng);
        for (std::size_t i = 0; i < d * dv; ++i) b.state[i] = T(0);
        for (std::size_t i = 0; i < d; ++i) b.z[i] = T(0);
        bool rec_ok = true, agree = true;
        // Parallel, causal (m = n): row t sees keys 0..t.
        fill_sentinel(b.out2, n * ldo);
        const Status sp = t.linear(n, n, d, dv, phi, true, normalize, b.q, d, b.k, ldk, b.v, ldv, b.out2, ldo);
        bool par_ok = sp == Status::ok;
        for (std::size_t s = 0; s < n; ++s) {
          rec_ok = rec_ok && t.linear_update(d, dv, phi, b.k + s * ldk, b.v + s * ldv, b.state, dv, b.z) == Status::ok;
          rec_ok = rec_ok && t.linear_query(d, dv, phi, b.q + s * d, b.state, dv, b.z, normalize, b.out) == Status::ok;
          linear_reference(s + 1, d, dv, phi, normalize, b.q + s * d, b.k, ldk, b.v, ldv, t.exp_max_ulp, ref, bound);
          for (std::size_t c = 0; c < dv; ++c) {
            rec_ok = rec_ok && std::fabs(static_cast<Ref>(b.out[c]) - ref[c]) <= bound[c];
            par_ok = par_ok && std::fabs(static_cast<Ref>(b.out2[s * ldo + c]) - ref[c]) <= bound[c];
            agree = agree && std::fabs(static_cast<Ref>(b.out[c]) - static_cast<Ref>(b.out2[s * ldo + c])) <= 2 * bound[c];
          }
          par_ok = par_ok && b.out2[s * ldo + dv] == kAttnSentinel<T>;
        }
        const std::size_t detail = d * 10 + (phi == FeatureMap::identity ? 0 : 2) + (normalize ? 1 : 0);
        sink(rec_ok, CheckInfo{t.name, "linear_attention", "recurrent form vs reference", n, detail});
        sink(par_ok, CheckInfo{t.name, "linear_attention", "parallel causal form vs reference", n, detail});
        sink(agree, CheckInfo{t.name, "linear_attention", "parallel = recurrent to rounding", n, detail});
        // Non-causal parallel form with m < n: every row sees all keys.
        const std::size_t m = 3;
        const Status snc = t.linear(m, n, d, dv, phi, false, normalize, b.q, d, b.k, ldk, b.v, ldv, b.out2, ldo);
        bool nc_ok = snc == Status::ok;
        for (std::size_t i = 0; i < m; ++i) {
          linear_reference(n, d, dv, phi, normalize, b.q + i * d, b.k, ldk, b.v, ldv, t.exp_max_ulp, ref, bound);
          for (std::size_t c = 0; c < dv; ++c)
            nc_ok = nc_ok && std::fabs(static_cast<Ref>(b.out2[i * ldo + c]) - ref[c]) <= bound[c];
        }
        sink(nc_ok, CheckInfo{t.name, "linear_attention", "parallel non-causal vs reference", m * 1000 + n, detail});
      }
    }
  }
  // Statuses leave state and outputs untouched.
  const std::size_t d = 5, dv = 3;
  fill_uniform(b.q, d, rng);
  fill_uniform(b.k, d, rng);
  fill_uniform(b.v, dv, rng);
  fill_sentinel(b.state, d * dv);
  fill_sentinel(b.z, d);
  b.k[d - 1] = std::numeric_limits<T>::quiet_NaN();
  sink(t.linear_update(d, dv, FeatureMap::identity, b.k, b.v, b.state, dv, b.z) == Status::non_finite_input &&
           all_sentinel(b.state, d * dv) && all_sentinel(b.z, d),
       CheckInfo{t.name, "linear_attention_update", "NaN in k is non_finite_input, state untouched", d, 0});
  sink(t.linear_update(d, dv, static_cast<FeatureMap>(7), b.q, b.v, b.state, dv, b.z) == Status::invalid_argument &&
           all_sentinel(b.state, d * dv),
       CheckInfo{t.name, "linear_attention_update", "unknown feature map is invalid_argument", d, 0});
  // Finite k and v whose update would take one entry of S (the last one), or of z, beyond
  // T's range: non_finite_input, and the state keeps every bit.
  for (int which = 0; which < 2; ++which) {
    const T big = std::numeric_limits<T>::max();
    T st[d * dv], zs[d], kk[d], vv[dv], saved[d * dv + d];
    for (std::size_t i = 0; i < d * dv; ++i) st[i] = T(1);
    for (std::size_t i = 0; i < d; ++i) zs[i] = kk[i] = T(1);
    for (std::size_t c = 0; c < dv; ++c) vv[c] = which == 0 ? T(1) : T(1e-30);
    kk[d - 1] = big / 2;
    if (which == 0) st[d * dv - 1] = big / 4 * 3;  // + big / 2 overflows
    else zs[d - 1] = big / 4 * 3;                   // S stays finite, z overflows
    std::memcpy(saved, st, sizeof st);
    std::memcpy(saved + d * dv, zs, sizeof zs);
    const Status s_over = t.linear_update(d, dv, FeatureMap::identity, kk, vv, st, dv, zs);
    sink(s_over == Status::non_finite_input && std::memcmp(saved, st, sizeof st) == 0 &&
             std::memcmp(saved + d * dv, zs, sizeof zs) == 0,
         CheckInfo{t.name, "linear_attention_update", which == 0 ? "S overflowing: status, state untouched"
                                                                 : "z overflowing: status, state untouched", d, 0});
  }
  for (std::size_t i = 0; i < d * dv; ++i) b.state[i] = T(1);
  for (std::size_t i = 0; i < d; ++i) b.z[i] = T(0);
  fill_sentinel(b.out, dv);
  sink(t.linear_query(d, dv, FeatureMap::identity, b.q, b.state, dv, b.z, true, b.out) == Status::invalid_argument &&
           all_sentinel(b.out, dv),
       CheckInfo{t.name, "linear_attention_query", "normaliser 0 is invalid_argument, out untouched", d, 0});
  fill_sentinel(b.out, 4 * dv);
  sink(t.linear(0, 4, d, dv, FeatureMap::identity, false, false, b.q, d, b.q, d, b.v, dv, b.out, dv) == Status::empty &&
           t.linear(4, 4, d, dv, FeatureMap::identity, false, false, b.q, d, b.k, d, b.v, dv, b.out, dv) ==
               Status::non_finite_input &&
           all_sentinel(b.out, 4 * dv),
       CheckInfo{t.name, "linear_attention", "empty and NaN statuses, out untouched", 4, 0});
}

// ---- results near the top of T's range ------------------------------------------------

// Softmax attention is a convex combination of the values: representable for every finite
// V, even where the unnormalised sum of e^(l_j - max) v_j overflows (|v| near T's max; a
// fuzz_attention finding). Linear attention's sums can exceed T's range with finite
// inputs: then non_finite_input and nothing written.
template <typename T, class Sink>
void check_attention_range(const AttentionTable<T>& t, Sink& sink) noexcept {
  auto& b = AttnBuffers<T>::get();
  SplitMix64 rng(46);
  static RowReference ref;
  constexpr T big = std::numeric_limits<T>::max();
  const std::size_t d = 3, dv = 4, n = 40, m = 3;
  fill_uniform(b.q, m * d, rng);
  fill_uniform(b.k, n * d, rng);
  // |v| in [max/4, max/2]: column 0 positive (every partial sum overflows), column 1 of
  // alternating sign (cancels), columns 2-3 random signs.
  for (std::size_t j = 0; j < n; ++j) {
    fill_uniform(b.v + j * dv, dv, rng, 0.25, 0.5);
    for (std::size_t c = 0; c < dv; ++c) {
      const bool negative = c == 1 ? j % 2 == 1 : c >= 2 && rng.next() % 2 == 1;
      b.v[j * dv + c] *= negative ? -big : big;
    }
  }
  for (std::size_t j = 0; j < n; ++j) b.mask[j] = j % 7 == 3 ? -std::numeric_limits<T>::infinity() : T(0);
  for (const T* mask : {static_cast<const T*>(nullptr), static_cast<const T*>(b.mask)}) {
    reference_row(n, d, dv, T(1), b.q, b.k, d, b.v, dv, mask, t.exp_max_ulp, t.block, ref);
    const Status s = t.decode(n, d, dv, T(1), b.q, b.k, d, b.v, dv, mask, b.out, b.obs);
    sink(s == Status::ok && row_matches(ref, dv, b.out) && obs_matches(ref, b.obs[0]),
         CheckInfo{t.name, "attention_decode", "|v| near max: convex combination vs reference", n, mask ? 1u : 0u});
  }
  {
    const Status s = t.prefill(m, n, d, dv, T(1), b.q, d, b.k, d, b.v, dv, nullptr, n, true, b.out, dv, nullptr);
    bool ok = s == Status::ok;
    for (std::size_t i = 0; i < m; ++i) {
      reference_row(n - m + i + 1, d, dv, T(1), b.q + i * d, b.k, d, b.v, dv, static_cast<const T*>(nullptr), t.exp_max_ulp, t.block, ref);
      ok = ok && row_matches(ref, dv, b.out + i * dv);
    }
    sink(ok, CheckInfo{t.name, "attention_prefill", "|v| near max: causal rows vs reference", m * 1000 + n, d});
  }
  // Linear attention with a = phi(q).phi(k) = 1 (d = 1, q = k = 1): out = sum of the v.
  for (std::size_t j = 0; j < n; ++j) b.k[j] = T(1);
  b.q[0] = T(1);
  fill_sentinel(b.out, dv);
  sink(t.linear(1, n, 1, dv, FeatureMap::identity, false, false, b.q, 1, b.k, 1, b.v, dv, b.out, dv) ==
               Status::non_finite_input &&
           all_sentinel(b.out, dv),
       CheckInfo{t.name, "linear_attention", "sum beyond T's range is non_finite_input, out untouched", n, 0});
  // Values whose a-priori bound n max|v| = max/2 is out of range (so the result is checked
  // before it is written) but whose sums, in any order, stay in range: +-x cancel exactly.
  for (std::size_t j = 0; j < n; ++j) b.out2[j] = (j % 2 ? -big : big) / static_cast<T>(2 * n);
  const Status s_cancel = t.linear(1, n, 1, 1, FeatureMap::identity, false, false, b.q, 1, b.k, 1, b.out2, 1, b.out, 1);
  sink(s_cancel == Status::ok && b.out[0] == T(0),
       CheckInfo{t.name, "linear_attention", "bound beyond range, sums within: ok, exact 0", n, 0});
  // Recurrent query: a finite state whose S^T phi(q), or its quotient by phi(q).z, overflows.
  for (std::size_t i = 0; i < 4 * dv; ++i) b.state[i] = big / 2;
  for (std::size_t i = 0; i < 4; ++i) b.z[i] = T(1);
  for (std::size_t i = 0; i < 4; ++i) b.q[i] = T(1);
  fill_sentinel(b.out, dv);
  sink(t.linear_query(4, dv, FeatureMap::identity, b.q, b.state, dv, b.z, false, b.out) == Status::non_finite_input &&
           all_sentinel(b.out, dv),
       CheckInfo{t.name, "linear_attention_query", "S^T phi(q) beyond T's range is non_finite_input", 4, 0});
  for (std::size_t i = 0; i < 4 * dv; ++i) b.state[i] = T(1e10);
  for (std::size_t i = 0; i < 4; ++i) b.z[i] = std::numeric_limits<T>::min();
  sink(t.linear_query(4, dv, FeatureMap::identity, b.q, b.state, dv, b.z, true, b.out) == Status::non_finite_input &&
           all_sentinel(b.out, dv),
       CheckInfo{t.name, "linear_attention_query", "quotient by a tiny phi(q).z beyond range: status", 4, 1});
}

// Multi-head decode (attention.hpp) = per-head decode of the same backend, bit for bit.
template <typename T, class Backend, class Sink>
void check_multi_head(const AttentionTable<T>& t, Sink& sink) noexcept {
  auto& b = AttnBuffers<T>::get();
  SplitMix64 rng(45);
  constexpr std::size_t H = 3, d = 4, dv = 3, n = 20;
  static MultiHeadAttention<T, H, 4, Backend> mha;
  fill_uniform(b.q, H * d, rng);
  fill_uniform(b.k, n * H * d, rng);
  fill_uniform(b.v, n * H * dv, rng);
  const Status s = mha.decode(n, d, dv, T(1.25), b.q, b.k, H * d, b.v, H * dv, nullptr, b.out, b.obs);
  bool ok = s == Status::ok;
  for (std::size_t h = 0; h < H; ++h) {
    ok = ok && t.decode(n, d, dv, T(1.25), b.q + h * d, b.k + h * d, H * d, b.v + h * dv, H * dv, nullptr, b.out2,
                        b.obs2) == Status::ok;
    for (std::size_t c = 0; c < dv; ++c) ok = ok && ulp_distance(b.out[h * dv + c], b.out2[c]) == 0;
    ok = ok && ulp_distance(b.obs[h].entropy, b.obs2[0].entropy) == 0;
  }
  sink(ok, CheckInfo{t.name, "MultiHeadAttention", "decode = per-head kernel, bit for bit", n, H});
  // A bad last head: nothing written.
  b.k[(n - 1) * H * d + H * d - 1] = std::numeric_limits<T>::quiet_NaN();
  fill_sentinel(b.out, H * dv);
  sink(mha.decode(n, d, dv, T(1.25), b.q, b.k, H * d, b.v, H * dv, nullptr, b.out) == Status::non_finite_input &&
           all_sentinel(b.out, H * dv),
       CheckInfo{t.name, "MultiHeadAttention", "NaN in the last head: status, out untouched", n, H});
}

template <typename T, class Sink>
void check_all_attention(const AttentionTable<T>& t, Sink& sink) noexcept {
  check_attention_decode(t, sink);
  check_attention_prefill(t, sink);
  check_linear_attention(t, sink);
  check_attention_range(t, sink);
}

}  // namespace olsf::testing
