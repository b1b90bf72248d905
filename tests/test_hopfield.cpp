// Hopfield memories of every backend against the long double references of
// support/hopfield_checks.hpp (also run on Cortex-M), plus an independent Eigen
// formulation of the modern retrieval step and proof that the checks can fail.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <string>

#include "support/hopfield_checks.hpp"

namespace {

using olsf::testing::AttentionBackends;
using olsf::testing::AttentionTable;
using olsf::testing::CheckInfo;

struct GtestSink {
  int checks = 0;
  void operator()(bool ok, const CheckInfo& c) {
    ++checks;
    if (!ok) ADD_FAILURE() << c.backend << " " << c.kernel << ": " << c.what << " (n=" << c.n << ", detail=" << c.stride << ")";
  }
};

// Runs `F<T, Backend>` for the backend at index i of AttentionBackends (scalar first).
template <typename T, template <typename, class> class F>
void for_backend(std::size_t i, GtestSink& sink) {
  const AttentionTable<T>& t = AttentionBackends<T>::all()[i];
  switch (i) {
    case 0: F<T, olsf::ScalarBackend>::run(t, sink); return;
#if defined(OLSF_HAVE_HIGHWAY)
    case 1: F<T, olsf::HighwayBackend>::run(t, sink); return;
#endif
#if defined(OLSF_HAVE_XSIMD)
    default: F<T, olsf::XsimdBackend>::run(t, sink); return;
#endif
  }
}

template <typename T, class B>
struct Modern {
  static void run(const AttentionTable<T>& t, GtestSink& s) { olsf::testing::check_modern_hopfield<T, B>(t, s); }
};
template <typename T, class B>
struct Dense {
  static void run(const AttentionTable<T>& t, GtestSink& s) { olsf::testing::check_dense_hopfield<T, B>(t, s); }
};
template <typename T, class B>
struct Linear {
  static void run(const AttentionTable<T>& t, GtestSink& s) { olsf::testing::check_linear_hopfield<T, B>(t, s); }
};

template <typename T>
class HopfieldChecks : public ::testing::TestWithParam<std::size_t> {
 protected:
  GtestSink sink;
};
using HopfieldF32 = HopfieldChecks<float>;
using HopfieldF64 = HopfieldChecks<double>;

TEST_P(HopfieldF32, Modern) {
  for_backend<float, Modern>(GetParam(), sink);
  EXPECT_EQ(sink.checks, 11);
}
TEST_P(HopfieldF64, Modern) {
  for_backend<double, Modern>(GetParam(), sink);
  EXPECT_EQ(sink.checks, 11);
}
TEST_P(HopfieldF32, Dense) {
  for_backend<float, Dense>(GetParam(), sink);
  EXPECT_EQ(sink.checks, 12);
}
TEST_P(HopfieldF64, Dense) {
  for_backend<double, Dense>(GetParam(), sink);
  EXPECT_EQ(sink.checks, 12);
}
TEST_P(HopfieldF32, Linear) {
  for_backend<float, Linear>(GetParam(), sink);
  EXPECT_EQ(sink.checks, 3);
}
TEST_P(HopfieldF64, Linear) {
  for_backend<double, Linear>(GetParam(), sink);
  EXPECT_EQ(sink.checks, 3);
}

std::string hopfield_label(const ::testing::TestParamInfo<std::size_t>& info) {
  return AttentionBackends<float>::all()[info.param].name;
}
INSTANTIATE_TEST_SUITE_P(Backend, HopfieldF32, ::testing::Range<std::size_t>(0, AttentionBackends<float>::kCount),
                         hopfield_label);
INSTANTIATE_TEST_SUITE_P(Backend, HopfieldF64, ::testing::Range<std::size_t>(0, AttentionBackends<double>::kCount),
                         hopfield_label);

TEST(Hopfield, Hebbian) {
  GtestSink sink;
  olsf::testing::check_hebbian_hopfield(sink);
  EXPECT_EQ(sink.checks, 6);
}

// Independent formulation with Eigen in double, for float data: three retrieval steps
// xi <- X^T softmax(beta X xi) of DefaultBackend's ModernHopfield, each step held to the
// reference bound at the backend's own input (the chain is compared step by step).
TEST(Hopfield, ModernStepsMatchEigen) {
  constexpr int n = 120, d = 12;  // d <= kAttnMaxDv of the reference
  using Rows = Eigen::Matrix<float, n, d, Eigen::RowMajor>;
  static Rows x;
  olsf::testing::SplitMix64 rng(11);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) x(i, j) = static_cast<float>(rng.uniform(-1, 1));
  static olsf::ModernHopfield<float, d, n> mem;
  for (int i = 0; i < n; ++i) ASSERT_EQ(mem.store(x.row(i).data()), olsf::Status::ok);
  const float beta = 1.5f;
  Eigen::Matrix<float, d, 1> xi = x.row(4).transpose();
  for (int j = 0; j < d; ++j) xi(j) += static_cast<float>(rng.uniform(-0.5, 0.5));
  const auto& t = AttentionBackends<float>::all()[AttentionBackends<float>::kCount - 1];
  for (int step = 0; step < 3; ++step) {
    Eigen::Matrix<float, d, 1> next;
    olsf::HopfieldInfo<float> info;
    ASSERT_EQ(mem.retrieve(xi.data(), next.data(), {beta, 1, 0.f}, &info), olsf::Status::ok);
    const Eigen::VectorXd s = static_cast<double>(beta) * (x.cast<double>() * xi.cast<double>());
    Eigen::VectorXd p = (s.array() - s.maxCoeff()).exp().matrix();
    const double z = p.sum();
    p /= z;
    const Eigen::VectorXd want = x.cast<double>().transpose() * p;
    const double energy = -(s.maxCoeff() + std::log(z)) / static_cast<double>(beta) + 0.5 * xi.cast<double>().squaredNorm();
    const double entropy = -(p.array() * p.array().log()).sum();
    static olsf::testing::RowReference ref;
    olsf::testing::reference_row(n, d, d, beta, xi.data(), x.data(), d, x.data(), d, static_cast<const float*>(nullptr),
                                 t.exp_max_ulp, t.block, ref);
    for (int c = 0; c < d; ++c)
      EXPECT_LE(std::fabs(static_cast<double>(next(c)) - want(c)), static_cast<double>(ref.bound[c]) + 1e-12) << step << " " << c;
    // Eigen's double energy and entropy are within ~1e-14 of the truth; the float bounds dominate.
    EXPECT_LE(std::fabs(static_cast<double>(info.energy) - energy),
              static_cast<double>(ref.obs_bound[2]) + 3e-7 * (std::fabs(energy) + xi.squaredNorm()))
        << step;
    EXPECT_LE(std::fabs(static_cast<double>(info.entropy) - entropy), static_cast<double>(ref.obs_bound[1]) + 1e-12)
        << step;
    xi = next;
  }
}

// ---- The checks can fail -----------------------------------------------------------------
// A backend whose attention decode is off by a relative 1e-4 in one output entry (the
// float bound of a step with beta = 4, d = 8 is ~1e-5 relative: the logits' rounding).
struct SlightlyWrongBackend : olsf::ScalarBackend {
  static olsf::Status attention_decode(std::size_t n, std::size_t d, std::size_t dv, float beta, const float* q,
                                       const float* k, std::size_t ldk, const float* v, std::size_t ldv,
                                       const float* mask, float* out, olsf::AttentionObservables<float>* obs) noexcept {
    const olsf::Status s = olsf::scalar::attention_decode(n, d, dv, beta, q, k, ldk, v, ldv, mask, out, obs);
    if (s == olsf::Status::ok) out[d / 2] *= 1.0001f;
    return s;
  }
};
// A backend whose gemv_t flips the sign of one tiny entry (a near-tie decided wrongly).
struct WrongSignBackend : olsf::ScalarBackend {
  static void gemv_t(std::size_t rows, std::size_t cols, float alpha, const float* a, std::size_t lda, const float* x,
                     std::size_t incx, float beta, float* y, std::size_t incy) noexcept {
    olsf::scalar::gemv_t(rows, cols, alpha, a, lda, x, incx, beta, y, incy);
    y[0] = -y[0];
  }
};

struct CountingSink {
  int failures = 0;
  void operator()(bool ok, const CheckInfo&) { failures += ok ? 0 : 1; }
};

TEST(HopfieldCheckHarness, CatchesASlightlyWrongStep) {
  CountingSink sink;
  olsf::testing::check_modern_hopfield<float, SlightlyWrongBackend>(AttentionBackends<float>::all()[0], sink);
  EXPECT_GE(sink.failures, 3);
}

TEST(HopfieldCheckHarness, CatchesAWrongSign) {
  CountingSink sink;
  olsf::testing::check_dense_hopfield<float, WrongSignBackend>(AttentionBackends<float>::all()[0], sink);
  EXPECT_GE(sink.failures, 2);
}

}  // namespace
