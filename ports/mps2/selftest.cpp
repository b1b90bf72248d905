// olsformer on-target self-test: the same kernel checks GoogleTest runs on Linux
// (tests/support/kernel_checks.hpp), for every backend compiled for this core (Helium on
// Cortex-M55 included), reported over semihosting as "N passed, M failed"; the exit code
// is non-zero on any failure.
#include <cstddef>

#include "semihosting.h"
#include "support/attention_checks.hpp"
#include "support/covariance_checks.hpp"
#include "support/hopfield_checks.hpp"
#include "support/jacobi_checks.hpp"
#include "support/kernel_checks.hpp"

extern "C" unsigned olsf_sbrk_calls;

namespace {

// Decimal text of a count without printf (newlib-nano's printf costs ~20 KB).
const char* to_decimal(std::size_t v, char (&buf)[24]) {
  char* p = buf + sizeof buf - 1;
  *p = '\0';
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return p;
}

struct SemihostSink {
  std::size_t passed = 0;
  std::size_t failed = 0;
  void operator()(bool ok, const olsf::testing::CheckInfo& c) {
    if (ok) {
      ++passed;
      return;
    }
    ++failed;
    char buf[24];
    olsf_semihost_write("FAIL ");
    olsf_semihost_write(c.backend);
    olsf_semihost_write(" ");
    olsf_semihost_write(c.kernel);
    olsf_semihost_write(": ");
    olsf_semihost_write(c.what);
    olsf_semihost_write(" (n=");
    olsf_semihost_write(to_decimal(c.n, buf));
    olsf_semihost_write(", stride=");
    olsf_semihost_write(to_decimal(c.stride, buf));
    olsf_semihost_write(")\n");
  }
};

#if defined(OLSF_SELFTEST_INJECT_FAILURE)
// Negative test: a dot product wrong by a relative 1e-4 must be caught on target too.
float dot_slightly_wrong(std::size_t n, const float* x, std::size_t incx, const float* y, std::size_t incy) noexcept {
  return olsf::scalar::dot(n, x, incx, y, incy) * 1.0001f;
}
#endif

#if defined(OLSF_HAVE_HELIUM)
// The Helium backend (Cortex-M55) is not in the shared tables of tests/support (they list
// the backends of the Linux test binaries): its tables are made here.
template <typename T>
const olsf::testing::KernelTable<T>& helium_kernels() noexcept {
  static const olsf::testing::KernelTable<T> table = OLSF_KERNEL_TABLE(::olsf::helium, T);
  return table;
}
template <typename T>
const olsf::testing::AttentionTable<T>& helium_attention() noexcept {
  static const olsf::testing::AttentionTable<T> table = OLSF_ATTENTION_TABLE(::olsf::helium, T);
  return table;
}
#endif

template <typename T>
void run_kernels(SemihostSink& sink, const olsf::testing::KernelTable<T>& k, const char* type) {
  olsf_semihost_write(k.name);
  olsf_semihost_write(" (");
  olsf_semihost_write(k.isa);
  olsf_semihost_write(") ");
  olsf_semihost_write(type);
  olsf_semihost_write("\n");
  olsf::testing::check_all_kernels(k, sink);
}

template <typename T>
void run_backends(SemihostSink& sink, const char* type) {
  for (std::size_t b = 0; b < olsf::testing::Backends<T>::kCount; ++b)
    run_kernels(sink, olsf::testing::Backends<T>::all()[b], type);
#if defined(OLSF_HAVE_HELIUM)
  run_kernels(sink, helium_kernels<T>(), type);
#endif
}

template <class Backend>
void run_jacobi(SemihostSink& sink) {
  olsf_semihost_write(Backend::name());
  olsf_semihost_write(": SymmetricEigen, JacobiSvd\n");
  olsf::testing::check_all_jacobi<float, Backend>(sink);
  olsf::testing::check_all_jacobi<double, Backend>(sink);
}

// Softmax and linear attention of every backend, float and double, and multi-head
// decode (support/attention_checks.hpp).
template <typename T>
void run_attention_table(SemihostSink& sink, const olsf::testing::AttentionTable<T>& t, const char* type) {
  olsf_semihost_write(t.name);
  olsf_semihost_write(": attention ");
  olsf_semihost_write(type);
  olsf_semihost_write("\n");
  olsf::testing::check_all_attention(t, sink);
}

template <typename T>
void run_attention(SemihostSink& sink, const char* type) {
  for (std::size_t b = 0; b < olsf::testing::AttentionBackends<T>::kCount; ++b)
    run_attention_table(sink, olsf::testing::AttentionBackends<T>::all()[b], type);
  olsf::testing::check_multi_head<T, olsf::ScalarBackend>(olsf::testing::AttentionBackends<T>::all()[0], sink);
#if defined(OLSF_HAVE_HIGHWAY)
  olsf::testing::check_multi_head<T, olsf::HighwayBackend>(olsf::testing::AttentionBackends<T>::all()[1], sink);
#endif
}

// Hopfield memories (support/hopfield_checks.hpp): modern, dense and linear on every
// backend, float and double; the integer-only Hebbian memory once.
template <typename T>
void run_hopfield(SemihostSink& sink, const char* type) {
  const auto* tables = olsf::testing::AttentionBackends<T>::all();
  olsf_semihost_write(tables[0].name);
  olsf_semihost_write(": Hopfield ");
  olsf_semihost_write(type);
  olsf_semihost_write("\n");
  olsf::testing::check_all_hopfield<T, olsf::ScalarBackend>(tables[0], sink);
#if defined(OLSF_HAVE_HIGHWAY)
  olsf_semihost_write(tables[1].name);
  olsf_semihost_write(": Hopfield ");
  olsf_semihost_write(type);
  olsf_semihost_write("\n");
  olsf::testing::check_all_hopfield<T, olsf::HighwayBackend>(tables[1], sink);
#endif
}

#if defined(OLSF_HAVE_HELIUM)
// Helium's attention and Hopfield memories: the same checks as run_attention and
// run_hopfield (apart: the shared tables of tests/support list the Linux backends).
template <typename T>
void run_helium_attention(SemihostSink& sink, const char* type) {
  run_attention_table(sink, helium_attention<T>(), type);
  olsf::testing::check_multi_head<T, olsf::HeliumBackend>(helium_attention<T>(), sink);
}
template <typename T>
void run_helium_hopfield(SemihostSink& sink, const char* type) {
  olsf_semihost_write(helium_attention<T>().name);
  olsf_semihost_write(": Hopfield ");
  olsf_semihost_write(type);
  olsf_semihost_write("\n");
  olsf::testing::check_all_hopfield<T, olsf::HeliumBackend>(helium_attention<T>(), sink);
}
#endif

}  // namespace

// The batched slow memory (support/covariance_checks.hpp): kernels against long double
// and the scalar reference, add_batch against add(), float and double.
template <class Backend>
void run_covariance(SemihostSink& sink) {
  olsf_semihost_write(Backend::name());
  olsf_semihost_write(": covariance kernels, add_batch\n");
  olsf::testing::check_all_covariance<float, Backend>(sink);
  olsf::testing::check_all_covariance<double, Backend>(sink);
}

// OLSF_SELFTEST_PART: 1 = kernels, Jacobi; 2 = attention; 3 = covariance and Helium's
// Jacobi; 4 = Hopfield; 5 = Helium's Hopfield; 0 or unset = everything. The parts fit the 512 KB ITCM/DTCM of the Cortex-M55 board; the
// 4 MB boards run one image.
#ifndef OLSF_SELFTEST_PART
#define OLSF_SELFTEST_PART 0
#endif

int main() {
  SemihostSink sink;
#if OLSF_SELFTEST_PART == 0 || OLSF_SELFTEST_PART == 1
  run_backends<float>(sink, "float");
  run_backends<double>(sink, "double");
  run_jacobi<olsf::ScalarBackend>(sink);
#if defined(OLSF_HAVE_HIGHWAY)
  run_jacobi<olsf::HighwayBackend>(sink);
#endif
#endif
#if OLSF_SELFTEST_PART == 0 || OLSF_SELFTEST_PART == 3
  // Helium's Jacobi solvers here, not in part 1: their static objects would overflow the
  // 512 KB DTCM of mps3-an547 there.
#if defined(OLSF_HAVE_HELIUM)
  run_jacobi<olsf::HeliumBackend>(sink);
#endif
  run_covariance<olsf::ScalarBackend>(sink);
#if defined(OLSF_HAVE_HIGHWAY)
  run_covariance<olsf::HighwayBackend>(sink);
#endif
#if defined(OLSF_HAVE_HELIUM)
  run_covariance<olsf::HeliumBackend>(sink);
#endif
#endif
#if OLSF_SELFTEST_PART == 0 || OLSF_SELFTEST_PART == 2
  run_attention<float>(sink, "float");
  run_attention<double>(sink, "double");
#if defined(OLSF_HAVE_HELIUM)
  run_helium_attention<float>(sink, "float");
  run_helium_attention<double>(sink, "double");
#endif
#endif
#if OLSF_SELFTEST_PART == 0 || OLSF_SELFTEST_PART == 4
  run_hopfield<float>(sink, "float");
  run_hopfield<double>(sink, "double");
  olsf::testing::check_hebbian_hopfield(sink);
#endif
#if defined(OLSF_HAVE_HELIUM) && (OLSF_SELFTEST_PART == 0 || OLSF_SELFTEST_PART == 5)
  run_helium_hopfield<float>(sink, "float");
  run_helium_hopfield<double>(sink, "double");
#endif
#if defined(OLSF_SELFTEST_INJECT_FAILURE)
  olsf::testing::KernelTable<float> broken = olsf::testing::Backends<float>::all()[0];
  broken.name = "injected-wrong-dot";
  broken.dot = &dot_slightly_wrong;
  olsf::testing::check_dot(broken, sink);
#endif
  // Nothing above may have reached the heap (startup.c makes _sbrk fail and count).
  sink(olsf_sbrk_calls == 0, olsf::testing::CheckInfo{"all", "heap", "no allocation (_sbrk never called)", 0, 0});

  char buf[24];
  olsf_semihost_write(to_decimal(sink.passed, buf));
  olsf_semihost_write(" passed, ");
  olsf_semihost_write(to_decimal(sink.failed, buf));
  olsf_semihost_write(" failed\n");
  return sink.failed == 0 ? 0 : (sink.failed < 98 ? static_cast<int>(sink.failed) : 98);
}
