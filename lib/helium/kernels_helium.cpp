// olsformer Helium backend: hand-written MVE (Armv8.1-M) float kernels for Cortex-M55,
// <arm_mve.h> intrinsics. MVE has no double lanes, so every double kernel, and every
// float kernel with a non-unit stride, is the scalar reference's.
#include <cstddef>
#include <limits>

#include "../common/softmax_guard.hpp"
#include "helium_support.hpp"
#include "olsformer/kernels.hpp"

namespace olsf::helium {
namespace {

using namespace ::olsf::helium_detail;

float dot_f(std::size_t n, const float* x, const float* y) noexcept {
  // Four independent accumulators hide the FMA latency.
  float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = vfmaq_f32(s0, vldrwq_f32(x + i), vldrwq_f32(y + i));
    s1 = vfmaq_f32(s1, vldrwq_f32(x + i + 4), vldrwq_f32(y + i + 4));
    s2 = vfmaq_f32(s2, vldrwq_f32(x + i + 8), vldrwq_f32(y + i + 8));
    s3 = vfmaq_f32(s3, vldrwq_f32(x + i + 12), vldrwq_f32(y + i + 12));
  }
  for (; i + 4 <= n; i += 4) s0 = vfmaq_f32(s0, vldrwq_f32(x + i), vldrwq_f32(y + i));
  if (i < n) s1 = vfmaq_f32(s1, load_tail(x + i, n - i), load_tail(y + i, n - i));
  return sum_lanes(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
}

void axpy_f(std::size_t n, float a, const float* x, float* y) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t y0 = vfmaq_n_f32(vldrwq_f32(y + i), vldrwq_f32(x + i), a);
    const float32x4_t y1 = vfmaq_n_f32(vldrwq_f32(y + i + 4), vldrwq_f32(x + i + 4), a);
    vstrwq_f32(y + i, y0);
    vstrwq_f32(y + i + 4, y1);
  }
  for (; i + 4 <= n; i += 4) vstrwq_f32(y + i, vfmaq_n_f32(vldrwq_f32(y + i), vldrwq_f32(x + i), a));
  if (i < n) store_tail(y + i, vfmaq_n_f32(load_tail(y + i, n - i), load_tail(x + i, n - i), a), n - i);
}

// NaN-propagating maximum: vmaxnm ignores a NaN operand, so NaNs are tracked apart.
float reduce_max_f(std::size_t n, const float* x) noexcept {
  const float inf = std::numeric_limits<float>::infinity();
  float32x4_t m0 = vdupq_n_f32(-inf), m1 = m0;
  mve_pred16_t nan = 0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t a = vldrwq_f32(x + i), b = vldrwq_f32(x + i + 4);
    m0 = vmaxnmq_f32(m0, a);
    m1 = vmaxnmq_f32(m1, b);
    nan = static_cast<mve_pred16_t>(nan | vcmpneq_f32(a, a) | vcmpneq_f32(b, b));
  }
  for (; i + 4 <= n; i += 4) {
    const float32x4_t a = vldrwq_f32(x + i);
    m0 = vmaxnmq_f32(m0, a);
    nan = static_cast<mve_pred16_t>(nan | vcmpneq_f32(a, a));
  }
  if (i < n) {
    const mve_pred16_t p = tail_pred(n - i);
    const float32x4_t a = vldrwq_z_f32(x + i, p);
    m1 = vmaxnmq_m_f32(m1, m1, a, p);
    nan = static_cast<mve_pred16_t>(nan | vcmpneq_m_f32(a, a, p));
  }
  if (nan != 0) return std::numeric_limits<float>::quiet_NaN();
  return vmaxnmvq_f32(-inf, vmaxnmq_f32(m0, m1));
}

float reduce_sum_f(std::size_t n, const float* x) noexcept {
  float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 = vaddq_f32(s0, vldrwq_f32(x + i));
    s1 = vaddq_f32(s1, vldrwq_f32(x + i + 4));
  }
  for (; i + 4 <= n; i += 4) s0 = vaddq_f32(s0, vldrwq_f32(x + i));
  if (i < n) s1 = vaddq_f32(s1, load_tail(x + i, n - i));
  return sum_lanes(vaddq_f32(s0, s1));
}

void exp_f(std::size_t n, const float* x, float* y) noexcept {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) vstrwq_f32(y + i, exp_full(vldrwq_f32(x + i)));
  if (i < n) store_tail(y + i, exp_full(load_tail(x + i, n - i)), n - i);
}

Status softmax_f(std::size_t n, const float* x, float* y) noexcept {
  const float m = reduce_max_f(n, x);
  const Status s = detail::softmax_guard(n, m);
  if (s != Status::ok) return s;
  float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t e = exp_nonpositive(vsubq_n_f32(vldrwq_f32(x + i), m));  // <= 1: no overflow
    vstrwq_f32(y + i, e);
    s0 = vaddq_f32(s0, e);
  }
  if (i < n) {
    // Lanes past the end hold e^(0 - m), some finite garbage: predicated out of store and sum.
    const mve_pred16_t p = tail_pred(n - i);
    const float32x4_t e = exp_nonpositive(vsubq_n_f32(vldrwq_z_f32(x + i, p), m));
    vstrwq_p_f32(y + i, e, p);
    s1 = vaddq_m_f32(s1, s1, e, p);
  }
  const float total = sum_lanes(vaddq_f32(s0, s1));  // >= 1: the maximal logit contributes e^0
  // MVE has no vector divide; a reciprocal multiply would cost an extra rounding.
  for (i = 0; i < n; ++i) y[i] /= total;
  return Status::ok;
}

}  // namespace

// Cephes expf's reduction and polynomial with FMA (helium_support.hpp): at most 1 ulp from
// the correctly rounded e^x, measured on 2 x 2e7 points of [-87, 88.7] and [-87, 0] by a
// host replay of the same operation sequence (fmaf, IEEE single), and held to it by the
// exp check of the M55 self-test. Double is the scalar reference.
unsigned exp_max_ulp_f32() noexcept { return 1; }
unsigned exp_max_ulp_f64() noexcept { return scalar::exp_max_ulp_f64(); }
const char* backend_name() noexcept { return "helium"; }
const char* isa_name() noexcept { return "MVE"; }
std::size_t lanes_f32() noexcept { return kLanes; }
std::size_t lanes_f64() noexcept { return 1; }

float dot(std::size_t n, const float* x, std::size_t incx, const float* y, std::size_t incy) noexcept {
  if (incx != 1 || incy != 1) return scalar::dot(n, x, incx, y, incy);
  return dot_f(n, x, y);
}

void axpy(std::size_t n, float a, const float* x, std::size_t incx, float* y, std::size_t incy) noexcept {
  if (incx != 1 || incy != 1) return scalar::axpy(n, a, x, incx, y, incy);
  if (n > 8) return axpy_f(n, a, x, y);
  // The short rows of the covariance and OLS updates (n <= 8): one or two FMAs, no loop.
  if (n > 4) {
    vstrwq_f32(y, vfmaq_n_f32(vldrwq_f32(y), vldrwq_f32(x), a));
    x += 4;
    y += 4;
    n -= 4;
  }
  if (n != 0) store_tail(y, vfmaq_n_f32(load_tail(y, n), load_tail(x, n), a), n);
}

void gemv(std::size_t rows, std::size_t cols, float alpha, const float* a, std::size_t lda, const float* x,
          std::size_t incx, float beta, float* y, std::size_t incy) noexcept {
  if (incx != 1) return scalar::gemv(rows, cols, alpha, a, lda, x, incx, beta, y, incy);
  for (std::size_t i = 0; i < rows; ++i) {
    const float ax = alpha * dot_f(cols, a + i * lda, x);
    y[i * incy] = beta == 0.0f ? ax : ax + beta * y[i * incy];
  }
}

void gemv_t(std::size_t rows, std::size_t cols, float alpha, const float* a, std::size_t lda, const float* x,
            std::size_t incx, float beta, float* y, std::size_t incy) noexcept {
  if (incy != 1) return scalar::gemv_t(rows, cols, alpha, a, lda, x, incx, beta, y, incy);
  // y = beta y, then one axpy per row of A: rows are contiguous, columns are not.
  for (std::size_t j = 0; j < cols; ++j) y[j] = beta == 0.0f ? 0.0f : beta * y[j];
  for (std::size_t i = 0; i < rows; ++i) axpy_f(cols, alpha * x[i * incx], a + i * lda, y);
}

float reduce_max(std::size_t n, const float* x, std::size_t incx) noexcept {
  if (incx != 1) return scalar::reduce_max(n, x, incx);
  return reduce_max_f(n, x);
}

float reduce_sum(std::size_t n, const float* x, std::size_t incx) noexcept {
  if (incx != 1) return scalar::reduce_sum(n, x, incx);
  return reduce_sum_f(n, x);
}

void exp(std::size_t n, const float* x, float* y) noexcept { exp_f(n, x, y); }

Status softmax(std::size_t n, const float* x, std::size_t incx, float* y, std::size_t incy) noexcept {
  if (incx != 1 || incy != 1) return scalar::softmax(n, x, incx, y, incy);
  return softmax_f(n, x, y);
}

// Double: MVE has no double lanes.
double dot(std::size_t n, const double* x, std::size_t incx, const double* y, std::size_t incy) noexcept {
  return scalar::dot(n, x, incx, y, incy);
}
void axpy(std::size_t n, double a, const double* x, std::size_t incx, double* y, std::size_t incy) noexcept {
  scalar::axpy(n, a, x, incx, y, incy);
}
void gemv(std::size_t rows, std::size_t cols, double alpha, const double* a, std::size_t lda, const double* x,
          std::size_t incx, double beta, double* y, std::size_t incy) noexcept {
  scalar::gemv(rows, cols, alpha, a, lda, x, incx, beta, y, incy);
}
void gemv_t(std::size_t rows, std::size_t cols, double alpha, const double* a, std::size_t lda, const double* x,
            std::size_t incx, double beta, double* y, std::size_t incy) noexcept {
  scalar::gemv_t(rows, cols, alpha, a, lda, x, incx, beta, y, incy);
}
double reduce_max(std::size_t n, const double* x, std::size_t incx) noexcept { return scalar::reduce_max(n, x, incx); }
double reduce_sum(std::size_t n, const double* x, std::size_t incx) noexcept { return scalar::reduce_sum(n, x, incx); }
void exp(std::size_t n, const double* x, double* y) noexcept { scalar::exp(n, x, y); }
Status softmax(std::size_t n, const double* x, std::size_t incx, double* y, std::size_t incy) noexcept {
  return scalar::softmax(n, x, incx, y, incy);
}

}  // namespace olsf::helium
