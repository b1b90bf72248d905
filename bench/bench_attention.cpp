// Attention kernels of every backend beside Eigen and a plain loop, in the same binary and
// run (issue 4). Names read <family>/<type>/<implementation>/<n>/<d>.
//   decode:  scores = beta K q, stable softmax, out = V^T p        (4 n d flops)
//   prefill: m = n queries, no mask; Eigen materialises the n x n scores (4 n^2 d flops)
//   linear:  state update S += phi(k) v^T, z += phi(k); query out = S^T phi(q) / phi(q).z
// roofline/*: the FMA peak and the read bandwidth for a working set, measured here, so
// "% of roofline" comes from the same binary and run.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <limits>

#include "olsformer/attention.hpp"
#include "olsformer/kernels.hpp"
#include "highway_targets.hpp"

#if defined(OLSF_HAVE_XSIMD)
#include <xsimd/xsimd.hpp>
#endif

namespace {

template <typename T>
struct AttnData {
  static constexpr std::size_t kMaxN = 4096, kMaxD = 128;
  alignas(64) T k[kMaxN * kMaxD], v[kMaxN * kMaxD], q[kMaxN * kMaxD], out[kMaxN * kMaxD];
  alignas(64) T state[kMaxD * kMaxD], z[kMaxD];
  AttnData() {
    for (std::size_t i = 0; i < kMaxN * kMaxD; ++i) {
      k[i] = static_cast<T>(0.3 * std::sin(0.37 * static_cast<double>(i)));
      v[i] = static_cast<T>(std::cos(0.11 * static_cast<double>(i)));
      q[i] = static_cast<T>(0.3 * std::cos(0.23 * static_cast<double>(i)));
    }
    for (std::size_t i = 0; i < kMaxD * kMaxD; ++i) state[i] = T(0.01);
    for (std::size_t i = 0; i < kMaxD; ++i) z[i] = T(1);
  }
  static AttnData& get() {
    static AttnData* d = new AttnData;  // 8 MB for double: not on a thread's stack
    return *d;
  }
};

template <typename T>
void set_counters(benchmark::State& st, double flops, double bytes) {
  st.counters["flops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["bytes"] = bytes;
}

// ---- decode ----------------------------------------------------------------------------
using DecodeF = olsf::Status (*)(std::size_t, std::size_t, std::size_t, float, const float*, const float*, std::size_t,
                                 const float*, std::size_t, const float*, float*,
                                 olsf::AttentionObservables<float>*) noexcept;

template <typename T, olsf::Status (*Decode)(std::size_t, std::size_t, std::size_t, T, const T*, const T*, std::size_t,
                                             const T*, std::size_t, const T*, T*, olsf::AttentionObservables<T>*) noexcept>
void BM_decode(benchmark::State& st) {
  auto& a = AttnData<T>::get();
  const auto n = static_cast<std::size_t>(st.range(0)), d = static_cast<std::size_t>(st.range(1));
  const T beta = T(1) / std::sqrt(static_cast<T>(d));
  for (auto _ : st) {
    benchmark::DoNotOptimize(Decode(n, d, d, beta, a.q, a.k, d, a.v, d, nullptr, a.out, nullptr));
    benchmark::ClobberMemory();
  }
  set_counters<T>(st, 4.0 * static_cast<double>(n * d), 2.0 * static_cast<double>(n * d * sizeof(T)));
}

template <typename T, olsf::Status (*Decode)(std::size_t, std::size_t, std::size_t, T, const T*, const T*, std::size_t,
                                             const T*, std::size_t, const T*, T*, olsf::AttentionObservables<T>*) noexcept>
void BM_decode_obs(benchmark::State& st) {
  auto& a = AttnData<T>::get();
  const auto n = static_cast<std::size_t>(st.range(0)), d = static_cast<std::size_t>(st.range(1));
  const T beta = T(1) / std::sqrt(static_cast<T>(d));
  olsf::AttentionObservables<T> obs;
  for (auto _ : st) {
    benchmark::DoNotOptimize(Decode(n, d, d, beta, a.q, a.k, d, a.v, d, nullptr, a.out, &obs));
    benchmark::ClobberMemory();
  }
  set_counters<T>(st, 4.0 * static_cast<double>(n * d), 2.0 * static_cast<double>(n * d * sizeof(T)));
}

template <typename T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

template <typename T>
void BM_decode_eigen(benchmark::State& st) {
  auto& a = AttnData<T>::get();
  const auto n = st.range(0), d = st.range(1);
  const T beta = T(1) / std::sqrt(static_cast<T>(d));
  Eigen::Map<const RowMajor<T>, Eigen::Aligned64> k(a.k, n, d), v(a.v, n, d);
  Eigen::Map<const Vec<T>, Eigen::Aligned64> q(a.q, d);
  Eigen::Map<Vec<T>, Eigen::Aligned64> out(a.out, d);
  Vec<T> s(n);
  for (auto _ : st) {
    s.noalias() = beta * (k * q);
    s = (s.array() - s.maxCoeff()).exp().matrix();
    s /= s.sum();
    out.noalias() = v.transpose() * s;
    benchmark::ClobberMemory();
  }
  set_counters<T>(st, 4.0 * static_cast<double>(n * d), 2.0 * static_cast<double>(n * d) * sizeof(T));
}

// The plain loop a firmware engineer would write first (three passes, std::exp).
template <typename T>
void BM_decode_loop(benchmark::State& st) {
  auto& a = AttnData<T>::get();
  const auto n = static_cast<std::size_t>(st.range(0)), d = static_cast<std::size_t>(st.range(1));
  const T beta = T(1) / std::sqrt(static_cast<T>(d));
  static T s[AttnData<T>::kMaxN];
  for (auto _ : st) {
    T m = -std::numeric_limits<T>::infinity();
    for (std::size_t j = 0; j < n; ++j) {
      T acc = 0;
      for (std::size_t i = 0; i < d; ++i) acc += a.k[j * d + i] * a.q[i];
      s[j] = beta * acc;
      m = s[j] > m ? s[j] : m;
    }
    T sum = 0;
    for (std::size_t j = 0; j < n; ++j) sum += (s[j] = std::exp(s[j] - m));
    for (std::size_t c = 0; c < d; ++c) a.out[c] = 0;
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t c = 0; c < d; ++c) a.out[c] += s[j] / sum * a.v[j * d + c];
    benchmark::ClobberMemory();
  }
  set_counters<T>(st, 4.0 * static_cast<double>(n * d), 2.0 * static_cast<double>(n * d * sizeof(T)));
}

void decode_sizes(benchmark::internal::Benchmark* b) {
  for (long n : {64, 256, 1024, 4096})
    for (long d : {16, 32, 64, 128}) b->Args({n, d});
}

// ---- prefill (m = n, no mask) -------------------------------------------------------------
template <typename T, olsf::Status (*Prefill)(std::size_t, std::size_t, std::size_t, std::size_t, T, const T*,
                                              std::size_t, const T*, std::size_t, const T*, std::size_t, const T*,
                                              std::size_t, bool, T*, std::size_t,
                                              olsf::AttentionObservables<T>*) noexcept>
void BM_prefill(benchmark::State& st) {
  auto& a = AttnData<T>::get();
  const auto n = static_cast<std::size_t>(st.range(0)), d = static_cast<std::size_t>(st.range(1));
  const T beta = T(1) / std::sqrt(static_cast<T>(d));
  for (auto _ : st) {
    benchmark::DoNotOptimize(Prefill(n, n, d, d, beta, a.q, d, a.k, d, a.v, d, nullptr, 0, false, a.out, d, nullptr));
    benchmark::ClobberMemory();
  }
  set_counters<T>(st, 4.0 * static_cast<double>(n * n * d), 3.0 * static_cast<double>(n * d * sizeof(T)));
}

template <typename T>
void BM_prefill_eigen(benchmark::State& st) {
  auto& a = AttnData<T>::get();
  const auto n = st.range(0), d = st.range(1);
  const T beta = T(1) / std::sqrt(static_cast<T>(d));
  Eigen::Map<const RowMajor<T>, Eigen::Aligned64> q(a.q, n, d), k(a.k, n, d), v(a.v, n, d);
  Eigen::Map<RowMajor<T>, Eigen::Aligned64> out(a.out, n, d);
  RowMajor<T> s(n, n);
  for (auto _ : st) {
    s.noalias() = beta * (q * k.transpose());
    for (Eigen::Index i = 0; i < n; ++i) {
      auto row = s.row(i);
      row = (row.array() - row.maxCoeff()).exp().matrix();
      row /= row.sum();
    }
    out.noalias() = s * v;
    benchmark::ClobberMemory();
  }
  set_counters<T>(st, 4.0 * static_cast<double>(n * n * d), 3.0 * static_cast<double>(n * d) * sizeof(T));
}

void prefill_sizes(benchmark::internal::Benchmark* b) {
  for (long n : {64, 256})
    for (long d : {32, 64}) b->Args({n, d});
}

// ---- linear attention (identity features, normalised) ---------------------------------------
template <typename T, olsf::Status (*Update)(std::size_t, std::size_t, olsf::FeatureMap, const T*, const T*, T*,
                                             std::size_t, T*) noexcept>
void BM_linear_update(benchmark::State& st) {
  auto& a = AttnData<T>::get();
  const auto d = static_cast<std::size_t>(st.range(0));
  for (auto _ : st) {
    benchmark::DoNotOptimize(Update(d, d, olsf::FeatureMap::identity, a.k, a.v, a.state, d, a.z));
    benchmark::ClobberMemory();
  }
  set_counters<T>(st, 2.0 * static_cast<double>(d * d), static_cast<double>(d * d * sizeof(T)));
}
template <typename T, olsf::Status (*Query)(std::size_t, std::size_t, olsf::FeatureMap, const T*, const T*,
                                            std::size_t, const T*, bool, T*) noexcept>
void BM_linear_query(benchmark::State& st) {
  auto& a = AttnData<T>::get();
  const auto d = static_cast<std::size_t>(st.range(0));
  for (auto _ : st) {
    benchmark::DoNotOptimize(Query(d, d, olsf::FeatureMap::identity, a.q, a.state, d, a.z, true, a.out));
    benchmark::ClobberMemory();
  }
  set_counters<T>(st, 2.0 * static_cast<double>(d * d), static_cast<double>(d * d * sizeof(T)));
}
template <typename T>
void BM_linear_update_eigen(benchmark::State& st) {
  auto& a = AttnData<T>::get();
  const auto d = st.range(0);
  Eigen::Map<RowMajor<T>, Eigen::Aligned64> s(a.state, d, d);
  Eigen::Map<Vec<T>, Eigen::Aligned64> z(a.z, d);
  Eigen::Map<const Vec<T>, Eigen::Aligned64> k(a.k, d), v(a.v, d);
  for (auto _ : st) {
    s.noalias() += k * v.transpose();
    z += k;
    benchmark::ClobberMemory();
  }
  set_counters<T>(st, 2.0 * static_cast<double>(d * d), static_cast<double>(d * d) * sizeof(T));
}
template <typename T>
void BM_linear_query_eigen(benchmark::State& st) {
  auto& a = AttnData<T>::get();
  const auto d = st.range(0);
  Eigen::Map<const RowMajor<T>, Eigen::Aligned64> s(a.state, d, d);
  Eigen::Map<const Vec<T>, Eigen::Aligned64> z(a.z, d), q(a.q, d);
  Eigen::Map<Vec<T>, Eigen::Aligned64> out(a.out, d);
  for (auto _ : st) {
    out.noalias() = s.transpose() * q;
    out /= q.dot(z);
    benchmark::ClobberMemory();
  }
  set_counters<T>(st, 2.0 * static_cast<double>(d * d), static_cast<double>(d * d) * sizeof(T));
}

void linear_sizes(benchmark::internal::Benchmark* b) {
  for (long d : {16, 32, 64, 128}) b->Arg(d);
}

#define OLSF_BENCH_ATTENTION(ns, label, T)                                                                           \
  BENCHMARK_TEMPLATE(BM_decode, T, &ns::attention_decode)->Name("attn_decode/" #T "/" label)->Apply(decode_sizes);   \
  BENCHMARK_TEMPLATE(BM_decode_obs, T, &ns::attention_decode)                                                        \
      ->Name("attn_decode_obs/" #T "/" label)                                                                        \
      ->Apply(decode_sizes);                                                                                         \
  BENCHMARK_TEMPLATE(BM_prefill, T, &ns::attention_prefill)->Name("attn_prefill/" #T "/" label)->Apply(prefill_sizes); \
  BENCHMARK_TEMPLATE(BM_linear_update, T, &ns::linear_attention_update)                                              \
      ->Name("linear_update/" #T "/" label)                                                                          \
      ->Apply(linear_sizes);                                                                                         \
  BENCHMARK_TEMPLATE(BM_linear_query, T, &ns::linear_attention_query)                                                \
      ->Name("linear_query/" #T "/" label)                                                                           \
      ->Apply(linear_sizes);

#define OLSF_BENCH_ATTENTION_PEERS(T)                                                                       \
  BENCHMARK_TEMPLATE(BM_decode_eigen, T)->Name("attn_decode/" #T "/eigen")->Apply(decode_sizes);            \
  BENCHMARK_TEMPLATE(BM_decode_loop, T)->Name("attn_decode/" #T "/loop")->Apply(decode_sizes);              \
  BENCHMARK_TEMPLATE(BM_prefill_eigen, T)->Name("attn_prefill/" #T "/eigen")->Apply(prefill_sizes);         \
  BENCHMARK_TEMPLATE(BM_linear_update_eigen, T)->Name("linear_update/" #T "/eigen")->Apply(linear_sizes);   \
  BENCHMARK_TEMPLATE(BM_linear_query_eigen, T)->Name("linear_query/" #T "/eigen")->Apply(linear_sizes);

OLSF_BENCH_ATTENTION(olsf::scalar, "scalar", float)
OLSF_BENCH_ATTENTION(olsf::scalar, "scalar", double)
#if defined(OLSF_HAVE_HIGHWAY)
OLSF_BENCH_ATTENTION(olsf::highway, "highway", float)
OLSF_BENCH_ATTENTION(olsf::highway, "highway", double)
#endif
#if defined(OLSF_BENCH_HWY_TARGETS)  // each compiled Highway target, pinned (highway_targets.hpp)
OLSF_BENCH_ATTENTION(olsf_bench::highway_avx2, "highway_avx2", float)
OLSF_BENCH_ATTENTION(olsf_bench::highway_avx3, "highway_avx3", float)
OLSF_BENCH_ATTENTION(olsf_bench::highway_avx2, "highway_avx2", double)
OLSF_BENCH_ATTENTION(olsf_bench::highway_avx3, "highway_avx3", double)
#endif
#if defined(OLSF_HAVE_XSIMD)
OLSF_BENCH_ATTENTION(olsf::xsimd, "xsimd", float)
OLSF_BENCH_ATTENTION(olsf::xsimd, "xsimd", double)
#endif
OLSF_BENCH_ATTENTION_PEERS(float)
OLSF_BENCH_ATTENTION_PEERS(double)

// ---- roofline inputs ---------------------------------------------------------------------------
#if defined(OLSF_HAVE_XSIMD)
// Float FMA peak: 12 independent FMA chains (latency 4 x 2 ports + margin).
void BM_roofline_fma(benchmark::State& st) {
  using B = ::xsimd::batch<float>;
  B acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = B(static_cast<float>(i));
  const B a(0.999f), b(0.001f);
  constexpr long kIter = 1000;
  for (auto _ : st) {
    for (long it = 0; it < kIter; ++it)
      for (int i = 0; i < 12; ++i) acc[i] = ::xsimd::fma(acc[i], a, b);
    for (int i = 0; i < 12; ++i) benchmark::DoNotOptimize(acc[i]);
  }
  st.counters["flops"] = benchmark::Counter(2.0 * kIter * 12 * B::size, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_roofline_fma)->Name("roofline/fma_peak_f32");

// Read bandwidth for a working set of `bytes` (summing floats, 4 accumulators).
void BM_roofline_read(benchmark::State& st) {
  using B = ::xsimd::batch<float>;
  auto& a = AttnData<float>::get();
  const auto bytes = static_cast<std::size_t>(st.range(0));
  const std::size_t count = bytes / sizeof(float) / 2;  // half from k, half from v
  for (auto _ : st) {
    B s0(0.f), s1(0.f), s2(0.f), s3(0.f);
    for (std::size_t i = 0; i + 4 * B::size <= count; i += 4 * B::size) {
      s0 += B::load_aligned(a.k + i) + B::load_aligned(a.v + i);
      s1 += B::load_aligned(a.k + i + B::size) + B::load_aligned(a.v + i + B::size);
      s2 += B::load_aligned(a.k + i + 2 * B::size) + B::load_aligned(a.v + i + 2 * B::size);
      s3 += B::load_aligned(a.k + i + 3 * B::size) + B::load_aligned(a.v + i + 3 * B::size);
    }
    benchmark::DoNotOptimize(::xsimd::hadd((s0 + s1) + (s2 + s3)));
  }
  st.counters["bandwidth"] = benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_roofline_read)->Name("roofline/read")->RangeMultiplier(4)->Range(8 << 10, 4 << 20);
#endif

}  // namespace
