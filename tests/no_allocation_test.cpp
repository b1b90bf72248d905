// Proves that the public API never touches the heap: this binary replaces malloc and
// friends (operator new goes through malloc in libstdc++) with counting versions and
// calls every public entry point of every backend inside a counted window.
// Not built with sanitizers: ASan owns malloc there.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "olsformer/olsformer.h"
#include "olsformer/olsformer.hpp"
#include "support/attention_table.hpp"
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

template <typename T>
void call_every_attention_kernel(const olsf::testing::AttentionTable<T>& t) {
  alignas(64) T q[4 * 16], k[40 * 16], v[40 * 8], mask[4 * 40], out[4 * 8], state[16 * 8], z[16];
  for (int i = 0; i < 4 * 16; ++i) q[i] = static_cast<T>(i % 5) * T(0.1);
  for (int i = 0; i < 40 * 16; ++i) k[i] = static_cast<T>(i % 7) * T(0.05);
  for (int i = 0; i < 40 * 8; ++i) v[i] = static_cast<T>(i % 3);
  for (int i = 0; i < 4 * 40; ++i) mask[i] = i % 4 == 1 ? -std::numeric_limits<T>::infinity() : T(0);
  for (int i = 0; i < 16 * 8; ++i) state[i] = T(0);
  for (int i = 0; i < 16; ++i) z[i] = T(0);
  olsf::AttentionObservables<T> obs[4];
  (void)t.decode(40, 16, 8, T(0.25), q, k, 16, v, 8, nullptr, out, nullptr);
  (void)t.decode(40, 16, 8, T(0.25), q, k, 16, v, 8, mask, out, obs);
  (void)t.decode(0, 16, 8, T(0.25), q, k, 16, v, 8, nullptr, out, obs);
  (void)t.prefill(4, 40, 16, 8, T(0.25), q, 16, k, 16, v, 8, nullptr, 40, true, out, 8, obs);
  (void)t.prefill(4, 40, 16, 8, T(0.25), q, 16, k, 16, v, 8, mask, 40, false, out, 8, nullptr);
  for (int s = 0; s < 3; ++s)
    (void)t.linear_update(16, 8, olsf::FeatureMap::elu_plus_one, k + s * 16, v + s * 8, state, 8, z);
  (void)t.linear_query(16, 8, olsf::FeatureMap::elu_plus_one, q, state, 8, z, true, out);
  (void)t.linear(4, 40, 16, 8, olsf::FeatureMap::identity, true, false, q, 16, k, 16, v, 8, out, 8);
  (void)t.linear(4, 40, 16, 8, olsf::FeatureMap::elu_plus_one, false, true, q, 16, k, 16, v, 8, out, 8);
}

TEST(NoAllocation, EveryAttentionKernelOfEveryBackend) {
  long count = 0;
  {
    AllocationWindow w;
    for (std::size_t b = 0; b < olsf::testing::AttentionBackends<float>::kCount; ++b) {
      call_every_attention_kernel(olsf::testing::AttentionBackends<float>::all()[b]);
      call_every_attention_kernel(olsf::testing::AttentionBackends<double>::all()[b]);
    }
    // The algorithm header: multi-head decode with its staging inside the object.
    static olsf::MultiHeadAttention<float, 2, 8> mha;
    alignas(64) float q[32] = {}, k[10 * 32] = {}, v[10 * 16] = {}, out[16];
    (void)mha.decode(10, 16, 8, 1.0f, q, k, 32, v, 16, nullptr, out);
    count = w.count();
  }
  EXPECT_EQ(count, 0);
}

template <typename T, class Backend>
void run_jacobi() {
  static olsf::Matrix<T, 12, 12> a;
  static olsf::Matrix<T, 40, 12> x;
  static olsf::SymmetricEigen<T, 12, Backend> eig, warm;
  static olsf::JacobiSvd<T, 40, 12, Backend> svd;
  for (std::size_t i = 0; i < 12; ++i)
    for (std::size_t j = 0; j <= i; ++j) a(i, j) = a(j, i) = static_cast<T>((i * 7 + j * 3) % 11) - T(5);
  for (std::size_t i = 0; i < 40; ++i)
    for (std::size_t j = 0; j < 12; ++j) x(i, j) = static_cast<T>((i * 5 + j * 13) % 17) - T(8);
  olsf::JacobiOptions cyclic;
  cyclic.ordering = olsf::JacobiOrdering::cyclic;
  cyclic.criterion = olsf::JacobiCriterion::absolute;
  EXPECT_EQ(eig.compute(a), olsf::Status::ok);
  EXPECT_EQ(warm.compute(a, eig.eigenvectors()), olsf::Status::ok);
  EXPECT_EQ(eig.compute(a, cyclic), olsf::Status::ok);
  EXPECT_EQ(svd.compute(x), olsf::Status::ok);
  a(3, 4) = std::numeric_limits<T>::quiet_NaN();
  EXPECT_EQ(eig.compute(a), olsf::Status::non_finite_input);
}

TEST(NoAllocation, JacobiOfEveryBackend) {
  long count = 0;
  {
    AllocationWindow w;
    run_jacobi<float, olsf::ScalarBackend>();
    run_jacobi<double, olsf::ScalarBackend>();
#if defined(OLSF_HAVE_HIGHWAY)
    run_jacobi<float, olsf::HighwayBackend>();
    run_jacobi<double, olsf::HighwayBackend>();
#endif
#if defined(OLSF_HAVE_XSIMD)
    run_jacobi<float, olsf::XsimdBackend>();
    run_jacobi<double, olsf::XsimdBackend>();
#endif
    count = w.count();
  }
  EXPECT_EQ(count, 0);
}

template <typename T, class B>
void run_ols() {
  static olsf::OlsTransformer<T, 4, 2, 16, B> model;  // static: ~10 KB
  static olsf::OlsTransformer<T, 4, 2, 16, B> other;
  olsf::OlsOptions<T> opt;
  opt.solver = olsf::OlsSolver::accurate;
  (void)model.set_options(opt);
  for (int i = 0; i < 12; ++i) {
    const T x[4] = {T(i % 5), T(1) / T(i + 1), T(i * i % 7), T(2)};
    const T y[2] = {x[0] - x[2], T(3) * x[1]};
    (void)model.observe(x, y);
    (void)other.observe(x, y);
  }
  T y[2], scores[16];
  const T q[4] = {1, 2, 3, 4};
  (void)model.refit();
  (void)model.predict(q, y);
  (void)model.attend(q, y, scores);
  (void)model.layer();
  opt.solver = olsf::OlsSolver::covariance;
  (void)model.set_options(opt);
  (void)model.refit();
  (void)model.refit();  // warm start
  olsf::CovarianceAccumulator<T, 4, 2, B> a, b;
  (void)a.add(q, y);
  (void)b.add(q, y);
  (void)a.merge(b);
  (void)model.merge(other);
  const T nan_x[4] = {std::numeric_limits<T>::quiet_NaN(), 0, 0, 0};
  (void)model.observe(nan_x, y);
  model.reset();
  (void)model.refit();
}

TEST(NoAllocation, OlsTransformerOfEveryBackend) {
  long count = 0;
  {
    AllocationWindow w;
    run_ols<float, olsf::ScalarBackend>();
    run_ols<double, olsf::ScalarBackend>();
#if defined(OLSF_HAVE_HIGHWAY)
    run_ols<float, olsf::HighwayBackend>();
    run_ols<double, olsf::HighwayBackend>();
#endif
#if defined(OLSF_HAVE_XSIMD)
    run_ols<float, olsf::XsimdBackend>();
    run_ols<double, olsf::XsimdBackend>();
#endif
    count = w.count();
  }
  EXPECT_EQ(count, 0);
}

template <typename T, class B>
void run_layers() {
  static olsf::OlsTransformer<T, 4, 2, 16, B> model;
  static olsf::LinearAttentionLayer<T, 4, 2, 16, B> linear;
  static olsf::SoftmaxAttentionLayer<T, 4, 2, 16, B> soft;
  model.reset();
  for (int i = 0; i < 12; ++i) {
    const T x[4] = {T(i % 5), T(1) / T(i + 1), T(i * i % 7), T(2 + i % 3)};
    const T y[2] = {x[0] - x[2], T(3) * x[1]};
    (void)model.observe(x, y);
  }
  (void)model.refit();
  (void)linear.load(model.layer());
  (void)soft.load(model.layer());
  for (std::size_t i = 0; i < model.context_size(); ++i) {
    (void)linear.push(model.context_x(i), model.context_y(i));
    (void)soft.push(model.context_x(i), model.context_y(i));
  }
  T y[2], scores[16], out[16 * 2], p[16];
  olsf::AttentionObservables<T> obs;
  const T q[4] = {1, 2, 3, 4};
  (void)linear.forward(q, y, scores);
  (void)linear.attend(q, y, scores);
  (void)linear.forward_context(out, 2);
  for (auto kernel : {olsf::SoftmaxKernel::dot_product, olsf::SoftmaxKernel::gaussian}) {
    soft.set_kernel(kernel);
    (void)soft.forward(q, T(2), y, &obs);
    (void)soft.weights(q, T(2), p);
  }
  linear.clear_context();
  soft.clear_context();
  (void)linear.forward(q, y);  // empty
  (void)soft.forward(q, T(2), y);
}

TEST(NoAllocation, TransformerLayersOfEveryBackend) {
  long count = 0;
  {
    AllocationWindow w;
    run_layers<float, olsf::ScalarBackend>();
    run_layers<double, olsf::ScalarBackend>();
#if defined(OLSF_HAVE_HIGHWAY)
    run_layers<float, olsf::HighwayBackend>();
    run_layers<double, olsf::HighwayBackend>();
#endif
#if defined(OLSF_HAVE_XSIMD)
    run_layers<float, olsf::XsimdBackend>();
    run_layers<double, olsf::XsimdBackend>();
#endif
    count = w.count();
  }
  EXPECT_EQ(count, 0);
}

template <typename T, class B>
void run_hopfield() {
  static olsf::ModernHopfield<T, 16, 32, 0, B> modern;  // static: the objects hold their patterns
  static olsf::ModernHopfield<T, 16, 32, 4, B> hetero;
  static olsf::DenseHopfield<T, 16, 32, B> dense;
  static olsf::LinearHopfield<T, 16, 32, B> linear;
  modern.clear();
  hetero.clear();
  dense.clear();
  linear.clear();
  T p[16], v[4], out[16];
  for (int k = 0; k < 8; ++k) {
    for (int i = 0; i < 16; ++i) p[i] = ((k * 7 + i * 3) % 5) < 2 ? T(-1) : T(1);
    for (int i = 0; i < 4; ++i) v[i] = T(k + i);
    (void)modern.store(p);
    (void)hetero.store(p, v);
    (void)dense.store(p);
    (void)linear.store(p);
  }
  olsf::HopfieldInfo<T> info;
  T e = 0;
  (void)modern.retrieve(p, out, {T(2), 5, T(1e-4)}, &info);
  (void)modern.energy(p, T(2), e);
  (void)hetero.retrieve(p, v, {T(2), 3, T(0)}, &info);
  olsf::DenseInfo<T> di;
  for (const auto kind : {olsf::DenseInteraction::polynomial, olsf::DenseInteraction::rectified_polynomial,
                          olsf::DenseInteraction::exponential})
    for (const auto u : {olsf::HopfieldUpdate::synchronous, olsf::HopfieldUpdate::asynchronous})
      (void)dense.retrieve(p, out, {kind, 3, u, 20}, &di);
  (void)dense.energy(p, {}, e);
  olsf::LinearHopfieldInfo<T> li;
  (void)linear.retrieve(p, out, {3, T(0)}, &li);
  p[3] = std::numeric_limits<T>::quiet_NaN();
  (void)modern.retrieve(p, out);
  (void)dense.retrieve(p, out);
  (void)linear.retrieve(p, out);
  (void)modern.store(p);
}

TEST(NoAllocation, HopfieldOfEveryBackend) {
  long count = 0;
  {
    AllocationWindow w;
    run_hopfield<float, olsf::ScalarBackend>();
    run_hopfield<double, olsf::ScalarBackend>();
#if defined(OLSF_HAVE_HIGHWAY)
    run_hopfield<float, olsf::HighwayBackend>();
    run_hopfield<double, olsf::HighwayBackend>();
#endif
#if defined(OLSF_HAVE_XSIMD)
    run_hopfield<float, olsf::XsimdBackend>();
    run_hopfield<double, olsf::XsimdBackend>();
#endif
    static olsf::HebbianHopfield<100, 14> hebbian;
    hebbian.clear();
    signed char s[100], o[100];
    for (int k = 0; k < 10; ++k) {
      for (int i = 0; i < 100; ++i) s[i] = ((k * 11 + i * 5) % 7) < 3 ? -1 : 1;
      (void)hebbian.store(s);
    }
    olsf::HebbianInfo hi;
    (void)hebbian.retrieve(s, o, {olsf::HopfieldUpdate::synchronous, 20}, &hi);
    (void)hebbian.retrieve(s, o, {olsf::HopfieldUpdate::asynchronous, 20}, &hi);
    std::int64_t he = 0;
    (void)hebbian.energy(s, he);
    s[0] = 0;
    (void)hebbian.store(s);
    count = w.count();
  }
  EXPECT_EQ(count, 0);
}

// The C API (olsformer.h): objects in static storage, every call inside the window.
TEST(NoAllocation, CApi) {
  static olsf_ols ols;
  static olsf_hopfield memory;
  long count = 0;
  {
    AllocationWindow w;
    float x[3] = {1, 2, 3}, y = 0, b[3], scores[OLSF_C_OLS_CONTEXT], out[8], p[8];
    (void)olsf_ols_init(&ols, 3, 1, 0.0f);
    for (int i = 0; i < 10; ++i) {
      x[0] = float(i);
      x[1] = float(i * i % 7);
      x[2] = float(i % 3);
      (void)olsf_ols_observe(&ols, x, 2 * x[0] - x[1] + 1);
    }
    (void)olsf_ols_refit(&ols);
    (void)olsf_ols_predict(&ols, x, &y);
    (void)olsf_ols_attend(&ols, x, &y, scores);
    (void)olsf_ols_coefficients(&ols, b, &y);
    (void)olsf_hopfield_init(&memory, 8);
    for (int k = 0; k < 4; ++k) {
      for (int i = 0; i < 8; ++i) p[i] = (k + i) % 3 ? 1.0f : -1.0f;
      (void)olsf_hopfield_store(&memory, p);
    }
    unsigned steps = 0;
    float entropy = 0;
    (void)olsf_hopfield_retrieve(&memory, p, 1.0f, 3, out, &steps, &entropy);
    const float q[2] = {1, 0}, k[4] = {1, 0, 0, 1}, v[2] = {1, 2};
    (void)olsf_attention_decode(2, 2, 1, 1.0f, q, k, 2, v, 1, nullptr, out, &entropy);
    volatile const char* s = olsf_status_string(OLSF_EMPTY);
    (void)s;
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
