// olsformer (internal): defines the public float and double kernels of
// detail/kernel_api.inc in the current backend namespace by forwarding to that
// backend's templates dot_impl, axpy_impl, ..., softmax_impl. One list for every
// backend, so a kernel added to the interface is added to all of them the same way.
#pragma once
#include <cstddef>

#define OLSF_DEFINE_KERNELS(T)                                                                  \
  T dot(std::size_t n, const T* x, std::size_t incx, const T* y, std::size_t incy) noexcept {   \
    return dot_impl(n, x, incx, y, incy);                                                       \
  }                                                                                             \
  void axpy(std::size_t n, T a, const T* x, std::size_t incx, T* y, std::size_t incy) noexcept { \
    axpy_impl(n, a, x, incx, y, incy);                                                          \
  }                                                                                             \
  void gemv(std::size_t rows, std::size_t cols, T alpha, const T* a, std::size_t lda,           \
            const T* x, std::size_t incx, T beta, T* y, std::size_t incy) noexcept {            \
    gemv_impl(rows, cols, alpha, a, lda, x, incx, beta, y, incy);                               \
  }                                                                                             \
  void gemv_t(std::size_t rows, std::size_t cols, T alpha, const T* a, std::size_t lda,         \
              const T* x, std::size_t incx, T beta, T* y, std::size_t incy) noexcept {          \
    gemv_t_impl(rows, cols, alpha, a, lda, x, incx, beta, y, incy);                             \
  }                                                                                             \
  T reduce_max(std::size_t n, const T* x, std::size_t incx) noexcept {                          \
    return reduce_max_impl(n, x, incx);                                                         \
  }                                                                                             \
  T reduce_sum(std::size_t n, const T* x, std::size_t incx) noexcept {                          \
    return reduce_sum_impl(n, x, incx);                                                         \
  }                                                                                             \
  void exp(std::size_t n, const T* x, T* y) noexcept { exp_impl(n, x, y); }                     \
  Status softmax(std::size_t n, const T* x, std::size_t incx, T* y, std::size_t incy) noexcept { \
    return softmax_impl(n, x, incx, y, incy);                                                   \
  }
