// Every backend compiled into this binary against the long double reference, on the
// ISA this binary runs on (x86-64 natively, aarch64 under qemu-aarch64).
#include <gtest/gtest.h>

#include <string>

#include "support/kernel_checks.hpp"

namespace {

using olsf::testing::Backends;
using olsf::testing::CheckInfo;
using olsf::testing::KernelTable;

struct GtestSink {
  int checks = 0;
  void operator()(bool ok, const CheckInfo& c) {
    ++checks;
    if (!ok) {
      ADD_FAILURE() << c.backend << " " << c.kernel << ": " << c.what << " (n=" << c.n << ", stride=" << c.stride << ")";
    }
  }
};

template <typename T>
class KernelChecks : public ::testing::TestWithParam<std::size_t> {
 protected:
  const KernelTable<T>& backend() const { return Backends<T>::all()[GetParam()]; }
  GtestSink sink;
};

using F32 = KernelChecks<float>;
using F64 = KernelChecks<double>;

#define OLSF_KERNEL_TEST(Fixture, Name, check) \
  TEST_P(Fixture, Name) {                      \
    check(backend(), sink);                    \
    EXPECT_GT(sink.checks, 0);                 \
  }

OLSF_KERNEL_TEST(F32, Dot, olsf::testing::check_dot)
OLSF_KERNEL_TEST(F32, Axpy, olsf::testing::check_axpy)
OLSF_KERNEL_TEST(F32, Gemv, olsf::testing::check_gemv)
OLSF_KERNEL_TEST(F32, Reductions, olsf::testing::check_reductions)
OLSF_KERNEL_TEST(F32, Exp, olsf::testing::check_exp)
OLSF_KERNEL_TEST(F32, Softmax, olsf::testing::check_softmax)
OLSF_KERNEL_TEST(F64, Dot, olsf::testing::check_dot)
OLSF_KERNEL_TEST(F64, Axpy, olsf::testing::check_axpy)
OLSF_KERNEL_TEST(F64, Gemv, olsf::testing::check_gemv)
OLSF_KERNEL_TEST(F64, Reductions, olsf::testing::check_reductions)
OLSF_KERNEL_TEST(F64, Exp, olsf::testing::check_exp)
OLSF_KERNEL_TEST(F64, Softmax, olsf::testing::check_softmax)

std::string backend_label(const ::testing::TestParamInfo<std::size_t>& info) {
  return Backends<float>::all()[info.param].name;
}

INSTANTIATE_TEST_SUITE_P(Backend, F32, ::testing::Range<std::size_t>(0, Backends<float>::kCount), backend_label);
INSTANTIATE_TEST_SUITE_P(Backend, F64, ::testing::Range<std::size_t>(0, Backends<double>::kCount), backend_label);

// The checks must be able to fail: a kernel that is wrong by far less than a user would
// notice (a relative 1e-4 on dot, one lane of softmax off by 1e-5) is caught.
float dot_slightly_wrong(std::size_t n, const float* x, std::size_t incx, const float* y, std::size_t incy) noexcept {
  return olsf::scalar::dot(n, x, incx, y, incy) * 1.0001f;
}
olsf::Status softmax_slightly_wrong(std::size_t n, const float* x, std::size_t incx, float* y, std::size_t incy) noexcept {
  const olsf::Status s = olsf::scalar::softmax(n, x, incx, y, incy);
  if (s == olsf::Status::ok && n > 1) y[(n / 2) * incy] *= 1.00001f;
  return s;
}

struct CountingSink {
  int failures = 0;
  void operator()(bool ok, const CheckInfo&) { failures += ok ? 0 : 1; }
};

TEST(CheckHarness, CatchesASlightlyWrongDot) {
  KernelTable<float> broken = Backends<float>::all()[0];
  broken.dot = &dot_slightly_wrong;
  CountingSink sink;
  olsf::testing::check_dot(broken, sink);
  EXPECT_GT(sink.failures, 5);
}

TEST(CheckHarness, CatchesASlightlyWrongSoftmax) {
  KernelTable<float> broken = Backends<float>::all()[0];
  broken.softmax = &softmax_slightly_wrong;
  CountingSink sink;
  olsf::testing::check_softmax(broken, sink);
  EXPECT_GT(sink.failures, 5);
}

}  // namespace
