// SymmetricEigen and JacobiSvd on every backend: the shared contracts
// (support/jacobi_checks.hpp, also run on Cortex-M) and comparisons with Eigen, in
// double for float inputs and in long double for double inputs.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdio>

#include "support/backend_cases.hpp"
#include "support/jacobi_checks.hpp"

namespace {

using olsf::testing::CheckInfo;
using olsf::testing::Ref;

struct GtestSink {
  int checks = 0;
  void operator()(bool ok, const CheckInfo& c) {
    ++checks;
    if (!ok) ADD_FAILURE() << c.backend << " " << c.kernel << ": " << c.what << " (n=" << c.n << ", detail=" << c.stride << ")";
  }
};

using olsf::testing::BackendCaseNames;
using olsf::testing::BackendCases;
using olsf::testing::DoubleBackendCases;

template <class C>
class Jacobi : public ::testing::Test {};
TYPED_TEST_SUITE(Jacobi, BackendCases, BackendCaseNames);

TYPED_TEST(Jacobi, SymmetricEigenContracts) {
  GtestSink sink;
  olsf::testing::check_symmetric_eigen<typename TypeParam::Scalar, typename TypeParam::Backend>(sink);
  EXPECT_GT(sink.checks, 100);
}

TYPED_TEST(Jacobi, SymmetricEigenStatuses) {
  GtestSink sink;
  olsf::testing::check_symmetric_eigen_statuses<typename TypeParam::Scalar, typename TypeParam::Backend>(sink);
  EXPECT_GT(sink.checks, 5);
}

TYPED_TEST(Jacobi, WarmStart) {
  GtestSink sink;
  olsf::testing::check_symmetric_eigen_warm_start<typename TypeParam::Scalar, typename TypeParam::Backend>(sink);
  EXPECT_GT(sink.checks, 3);
}

TYPED_TEST(Jacobi, SvdContracts) {
  GtestSink sink;
  olsf::testing::check_jacobi_svd<typename TypeParam::Scalar, typename TypeParam::Backend>(sink);
  EXPECT_GT(sink.checks, 20);
}

// ---- Against Eigen ----------------------------------------------------------------------
// The reference runs one precision up: double for float input, long double for double.
template <typename T>
using Wider = std::conditional_t<sizeof(T) == 4, double, long double>;
template <typename S>
using EMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;

template <typename T, std::size_t N, class B>
struct EigenComparison {
  T max_abs_error = 0;       // max_k |lambda_k - ref_k| / ||A||_F
  T max_rel_error = 0;       // max_k |lambda_k - ref_k| / |ref_k|
  T eigen_max_rel_error = 0;  // Eigen's own SelfAdjointEigenSolver<T> on the same input
  T eigen_max_abs_error = 0;
  unsigned sweeps = 0;
  bool contracts = false;
  Ref residual = 0, orthogonality = 0;
};

template <typename T, std::size_t N, class B>
EigenComparison<T, N, B> compare_with_eigen(const EMat<T>& a) {
  static olsf::SymmetricEigen<T, N, B> solver;
  EigenComparison<T, N, B> r;
  const auto n = static_cast<std::size_t>(a.rows());
  EXPECT_EQ(solver.compute(olsf::ConstMatrixView<T>{a.data(), n, n, n}), olsf::Status::ok);
  const EMat<Wider<T>> wide = a.template cast<Wider<T>>();
  Eigen::SelfAdjointEigenSolver<EMat<Wider<T>>> ref(wide);
  Eigen::SelfAdjointEigenSolver<EMat<T>> same(a);
  const Wider<T> norm = wide.norm();
  for (std::size_t k = 0; k < n; ++k) {
    const Wider<T> want = ref.eigenvalues()(static_cast<long>(k));
    const Wider<T> err = std::fabs(static_cast<Wider<T>>(solver.eigenvalue(k)) - want);
    const Wider<T> eig_err = std::fabs(static_cast<Wider<T>>(same.eigenvalues()(static_cast<long>(k))) - want);
    r.max_abs_error = std::max(r.max_abs_error, static_cast<T>(err / norm));
    r.max_rel_error = std::max(r.max_rel_error, static_cast<T>(err / std::fabs(want)));
    r.eigen_max_rel_error = std::max(r.eigen_max_rel_error, static_cast<T>(eig_err / std::fabs(want)));
    r.eigen_max_abs_error = std::max(r.eigen_max_abs_error, static_cast<T>(eig_err / norm));
  }
  const auto c = olsf::testing::eigen_contracts(n, a.data(), solver);
  r.contracts = c.residual_ok && c.orthogonality_ok && c.sorted;
  r.residual = c.residual;
  r.orthogonality = c.orthogonality;
  r.sweeps = solver.sweeps();
  return r;
}

template <typename T>
T eps() {
  return std::numeric_limits<T>::epsilon();
}

TYPED_TEST(Jacobi, RandomSymmetricUpTo64AgainstEigen) {
  using T = typename TypeParam::Scalar;
  for (long n : {4L, 8L, 16L, 32L, 64L}) {
    olsf::testing::SplitMix64 rng(static_cast<std::uint64_t>(n));
    EMat<T> a(n, n);
    for (long i = 0; i < n; ++i)
      for (long j = 0; j <= i; ++j) a(i, j) = a(j, i) = static_cast<T>(rng.uniform(-1, 1));
    const auto check = [n](const auto& r, const char* capacity) {
      EXPECT_TRUE(r.contracts) << "n=" << n << capacity << ": residual " << r.residual << ", orthogonality "
                               << r.orthogonality << " (in units of n eps ||A||_F and n eps)";
      // Weyl + residual contract: each eigenvalue within 4 n eps ||A||_F.
      EXPECT_LE(r.max_abs_error, 4 * static_cast<T>(n) * eps<T>()) << "n=" << n << capacity;
      EXPECT_LE(r.max_abs_error, std::max(r.eigen_max_abs_error, eps<T>()))
          << "n=" << n << capacity << ": no less accurate than Eigen";
    };
    check(compare_with_eigen<T, 64, typename TypeParam::Backend>(a), ", capacity 64");
    // Capacity n: unpadded rows, where backends take their fixed-size paths (n = 4, 8).
    if (n == 4) check(compare_with_eigen<T, 4, typename TypeParam::Backend>(a), ", capacity 4");
    if (n == 8) check(compare_with_eigen<T, 8, typename TypeParam::Backend>(a), ", capacity 8");
  }
}

// A = D C D, C a well-conditioned SPD matrix with unit diagonal, D spanning 1e-8..1 in
// double and 1e-4..1 in float (beyond that, D^2 underflows float's relative range).
// Demmel & Veselic: |d lambda| / lambda <= c n eps kappa(C) for Jacobi, while QR-based
// solvers only promise n eps ||A|| absolutely. Solver capacity N >= n.
template <typename T, std::size_t N, class B>
void check_graded_spd(long n, ::testing::Test* test) {
  olsf::testing::SplitMix64 rng(99);
  EMat<double> g(n, n);
  for (long i = 0; i < n; ++i)
    for (long j = 0; j < n; ++j) g(i, j) = rng.uniform(-1, 1);
  EMat<double> c = g * g.transpose() / static_cast<double>(n) + EMat<double>::Identity(n, n);
  const Eigen::VectorXd dinv = c.diagonal().cwiseSqrt().cwiseInverse();
  c = dinv.asDiagonal() * c * dinv.asDiagonal();
  const Eigen::SelfAdjointEigenSolver<EMat<double>> ce(c);
  const double kappa = ce.eigenvalues().maxCoeff() / ce.eigenvalues().minCoeff();
  const double decades = sizeof(T) == 4 ? 4 : 8;
  EMat<T> a(n, n);
  for (long i = 0; i < n; ++i)
    for (long j = 0; j < n; ++j) {
      const double di = std::pow(10.0, -decades * static_cast<double>(i) / static_cast<double>(n - 1));
      const double dj = std::pow(10.0, -decades * static_cast<double>(j) / static_cast<double>(n - 1));
      a(i, j) = static_cast<T>(di * c(i, j) * dj);
    }
  const auto r = compare_with_eigen<T, N, B>(a);
  EXPECT_TRUE(r.contracts) << "n=" << n;
  // Rounding A to T already perturbs each entry by u relative, i.e. C by u: that alone
  // moves eigenvalues by up to n u kappa(C) relatively; the solver adds about as much.
  EXPECT_LE(r.max_rel_error, 4 * static_cast<T>(n) * eps<T>() * static_cast<T>(kappa)) << "n=" << n;
  EXPECT_LT(r.max_rel_error, r.eigen_max_rel_error) << "n=" << n << ": Jacobi must be more accurate than Eigen here";
  char key[64], text[64];
  std::snprintf(text, sizeof text, "%.3e", static_cast<double>(r.max_rel_error));
  std::snprintf(key, sizeof key, "jacobi_max_rel_error_n%ld", n);
  test->RecordProperty(key, text);
  std::snprintf(text, sizeof text, "%.3e", static_cast<double>(r.eigen_max_rel_error));
  std::snprintf(key, sizeof key, "eigen_max_rel_error_n%ld", n);
  test->RecordProperty(key, text);
}

TYPED_TEST(Jacobi, GradedSpdIsRelativelyAccurateAndBeatsEigen) {
  using T = typename TypeParam::Scalar;
  check_graded_spd<T, 16, typename TypeParam::Backend>(12, this);
  check_graded_spd<T, 8, typename TypeParam::Backend>(8, this);  // the fixed-size paths
}

// Hilbert up to 12 and W21 are double-precision cases (issue #3).
template <class C>
class JacobiDouble : public ::testing::Test {};
TYPED_TEST_SUITE(JacobiDouble, DoubleBackendCases, BackendCaseNames);

TYPED_TEST(JacobiDouble, HilbertAndWilkinsonAgainstEigenLongDouble) {
  using T = typename TypeParam::Scalar;
  for (long n = 2; n <= 12; ++n) {
    EMat<T> h(n, n);
    for (long i = 0; i < n; ++i)
      for (long j = 0; j < n; ++j) h(i, j) = T(1) / static_cast<T>(i + j + 1);
    const auto r = compare_with_eigen<T, 16, typename TypeParam::Backend>(h);
    EXPECT_TRUE(r.contracts) << "Hilbert n=" << n;
    EXPECT_LE(r.max_abs_error, 4 * static_cast<T>(n) * eps<T>()) << "Hilbert n=" << n;
    // Not asserted against Eigen here: at n = 5 and 12 Jacobi's largest eigenvalue is
    // 1.6 ulp off where Eigen's QR is 0.5 ulp (both far inside the contract); see #3.
  }
  const long n = 21;  // Wilkinson W21+: diag |10 - i|, off-diagonal 1; pairs closer than 1e-13
  EMat<T> w = EMat<T>::Zero(n, n);
  for (long i = 0; i < n; ++i) {
    w(i, i) = static_cast<T>(std::abs(10 - i));
    if (i + 1 < n) w(i, i + 1) = w(i + 1, i) = 1;
  }
  const auto r = compare_with_eigen<T, 32, typename TypeParam::Backend>(w);
  EXPECT_TRUE(r.contracts);
  EXPECT_LE(r.max_abs_error, 4 * static_cast<T>(n) * eps<T>());
  EXPECT_LE(r.max_abs_error, std::max(r.eigen_max_abs_error, eps<T>())) << "W21: no less accurate than Eigen";
}

TYPED_TEST(Jacobi, SvdAgainstEigenAndKeepsTheConditionNumber) {
  using T = typename TypeParam::Scalar;
  // X with columns scaled over 1e-3..1 (float) / 1e-6..1 (double): one-sided Jacobi
  // finds the small singular values to relative accuracy ~ eps kappa(X D^-1), while the
  // eigenvalues of the formed X^T X are only accurate to eps kappa(X)^2 in absolute terms.
  const long m = 200, n = 8;
  olsf::testing::SplitMix64 rng(7);
  EMat<T> x(m, n);
  const double decades = sizeof(T) == 4 ? 3 : 6;
  for (long j = 0; j < n; ++j) {
    const double d = std::pow(10.0, -decades * static_cast<double>(j) / static_cast<double>(n - 1));
    for (long i = 0; i < m; ++i) x(i, j) = static_cast<T>(d * rng.uniform(-1, 1));
  }
  static olsf::JacobiSvd<T, 256, 8, typename TypeParam::Backend> svd;
  // olsformer views are row-major; Eigen's default storage is column-major.
  const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> xr = x;
  ASSERT_EQ(svd.compute(olsf::ConstMatrixView<T>{xr.data(), static_cast<std::size_t>(m), static_cast<std::size_t>(n),
                                                 static_cast<std::size_t>(n)}),
            olsf::Status::ok);
  const EMat<Wider<T>> wide = x.template cast<Wider<T>>();
  Eigen::JacobiSVD<EMat<Wider<T>>> ref(wide);
  // kappa of the column-equilibrated X bounds the relative error of every sigma.
  EMat<Wider<T>> scaled = wide;
  for (long j = 0; j < n; ++j) scaled.col(j) /= scaled.col(j).norm();
  Eigen::JacobiSVD<EMat<Wider<T>>> sref(scaled);
  const Wider<T> kappa = sref.singularValues()(0) / sref.singularValues()(n - 1);
  Wider<T> worst = 0;
  for (long k = 0; k < n; ++k) {
    const Wider<T> want = ref.singularValues()(k);
    worst = std::max(worst, std::fabs(static_cast<Wider<T>>(svd.singular_values()[k]) - want) / want);
  }
  EXPECT_LE(worst, 4 * static_cast<Wider<T>>(n) * std::sqrt(static_cast<Wider<T>>(m)) * eps<T>() * kappa);
}

}  // namespace
