// Fuzzing the attention kernels (issue #8): decode, prefill (causal, masked), linear
// attention in both forms, with NaN/Inf/huge/denormal inputs and sizes past capacity, on
// every backend, float and double. The contract (detail/attention_api.inc): a status
// other than ok leaves every output untouched; ok with finite V gives finite outputs.
#include "fuzz_input.hpp"
#include "olsformer/backend.hpp"

namespace {

using olsf::Status;
using olsf::fuzz::fail;
using olsf::fuzz::Input;

constexpr std::size_t kMaxN = 40, kMaxM = 6, kMaxD = 9;

template <typename T>
struct Buffers {
  T q[kMaxM * kMaxD], k[kMaxN * kMaxD], v[kMaxN * kMaxD], mask[kMaxM * kMaxN];
  T out[kMaxM * kMaxD], s[kMaxD * kMaxD], z[kMaxD];
  olsf::AttentionObservables<T> obs[kMaxM];
};

template <typename T>
void fill(Input& in, T* p, std::size_t count, bool mostly_plain) {
  for (std::size_t i = 0; i < count; ++i) p[i] = mostly_plain && (in.byte() & 7) ? T(0.25) * T(i % 7) : in.value<T>();
}

template <typename T>
bool v_finite(const Buffers<T>& b, std::size_t n, std::size_t dv) {
  return olsf::fuzz::all_finite(b.v, n * dv);
}

template <typename T, class Backend>
void run_one(Input& in, Buffers<T>& b) {
  const std::size_t n = in.size(0, kMaxN), m = in.size(0, kMaxM), d = in.size(0, kMaxD), dv = in.size(0, kMaxD);
  const bool plain = in.byte() & 1;
  fill(in, b.q, m * d, plain);
  fill(in, b.k, n * d, plain);
  fill(in, b.v, n * dv, plain);
  const bool with_mask = in.byte() & 1;
  for (std::size_t i = 0; i < m * n; ++i) {
    const std::uint8_t sel = in.byte();
    b.mask[i] = sel < 160 ? T(0) : sel < 230 ? -std::numeric_limits<T>::infinity() : in.value<T>();
  }
  const T beta = in.byte() & 1 ? in.value<T>() : T(0.5);
  const T sentinel = T(12345);
  for (T& o : b.out) o = sentinel;
  const olsf::fuzz::Snapshot<Buffers<T>> before(b);

  Status st = Status::ok;
  const std::uint8_t which = in.byte() % 5;
  const olsf::FeatureMap phi = in.byte() & 1 ? olsf::FeatureMap::identity : olsf::FeatureMap::elu_plus_one;
  const bool causal = in.byte() & 1, normalize = in.byte() & 1;
  std::size_t rows = 1;
  switch (which) {
    case 0:
      st = Backend::attention_decode(n, d, dv, beta, b.q, b.k, d, b.v, dv, with_mask ? b.mask : nullptr, b.out,
                                     in.byte() & 1 ? b.obs : nullptr);
      break;
    case 1:
      rows = m;
      st = Backend::attention_prefill(m, n, d, dv, beta, b.q, d, b.k, d, b.v, dv, with_mask ? b.mask : nullptr, n,
                                      causal, b.out, dv, in.byte() & 1 ? b.obs : nullptr);
      break;
    case 2:
      rows = m;
      st = Backend::linear_attention(m, n, d, dv, phi, causal, normalize, b.q, d, b.k, d, b.v, dv, b.out, dv);
      break;
    case 3:
      st = Backend::linear_attention_update(d, dv, phi, b.k, b.v, b.s, dv, b.z);
      if (st != Status::ok && !before.same_as(b)) fail("attention", "a failed state update changed the state");
      if (st == Status::ok && !(olsf::fuzz::all_finite(b.s, d * dv) && olsf::fuzz::all_finite(b.z, d)))
        fail("attention", "ok state update left a non-finite state");
      return;
    default:
      st = Backend::linear_attention_query(d, dv, phi, b.q, b.s, dv, b.z, normalize, b.out);
      break;
  }
  if (st != Status::ok) {
    if (!before.same_as(b)) fail("attention", "a failed call wrote an output");
    return;
  }
  // NaN/Inf in V propagate by contract; with finite V (the state is finite: every update
  // checks it) ok means finite outputs.
  if ((which == 4 || v_finite(b, n, dv)) && !olsf::fuzz::all_finite(b.out, rows * dv))
    fail("attention", "ok with a non-finite output from finite inputs");
}

// Up to three calls per input from a zero linear-attention state (update, then query, ...),
// so a finding reproduces from its input alone.
template <typename T, class Backend>
void run(Input& in) {
  static Buffers<T> b;
  for (T& e : b.s) e = T(0);
  for (T& e : b.z) e = T(0);
  for (int call = 0; call < 3 && !in.empty(); ++call) run_one<T, Backend>(in, b);
}

}  // namespace

OLSF_FUZZ_ENTRY_POINT(::run)
