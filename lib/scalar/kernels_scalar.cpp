// olsformer scalar backend: the reference every SIMD backend is tested against.
// Straightforward loops in the order a textbook writes them; no tricks.
#include <cmath>
#include <cstddef>
#include <limits>

#include "../common/define_kernels.hpp"
#include "../common/softmax_guard.hpp"
#include "olsformer/kernels.hpp"

namespace olsf::scalar {
namespace {

template <typename T>
T dot_impl(std::size_t n, const T* x, std::size_t incx, const T* y, std::size_t incy) noexcept {
  T s = 0;
  for (std::size_t i = 0; i < n; ++i) s += x[i * incx] * y[i * incy];
  return s;
}

template <typename T>
void axpy_impl(std::size_t n, T a, const T* x, std::size_t incx, T* y, std::size_t incy) noexcept {
  for (std::size_t i = 0; i < n; ++i) y[i * incy] += a * x[i * incx];
}

template <typename T>
void gemv_impl(std::size_t rows, std::size_t cols, T alpha, const T* a, std::size_t lda, const T* x,
               std::size_t incx, T beta, T* y, std::size_t incy) noexcept {
  for (std::size_t i = 0; i < rows; ++i) {
    const T ax = alpha * dot_impl(cols, a + i * lda, 1, x, incx);
    y[i * incy] = beta == T(0) ? ax : ax + beta * y[i * incy];
  }
}

template <typename T>
void gemv_t_impl(std::size_t rows, std::size_t cols, T alpha, const T* a, std::size_t lda,
                 const T* x, std::size_t incx, T beta, T* y, std::size_t incy) noexcept {
  for (std::size_t j = 0; j < cols; ++j) {
    const T ax = alpha * dot_impl(rows, a + j, lda, x, incx);
    y[j * incy] = beta == T(0) ? ax : ax + beta * y[j * incy];
  }
}

template <typename T>
T reduce_max_impl(std::size_t n, const T* x, std::size_t incx) noexcept {
  T m = -std::numeric_limits<T>::infinity();
  for (std::size_t i = 0; i < n; ++i) {
    const T v = x[i * incx];
    if (v != v) return v;
    if (v > m) m = v;
  }
  return m;
}

template <typename T>
T reduce_sum_impl(std::size_t n, const T* x, std::size_t incx) noexcept {
  T s = 0;
  for (std::size_t i = 0; i < n; ++i) s += x[i * incx];
  return s;
}

template <typename T>
void exp_impl(std::size_t n, const T* x, T* y) noexcept {
  for (std::size_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}

template <typename T>
Status softmax_impl(std::size_t n, const T* x, std::size_t incx, T* y, std::size_t incy) noexcept {
  const T m = reduce_max_impl(n, x, incx);
  const Status s = detail::softmax_guard(n, m);
  if (s != Status::ok) return s;
  T sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const T e = std::exp(x[i * incx] - m);  // <= 1: no overflow for any finite logit
    y[i * incy] = e;
    sum += e;
  }
  // sum >= 1 because the maximal logit contributes e^0.
  for (std::size_t i = 0; i < n; ++i) y[i * incy] /= sum;
  return Status::ok;
}

}  // namespace

// std::exp of glibc and newlib.
unsigned exp_max_ulp_f32() noexcept { return 1; }
unsigned exp_max_ulp_f64() noexcept { return 1; }
const char* backend_name() noexcept { return "scalar"; }
const char* isa_name() noexcept { return "scalar"; }
std::size_t lanes_f32() noexcept { return 1; }
std::size_t lanes_f64() noexcept { return 1; }

OLSF_DEFINE_KERNELS(float)
OLSF_DEFINE_KERNELS(double)

}  // namespace olsf::scalar
