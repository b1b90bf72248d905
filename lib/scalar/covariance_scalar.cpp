// olsformer scalar backend: the batched slow-memory kernels (detail/covariance_api.inc),
// the reference for the SIMD backends and what Cortex-M cores run. Sample by sample, the
// lower triangle only, then mirrored: d(d+1)/2 multiply-adds per sample.
#include <cmath>
#include <cstddef>

#include "olsformer/kernels.hpp"

namespace olsf::scalar {
namespace {

// Two columns at a time down the rows: the four running values stay in registers (row by
// row, every sum[j] and amax[j] went through memory: ~15 instructions per entry on
// Cortex-M4, now ~6).
template <typename T>
void column_sums_impl(std::size_t m, std::size_t n, const T* x, std::size_t ldx, T* sum, T* amax) noexcept {
  std::size_t j = 0;
  for (; j + 2 <= n; j += 2) {
    T s0 = 0, s1 = 0, a0 = 0, a1 = 0;
    const T* p = x + j;
    for (std::size_t i = 0; i < m; ++i, p += ldx) {
      s0 += p[0];
      s1 += p[1];
      const T b0 = std::fabs(p[0]), b1 = std::fabs(p[1]);
      a0 = b0 > a0 ? b0 : a0;
      a1 = b1 > a1 ? b1 : a1;
    }
    sum[j] = s0;
    sum[j + 1] = s1;
    amax[j] = a0;
    amax[j + 1] = a1;
  }
  if (j < n) {
    T s0 = 0, a0 = 0;
    const T* p = x + j;
    for (std::size_t i = 0; i < m; ++i, p += ldx) {
      s0 += p[0];
      const T b0 = std::fabs(p[0]);
      a0 = b0 > a0 ? b0 : a0;
    }
    sum[j] = s0;
    amax[j] = a0;
  }
}

constexpr std::size_t kBuf = 64;

template <typename T>
void centred_gram_impl(std::size_t m, std::size_t d, std::size_t k, const T* x, std::size_t ldx, const T* cx,
                       const T* y, std::size_t ldy, const T* cy, T* sxx, std::size_t ldsxx, T* sxy,
                       std::size_t ldsxy, T* syy, T* rx, T* ry) noexcept {
  for (std::size_t j = 0; j < d; ++j) rx[j] = T(0);
  for (std::size_t t = 0; t < k; ++t) ry[t] = T(0);
  for (std::size_t s = 0; s < m; ++s) {
    const T* xs = x + s * ldx;
    const T* ys = y + s * ldy;
    for (std::size_t t = 0; t < k; ++t) {
      const T w = ys[t] - cy[t];
      ry[t] += w;
      syy[t] += w * w;
    }
    // The centred sample, held once when it fits (the common case, d <= 64).
    T zb[kBuf];
    const bool held = d <= kBuf;
    if (held)
      for (std::size_t j = 0; j < d; ++j) zb[j] = xs[j] - cx[j];
    for (std::size_t i = 0; i < d; ++i) {
      const T zi = xs[i] - cx[i];
      rx[i] += zi;
      T* srow = sxx + i * ldsxx;
      if (held) {
        for (std::size_t j = 0; j <= i; ++j) srow[j] += zi * zb[j];
      } else {
        for (std::size_t j = 0; j <= i; ++j) srow[j] += zi * (xs[j] - cx[j]);
      }
      T* xyrow = sxy + i * ldsxy;
      for (std::size_t t = 0; t < k; ++t) xyrow[t] += zi * (ys[t] - cy[t]);
    }
  }
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < i; ++j) sxx[j * ldsxx + i] = sxx[i * ldsxx + j];
}

}  // namespace

#define OLSF_SCALAR_COVARIANCE(T)                                                                              \
  void column_sums(std::size_t m, std::size_t n, const T* x, std::size_t ldx, T* sum, T* amax) noexcept {      \
    column_sums_impl(m, n, x, ldx, sum, amax);                                                                 \
  }                                                                                                            \
  void centred_gram_update(std::size_t m, std::size_t d, std::size_t k, const T* x, std::size_t ldx,           \
                           const T* cx, const T* y, std::size_t ldy, const T* cy, T* sxx, std::size_t ldsxx,   \
                           T* sxy, std::size_t ldsxy, T* syy, T* rx, T* ry) noexcept {                         \
    centred_gram_impl(m, d, k, x, ldx, cx, y, ldy, cy, sxx, ldsxx, sxy, ldsxy, syy, rx, ry);                   \
  }

OLSF_SCALAR_COVARIANCE(float)
OLSF_SCALAR_COVARIANCE(double)
#undef OLSF_SCALAR_COVARIANCE

}  // namespace olsf::scalar
