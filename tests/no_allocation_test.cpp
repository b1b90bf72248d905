// Proves that the public API never touches the heap: this binary replaces malloc and
// friends (operator new goes through malloc in libstdc++) with counting versions and
// calls every public entry point of every backend inside a counted window.
// Not built with sanitizers: ASan owns malloc there.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <limits>

#include "olsformer/olsformer.hpp"
#include "support/kernel_table.hpp"

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
void note() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  note();
  return __libc_malloc(n);
}
void* calloc(std::size_t c, std::size_t n) {
  note();
  return __libc_calloc(c, n);
}
void* realloc(void* p, std::size_t n) {
  note();
  return __libc_realloc(p, n);
}
void* memalign(std::size_t a, std::size_t n) {
  note();
  return __libc_memalign(a, n);
}
void* aligned_alloc(std::size_t a, std::size_t n) {
  note();
  return __libc_memalign(a, n);
}
int posix_memalign(void** p, std::size_t a, std::size_t n) {
  note();
  *p = __libc_memalign(a, n);
  return *p ? 0 : 12;  // ENOMEM
}
void free(void* p) { __libc_free(p); }
}

namespace {

class AllocationWindow {
 public:
  AllocationWindow() {
    g_allocations = 0;
    g_counting = true;
  }
  ~AllocationWindow() { g_counting = false; }
  long count() const { return g_allocations.load(); }
};

template <typename T>
void call_every_kernel(const olsf::testing::KernelTable<T>& k) {
  alignas(64) T x[100], y[100], a[100 * 8];
  for (int i = 0; i < 100; ++i) x[i] = y[i] = static_cast<T>(i % 7) - T(3);
  for (int i = 0; i < 800; ++i) a[i] = T(1) / static_cast<T>(i + 1);
  volatile T sink = 0;
  (void)k.name;
  (void)k.isa;
  sink = sink + k.dot(100, x, 1, y, 1) + k.dot(33, x, 3, y, 2);
  k.axpy(100, T(0.5), x, 1, y, 1);
  k.axpy(33, T(0.5), x, 3, y, 3);
  k.gemv(8, 100, T(1), a, 100, x, 1, T(0), y, 1);
  k.gemv(8, 30, T(1), a, 100, x, 3, T(0.5), y, 2);
  k.gemv_t(8, 100, T(1), a, 100, x, 1, T(0), y, 1);
  k.gemv_t(8, 30, T(1), a, 100, x, 2, T(0.5), y, 3);
  sink = sink + k.reduce_max(100, x, 1) + k.reduce_max(33, x, 3) + k.reduce_sum(100, x, 1) + k.reduce_sum(33, x, 3);
  k.exp(100, x, y);
  (void)k.softmax(100, x, 1, y, 1);
  (void)k.softmax(33, x, 3, y, 3);
  x[5] = std::numeric_limits<T>::quiet_NaN();
  (void)k.softmax(100, x, 1, y, 1);
  (void)k.softmax(0, x, 1, y, 1);
}

TEST(NoAllocation, TheCounterSeesAnAllocation) {
  AllocationWindow w;
  int* p = new int(3);
  const long seen = w.count();
  delete p;
  EXPECT_GE(seen, 1);
}

TEST(NoAllocation, EveryKernelOfEveryBackend) {
  long count = 0;
  {
    AllocationWindow w;
    for (std::size_t b = 0; b < olsf::testing::Backends<float>::kCount; ++b) {
      call_every_kernel(olsf::testing::Backends<float>::all()[b]);
      call_every_kernel(olsf::testing::Backends<double>::all()[b]);
    }
    count = w.count();
  }
  EXPECT_EQ(count, 0);
}

TEST(NoAllocation, MatricesAndStatus) {
  long count = 0;
  {
    AllocationWindow w;
    olsf::Matrix<float, 16, 16> m;
    olsf::Matrix<double, 8, 3> d;
    m.fill(1.0f);
    olsf::MatrixView<float> v;
    (void)m.block(4, 4, v);
    (void)m.block(40, 4, v);
    (void)d.view();
    volatile const char* s = olsf::to_string(olsf::Status::all_masked);
    (void)s;
    volatile const char* n = olsf::kernels::backend_name();
    (void)n;
    count = w.count();
  }
  EXPECT_EQ(count, 0);
}

}  // namespace
