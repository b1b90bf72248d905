// olsformer xsimd backend: xsimd 8.1 batches for the architecture the compiler flags
// select (fma3<avx2> on the host preset, neon64 on aarch64). xsimd 8.1 has no scalar
// architecture, so CMake builds this backend only where a SIMD one exists.
// Strided access falls back to the scalar reference in this one place.
#include <cstddef>
#include <limits>

#include <xsimd/xsimd.hpp>

#include "../common/define_kernels.hpp"
#include "../common/softmax_guard.hpp"
#include "batch_support.hpp"
#include "olsformer/kernels.hpp"

namespace olsf::xsimd {
namespace {
namespace xs = ::xsimd;

template <typename T>
using Batch = xs::batch<T>;

using xsimd_detail::load_tail;
using xsimd_detail::store_tail;
using xsimd_detail::exact_div;

template <typename T>
T dot_impl(std::size_t n, const T* x, std::size_t incx, const T* y, std::size_t incy) noexcept {
  if (incx != 1 || incy != 1) return scalar::dot(n, x, incx, y, incy);
  constexpr std::size_t N = Batch<T>::size;
  // Four independent accumulators hide the FMA latency.
  Batch<T> s0(T(0)), s1(T(0)), s2(T(0)), s3(T(0));
  std::size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    s0 = xs::fma(Batch<T>::load_unaligned(x + i), Batch<T>::load_unaligned(y + i), s0);
    s1 = xs::fma(Batch<T>::load_unaligned(x + i + N), Batch<T>::load_unaligned(y + i + N), s1);
    s2 = xs::fma(Batch<T>::load_unaligned(x + i + 2 * N), Batch<T>::load_unaligned(y + i + 2 * N), s2);
    s3 = xs::fma(Batch<T>::load_unaligned(x + i + 3 * N), Batch<T>::load_unaligned(y + i + 3 * N), s3);
  }
  for (; i + N <= n; i += N) s0 = xs::fma(Batch<T>::load_unaligned(x + i), Batch<T>::load_unaligned(y + i), s0);
  if (i < n) s1 = xs::fma(load_tail(x + i, n - i, T(0)), load_tail(y + i, n - i, T(0)), s1);
  return xs::hadd((s0 + s1) + (s2 + s3));
}

template <typename T>
void axpy_impl(std::size_t n, T a, const T* x, std::size_t incx, T* y, std::size_t incy) noexcept {
  if (incx != 1 || incy != 1) return scalar::axpy(n, a, x, incx, y, incy);
  constexpr std::size_t N = Batch<T>::size;
  const Batch<T> va(a);
  std::size_t i = 0;
  for (; i + N <= n; i += N)
    xs::fma(va, Batch<T>::load_unaligned(x + i), Batch<T>::load_unaligned(y + i)).store_unaligned(y + i);
  for (; i < n; ++i) y[i] += a * x[i];
}

template <typename T>
void gemv_impl(std::size_t rows, std::size_t cols, T alpha, const T* a, std::size_t lda, const T* x,
               std::size_t incx, T beta, T* y, std::size_t incy) noexcept {
  if (incx != 1) return scalar::gemv(rows, cols, alpha, a, lda, x, incx, beta, y, incy);
  for (std::size_t i = 0; i < rows; ++i) {
    const T ax = alpha * dot_impl(cols, a + i * lda, 1, x, 1);
    y[i * incy] = beta == T(0) ? ax : ax + beta * y[i * incy];
  }
}

template <typename T>
void gemv_t_impl(std::size_t rows, std::size_t cols, T alpha, const T* a, std::size_t lda,
                 const T* x, std::size_t incx, T beta, T* y, std::size_t incy) noexcept {
  if (incy != 1) return scalar::gemv_t(rows, cols, alpha, a, lda, x, incx, beta, y, incy);
  // y = beta*y, then one axpy per row of A: rows are contiguous, so this vectorizes.
  for (std::size_t j = 0; j < cols; ++j) y[j] = beta == T(0) ? T(0) : beta * y[j];
  for (std::size_t i = 0; i < rows; ++i) axpy_impl(cols, alpha * x[i * incx], a + i * lda, 1, y, 1);
}

template <typename T>
T reduce_max_impl(std::size_t n, const T* x, std::size_t incx) noexcept {
  if (incx != 1) return scalar::reduce_max(n, x, incx);
  constexpr std::size_t N = Batch<T>::size;
  const T neg_inf = -std::numeric_limits<T>::infinity();
  Batch<T> m(neg_inf);
  auto nan_seen = Batch<T>(T(0)) != Batch<T>(T(0));  // all false
  std::size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto v = Batch<T>::load_unaligned(x + i);
    m = xs::max(m, v);
    nan_seen = nan_seen || xs::isnan(v);  // hardware max does not propagate NaN
  }
  if (i < n) {
    const auto v = load_tail(x + i, n - i, neg_inf);
    m = xs::max(m, v);
    nan_seen = nan_seen || xs::isnan(v);
  }
  if (xs::any(nan_seen)) return std::numeric_limits<T>::quiet_NaN();
  alignas(Batch<T>::arch_type::alignment()) T buf[N];
  m.store_aligned(buf);
  T r = buf[0];
  for (std::size_t k = 1; k < N; ++k) r = buf[k] > r ? buf[k] : r;
  return r;
}

template <typename T>
T reduce_sum_impl(std::size_t n, const T* x, std::size_t incx) noexcept {
  if (incx != 1) return scalar::reduce_sum(n, x, incx);
  constexpr std::size_t N = Batch<T>::size;
  Batch<T> s0(T(0)), s1(T(0));
  std::size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    s0 += Batch<T>::load_unaligned(x + i);
    s1 += Batch<T>::load_unaligned(x + i + N);
  }
  for (; i + N <= n; i += N) s0 += Batch<T>::load_unaligned(x + i);
  if (i < n) s1 += load_tail(x + i, n - i, T(0));
  return xs::hadd(s0 + s1);
}

template <typename T>
void exp_impl(std::size_t n, const T* x, T* y) noexcept {
  constexpr std::size_t N = Batch<T>::size;
  std::size_t i = 0;
  for (; i + N <= n; i += N) xsimd_detail::exp(Batch<T>::load_unaligned(x + i)).store_unaligned(y + i);
  if (i < n) store_tail(xsimd_detail::exp(load_tail(x + i, n - i, T(0))), y + i, n - i);
}

template <typename T>
Status softmax_impl(std::size_t n, const T* x, std::size_t incx, T* y, std::size_t incy) noexcept {
  if (incx != 1 || incy != 1) return scalar::softmax(n, x, incx, y, incy);
  const T m = reduce_max_impl(n, x, 1);
  const Status s = detail::softmax_guard(n, m);
  if (s != Status::ok) return s;
  constexpr std::size_t N = Batch<T>::size;
  const Batch<T> vm(m);
  Batch<T> sum(T(0));
  std::size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto e = xsimd_detail::exp(Batch<T>::load_unaligned(x + i) - vm);  // <= 1: no overflow
    e.store_unaligned(y + i);
    sum += e;
  }
  if (i < n) {
    // Pad with -inf: e^-inf = 0 adds nothing to the sum.
    const auto e = xsimd_detail::exp(load_tail(x + i, n - i, -std::numeric_limits<T>::infinity()) - vm);
    store_tail(e, y + i, n - i);
    sum += e;
  }
  const T total = xs::hadd(sum);  // >= 1: the maximal logit contributes e^0
  const Batch<T> vt(total);
  i = 0;
  for (; i + N <= n; i += N) exact_div(Batch<T>::load_unaligned(y + i), vt).store_unaligned(y + i);
  for (; i < n; ++i) y[i] /= total;
  return Status::ok;
}

}  // namespace

// xsimd 8.1 exp: measured 2 ulp for float (1.3e-7 relative), 1 for double.
unsigned exp_max_ulp_f32() noexcept { return 2; }
unsigned exp_max_ulp_f64() noexcept { return 1; }
const char* backend_name() noexcept { return "xsimd"; }
const char* isa_name() noexcept { return xs::default_arch::name(); }
std::size_t lanes_f32() noexcept { return Batch<float>::size; }
std::size_t lanes_f64() noexcept { return Batch<double>::size; }

OLSF_DEFINE_KERNELS(float)
OLSF_DEFINE_KERNELS(double)

}  // namespace olsf::xsimd
