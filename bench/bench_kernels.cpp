// Every kernel of every backend beside its Eigen peer and a plain loop, in one binary and
// one run, so ratios are measured under the same conditions. Names read
// <kernel>/<type>/<implementation>/<n>.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>

#include "olsformer/kernels.hpp"
#include "olsformer/matrix.hpp"

namespace {

template <typename T>
struct Data {
  static constexpr std::size_t kMax = 4096;
  alignas(64) T x[kMax], y[kMax], out[kMax], a[64 * kMax];
  Data() {
    for (std::size_t i = 0; i < kMax; ++i) {
      x[i] = static_cast<T>(std::sin(0.37 * static_cast<double>(i)));
      y[i] = static_cast<T>(std::cos(0.11 * static_cast<double>(i)));
    }
    for (std::size_t i = 0; i < 64 * kMax; ++i) a[i] = static_cast<T>(std::sin(0.013 * static_cast<double>(i)));
  }
  static Data& get() {
    static Data d;
    return d;
  }
};

template <typename T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
template <typename T>
using Map = Eigen::Map<const Vec<T>, Eigen::Aligned64>;
template <typename T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// ---- dot ------------------------------------------------------------------------------
template <typename T, T (*Dot)(std::size_t, const T*, std::size_t, const T*, std::size_t) noexcept>
void BM_dot(benchmark::State& st) {
  auto& d = Data<T>::get();
  const auto n = static_cast<std::size_t>(st.range(0));
  for (auto _ : st) benchmark::DoNotOptimize(Dot(n, d.x, 1, d.y, 1));
  st.SetItemsProcessed(st.iterations() * static_cast<long>(n));
}
template <typename T>
void BM_dot_eigen(benchmark::State& st) {
  auto& d = Data<T>::get();
  const auto n = st.range(0);
  Map<T> x(d.x, n), y(d.y, n);
  for (auto _ : st) benchmark::DoNotOptimize(x.dot(y));
  st.SetItemsProcessed(st.iterations() * n);
}

// ---- gemv: y = A x, A is 64 x n ---------------------------------------------------------
template <typename T, void (*Gemv)(std::size_t, std::size_t, T, const T*, std::size_t, const T*, std::size_t, T, T*,
                                   std::size_t) noexcept>
void BM_gemv(benchmark::State& st) {
  auto& d = Data<T>::get();
  const auto n = static_cast<std::size_t>(st.range(0));
  for (auto _ : st) {
    Gemv(64, n, T(1), d.a, n, d.x, 1, T(0), d.out, 1);
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * 64 * static_cast<long>(n));
}
template <typename T>
void BM_gemv_eigen(benchmark::State& st) {
  auto& d = Data<T>::get();
  const auto n = st.range(0);
  Eigen::Map<const RowMajor<T>> a(d.a, 64, n);
  Map<T> x(d.x, n);
  Eigen::Map<Vec<T>> y(d.out, 64);
  for (auto _ : st) {
    y.noalias() = a * x;
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * 64 * n);
}

// ---- exp ------------------------------------------------------------------------------
template <typename T, void (*Exp)(std::size_t, const T*, T*) noexcept>
void BM_exp(benchmark::State& st) {
  auto& d = Data<T>::get();
  const auto n = static_cast<std::size_t>(st.range(0));
  for (auto _ : st) {
    Exp(n, d.x, d.out);
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * static_cast<long>(n));
}
template <typename T>
void BM_exp_eigen(benchmark::State& st) {
  auto& d = Data<T>::get();
  const auto n = st.range(0);
  Map<T> x(d.x, n);
  Eigen::Map<Vec<T>> y(d.out, n);
  for (auto _ : st) {
    y = x.array().exp().matrix();
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
}

// ---- softmax ----------------------------------------------------------------------------
template <typename T, olsf::Status (*Softmax)(std::size_t, const T*, std::size_t, T*, std::size_t) noexcept>
void BM_softmax(benchmark::State& st) {
  auto& d = Data<T>::get();
  const auto n = static_cast<std::size_t>(st.range(0));
  for (auto _ : st) {
    benchmark::DoNotOptimize(Softmax(n, d.x, 1, d.out, 1));
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * static_cast<long>(n));
}
template <typename T>
void BM_softmax_eigen(benchmark::State& st) {
  auto& d = Data<T>::get();
  const auto n = st.range(0);
  Map<T> x(d.x, n);
  Eigen::Map<Vec<T>> y(d.out, n);
  for (auto _ : st) {
    y = (x.array() - x.maxCoeff()).exp().matrix();
    y /= y.sum();
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
}

void sizes(benchmark::internal::Benchmark* b) {
  for (long n : {16, 64, 256, 1024, 4096}) b->Arg(n);
}

#define OLSF_BENCH_BACKEND(ns, label, T)                                                                 \
  BENCHMARK_TEMPLATE(BM_dot, T, &ns::dot)->Name("dot/" #T "/" label)->Apply(sizes);                      \
  BENCHMARK_TEMPLATE(BM_gemv, T, &ns::gemv)->Name("gemv/" #T "/" label)->Apply(sizes);                   \
  BENCHMARK_TEMPLATE(BM_exp, T, &ns::exp)->Name("exp/" #T "/" label)->Apply(sizes);                      \
  BENCHMARK_TEMPLATE(BM_softmax, T, &ns::softmax)->Name("softmax/" #T "/" label)->Apply(sizes);

#define OLSF_BENCH_EIGEN(T)                                                                              \
  BENCHMARK_TEMPLATE(BM_dot_eigen, T)->Name("dot/" #T "/eigen")->Apply(sizes);                           \
  BENCHMARK_TEMPLATE(BM_gemv_eigen, T)->Name("gemv/" #T "/eigen")->Apply(sizes);                         \
  BENCHMARK_TEMPLATE(BM_exp_eigen, T)->Name("exp/" #T "/eigen")->Apply(sizes);                           \
  BENCHMARK_TEMPLATE(BM_softmax_eigen, T)->Name("softmax/" #T "/eigen")->Apply(sizes);

OLSF_BENCH_BACKEND(olsf::scalar, "scalar", float)
OLSF_BENCH_BACKEND(olsf::scalar, "scalar", double)
#if defined(OLSF_HAVE_HIGHWAY)
OLSF_BENCH_BACKEND(olsf::highway, "highway", float)
OLSF_BENCH_BACKEND(olsf::highway, "highway", double)
#endif
#if defined(OLSF_HAVE_XSIMD)
OLSF_BENCH_BACKEND(olsf::xsimd, "xsimd", float)
OLSF_BENCH_BACKEND(olsf::xsimd, "xsimd", double)
#endif
OLSF_BENCH_EIGEN(float)
OLSF_BENCH_EIGEN(double)

}  // namespace

