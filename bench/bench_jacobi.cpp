// SymmetricEigen and JacobiSvd, every backend, beside Eigen 3.4 (fixed-size
// SelfAdjointEigenSolver; JacobiSVD and BDCSVD) and LAPACKE xSYEVD on OpenBLAS (one
// thread), in the same binary and run. Names: eig/<type>/<impl>/<n>, eig_warm/...,
// svd/<type>/<impl>/<d> (1024 x d).
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <cstring>
#include <lapacke.h>

#include "olsformer/jacobi.hpp"
#include "highway_targets.hpp"
#include "../tests/support/rng.hpp"

extern "C" void openblas_set_num_threads(int);

namespace {

template <typename T, int N>
using Fixed = Eigen::Matrix<T, N, N, Eigen::RowMajor>;

// The same random symmetric matrix for every implementation, and a nearby one.
template <typename T, int N>
const Fixed<T, N>& input(bool perturbed) {
  static const auto make = [](bool p) {
    olsf::testing::SplitMix64 rng(2024 + N);
    Fixed<T, N> a;
    for (int i = 0; i < N; ++i)
      for (int j = 0; j <= i; ++j) a(i, j) = a(j, i) = static_cast<T>(rng.uniform(-1, 1));
    if (p)
      for (int i = 0; i < N; ++i)
        for (int j = 0; j <= i; ++j) a(i, j) = a(j, i) = a(i, j) + static_cast<T>(1e-3 * rng.uniform(-1, 1));
    return a;
  };
  static const Fixed<T, N> base = make(false), near = make(true);
  return perturbed ? near : base;
}

template <typename T, int N, class Backend>
void BM_eig(benchmark::State& st) {
  static olsf::SymmetricEigen<T, N, Backend> solver;
  const auto& a = input<T, N>(false);
  const olsf::ConstMatrixView<T> view{a.data(), N, N, N};
  for (auto _ : st) benchmark::DoNotOptimize(solver.compute(view));
  st.counters["sweeps"] = solver.sweeps();
}

template <typename T, int N, class Backend>
void BM_eig_warm(benchmark::State& st) {
  static olsf::SymmetricEigen<T, N, Backend> previous, solver;
  const auto& a0 = input<T, N>(false);
  const auto& a1 = input<T, N>(true);
  (void)previous.compute(olsf::ConstMatrixView<T>{a0.data(), N, N, N});
  const olsf::ConstMatrixView<T> v0{previous.eigenvectors().data(), N, N, previous.eigenvectors().stride()};
  const olsf::ConstMatrixView<T> view{a1.data(), N, N, N};
  for (auto _ : st) benchmark::DoNotOptimize(solver.compute(view, v0));
  st.counters["sweeps"] = solver.sweeps();
}

template <typename T, int N>
void BM_eig_eigen(benchmark::State& st) {
  const Eigen::Matrix<T, N, N> a = input<T, N>(false);
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix<T, N, N>> solver;
  for (auto _ : st) {
    solver.compute(a);
    benchmark::DoNotOptimize(solver.eigenvalues().data());
  }
}

template <typename T, int N>
void BM_eig_lapacke(benchmark::State& st) {
  openblas_set_num_threads(1);
  const auto& a = input<T, N>(false);
  T work[N * N], w[N];
  for (auto _ : st) {
    std::memcpy(work, a.data(), sizeof work);
    if constexpr (sizeof(T) == 4)
      benchmark::DoNotOptimize(LAPACKE_ssyevd(LAPACK_ROW_MAJOR, 'V', 'L', N, work, N, w));
    else
      benchmark::DoNotOptimize(LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'L', N, work, N, w));
  }
}

#define OLSF_EIG_BACKEND(T, N, Backend)                                                                     \
  BENCHMARK_TEMPLATE(BM_eig, T, N, olsf::Backend)->Name("eig/" #T "/" #Backend "/" #N);                    \
  BENCHMARK_TEMPLATE(BM_eig_warm, T, N, olsf::Backend)->Name("eig_warm/" #T "/" #Backend "/" #N);

#if defined(OLSF_HAVE_HIGHWAY)
#define OLSF_EIG_HIGHWAY(T, N) OLSF_EIG_BACKEND(T, N, HighwayBackend)
#else
#define OLSF_EIG_HIGHWAY(T, N)
#endif
#if defined(OLSF_HAVE_XSIMD)
#define OLSF_EIG_XSIMD(T, N) OLSF_EIG_BACKEND(T, N, XsimdBackend)
#else
#define OLSF_EIG_XSIMD(T, N)
#endif
#if defined(OLSF_BENCH_HWY_TARGETS)  // each compiled Highway target, pinned (highway_targets.hpp)
#define OLSF_EIG_HWY_TARGETS(T, N) \
  OLSF_EIG_BACKEND(T, N, HighwayAvx2Backend) OLSF_EIG_BACKEND(T, N, HighwayAvx3Backend)
#else
#define OLSF_EIG_HWY_TARGETS(T, N)
#endif

#define OLSF_EIG_SIZE(T, N)                                                      \
  OLSF_EIG_BACKEND(T, N, ScalarBackend)                                          \
  OLSF_EIG_HIGHWAY(T, N)                                                         \
  OLSF_EIG_HWY_TARGETS(T, N)                                                     \
  OLSF_EIG_XSIMD(T, N)                                                           \
  BENCHMARK_TEMPLATE(BM_eig_eigen, T, N)->Name("eig/" #T "/Eigen/" #N);          \
  BENCHMARK_TEMPLATE(BM_eig_eigen, T, N)->Name("eig_warm/" #T "/Eigen-cold/" #N); \
  BENCHMARK_TEMPLATE(BM_eig_lapacke, T, N)->Name("eig/" #T "/LAPACKE-syevd/" #N);

OLSF_EIG_SIZE(float, 4)
OLSF_EIG_SIZE(float, 8)
OLSF_EIG_SIZE(float, 16)
OLSF_EIG_SIZE(float, 32)
OLSF_EIG_SIZE(float, 64)
OLSF_EIG_SIZE(double, 4)
OLSF_EIG_SIZE(double, 8)
OLSF_EIG_SIZE(double, 16)
OLSF_EIG_SIZE(double, 32)
OLSF_EIG_SIZE(double, 64)

// ---- SVD of a 1024 x d matrix -----------------------------------------------------------
constexpr int kRows = 1024;

template <typename T, int D>
const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& tall() {
  static const auto x = [] {
    olsf::testing::SplitMix64 rng(77 + D);
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(kRows, D);
    for (int i = 0; i < kRows; ++i)
      for (int j = 0; j < D; ++j) m(i, j) = static_cast<T>(rng.uniform(-1, 1));
    return m;
  }();
  return x;
}

template <typename T, int D, class Backend>
void BM_svd(benchmark::State& st) {
  static olsf::JacobiSvd<T, kRows, D, Backend> svd;
  const auto& x = tall<T, D>();
  const olsf::ConstMatrixView<T> view{x.data(), kRows, D, D};
  for (auto _ : st) benchmark::DoNotOptimize(svd.compute(view, true));
  st.counters["sweeps"] = svd.sweeps();
}

template <typename T, int D, class Svd>
void BM_svd_eigen(benchmark::State& st) {
  const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> x = tall<T, D>();
  Svd svd(kRows, D, Eigen::ComputeThinU | Eigen::ComputeThinV);
  for (auto _ : st) {
    svd.compute(x, Eigen::ComputeThinU | Eigen::ComputeThinV);
    benchmark::DoNotOptimize(svd.singularValues().data());
  }
}

template <typename T>
using DynJacobiSvd = Eigen::JacobiSVD<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>;
template <typename T>
using DynBdcSvd = Eigen::BDCSVD<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>;

#define OLSF_SVD_BACKEND(T, D, Backend) \
  BENCHMARK_TEMPLATE(BM_svd, T, D, olsf::Backend)->Name("svd/" #T "/" #Backend "/" #D)->Unit(benchmark::kMicrosecond);
#if defined(OLSF_HAVE_HIGHWAY)
#define OLSF_SVD_HIGHWAY(T, D) OLSF_SVD_BACKEND(T, D, HighwayBackend)
#else
#define OLSF_SVD_HIGHWAY(T, D)
#endif
#if defined(OLSF_HAVE_XSIMD)
#define OLSF_SVD_XSIMD(T, D) OLSF_SVD_BACKEND(T, D, XsimdBackend)
#else
#define OLSF_SVD_XSIMD(T, D)
#endif
#define OLSF_SVD_SIZE(T, D)                                                                                 \
  OLSF_SVD_BACKEND(T, D, ScalarBackend)                                                                     \
  OLSF_SVD_HIGHWAY(T, D)                                                                                    \
  OLSF_SVD_XSIMD(T, D)                                                                                      \
  BENCHMARK_TEMPLATE(BM_svd_eigen, T, D, DynJacobiSvd<T>)->Name("svd/" #T "/Eigen-JacobiSVD/" #D)->Unit(benchmark::kMicrosecond); \
  BENCHMARK_TEMPLATE(BM_svd_eigen, T, D, DynBdcSvd<T>)->Name("svd/" #T "/Eigen-BDCSVD/" #D)->Unit(benchmark::kMicrosecond);

OLSF_SVD_SIZE(float, 8)
OLSF_SVD_SIZE(float, 16)
OLSF_SVD_SIZE(float, 32)
OLSF_SVD_SIZE(double, 8)
OLSF_SVD_SIZE(double, 16)
OLSF_SVD_SIZE(double, 32)

}  // namespace
