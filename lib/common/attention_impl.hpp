// olsformer (internal): the attention drivers every backend shares (attention_api.inc).
// The logic (argument checks, masking, online softmax, observables, statuses) is written
// once here; a backend supplies the vector work through an `Ops` type:
//   static constexpr std::size_t kPad;  // exp_shift counts are multiples of this (divides the block)
//   // s[r * lds + j] = scale * (q_r . k_j) for r < nq <= kAttentionRows, j < nk
//   void scores(nq, nk, d, const T* q, ldq, const T* k, ldk, T scale, T* s, lds) const;
//   // s[j] = e^(s[j] - m) for j < count (a multiple of kPad; s[j] <= m or -inf); returns the sum
//   T exp_shift(count, T* s, T m) const;
//   // m = max_{j < n} l[j] (-inf for n == 0); false if some l[j] is not finite
//   bool logit_max(n, const T* l, T& m) const;
//   // s_i += f_i v for i < rows (s_i: row i of S, stride lds; f, v contiguous)
//   void rank1(rows, cols, const T* f, const T* v, T* s, lds) const;
//   // acc_r += sum_{j < nk} p[r * ldp + j] v_j for r < nq (acc_r, v_j: dv entries)
//   void accumulate(nq, nk, dv, const T* p, ldp, const T* v, ldv, T* acc, ldacc) const;
//   void feature(n, const T* x, T* y, FeatureMap phi) const;  // y = phi(x), phi valid
//   T dot(n, const T* x, const T* y) const;                    // contiguous
// lib/highway includes this once per Highway target (hwy/foreach_target.h): Highway's
// per-target include guard, and a per-target namespace wherever Highway is in scope, so
// that the drivers carry the target's attributes and inline its ops (AVX2 code calling
// AVX3 ops could not).
#if defined(OLSF_COMMON_ATTENTION_IMPL_HPP_) == defined(HWY_TARGET_TOGGLE)
#ifdef OLSF_COMMON_ATTENTION_IMPL_HPP_
#undef OLSF_COMMON_ATTENTION_IMPL_HPP_
#else
#define OLSF_COMMON_ATTENTION_IMPL_HPP_
#endif
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "olsformer/kernels.hpp"
#include "olsformer/simd_width.hpp"

namespace olsf::detail {
#if defined(HWY_NAMESPACE)
namespace HWY_NAMESPACE {
#endif

// Keys per block of the online softmax and queries per tile; the scores scratch is
// kAttentionRows x kAttentionBlock (2 KB for double).
// CMake's OLSF_ATTENTION_BLOCK (default 64, a multiple of 16 so that every backend's kPad
// divides it) trades stack for rescales: ports/mps2/footprint.cpp's memory of 32 patterns
// sets 32, one block per pass.
#ifndef OLSF_ATTENTION_BLOCK
#define OLSF_ATTENTION_BLOCK 64
#endif
inline constexpr std::size_t kAttentionBlock = OLSF_ATTENTION_BLOCK;
static_assert(kAttentionBlock >= 16 && kAttentionBlock % 16 == 0, "OLSF_ATTENTION_BLOCK: a multiple of 16");
inline constexpr std::size_t kAttentionRows = 4;
// Decode's scratch alignment: 64 for vector loads; on scalar-only targets (kSimdBytes 0,
// Cortex-M0..M7) realigning the frame would only cost stack.
inline constexpr std::size_t kScratchAlign = kSimdBytes == 0 ? alignof(double) : 64;


// The score kernels' dispatch for vector backends: Kernel::template run<Rows, Dim>(...)
// is the backend's score kernel for Rows queries, Dim the head dimension fixed at compile
// time (0: run time). The common head dimensions are compiled fixed (fully unrolled).
template <class Kernel, typename T>
inline void dispatch_scores(std::size_t nq, std::size_t nk, std::size_t dim, const T* q, std::size_t ldq,
                            const T* k, std::size_t ldk, T scale, T* s, std::size_t lds) noexcept {
  switch (nq) {
    case 1:
      switch (dim) {
        case 16: return Kernel::template run<1, 16>(nk, dim, q, ldq, k, ldk, scale, s, lds);
        case 32: return Kernel::template run<1, 32>(nk, dim, q, ldq, k, ldk, scale, s, lds);
        case 64: return Kernel::template run<1, 64>(nk, dim, q, ldq, k, ldk, scale, s, lds);
        case 128: return Kernel::template run<1, 128>(nk, dim, q, ldq, k, ldk, scale, s, lds);
        default: return Kernel::template run<1, 0>(nk, dim, q, ldq, k, ldk, scale, s, lds);
      }
    case 2: return Kernel::template run<2, 0>(nk, dim, q, ldq, k, ldk, scale, s, lds);
    case 3: return Kernel::template run<3, 0>(nk, dim, q, ldq, k, ldk, scale, s, lds);
    default:
      switch (dim) {
        case 32: return Kernel::template run<4, 32>(nk, dim, q, ldq, k, ldk, scale, s, lds);
        case 64: return Kernel::template run<4, 64>(nk, dim, q, ldq, k, ldk, scale, s, lds);
        default: return Kernel::template run<4, 0>(nk, dim, q, ldq, k, ldk, scale, s, lds);
      }
  }
}

template <typename T>
inline bool attn_finite(T x) noexcept {
  return std::fabs(x) <= std::numeric_limits<T>::max();  // false for NaN and +-inf
}

// 1 if x is Inf or NaN (an exponent field of all ones), else 0. A test on the bits: loops
// that OR it together are branch-free and compilers vectorize them as integer compares;
// a floating-point test (or sum) would not be.
template <typename T>
using FloatBits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
template <typename T>
inline constexpr FloatBits<T> kExponentBits =
    sizeof(T) == 4 ? FloatBits<T>(0x7f800000u) : FloatBits<T>(0x7ff0000000000000ull);
template <typename T>
inline FloatBits<T> non_finite_bit(T x) noexcept {
  FloatBits<T> b;
  std::memcpy(&b, &x, sizeof b);
  return static_cast<FloatBits<T>>((b & kExponentBits<T>) == kExponentBits<T>);
}

// No early exit (see non_finite_bit).
template <typename T>
inline bool all_finite(std::size_t n, const T* x) noexcept {
  FloatBits<T> bad = 0;
  for (std::size_t i = 0; i < n; ++i) bad |= non_finite_bit(x[i]);
  return bad == 0;
}

// x[i] /= z for i < n; false if some result is Inf or NaN. One loop: the test rides on the
// division's loads and stores (decode's finalisation, where a separate pass over the row
// cost ~70 instructions of a ~2,000-instruction Hopfield step on NEON).
template <typename T>
inline bool divide_all_finite(std::size_t n, T* x, T z) noexcept {
  using U = FloatBits<T>;
  constexpr U kExponent = kExponentBits<T>;
  U top = 0;  // the largest exponent field: all ones only for Inf or NaN
  for (std::size_t i = 0; i < n; ++i) {
    const T q = x[i] / z;
    x[i] = q;
    U b;
    std::memcpy(&b, &q, sizeof b);
    b &= kExponent;
    top = b > top ? b : top;
  }
  return top != kExponent;
}

// The plain-loop Ops::logit_max: m = max of l[0, n) (-inf if n == 0); false if some l_j is
// not finite (NaN/Inf in q or k_j, or beta q.k_j overflowed).
template <typename T>
inline bool logit_max_loop(std::size_t n, const T* l, T& m) noexcept {
  bool ok = true;
  T bm = -std::numeric_limits<T>::infinity();
  for (std::size_t j = 0; j < n; ++j) {
    ok = ok && attn_finite(l[j]);
    bm = l[j] > bm ? l[j] : bm;
  }
  m = bm;
  return ok;
}

inline bool valid_feature(FeatureMap phi) noexcept {
  return phi == FeatureMap::identity || phi == FeatureMap::elu_plus_one;
}

// Online softmax state of one query row: all sums relative to the running maximum `max`
// of the logits (Milakov & Gimelshein 2018). For the observables the weighted mean and
// the weighted sum of squared deviations of the logits are merged block by block (Chan,
// Golub & LeVeque 1979): shifting the logits does not change deviations, so a fresh
// maximum only rescales the weights.
template <typename T>
struct RowState {
  T max = -std::numeric_limits<T>::infinity();
  T z = 0;     // sum_j e^(l_j - max)
  T mean = 0;  // sum_j p_j (l_j - max)
  T m2 = 0;    // sum_j e^(l_j - max) (l_j - max - mean)^2
};

// The softmax output is a convex combination of the values, so it is representable whenever
// V is finite; but the unnormalised accumulator sum_j e^(l_j - max) v_j can overflow first,
// for |v| near T's max (found by tests/fuzz/fuzz_attention.cpp). Such a row (rare: an O(dv)
// test finds it) is redone here with the normalised weights p_j = e^(l_j - max) / z on v / 2;
// doubling back can only overflow by rounding, where the exact result is within one
// rounding of +-max (|out_c| <= max_j |v_jc|), so it is clamped there. Non-finite V still
// propagates as IEEE arithmetic says, as in the main pass. `s`: kAttentionBlock entries.
template <typename T, class Ops>
void renormalised_row(const Ops& ops, std::size_t d, std::size_t dv, T beta, const T* q, const T* k,
                      std::size_t ldk, const T* v, std::size_t ldv, const T* mask, std::size_t end,
                      const RowState<T>& t, T* s, T* out) noexcept {
  constexpr std::size_t B = kAttentionBlock;
  constexpr T big = std::numeric_limits<T>::max();
  for (std::size_t c = 0; c < dv; ++c) out[c] = T(0);
  for (std::size_t j0 = 0; j0 < end; j0 += B) {
    const std::size_t nb = end - j0 < B ? end - j0 : B;
    ops.scores(1, nb, d, q, 0, k + j0 * ldk, ldk, beta, s, B);
    for (std::size_t j = 0; j < nb; ++j) {
      const T l = mask ? s[j] + mask[j0 + j] : s[j];
      const T p = std::exp(l - t.max) / t.z;  // 0 for a masked key: 0 * NaN still propagates
      const T* vj = v + (j0 + j) * ldv;
      for (std::size_t c = 0; c < dv; ++c) out[c] += p * (vj[c] * T(0.5));
    }
  }
  for (std::size_t c = 0; c < dv; ++c) {
    const T x = out[c] * T(2);
    out[c] = x > big ? big : x < -big ? -big : x;  // NaN passes through
  }
}

// One tile of nq <= kAttentionRows queries against keys [0, key_end[r]) of each row:
// accumulates into acc (rows of dv, stride ldacc, zeroed here) and, on success, divides
// by the partition sums and fills obs (nq entries, may be null). Returns
// non_finite_input on a non-finite score or a bad mask entry, all_masked on a row
// without keys; acc is then partly written, so callers pass scratch or pre-validate.
// Rows (>= nq) sizes the scratch: decode passes 1, so a single query keeps 2 B entries of
// T on the stack instead of 2 kAttentionRows B (0.5 KB instead of 2 KB for float).
template <typename T, class Ops, std::size_t Rows = kAttentionRows>
Status attend_tile(const Ops& ops, std::size_t nq, std::size_t d, std::size_t dv, T beta, const T* q,
                   std::size_t ldq, const T* k, std::size_t ldk, const T* v, std::size_t ldv, const T* mask,
                   std::size_t ldmask, const std::size_t* key_end, T* acc, std::size_t ldacc,
                   AttentionObservables<T>* obs) noexcept {
  constexpr std::size_t B = kAttentionBlock;
  constexpr T inf = std::numeric_limits<T>::infinity();
  static_assert(Rows >= 1 && Rows <= kAttentionRows, "a tile holds 1 .. kAttentionRows queries");
  alignas(kScratchAlign) T s[Rows * B];
  alignas(kScratchAlign) T lcopy[Rows * B];  // the logits, kept for the observables only
  RowState<T> st[Rows];
  std::size_t end = 0;
  for (std::size_t r = 0; r < nq; ++r) {
    end = key_end[r] > end ? key_end[r] : end;
    for (std::size_t c = 0; c < dv; ++c) acc[r * ldacc + c] = T(0);
  }
  for (std::size_t j0 = 0; j0 < end; j0 += B) {
    const std::size_t nb = end - j0 < B ? end - j0 : B;
    ops.scores(nq, nb, d, q, ldq, k + j0 * ldk, ldk, beta, s, B);
    for (std::size_t r = 0; r < nq; ++r) {
      T* sr = s + r * B;
      const std::size_t lim = key_end[r] > j0 ? (key_end[r] - j0 < nb ? key_end[r] - j0 : nb) : 0;
      const T* br = mask ? mask + r * ldmask + j0 : nullptr;
      T bm = -inf;
      bool bad = false;
      if (br) {
        for (std::size_t j = 0; j < lim; ++j) {
          T l = sr[j];
          bad = bad || !attn_finite(l);  // NaN/Inf in q or k_j, or beta q.k_j overflowed
          const T b = br[j];
          l += b;
          // NaN or +inf in the mask, or a finite sum that overflowed.
          bad = bad || !(b < inf) || l == inf || (l == -inf && b != -inf);
          sr[j] = l;
          bm = l > bm ? l : bm;
        }
      } else {
        // No mask: the logits are the scores; the backend checks them and takes the max.
        bad = !ops.logit_max(lim, sr, bm);
      }
      if (bad) return Status::non_finite_input;
      // The exps run over whole vectors only as far as the block's keys (a short last
      // block, small n, costs no exps for the rest of the block).
      const std::size_t cnt = (nb + Ops::kPad - 1) / Ops::kPad * Ops::kPad;
      for (std::size_t j = lim; j < cnt; ++j) sr[j] = -inf;  // beyond the row's keys: weight 0
      RowState<T>& t = st[r];
      if (bm > t.max) {
        if (t.z > T(0)) {
          // A larger maximum: rescale what was accumulated relative to the old one.
          const T w = std::exp(t.max - bm);
          for (std::size_t c = 0; c < dv; ++c) acc[r * ldacc + c] *= w;
          t.z *= w;
          t.m2 *= w;
          t.mean += t.max - bm;
        }
        t.max = bm;
      }
      if (t.max == -inf) {  // nothing seen in this row yet: all weights are 0
        for (std::size_t j = 0; j < cnt; ++j) sr[j] = T(0);
        continue;
      }
      if (obs) {
        for (std::size_t j = 0; j < cnt; ++j) lcopy[r * B + j] = sr[j];
      }
      const T zb = ops.exp_shift(cnt, sr, t.max);
      if (obs && zb > T(0)) {
        T mb = 0;
        for (std::size_t j = 0; j < lim; ++j)
          if (sr[j] > T(0)) mb += sr[j] * (lcopy[r * B + j] - t.max);
        mb /= zb;
        T m2b = 0;
        for (std::size_t j = 0; j < lim; ++j) {
          if (!(sr[j] > T(0))) continue;
          const T dev = lcopy[r * B + j] - t.max - mb;
          m2b += sr[j] * dev * dev;
        }
        if (t.z > T(0)) {
          const T total = t.z + zb;
          const T delta = mb - t.mean;
          t.mean += delta * (zb / total);
          t.m2 += m2b + delta * delta * (t.z * zb / total);
        } else {
          t.mean = mb;
          t.m2 = m2b;
        }
      }
      t.z += zb;
    }
    ops.accumulate(nq, nb, dv, s, B, v + j0 * ldv, ldv, acc, ldacc);
  }
  for (std::size_t r = 0; r < nq; ++r)
    if (st[r].max == -inf) return Status::all_masked;
  for (std::size_t r = 0; r < nq; ++r) {
    const RowState<T>& t = st[r];
    // z >= 1: the maximal logit contributes e^0.
    T* ar = acc + r * ldacc;
    if (!divide_all_finite(dv, ar, t.z))
      renormalised_row(ops, d, dv, beta, q + r * ldq, k, ldk, v, ldv, mask ? mask + r * ldmask : nullptr,
                       key_end[r], t, s, ar);
    if (obs) {
      const T log_z = std::log(t.z);
      obs[r].log_partition = t.max + log_z;
      obs[r].entropy = log_z - t.mean;
      obs[r].free_energy = -(t.max + log_z) / beta;
      obs[r].mean_energy = -(t.max + t.mean) / beta;
      obs[r].specific_heat = t.m2 / t.z;
    }
  }
  return Status::ok;
}

template <typename T>
inline Status check_attention_args(T beta, std::size_t d, std::size_t dv) noexcept {
  if (!(beta > T(0)) || !attn_finite(beta)) return Status::invalid_argument;
  if (d > kAttentionMaxDim || dv > kAttentionMaxDim) return Status::capacity_exceeded;
  return Status::ok;
}

// Whether a backend's one-block decode fast path may run (lib/scalar on M-profile,
// lib/helium): no mask, no observables, 1 <= n <= one block, and the arguments the driver
// would accept (check_attention_args); anything else takes the driver, which owns every status.
template <typename T>
inline bool decode_fast_path_applies(std::size_t n, std::size_t d, std::size_t dv, T beta, const T* mask,
                                     const AttentionObservables<T>* obs) noexcept {
  return mask == nullptr && obs == nullptr && n != 0 && n <= kAttentionBlock && beta > T(0) &&
         beta <= std::numeric_limits<T>::max() && d <= kAttentionMaxDim && dv <= kAttentionMaxDim;
}

template <typename T, class Ops>
Status attention_decode(const Ops& ops, std::size_t n, std::size_t d, std::size_t dv, T beta, const T* q,
                        const T* k, std::size_t ldk, const T* v, std::size_t ldv, const T* mask, T* out,
                        AttentionObservables<T>* obs) noexcept {
  if (n == 0) return Status::empty;
  Status s = check_attention_args(beta, d, dv);
  if (s != Status::ok) return s;
  // No separate pass over q: a NaN/Inf in q makes every score NaN or +-inf (inf * 0 is
  // NaN), and attend_tile checks every score before it is used, mask or not.
  // The accumulator is scratch: out stays untouched until every key has been checked.
  alignas(kScratchAlign) T acc[kAttentionMaxDim];
  AttentionObservables<T> o;
  const std::size_t end = n;
  s = attend_tile<T, Ops, 1>(ops, 1, d, dv, beta, q, 0, k, ldk, v, ldv, mask, 0, &end, acc, 0, obs ? &o : nullptr);
  if (s != Status::ok) return s;
  for (std::size_t c = 0; c < dv; ++c) out[c] = acc[c];
  if (obs) *obs = o;
  return Status::ok;
}

template <typename T, class Ops>
Status attention_prefill(const Ops& ops, std::size_t m, std::size_t n, std::size_t d, std::size_t dv, T beta,
                         const T* q, std::size_t ldq, const T* k, std::size_t ldk, const T* v, std::size_t ldv,
                         const T* mask, std::size_t ldmask, bool causal, T* out, std::size_t ldo,
                         AttentionObservables<T>* obs) noexcept {
  if (m == 0 || n == 0) return Status::empty;
  Status s = check_attention_args(beta, d, dv);
  if (s != Status::ok) return s;
  if (causal && m > n) return Status::invalid_argument;
  // Validate everything first (O((m + n) d + m n), small beside the O(m n (d + dv)) work):
  // then the tiles, which write straight into out, cannot fail.
  constexpr T limit = std::numeric_limits<T>::max() / 4;
  T q1 = 0, kmax = 0;
  for (std::size_t i = 0; i < m; ++i) {
    T norm1 = 0;
    for (std::size_t l = 0; l < d; ++l) {
      const T x = q[i * ldq + l];
      if (!attn_finite(x)) return Status::non_finite_input;
      norm1 += std::fabs(x);
    }
    q1 = norm1 > q1 ? norm1 : q1;
  }
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t l = 0; l < d; ++l) {
      const T x = k[j * ldk + l];
      if (!attn_finite(x)) return Status::non_finite_input;
      kmax = std::fabs(x) > kmax ? std::fabs(x) : kmax;
    }
  // |fl(q.k)| <= (1 + gamma_d) |q|_1 max|k| < 2 |q|_1 max|k|: no logit can overflow. The
  // kernels scale after the dot product, so q.k itself must fit too (a tiny beta does not
  // save it; decode gives the same status for such a key: found by fuzz_attention).
  if (!(q1 * kmax <= limit) || !(beta * q1 * kmax <= limit)) return Status::non_finite_input;
  const std::size_t offset = n - (causal ? m : 0);
  if (mask) {
    for (std::size_t i = 0; i < m; ++i) {
      const std::size_t end = causal ? offset + i + 1 : n;
      bool any = false;
      for (std::size_t j = 0; j < end; ++j) {
        const T b = mask[i * ldmask + j];
        if (b == -std::numeric_limits<T>::infinity()) continue;
        if (!(std::fabs(b) <= limit)) return Status::non_finite_input;
        any = true;
      }
      if (!any) return Status::all_masked;
    }
  }
  for (std::size_t i0 = 0; i0 < m; i0 += kAttentionRows) {
    const std::size_t nq = m - i0 < kAttentionRows ? m - i0 : kAttentionRows;
    std::size_t ends[kAttentionRows];
    for (std::size_t r = 0; r < nq; ++r) ends[r] = causal ? offset + i0 + r + 1 : n;
    s = attend_tile(ops, nq, d, dv, beta, q + i0 * ldq, ldq, k, ldk, v, ldv, mask ? mask + i0 * ldmask : nullptr,
                    ldmask, ends, out + i0 * ldo, ldo, obs ? obs + i0 : nullptr);
    if (s != Status::ok) return s;  // unreachable after the validation above
  }
  return Status::ok;
}

template <typename T, class Ops>
Status linear_attention_update(const Ops& ops, std::size_t d, std::size_t dv, FeatureMap phi, const T* k,
                               const T* v, T* s, std::size_t lds, T* z) noexcept {
  if (!valid_feature(phi)) return Status::invalid_argument;
  if (d > kAttentionMaxDim || dv > kAttentionMaxDim) return Status::capacity_exceeded;
  if (!all_finite(d, k) || !all_finite(dv, v)) return Status::non_finite_input;
  alignas(64) T f[kAttentionMaxDim];
  const T* fk = k;  // identity features: k itself, no copy
  if (phi != FeatureMap::identity) {
    ops.feature(d, k, f, phi);
    fk = f;
  }
  // Finite k and v can still overflow the state (huge entries, or a state near the top of
  // T's range): check the sums first so a failing update changes nothing (found by
  // tests/fuzz/fuzz_attention.cpp). The test is on the bits (non_finite_bit), so the loop
  // vectorizes; a floating-point probe sum was one serial chain of d dv additions, 7x
  // Eigen's whole update at d = 16 on the host.
  FloatBits<T> bad = 0;
  for (std::size_t i = 0; i < d; ++i) {
    const T* row = s + i * lds;
    const T fi = fk[i];
    for (std::size_t c = 0; c < dv; ++c) bad |= non_finite_bit(row[c] + fi * v[c]);
    bad |= non_finite_bit(z[i] + fi);
  }
  if (bad != 0) return Status::non_finite_input;
  ops.rank1(d, dv, fk, v, s, lds);
  for (std::size_t i = 0; i < d; ++i) z[i] += fk[i];
  return Status::ok;
}

template <typename T, class Ops>
Status linear_attention_query(const Ops& ops, std::size_t d, std::size_t dv, FeatureMap phi, const T* q,
                              const T* s, std::size_t lds, const T* z, bool normalize, T* out) noexcept {
  if (!valid_feature(phi)) return Status::invalid_argument;
  if (d > kAttentionMaxDim || dv > kAttentionMaxDim) return Status::capacity_exceeded;
  if (!all_finite(d, q)) return Status::non_finite_input;
  alignas(64) T fbuf[kAttentionMaxDim];
  const T* f = q;  // identity features: q itself, no copy (unless out overlaps q)
  const auto qa = reinterpret_cast<std::uintptr_t>(q), oa = reinterpret_cast<std::uintptr_t>(out);
  const bool overlap = qa < oa + dv * sizeof(T) && oa < qa + d * sizeof(T);
  if (phi != FeatureMap::identity || overlap) {
    ops.feature(d, q, fbuf, phi);
    f = fbuf;
  }
  T den = 1;
  if (normalize) {
    den = ops.dot(d, f, z);
    if (!attn_finite(den)) return Status::non_finite_input;
    if (den == T(0)) return Status::invalid_argument;
  }
  // out = S^T f = sum_i f_i s_i: the rows of S are weighted like values in decode. A finite
  // state and query can still give a sum or quotient beyond T's range: scratch first.
  alignas(64) T acc[kAttentionMaxDim];
  for (std::size_t c = 0; c < dv; ++c) acc[c] = T(0);
  ops.accumulate(1, d, dv, f, 0, s, lds, acc, 0);
  if (!(normalize ? divide_all_finite(dv, acc, den) : all_finite(dv, acc))) return Status::non_finite_input;
  for (std::size_t c = 0; c < dv; ++c) out[c] = acc[c];
  return Status::ok;
}

// Largest |x_l| over rows of n x d (stride ld): magnitude bounds for linear_attention.
template <typename T>
inline T max_abs(std::size_t n, std::size_t d, const T* x, std::size_t ld) noexcept {
  T mx = 0;
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t l = 0; l < d; ++l) mx = std::fabs(x[j * ld + l]) > mx ? std::fabs(x[j * ld + l]) : mx;
  return mx;
}

template <typename T, class Ops>
Status linear_attention(const Ops& ops, std::size_t m, std::size_t n, std::size_t d, std::size_t dv,
                        FeatureMap phi, bool causal, bool normalize, const T* q, std::size_t ldq, const T* k,
                        std::size_t ldk, const T* v, std::size_t ldv, T* out, std::size_t ldo) noexcept {
  if (m == 0 || n == 0) return Status::empty;
  if (!valid_feature(phi) || (causal && m > n)) return Status::invalid_argument;
  if (d > kAttentionMaxDim || dv > kAttentionMaxDim) return Status::capacity_exceeded;
  for (std::size_t i = 0; i < m; ++i)
    if (!all_finite(d, q + i * ldq)) return Status::non_finite_input;
  for (std::size_t j = 0; j < n; ++j)
    if (!all_finite(d, k + j * ldk) || !all_finite(dv, v + j * ldv)) return Status::non_finite_input;
  const std::size_t offset = n - (causal ? m : 0);
  constexpr std::size_t B = kAttentionBlock;
  // phi(K) for one block of keys: B x d at most 2048 entries, so the block shrinks for large d.
  constexpr std::size_t kPhiK = 2048;
  const std::size_t kb = d == 0 ? B : (kPhiK / d < B ? (kPhiK / d > 0 ? kPhiK / d : 1) : B);
  alignas(64) T fq[kAttentionRows * kAttentionMaxDim];
  alignas(64) T fk[kPhiK];
  alignas(64) T a[kAttentionRows * B];
  // The normaliser of row i is phi(q_i).z_i with z_i the running sum of the phi(k_j) row i
  // sees: the recurrent form's normaliser, so both forms divide by the same number, and
  // the one checked here (finite, nonzero) is the one used below.
  alignas(64) T zrun[kAttentionMaxDim];
  std::size_t seen = 0;
  auto advance_z = [&](std::size_t end) {
    for (; seen < end; ++seen) {
      ops.feature(d, k + seen * ldk, fk, phi);
      for (std::size_t l = 0; l < d; ++l) zrun[l] += fk[l];
    }
  };
  T min_den = std::numeric_limits<T>::infinity();
  if (normalize) {
    for (std::size_t l = 0; l < d; ++l) zrun[l] = T(0);
    seen = 0;
    for (std::size_t i = 0; i < m; ++i) {
      advance_z(causal ? offset + i + 1 : n);
      ops.feature(d, q + i * ldq, fq, phi);
      const T den = ops.dot(d, fq, zrun);
      if (!attn_finite(den)) return Status::non_finite_input;
      if (den == T(0)) return Status::invalid_argument;
      min_den = std::fabs(den) < min_den ? std::fabs(den) : min_den;
    }
  }
  // Rows i0 .. i0 + nq of the result into dst (stride ldd); tiles advance z in order.
  auto tile = [&](std::size_t i0, std::size_t nq, T* dst, std::size_t ldd) {
    std::size_t end = 0, ends[kAttentionRows];
    T den[kAttentionRows];
    for (std::size_t r = 0; r < nq; ++r) {
      ends[r] = causal ? offset + i0 + r + 1 : n;
      end = ends[r] > end ? ends[r] : end;
      ops.feature(d, q + (i0 + r) * ldq, fq + r * kAttentionMaxDim, phi);
      if (normalize) {
        advance_z(ends[r]);
        den[r] = ops.dot(d, fq + r * kAttentionMaxDim, zrun);
      }
      for (std::size_t c = 0; c < dv; ++c) dst[r * ldd + c] = T(0);
    }
    for (std::size_t j0 = 0; j0 < end; j0 += kb) {
      const std::size_t nb = end - j0 < kb ? end - j0 : kb;
      const T* kp = k + j0 * ldk;
      std::size_t ldkp = ldk;
      if (phi != FeatureMap::identity) {
        for (std::size_t j = 0; j < nb; ++j) ops.feature(d, k + (j0 + j) * ldk, fk + j * d, phi);
        kp = fk;
        ldkp = d;
      }
      ops.scores(nq, nb, d, fq, kAttentionMaxDim, kp, ldkp, T(1), a, B);
      for (std::size_t r = 0; r < nq; ++r) {
        const std::size_t lim = ends[r] > j0 ? (ends[r] - j0 < nb ? ends[r] - j0 : nb) : 0;
        for (std::size_t j = lim; j < nb; ++j) a[r * B + j] = T(0);  // causally masked
      }
      ops.accumulate(nq, nb, dv, a, B, v + j0 * ldv, ldv, dst, ldd);
    }
    if (normalize)
      for (std::size_t r = 0; r < nq; ++r)
        for (std::size_t c = 0; c < dv; ++c) dst[r * ldd + c] /= den[r];
  };
  // Finite inputs can still give a result beyond T's range. |a_ij| <= |phi(q_i)|_1 max|phi(k)|
  // with |phi(x)| <= |x| (+1 for elu+1), so |out_ic| <= n |phi(q_i)|_1 max|phi(k)| max|v| / |den_i|.
  // Where that bound (with a factor 4 for rounding) is in range, no check is needed; beyond
  // it the whole result is computed once into scratch and checked before out is written.
  const T one = phi == FeatureMap::identity ? T(0) : T(1);
  T q1 = 0;
  for (std::size_t i = 0; i < m; ++i) {
    T norm1 = 0;
    for (std::size_t l = 0; l < d; ++l) norm1 += std::fabs(q[i * ldq + l]) + one;
    q1 = norm1 > q1 ? norm1 : q1;
  }
  constexpr T limit = std::numeric_limits<T>::max() / 4;
  T bound = static_cast<T>(n) * (max_abs(n, d, k, ldk) + one);
  bound = bound <= limit ? bound * q1 : bound;
  bound = bound <= limit ? bound * max_abs(n, dv, v, ldv) : bound;
  if (normalize && bound <= limit) bound /= min_den;
  if (!(bound <= limit)) {
    alignas(64) T check[kAttentionRows * kAttentionMaxDim];
    for (std::size_t l = 0; l < d; ++l) zrun[l] = T(0);
    seen = 0;
    for (std::size_t i0 = 0; i0 < m; i0 += kAttentionRows) {
      const std::size_t nq = m - i0 < kAttentionRows ? m - i0 : kAttentionRows;
      tile(i0, nq, check, kAttentionMaxDim);
      for (std::size_t r = 0; r < nq; ++r)
        if (!all_finite(dv, check + r * kAttentionMaxDim)) return Status::non_finite_input;
    }
  }
  for (std::size_t l = 0; l < d; ++l) zrun[l] = T(0);
  seen = 0;
  for (std::size_t i0 = 0; i0 < m; i0 += kAttentionRows) {
    const std::size_t nq = m - i0 < kAttentionRows ? m - i0 : kAttentionRows;
    tile(i0, nq, out + i0 * ldo, ldo);
  }
  return Status::ok;
}

#if defined(HWY_NAMESPACE)
}  // namespace HWY_NAMESPACE
#endif
}  // namespace olsf::detail

// Defines the public attention kernels of attention_api.inc in a backend namespace from an
// ops object `attention_ops<T>()` visible there.
#define OLSF_DEFINE_ATTENTION_KERNELS(T)                                                                          \
  Status attention_decode(std::size_t n, std::size_t d, std::size_t dv, T beta, const T* q, const T* k,           \
                          std::size_t ldk, const T* v, std::size_t ldv, const T* mask, T* out,                    \
                          AttentionObservables<T>* obs) noexcept {                                                \
    return ::olsf::detail::attention_decode(attention_ops<T>(), n, d, dv, beta, q, k, ldk, v, ldv, mask, out,     \
                                            obs);                                                                 \
  }                                                                                                               \
  Status attention_prefill(std::size_t m, std::size_t n, std::size_t d, std::size_t dv, T beta, const T* q,       \
                           std::size_t ldq, const T* k, std::size_t ldk, const T* v, std::size_t ldv, const T* mask, \
                           std::size_t ldmask, bool causal, T* out, std::size_t ldo,                              \
                           AttentionObservables<T>* obs) noexcept {                                               \
    return ::olsf::detail::attention_prefill(attention_ops<T>(), m, n, d, dv, beta, q, ldq, k, ldk, v, ldv, mask, \
                                             ldmask, causal, out, ldo, obs);                                      \
  }                                                                                                               \
  Status linear_attention_update(std::size_t d, std::size_t dv, FeatureMap phi, const T* k, const T* v, T* s,     \
                                 std::size_t lds, T* z) noexcept {                                                \
    return ::olsf::detail::linear_attention_update(attention_ops<T>(), d, dv, phi, k, v, s, lds, z);              \
  }                                                                                                               \
  Status linear_attention_query(std::size_t d, std::size_t dv, FeatureMap phi, const T* q, const T* s,            \
                                std::size_t lds, const T* z, bool normalize, T* out) noexcept {                   \
    return ::olsf::detail::linear_attention_query(attention_ops<T>(), d, dv, phi, q, s, lds, z, normalize, out);  \
  }                                                                                                               \
  Status linear_attention(std::size_t m, std::size_t n, std::size_t d, std::size_t dv, FeatureMap phi,            \
                          bool causal, bool normalize, const T* q, std::size_t ldq, const T* k, std::size_t ldk,  \
                          const T* v, std::size_t ldv, T* out, std::size_t ldo) noexcept {                        \
    return ::olsf::detail::linear_attention(attention_ops<T>(), m, n, d, dv, phi, causal, normalize, q, ldq, k,   \
                                            ldk, v, ldv, out, ldo);                                               \
  }

#endif  // OLSF_COMMON_ATTENTION_IMPL_HPP_
