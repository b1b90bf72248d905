// Hopfield memories of every backend beside Eigen, in the same binary and run (issue 6).
// Names read <family>/<type>/<implementation>/<N>/<d>.
//   hopfield_step: one modern retrieval step xi <- X^T softmax(beta X xi) through
//     ModernHopfield::retrieve (one fused attention_decode pass, keys = values = X);
//     Eigen: scores = X xi, stable softmax, X^T p (two passes over X). 4 N d flops,
//     N d sizeof(T) bytes of patterns.
//   hopfield_roofline/read/<bytes>: read bandwidth for exactly those working sets, so
//     "% of roofline" = max(flops / FMA peak (roofline/fma_peak_f32 of bench_attention),
//     bytes / bandwidth) / time comes from the same binary and run.
//   hebbian: d = 100, N = 14 (0.14 d) +-1 patterns: one synchronous step and a full
//     asynchronous recall (bit-packed overlaps, HebbianHopfield) beside Eigen's float
//     W s with the explicit 100 x 100 zero-diagonal Hebbian matrix.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "olsformer/hopfield.hpp"
#include "highway_targets.hpp"

#if defined(OLSF_HAVE_XSIMD)
#include <xsimd/xsimd.hpp>
#endif

namespace {

constexpr std::size_t kMaxN = 8192, kMaxD = 128;

template <typename T>
struct HopData {
  alignas(64) T x[kMaxN * kMaxD];  // N x d, row stride d (Eigen's view and the reference)
  alignas(64) T q[kMaxD], out[kMaxD];
  HopData() {
    for (std::size_t i = 0; i < kMaxN * kMaxD; ++i) x[i] = static_cast<T>(std::sin(0.37 * static_cast<double>(i)));
    for (std::size_t i = 0; i < kMaxD; ++i) q[i] = static_cast<T>(std::cos(0.23 * static_cast<double>(i)));
  }
  static HopData& get() {
    static HopData* d = new HopData;  // 8 MB for double: not on a thread's stack
    return *d;
  }
};

template <typename T>
void set_counters(benchmark::State& st, std::size_t n, std::size_t d) {
  st.counters["flops"] = benchmark::Counter(4.0 * static_cast<double>(n * d), benchmark::Counter::kIsIterationInvariantRate);
  st.counters["bytes"] = static_cast<double>(n * d * sizeof(T));
}

// One memory per (T, d, backend), capacity 8192 (up to 4 MB): on the heap, refilled when N changes.
template <typename T, std::size_t D, class B>
olsf::ModernHopfield<T, D, kMaxN, 0, B>& memory_d(std::size_t n) {
  static auto* mem = new olsf::ModernHopfield<T, D, kMaxN, 0, B>;
  static std::size_t loaded = 0;
  if (loaded != n) {
    auto& a = HopData<T>::get();
    mem->clear();
    for (std::size_t j = 0; j < n; ++j) (void)mem->store(a.x + j * D);
    loaded = n;
  }
  return *mem;
}

template <typename T, std::size_t D, class B>
void BM_step(benchmark::State& st) {
  auto& a = HopData<T>::get();
  const auto n = static_cast<std::size_t>(st.range(0));
  auto& mem = memory_d<T, D, B>(n);
  const olsf::HopfieldOptions<T> opt{T(1) / std::sqrt(static_cast<T>(D)), 1, T(0)};
  for (auto _ : st) {
    benchmark::DoNotOptimize(mem.retrieve(a.q, a.out, opt));
    benchmark::ClobberMemory();
  }
  set_counters<T>(st, n, D);
}

// The same step from three existing kernels (gemv, softmax, gemv_t): two passes over X and
// an N-sized scratch, no observables. For comparison with the fused pass only.
template <typename T, std::size_t D, class B>
void BM_step_unfused(benchmark::State& st) {
  auto& a = HopData<T>::get();
  const auto n = static_cast<std::size_t>(st.range(0));
  static T s[kMaxN];
  const T beta = T(1) / std::sqrt(static_cast<T>(D));
  for (auto _ : st) {
    B::gemv(n, D, beta, a.x, D, a.q, 1, T(0), s, 1);
    benchmark::DoNotOptimize(B::softmax(n, s, 1, s, 1));
    B::gemv_t(n, D, T(1), a.x, D, s, 1, T(0), a.out, 1);
    benchmark::ClobberMemory();
  }
  set_counters<T>(st, n, D);
}

template <typename T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

template <typename T, std::size_t D>
void BM_step_eigen(benchmark::State& st) {
  auto& a = HopData<T>::get();
  const auto n = st.range(0);
  const T beta = T(1) / std::sqrt(static_cast<T>(D));
  Eigen::Map<const RowMajor<T>, Eigen::Aligned64> x(a.x, n, static_cast<long>(D));
  Eigen::Map<const Vec<T>, Eigen::Aligned64> q(a.q, static_cast<long>(D));
  Eigen::Map<Vec<T>, Eigen::Aligned64> out(a.out, static_cast<long>(D));
  Vec<T> s(n);
  for (auto _ : st) {
    s.noalias() = beta * (x * q);
    s = (s.array() - s.maxCoeff()).exp().matrix();
    s /= s.sum();
    out.noalias() = x.transpose() * s;
    benchmark::ClobberMemory();
  }
  set_counters<T>(st, static_cast<std::size_t>(n), D);
}

void step_sizes(benchmark::internal::Benchmark* b) {
  for (long n : {64, 256, 1024, 8192}) b->Arg(n);
}

#define OLSF_BENCH_HOPFIELD_D(T, D, Label, B)                                                              \
  BENCHMARK_TEMPLATE(BM_step, T, D, B)->Name("hopfield_step/" #T "/" Label "/d" #D)->Apply(step_sizes);     \
  BENCHMARK_TEMPLATE(BM_step_unfused, T, D, B)                                                            \
      ->Name("hopfield_step_unfused/" #T "/" Label "/d" #D)                                                \
      ->Apply(step_sizes);
#define OLSF_BENCH_HOPFIELD(T, Label, B) \
  OLSF_BENCH_HOPFIELD_D(T, 32, Label, B) \
  OLSF_BENCH_HOPFIELD_D(T, 64, Label, B) \
  OLSF_BENCH_HOPFIELD_D(T, 128, Label, B)

OLSF_BENCH_HOPFIELD(float, "scalar", olsf::ScalarBackend)
OLSF_BENCH_HOPFIELD(double, "scalar", olsf::ScalarBackend)
#if defined(OLSF_HAVE_HIGHWAY)
OLSF_BENCH_HOPFIELD(float, "highway", olsf::HighwayBackend)
OLSF_BENCH_HOPFIELD(double, "highway", olsf::HighwayBackend)
#endif
#if defined(OLSF_BENCH_HWY_TARGETS)  // each compiled Highway target, pinned (highway_targets.hpp)
OLSF_BENCH_HOPFIELD(float, "highway_avx2", olsf::HighwayAvx2Backend)
OLSF_BENCH_HOPFIELD(float, "highway_avx3", olsf::HighwayAvx3Backend)
OLSF_BENCH_HOPFIELD(double, "highway_avx2", olsf::HighwayAvx2Backend)
OLSF_BENCH_HOPFIELD(double, "highway_avx3", olsf::HighwayAvx3Backend)
#endif
#if defined(OLSF_HAVE_XSIMD)
OLSF_BENCH_HOPFIELD(float, "xsimd", olsf::XsimdBackend)
OLSF_BENCH_HOPFIELD(double, "xsimd", olsf::XsimdBackend)
#endif
BENCHMARK_TEMPLATE(BM_step_eigen, float, 32)->Name("hopfield_step/float/eigen/d32")->Apply(step_sizes);
BENCHMARK_TEMPLATE(BM_step_eigen, float, 64)->Name("hopfield_step/float/eigen/d64")->Apply(step_sizes);
BENCHMARK_TEMPLATE(BM_step_eigen, float, 128)->Name("hopfield_step/float/eigen/d128")->Apply(step_sizes);
BENCHMARK_TEMPLATE(BM_step_eigen, double, 32)->Name("hopfield_step/double/eigen/d32")->Apply(step_sizes);
BENCHMARK_TEMPLATE(BM_step_eigen, double, 64)->Name("hopfield_step/double/eigen/d64")->Apply(step_sizes);
BENCHMARK_TEMPLATE(BM_step_eigen, double, 128)->Name("hopfield_step/double/eigen/d128")->Apply(step_sizes);

#if defined(OLSF_HAVE_XSIMD)
// Read bandwidth over the first `bytes` of the pattern buffer (one stream, 4 accumulators).
void BM_hop_read(benchmark::State& st) {
  using Batch = ::xsimd::batch<float>;
  auto& a = HopData<float>::get();
  const auto count = static_cast<std::size_t>(st.range(0)) / sizeof(float);
  for (auto _ : st) {
    Batch s0(0.f), s1(0.f), s2(0.f), s3(0.f);
    for (std::size_t i = 0; i + 4 * Batch::size <= count; i += 4 * Batch::size) {
      s0 += Batch::load_aligned(a.x + i);
      s1 += Batch::load_aligned(a.x + i + Batch::size);
      s2 += Batch::load_aligned(a.x + i + 2 * Batch::size);
      s3 += Batch::load_aligned(a.x + i + 3 * Batch::size);
    }
    benchmark::DoNotOptimize(::xsimd::hadd((s0 + s1) + (s2 + s3)));
  }
  st.counters["bandwidth"] = benchmark::Counter(static_cast<double>(st.range(0)), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_hop_read)->Name("hopfield_roofline/read")->RangeMultiplier(2)->Range(8 << 10, 4 << 20);  // up to the whole 4 MB buffer
#endif

// ---- Hebbian, d = 100 --------------------------------------------------------------------
constexpr std::size_t kHebD = 100, kHebN = 14;

struct HebData {
  signed char x[kHebN][kHebD], q[kHebD], out[kHebD];
  Eigen::Matrix<float, kHebD, kHebD> w;
  Eigen::Matrix<float, kHebD, 1> s;
  HebData() {
    std::uint64_t z = 12345;
    auto next = [&z] {
      z = z * 6364136223846793005ull + 1442695040888963407ull;
      return z >> 33;
    };
    for (auto& row : x)
      for (auto& v : row) v = (next() & 1) ? 1 : -1;
    for (std::size_t i = 0; i < kHebD; ++i) q[i] = x[3][i];
    for (std::size_t f = 0; f < 10; ++f) q[next() % kHebD] *= -1;  // ~10% flipped
    w.setZero();
    for (std::size_t mu = 0; mu < kHebN; ++mu)
      for (std::size_t i = 0; i < kHebD; ++i)
        for (std::size_t j = 0; j < kHebD; ++j) w(static_cast<long>(i), static_cast<long>(j)) += static_cast<float>(x[mu][i] * x[mu][j]);
    w.diagonal().setZero();
    for (std::size_t i = 0; i < kHebD; ++i) s(static_cast<long>(i)) = q[i];
  }
  static HebData& get() {
    static HebData d;
    return d;
  }
};

olsf::HebbianHopfield<kHebD, kHebN>& hebbian() {
  static olsf::HebbianHopfield<kHebD, kHebN> mem;
  if (mem.size() == 0)
    for (const auto& row : HebData::get().x) (void)mem.store(row);
  return mem;
}

void BM_hebbian_sync_step(benchmark::State& st) {
  auto& h = HebData::get();
  auto& mem = hebbian();
  for (auto _ : st) {
    benchmark::DoNotOptimize(mem.retrieve(h.q, h.out, {olsf::HopfieldUpdate::synchronous, 1}));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_hebbian_sync_step)->Name("hebbian/sync_step/olsf/14/100");

void BM_hebbian_recall(benchmark::State& st) {
  auto& h = HebData::get();
  auto& mem = hebbian();
  olsf::HebbianInfo info;
  for (auto _ : st) {
    benchmark::DoNotOptimize(mem.retrieve(h.q, h.out, {olsf::HopfieldUpdate::asynchronous, 50}, &info));
    benchmark::ClobberMemory();
  }
  st.counters["sweeps"] = info.steps;
}
BENCHMARK(BM_hebbian_recall)->Name("hebbian/async_recall/olsf/14/100");

void BM_hebbian_sync_step_eigen(benchmark::State& st) {
  auto& h = HebData::get();
  Eigen::Matrix<float, kHebD, 1> field, next;
  for (auto _ : st) {
    field.noalias() = h.w * h.s;
    next = (field.array() > 0).select(1.0f, (field.array() < 0).select(-1.0f, h.s.array())).matrix();
    benchmark::DoNotOptimize(next.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_hebbian_sync_step_eigen)->Name("hebbian/sync_step/eigen/14/100");

}  // namespace
