// olsformer tests: the batched slow-memory kernels (detail/covariance_api.inc) of every
// backend against long double and against the scalar reference on this ISA, and
// CovarianceAccumulator::add_batch against add() (support/covariance_checks.hpp, also run
// on Cortex-M by ports/mps2/selftest.cpp).
#include <gtest/gtest.h>

#include "support/backend_cases.hpp"
#include "support/covariance_checks.hpp"

namespace {

using olsf::testing::CheckInfo;

struct GtestSink {
  int checks = 0;
  void operator()(bool ok, const CheckInfo& c) {
    ++checks;
    if (!ok) ADD_FAILURE() << c.backend << " " << c.kernel << ": " << c.what << " (m=" << c.n << ", d=" << c.stride << ")";
  }
};

template <class C>
class CovarianceKernels : public ::testing::Test {};
TYPED_TEST_SUITE(CovarianceKernels, olsf::testing::BackendCases, olsf::testing::BackendCaseNames);

TYPED_TEST(CovarianceKernels, AllChecks) {
  GtestSink sink;
  olsf::testing::check_all_covariance<typename TypeParam::Scalar, typename TypeParam::Backend>(sink);
  EXPECT_GT(sink.checks, 400);
}

}  // namespace
