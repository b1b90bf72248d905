// The Highway backend's shared checks (tests/support/*_checks.hpp: long double and scalar
// references) on EVERY Highway target compiled into the library that this CPU runs, not
// only on the one dispatch picks: each test forces one target at a time through libhwy's
// hwy::SetSupportedTargetsForTest and restores the CPU's own choice afterwards. With
// dynamic dispatch (x86-64) that is AVX2 and, where the CPU has AVX-512, AVX3; static
// builds (aarch64) have one target and run the same checks once.
#include <gtest/gtest.h>

#include <hwy/targets.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../lib/highway/highway_targets.hpp"
#include "olsformer/backend.hpp"
#include "support/attention_checks.hpp"
#include "support/covariance_checks.hpp"
#include "support/hopfield_checks.hpp"
#include "support/jacobi_checks.hpp"
#include "support/kernel_checks.hpp"

#if defined(OLSF_HAVE_HIGHWAY)
namespace {

using olsf::testing::CheckInfo;

struct GtestSink {
  int checks = 0;
  std::string target;
  void operator()(bool ok, const CheckInfo& c) {
    ++checks;
    if (!ok) {
      ADD_FAILURE() << target << ": " << c.backend << " " << c.kernel << ": " << c.what << " (n=" << c.n
                    << ", detail=" << c.stride << ")";
    }
  }
};

// Compiled and supported by this CPU, best (lowest bit) first.
std::vector<std::int64_t> usable_targets() {
  std::vector<std::int64_t> out;
  for (std::int64_t t = olsf::highway::compiled_targets() & hwy::SupportedTargets(); t != 0; t &= t - 1)
    out.push_back(t & -t);
  return out;
}

// Forces each usable target in turn; the destructor gives dispatch back to the CPU.
class EachTarget : public ::testing::Test {
 protected:
  void SetUp() override {
    // The shared tables cache isa and lane count at first use: fill them with the CPU's
    // own choice before any target is forced (other tests of this binary read them).
    (void)olsf::testing::Backends<float>::all();
    (void)olsf::testing::Backends<double>::all();
    (void)olsf::testing::AttentionBackends<float>::all();
    (void)olsf::testing::AttentionBackends<double>::all();
  }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }

  template <class F>
  void run(F&& f) {
    const std::vector<std::int64_t> targets = usable_targets();
    ASSERT_FALSE(targets.empty());
    for (std::int64_t t : targets) {
      hwy::SetSupportedTargetsForTest(t);
      ASSERT_EQ(olsf::highway::dispatched_target(), t) << hwy::TargetName(t);
      ASSERT_STREQ(olsf::highway::isa_name(), hwy::TargetName(t));
      GtestSink sink;
      sink.target = hwy::TargetName(t);
      f(sink);
      EXPECT_GT(sink.checks, 0) << sink.target;
      ++tested;
    }
    hwy::SetSupportedTargetsForTest(0);
    EXPECT_EQ(tested, targets.size());
  }
  std::size_t tested = 0;
};

// Built per target: the lane count decides which lengths the checks try.
template <typename T>
olsf::testing::KernelTable<T> kernel_table() {
  return OLSF_KERNEL_TABLE(::olsf::highway, T);
}
template <typename T>
olsf::testing::AttentionTable<T> attention_table() {
  return OLSF_ATTENTION_TABLE(::olsf::highway, T);
}

TEST_F(EachTarget, Kernels) {
  run([](GtestSink& sink) {
    olsf::testing::check_all_kernels(kernel_table<float>(), sink);
    olsf::testing::check_all_kernels(kernel_table<double>(), sink);
  });
}

TEST_F(EachTarget, Attention) {
  run([](GtestSink& sink) {
    olsf::testing::check_all_attention(attention_table<float>(), sink);
    olsf::testing::check_all_attention(attention_table<double>(), sink);
    olsf::testing::check_multi_head<float, olsf::HighwayBackend>(attention_table<float>(), sink);
    olsf::testing::check_multi_head<double, olsf::HighwayBackend>(attention_table<double>(), sink);
  });
}

TEST_F(EachTarget, Hopfield) {
  run([](GtestSink& sink) {
    olsf::testing::check_all_hopfield<float, olsf::HighwayBackend>(attention_table<float>(), sink);
    olsf::testing::check_all_hopfield<double, olsf::HighwayBackend>(attention_table<double>(), sink);
  });
}

TEST_F(EachTarget, Jacobi) {
  run([](GtestSink& sink) {
    olsf::testing::check_all_jacobi<float, olsf::HighwayBackend>(sink);
    olsf::testing::check_all_jacobi<double, olsf::HighwayBackend>(sink);
  });
}

TEST_F(EachTarget, Covariance) {
  run([](GtestSink& sink) {
    olsf::testing::check_all_covariance<float, olsf::HighwayBackend>(sink);
    olsf::testing::check_all_covariance<double, olsf::HighwayBackend>(sink);
  });
}

// Forcing a target and releasing it again: dispatch returns to the best usable target.
TEST(HighwayTargets, ForcedTargetIsReleased) {
  const std::vector<std::int64_t> targets = usable_targets();
  ASSERT_FALSE(targets.empty());
  hwy::SetSupportedTargetsForTest(targets.back());
  EXPECT_EQ(olsf::highway::dispatched_target(), targets.back());
  hwy::SetSupportedTargetsForTest(0);
  EXPECT_EQ(olsf::highway::dispatched_target(), targets.front());
}

}  // namespace
#endif  // OLSF_HAVE_HIGHWAY
