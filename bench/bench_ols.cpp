// The OLS-Transformer beside Eigen 3.4 in the same run (issue #5). m = 1024 samples,
// d = 8, 16, 32 features, one target, intercept.
// Names: ols_fit/<type>/<impl>/<d>        observe_batch of 1024 samples + cold refit (olsformer), or
//                                          Eigen: X^T X (rankUpdate) + LDLT solve, or
//                                          Eigen: centred covariance + SelfAdjointEigenSolver + solve;
//        ols_accumulate/<type>/<impl>/<d>  the slow memory of 1024 samples alone, one add_batch
//                                          (items/s = samples; FLOPS counts m (d(d+1) + 2d), the
//                                          lower triangle of X^T X and X^T y, as Eigen's rankUpdate);
//        ols_accumulate_stream/...         the same by 1024 single add() (Welford), for reference;
//        fma_peak/<type>                   12 independent vector FMA chains: the FLOPS peak of this
//                                          binary on this core (the 60% target of issue #5);
//        ols_predict/<type>/<impl>/<d>     1024 predictions (state form) vs Eigen X beta;
//        ols_refit/<type>/<impl>-warm|cold/<d>  32 new samples (one observe_batch) + refit, warm
//                                          vs cold start.
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <memory>
#include <vector>

#if defined(OLSF_HAVE_HIGHWAY)
#include <hwy/highway.h>
#endif

#include "olsformer/ols_transformer.hpp"
#include "../tests/support/rng.hpp"

namespace {

constexpr std::size_t kM = 1024;

template <typename T, int D>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, D, Eigen::RowMajor>;

// The same correlated random data for every implementation (kM + 32 * 64 rows).
template <typename T, int D>
const RowMat<T, D>& data_x() {
  static const RowMat<T, D> x = [] {
    olsf::testing::SplitMix64 rng(77 + D);
    RowMat<T, D> m(kM + 32 * 64, D);
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      const double z = rng.uniform(-1, 1);
      for (int j = 0; j < D; ++j) m(i, j) = static_cast<T>(j + z + 0.5 * rng.uniform(-1, 1));
    }
    return m;
  }();
  return x;
}
template <typename T, int D>
const Eigen::Matrix<T, Eigen::Dynamic, 1>& data_y() {
  static const Eigen::Matrix<T, Eigen::Dynamic, 1> y = [] {
    olsf::testing::SplitMix64 rng(99 + D);
    const auto& x = data_x<T, D>();
    Eigen::Matrix<T, Eigen::Dynamic, 1> v(x.rows());
    for (Eigen::Index i = 0; i < x.rows(); ++i) v(i) = x.row(i).sum() + static_cast<T>(0.01 * rng.uniform(-1, 1));
    return v;
  }();
  return y;
}

template <typename T, int D, class Backend>
using Model = olsf::OlsTransformer<T, D, 1, 32, Backend>;

template <typename T, int D, class Backend>
void BM_ols_fit(benchmark::State& st) {
  static Model<T, D, Backend> model;
  const auto& x = data_x<T, D>();
  const auto& y = data_y<T, D>();
  for (auto _ : st) {
    model.reset();
    (void)model.observe(kM, x.data(), y.data());
    benchmark::DoNotOptimize(model.refit());
  }
  st.counters["sweeps"] = model.eigensolver().sweeps();
}

template <typename T, int D, class Backend>
void BM_ols_accumulate(benchmark::State& st) {
  static olsf::CovarianceAccumulator<T, D, 1, Backend> acc;
  const auto& x = data_x<T, D>();
  const auto& y = data_y<T, D>();
  for (auto _ : st) {
    acc.reset();
    (void)acc.add_batch(kM, x.data(), D, y.data(), 1);
    benchmark::DoNotOptimize(acc.sxx().data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * kM));
  st.counters["FLOPS"] = benchmark::Counter(static_cast<double>(st.iterations()) * kM * (D * (D + 1) + 2 * D),
                                            benchmark::Counter::kIsRate);
}

template <typename T, int D, class Backend>
void BM_ols_accumulate_stream(benchmark::State& st) {
  static olsf::CovarianceAccumulator<T, D, 1, Backend> acc;
  const auto& x = data_x<T, D>();
  const auto& y = data_y<T, D>();
  for (auto _ : st) {
    acc.reset();
    for (std::size_t i = 0; i < kM; ++i) (void)acc.add(x.row(static_cast<Eigen::Index>(i)).data(), &y(static_cast<Eigen::Index>(i)));
    benchmark::DoNotOptimize(acc.sxx().data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * kM));
  st.counters["FLOPS"] = benchmark::Counter(static_cast<double>(st.iterations()) * kM * (D * (D + 1) + 2 * D),
                                            benchmark::Counter::kIsRate);
}

// Eigen's X^T X alone (lower triangle, rankUpdate) and X^T y, no centring: the kernel peer.
template <typename T, int D>
void BM_ols_accumulate_eigen(benchmark::State& st) {
  const auto x = data_x<T, D>().topRows(kM);
  const auto y = data_y<T, D>().head(kM);
  for (auto _ : st) {
    Eigen::Matrix<T, D, D> g = Eigen::Matrix<T, D, D>::Zero();
    g.template selfadjointView<Eigen::Lower>().rankUpdate(x.transpose());
    const Eigen::Matrix<T, D, 1> b = x.transpose() * y;
    benchmark::DoNotOptimize(g.data());
    benchmark::DoNotOptimize(b.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * kM));
  st.counters["FLOPS"] = benchmark::Counter(static_cast<double>(st.iterations()) * kM * (D * (D + 1) + 2 * D),
                                            benchmark::Counter::kIsRate);
}

#if defined(OLSF_HAVE_HIGHWAY)
// The FMA peak of this binary: 12 independent chains of vector FMAs (more than latency x
// ports on current x86 and Arm cores), nothing else in the loop.
template <typename T>
void BM_fma_peak(benchmark::State& st) {
  namespace hn = hwy::HWY_NAMESPACE;
  const hn::ScalableTag<T> d;
  const auto m = hn::Set(d, T(0.999999)), c = hn::Set(d, T(1e-7));
  auto a0 = hn::Set(d, T(1)), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  auto a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
  constexpr int kSteps = 1024;
  for (auto _ : st) {
    for (int i = 0; i < kSteps; ++i) {
      a0 = hn::MulAdd(a0, m, c), a1 = hn::MulAdd(a1, m, c), a2 = hn::MulAdd(a2, m, c), a3 = hn::MulAdd(a3, m, c);
      a4 = hn::MulAdd(a4, m, c), a5 = hn::MulAdd(a5, m, c), a6 = hn::MulAdd(a6, m, c), a7 = hn::MulAdd(a7, m, c);
      a8 = hn::MulAdd(a8, m, c), a9 = hn::MulAdd(a9, m, c), a10 = hn::MulAdd(a10, m, c), a11 = hn::MulAdd(a11, m, c);
    }
    benchmark::DoNotOptimize(a0);
  }
  const auto sum = hn::Add(hn::Add(hn::Add(a0, a1), hn::Add(a2, a3)),
                           hn::Add(hn::Add(hn::Add(a4, a5), hn::Add(a6, a7)), hn::Add(hn::Add(a8, a9), hn::Add(a10, a11))));
  T out = hn::GetLane(sum);
  benchmark::DoNotOptimize(out);
  st.counters["FLOPS"] = benchmark::Counter(static_cast<double>(st.iterations()) * kSteps * 12 * 2 * hn::Lanes(d),
                                            benchmark::Counter::kIsRate);
}
BENCHMARK_TEMPLATE(BM_fma_peak, float)->Name("fma_peak/float");
BENCHMARK_TEMPLATE(BM_fma_peak, double)->Name("fma_peak/double");
#endif

// Eigen peer 1: normal equations with intercept by Cholesky (LDLT) on [1 X]^T [1 X].
template <typename T, int D>
void BM_ols_fit_ldlt(benchmark::State& st) {
  const auto x = data_x<T, D>().topRows(kM);
  const auto y = data_y<T, D>().head(kM);
  Eigen::Matrix<T, Eigen::Dynamic, D + 1> design(kM, D + 1);
  design.col(0).setOnes();
  design.rightCols(D) = x;
  for (auto _ : st) {
    Eigen::Matrix<T, D + 1, D + 1> g = Eigen::Matrix<T, D + 1, D + 1>::Zero();
    g.template selfadjointView<Eigen::Lower>().rankUpdate(design.transpose());
    const Eigen::Matrix<T, D + 1, 1> b = design.transpose() * y;
    Eigen::Matrix<T, D + 1, 1> beta = g.ldlt().solve(b);
    benchmark::DoNotOptimize(beta.data());
  }
}

// Eigen peer 2: centred covariance + SelfAdjointEigenSolver, beta = V Lambda^-1 V^T c.
template <typename T, int D>
void BM_ols_fit_eig(benchmark::State& st) {
  const auto x = data_x<T, D>().topRows(kM);
  const auto y = data_y<T, D>().head(kM);
  for (auto _ : st) {
    const Eigen::Matrix<T, 1, D> mean = x.colwise().mean();
    const T my = y.mean();
    const Eigen::Matrix<T, Eigen::Dynamic, D> xc = x.rowwise() - mean;
    Eigen::Matrix<T, D, D> g = Eigen::Matrix<T, D, D>::Zero();
    g.template selfadjointView<Eigen::Lower>().rankUpdate(xc.transpose());
    g = g.template selfadjointView<Eigen::Lower>();
    const Eigen::Matrix<T, D, 1> c = xc.transpose() * (y.array() - my).matrix();
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix<T, D, D>> es(g);
    Eigen::Matrix<T, D, 1> beta =
        es.eigenvectors() * (es.eigenvalues().cwiseInverse().asDiagonal() * (es.eigenvectors().transpose() * c));
    benchmark::DoNotOptimize(beta.data());
  }
}

template <typename T, int D, class Backend>
void BM_ols_predict(benchmark::State& st) {
  static Model<T, D, Backend> model;
  const auto& x = data_x<T, D>();
  const auto& y = data_y<T, D>();
  model.reset();
  (void)model.observe(kM, x.data(), y.data());
  (void)model.refit();
  static T out[kM];
  for (auto _ : st) {
    for (std::size_t i = 0; i < kM; ++i) (void)model.predict(x.row(static_cast<Eigen::Index>(i)).data(), out + i);
    benchmark::DoNotOptimize(out);
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * kM));
}

template <typename T, int D>
void BM_ols_predict_eigen(benchmark::State& st) {
  const auto x = data_x<T, D>().topRows(kM);
  const Eigen::Matrix<T, D, 1> beta = Eigen::Matrix<T, D, 1>::Constant(T(0.5));
  Eigen::Matrix<T, Eigen::Dynamic, 1> out(kM);
  for (auto _ : st) {
    out.noalias() = x * beta;
    out.array() += T(1);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * kM));
}

// 32 new samples + refit. The model keeps growing across iterations (the data cycles
// through 64 blocks of 32), so the covariance drifts slowly, as in streaming use.
template <typename T, int D, class Backend, bool Warm>
void BM_ols_refit(benchmark::State& st) {
  static Model<T, D, Backend> model;
  olsf::OlsOptions<T> opt;
  opt.warm_start = Warm;
  (void)model.set_options(opt);
  const auto& x = data_x<T, D>();
  const auto& y = data_y<T, D>();
  model.reset();
  (void)model.observe(kM, x.data(), y.data());
  (void)model.refit();
  std::size_t block = 0;
  unsigned sweeps = 0;
  for (auto _ : st) {
    const auto r = static_cast<Eigen::Index>(kM + block * 32);
    (void)model.observe(32, x.row(r).data(), &y(r));
    block = (block + 1) % 64;
    benchmark::DoNotOptimize(model.refit());
    sweeps += model.eigensolver().sweeps();
  }
  st.counters["sweeps"] = benchmark::Counter(static_cast<double>(sweeps), benchmark::Counter::kAvgIterations);
}

#define OLSF_BENCH_OLS_BACKEND(T, D, Backend)                                                                              \
  BENCHMARK_TEMPLATE(BM_ols_fit, T, D, olsf::Backend)->Name("ols_fit/" #T "/" #Backend "/" #D)->Unit(benchmark::kMicrosecond); \
  BENCHMARK_TEMPLATE(BM_ols_accumulate, T, D, olsf::Backend)                                                                \
      ->Name("ols_accumulate/" #T "/" #Backend "/" #D)                                                                      \
      ->Unit(benchmark::kMicrosecond);                                                                                      \
  BENCHMARK_TEMPLATE(BM_ols_accumulate_stream, T, D, olsf::Backend)                                                         \
      ->Name("ols_accumulate_stream/" #T "/" #Backend "/" #D)                                                               \
      ->Unit(benchmark::kMicrosecond);                                                                                      \
  BENCHMARK_TEMPLATE(BM_ols_predict, T, D, olsf::Backend)->Name("ols_predict/" #T "/" #Backend "/" #D)->Unit(benchmark::kMicrosecond); \
  BENCHMARK_TEMPLATE(BM_ols_refit, T, D, olsf::Backend, true)                                                               \
      ->Name("ols_refit/" #T "/" #Backend "-warm/" #D)                                                                      \
      ->Unit(benchmark::kMicrosecond);                                                                                      \
  BENCHMARK_TEMPLATE(BM_ols_refit, T, D, olsf::Backend, false)                                                              \
      ->Name("ols_refit/" #T "/" #Backend "-cold/" #D)                                                                      \
      ->Unit(benchmark::kMicrosecond);

#if defined(OLSF_HAVE_HIGHWAY)
#define OLSF_BENCH_OLS_HWY(T, D) OLSF_BENCH_OLS_BACKEND(T, D, HighwayBackend)
#else
#define OLSF_BENCH_OLS_HWY(T, D)
#endif
#if defined(OLSF_HAVE_XSIMD)
#define OLSF_BENCH_OLS_XSIMD(T, D) OLSF_BENCH_OLS_BACKEND(T, D, XsimdBackend)
#else
#define OLSF_BENCH_OLS_XSIMD(T, D)
#endif

#define OLSF_BENCH_OLS(T, D)                                                                                                   \
  OLSF_BENCH_OLS_BACKEND(T, D, ScalarBackend)                                                                                  \
  OLSF_BENCH_OLS_HWY(T, D)                                                                                                     \
  OLSF_BENCH_OLS_XSIMD(T, D)                                                                                                   \
  BENCHMARK_TEMPLATE(BM_ols_fit_ldlt, T, D)->Name("ols_fit/" #T "/Eigen-LDLT/" #D)->Unit(benchmark::kMicrosecond);            \
  BENCHMARK_TEMPLATE(BM_ols_fit_eig, T, D)->Name("ols_fit/" #T "/Eigen-cov+SelfAdjointEigenSolver/" #D)->Unit(benchmark::kMicrosecond); \
  BENCHMARK_TEMPLATE(BM_ols_accumulate_eigen, T, D)->Name("ols_accumulate/" #T "/Eigen-XtX/" #D)->Unit(benchmark::kMicrosecond); \
  BENCHMARK_TEMPLATE(BM_ols_predict_eigen, T, D)->Name("ols_predict/" #T "/Eigen-Xbeta/" #D)->Unit(benchmark::kMicrosecond);

OLSF_BENCH_OLS(float, 8)
OLSF_BENCH_OLS(float, 16)
OLSF_BENCH_OLS(float, 32)
OLSF_BENCH_OLS(double, 8)
OLSF_BENCH_OLS(double, 16)
OLSF_BENCH_OLS(double, 32)

}  // namespace
