// Attention kernels of every backend against the long double reference
// (support/attention_checks.hpp, also run on Cortex-M), plus an independent Eigen
// formulation of decode, and proof that the checks can fail.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <string>

#include "support/attention_checks.hpp"

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

template <typename T>
class AttentionChecks : public ::testing::TestWithParam<std::size_t> {
 protected:
  const AttentionTable<T>& backend() const { return AttentionBackends<T>::all()[GetParam()]; }
  GtestSink sink;
};

using AttnF32 = AttentionChecks<float>;
using AttnF64 = AttentionChecks<double>;

#define OLSF_ATTENTION_TEST(Fixture, Name, check, min_checks) \
  TEST_P(Fixture, Name) {                                     \
    check(backend(), sink);                                   \
    EXPECT_GT(sink.checks, min_checks);                       \
  }

OLSF_ATTENTION_TEST(AttnF32, Decode, olsf::testing::check_attention_decode, 500)
OLSF_ATTENTION_TEST(AttnF32, Prefill, olsf::testing::check_attention_prefill, 50)
OLSF_ATTENTION_TEST(AttnF32, Linear, olsf::testing::check_linear_attention, 40)
OLSF_ATTENTION_TEST(AttnF64, Decode, olsf::testing::check_attention_decode, 500)
OLSF_ATTENTION_TEST(AttnF64, Prefill, olsf::testing::check_attention_prefill, 50)
OLSF_ATTENTION_TEST(AttnF64, Linear, olsf::testing::check_linear_attention, 40)

template <class Backend, typename T>
void multi_head(const AttentionTable<T>& t, GtestSink& sink) {
  olsf::testing::check_multi_head<T, Backend>(t, sink);
}

TEST_P(AttnF32, MultiHead) {
  switch (GetParam()) {
    case 0: multi_head<olsf::ScalarBackend>(backend(), sink); break;
#if defined(OLSF_HAVE_HIGHWAY)
    case 1: multi_head<olsf::HighwayBackend>(backend(), sink); break;
#endif
#if defined(OLSF_HAVE_XSIMD)
    default: multi_head<olsf::XsimdBackend>(backend(), sink); break;
#endif
  }
  EXPECT_EQ(sink.checks, 2);
}

std::string attention_label(const ::testing::TestParamInfo<std::size_t>& info) {
  return AttentionBackends<float>::all()[info.param].name;
}

INSTANTIATE_TEST_SUITE_P(Backend, AttnF32, ::testing::Range<std::size_t>(0, AttentionBackends<float>::kCount),
                         attention_label);
INSTANTIATE_TEST_SUITE_P(Backend, AttnF64, ::testing::Range<std::size_t>(0, AttentionBackends<double>::kCount),
                         attention_label);

// An independent formulation with Eigen in double (scores = K q, stable softmax,
// out = V^T p) for float inputs: every backend's decode within the derived bound.
TEST_P(AttnF32, DecodeMatchesEigen) {
  const auto& t = backend();
  olsf::testing::SplitMix64 rng(7);
  constexpr int n = 100, d = 24, dv = 9;
  Eigen::Matrix<float, n, d, Eigen::RowMajor> k;
  Eigen::Matrix<float, n, dv, Eigen::RowMajor> v;
  Eigen::Matrix<float, d, 1> q;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) k(i, j) = static_cast<float>(rng.uniform(-1, 1));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < dv; ++j) v(i, j) = static_cast<float>(rng.uniform(-1, 1));
  for (int j = 0; j < d; ++j) q(j) = static_cast<float>(rng.uniform(-1, 1));
  const float beta = 0.7f;
  Eigen::VectorXd s = beta * (k.cast<double>() * q.cast<double>());
  Eigen::VectorXd p = (s.array() - s.maxCoeff()).exp().matrix();
  p /= p.sum();
  const Eigen::VectorXd want = v.cast<double>().transpose() * p;
  float out[dv];
  ASSERT_EQ(t.decode(n, d, dv, beta, q.data(), k.data(), d, v.data(), dv, nullptr, out, nullptr), olsf::Status::ok);
  static olsf::testing::RowReference ref;
  olsf::testing::reference_row(n, d, dv, beta, q.data(), k.data(), d, v.data(), dv, static_cast<const float*>(nullptr),
                               t.exp_max_ulp, t.block, ref);
  for (int c = 0; c < dv; ++c) {
    // Eigen's double result is itself within ~1e-15 of the truth; the float bound dominates.
    EXPECT_LE(std::fabs(static_cast<double>(out[c]) - want(c)), static_cast<double>(ref.bound[c]) + 1e-12) << c;
  }
}

// ---- The checks can fail -----------------------------------------------------------------
// Wrong by far less than a user would notice: one output of decode off by a relative 1e-5,
// the entropy off by 1e-4, one row of the parallel linear attention off by 1e-5.
olsf::Status decode_slightly_wrong(std::size_t n, std::size_t d, std::size_t dv, float beta, const float* q,
                                   const float* k, std::size_t ldk, const float* v, std::size_t ldv, const float* mask,
                                   float* out, olsf::AttentionObservables<float>* obs) noexcept {
  const olsf::Status s = olsf::scalar::attention_decode(n, d, dv, beta, q, k, ldk, v, ldv, mask, out, obs);
  if (s == olsf::Status::ok && dv > 0) out[dv / 2] *= 1.00001f;
  return s;
}
olsf::Status entropy_slightly_wrong(std::size_t n, std::size_t d, std::size_t dv, float beta, const float* q,
                                    const float* k, std::size_t ldk, const float* v, std::size_t ldv,
                                    const float* mask, float* out, olsf::AttentionObservables<float>* obs) noexcept {
  const olsf::Status s = olsf::scalar::attention_decode(n, d, dv, beta, q, k, ldk, v, ldv, mask, out, obs);
  if (s == olsf::Status::ok && obs) obs->entropy = obs->entropy * 1.0001f + 1e-6f;
  return s;
}
olsf::Status linear_slightly_wrong(std::size_t m, std::size_t n, std::size_t d, std::size_t dv, olsf::FeatureMap phi,
                                   bool causal, bool normalize, const float* q, std::size_t ldq, const float* k,
                                   std::size_t ldk, const float* v, std::size_t ldv, float* out,
                                   std::size_t ldo) noexcept {
  const olsf::Status s = olsf::scalar::linear_attention(m, n, d, dv, phi, causal, normalize, q, ldq, k, ldk, v, ldv, out, ldo);
  if (s == olsf::Status::ok) out[(m / 2) * ldo] *= 1.00001f;
  return s;
}

struct CountingSink {
  int failures = 0;
  void operator()(bool ok, const CheckInfo&) { failures += ok ? 0 : 1; }
};

TEST(AttentionCheckHarness, CatchesASlightlyWrongDecode) {
  AttentionTable<float> broken = AttentionBackends<float>::all()[0];
  broken.decode = &decode_slightly_wrong;
  CountingSink sink;
  olsf::testing::check_attention_decode(broken, sink);
  EXPECT_GT(sink.failures, 50);
}

TEST(AttentionCheckHarness, CatchesASlightlyWrongEntropy) {
  AttentionTable<float> broken = AttentionBackends<float>::all()[0];
  broken.decode = &entropy_slightly_wrong;
  CountingSink sink;
  olsf::testing::check_attention_decode(broken, sink);
  EXPECT_GT(sink.failures, 50);
}

TEST(AttentionCheckHarness, CatchesASlightlyWrongLinearAttention) {
  AttentionTable<float> broken = AttentionBackends<float>::all()[0];
  broken.linear = &linear_slightly_wrong;
  CountingSink sink;
  olsf::testing::check_linear_attention(broken, sink);
  EXPECT_GT(sink.failures, 5);
}

}  // namespace
