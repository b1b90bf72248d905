// Attention kernels of every backend against the long double reference
// (support/attention_checks.hpp, also run on Cortex-M), plus an independent Eigen
// formulation of decode, and proof that the checks can fail.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
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
OLSF_ATTENTION_TEST(AttnF32, NearTopOfRange, olsf::testing::check_attention_range, 6)
OLSF_ATTENTION_TEST(AttnF64, NearTopOfRange, olsf::testing::check_attention_range, 6)

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

// The head dimensions the SIMD backends compile with d fixed (16, 32, 64, 128, also as
// dv), beside a runtime d, at n around the block size (attention_block_keys()) and the
// lane count: decode against a long double reference. The bound is the one of
// attention_checks.hpp with every weight given the largest relative error r of any key
// (r_j <= r: a looser bound of the same derivation; those checks' buffers are sized for
// Cortex-M, too small for d = 128).
template <typename T>
void check_specialised_dims(const AttentionTable<T>& t, GtestSink& sink) {
  using olsf::testing::gam;
  using olsf::testing::Ref;
  using olsf::testing::unit_roundoff;
  constexpr std::size_t kN = 200, kD = 130;
  static T q[kD], k[kN * kD], v[kN * kD], out[kD + 1];
  olsf::testing::SplitMix64 rng(46);
  const std::size_t B = t.block;
  for (std::size_t d : {std::size_t(16), std::size_t(32), std::size_t(64), std::size_t(128), std::size_t(24)}) {
    for (std::size_t dv : {d, std::size_t(16), std::size_t(128), std::size_t(9)}) {
      for (std::size_t n : {std::size_t(1), t.lanes + 1, B - 1, B, B + 1, std::size_t(kN)}) {
        olsf::testing::fill_uniform(q, d, rng);
        olsf::testing::fill_uniform(k, n * d, rng);
        olsf::testing::fill_uniform(v, n * dv, rng, -2, 2);
        const T beta = T(4) / std::sqrt(static_cast<T>(d));  // logits spread over ~ +-4
        static Ref l[kN], p[kN];
        Ref m = -std::numeric_limits<Ref>::infinity(), sigma = 0;
        for (std::size_t j = 0; j < n; ++j) {
          Ref s = 0, sa = 0;
          for (std::size_t i = 0; i < d; ++i) {
            const Ref x = static_cast<Ref>(q[i]) * static_cast<Ref>(k[j * d + i]);
            s += x;
            sa += std::fabs(x);
          }
          l[j] = static_cast<Ref>(beta) * s;
          sigma = std::max(sigma, static_cast<Ref>(beta) * sa);
          m = std::max(m, l[j]);
        }
        Ref z = 0, lmax = 0;
        for (std::size_t j = 0; j < n; ++j) {
          p[j] = std::exp(l[j] - m);
          z += p[j];
          lmax = std::max(lmax, m - l[j]);
        }
        const std::size_t blocks = (n + B - 1) / B;
        for (int i = 0; i <= int(dv); ++i) out[i] = olsf::testing::kAttnSentinel<T>;
        const olsf::Status st = t.decode(n, d, dv, beta, q, k, d, v, dv, nullptr, out, nullptr);
        bool ok = st == olsf::Status::ok && out[dv] == olsf::testing::kAttnSentinel<T>;
        for (std::size_t c = 0; c < dv && ok; ++c) {
          Ref want = 0, a = 0;
          for (std::size_t j = 0; j < n; ++j) {
            want += p[j] / z * static_cast<Ref>(v[j * dv + c]);
            a += p[j] / z * std::fabs(static_cast<Ref>(v[j * dv + c]));
          }
          const Ref o = std::fabs(want);
          Ref bound = 0;
          for (int model = 0; model < 2; ++model) {  // the backend's rounding, then the reference's
            const Ref u = model == 0 ? unit_roundoff<T>() : unit_roundoff<Ref>();
            const Ref ke = model == 0 ? static_cast<Ref>(t.exp_max_ulp) : 1;
            const Ref rescales = model == 0 ? static_cast<Ref>(blocks) : 0;
            const Ref dl = gam(static_cast<Ref>(d + 2), u) * sigma;
            const Ref dx = 2 * dl + u * (lmax + 2 * dl);
            const Ref r = std::exp(dx) * (1 + gam((2 * ke + 2) * (rescales + 1), u)) *
                              (1 + gam(static_cast<Ref>(n), u)) - 1;
            const Ref flush = model == 0 ? static_cast<Ref>(n) * static_cast<Ref>(std::numeric_limits<T>::min()) : 0;
            bound += (a * r + o * r) / (1 - r) * (1 + u) + u * o + flush * (2 + o);
          }
          ok = std::fabs(static_cast<Ref>(out[c]) - want) <= bound;
        }
        sink(ok, CheckInfo{t.name, "attention_decode", "specialised d / dv vs long double", n, d * 1000 + dv});
      }
    }
  }
}

TEST_P(AttnF32, DecodeSpecialisedDims) {
  check_specialised_dims(backend(), sink);
  EXPECT_EQ(sink.checks, 5 * 4 * 6);
}
TEST_P(AttnF64, DecodeSpecialisedDims) {
  check_specialised_dims(backend(), sink);
  EXPECT_EQ(sink.checks, 5 * 4 * 6);
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
