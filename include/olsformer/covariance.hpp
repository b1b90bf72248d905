// olsformer: the slow memory of the OLS-Transformer (papers.md §1): streaming, centred,
// mergeable second moments of (x, y) pairs. No heap; all storage inside the object.
//
// Why centred updates and not raw sums: X^T X - n mean mean^T computed from raw sums
// cancels catastrophically when |mean| >> std (Longley's year column: mean 1954.5, std
// 4.8, so raw sums lose ~6 of double's 16 digits before any solver runs). Welford's
// update (Welford 1962; weighted form West 1979) keeps the sums centred at every step,
// and Chan, Golub & LeVeque's pairwise formula (1979/1983) merges two partial
// accumulators exactly as if one had seen both streams:
//   W = Wa + Wb,  delta = mean_b - mean_a,  mean = mean_a + delta Wb / W,
//   S = Sa + Sb + (Wa Wb / W) delta delta^T            (the same for S_xy with delta_x delta_y^T).
// Forgetting (exponentially weighted moments, for drifting data): before each further sample
// the weight and the centred sums are multiplied by gamma in (0, 1]; gamma = 1 is the
// plain running sum. A sample's weight is 1, so the effective window is 1 / (1 - gamma).
#pragma once
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "olsformer/backend.hpp"
#include "olsformer/matrix.hpp"
#include "olsformer/status.hpp"

// Cortex-M (M-profile FPU with single precision, GCC): a float sample of 8 features and
// 1 target, the OLS-Transformer's default d = 8, is read by one VLDM of x and one VLDR
// of y instead of 9 VLDRs (GCC does not merge loads into VLDM), into s0..s8, which the
// callers need not save. Used by OlsTransformer::observe and by the first pass of the
// deferred fold (issue #10's OLS case: ~20 instructions per sample fewer on Cortex-M4).
#if defined(__GNUC__) && defined(__arm__) && defined(__ARM_ARCH_PROFILE) && defined(__ARM_FP)
#if __ARM_ARCH_PROFILE == 'M' && (__ARM_FP & 4)
#define OLSF_COV_VFP_ROW9 1
#endif
#endif

namespace olsf {

namespace detail {
#if defined(OLSF_COV_VFP_ROW9)
// |x|^2 + y^2 for x: 8 floats, y: 1 (fused, in index order, as the portable loop).
inline float sample_norm2_vfp9(const float* x, const float* y) noexcept {
  float q;
  __asm__(
      "vldmia %[x], {s0-s7}\n\tvldr s8, [%[y]]\n\tvmul.f32 %[q], s0, s0\n\t"
      "vfma.f32 %[q], s1, s1\n\tvfma.f32 %[q], s2, s2\n\tvfma.f32 %[q], s3, s3\n\t"
      "vfma.f32 %[q], s4, s4\n\tvfma.f32 %[q], s5, s5\n\tvfma.f32 %[q], s6, s6\n\t"
      "vfma.f32 %[q], s7, s7\n\tvfma.f32 %[q], s8, s8"
      : [q] "=&t"(q)
      : [x] "r"(x), [y] "r"(y), "m"(*reinterpret_cast<const float(*)[8]>(x)), "m"(*y)
      : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8");
  return q;
}
// (dx, dy) <- (x, y); every load precedes every store, so the sample may overlap its
// destination.
inline void copy_sample_vfp9(float* dx, float* dy, const float* x, const float* y) noexcept {
  __asm__("vldmia %[x], {s0-s7}\n\tvldr s8, [%[y]]\n\tvstmia %[dx], {s0-s7}\n\tvstr s8, [%[dy]]"
          : "=m"(*reinterpret_cast<float(*)[8]>(dx)), "=m"(*dy)
          : [x] "r"(x), [y] "r"(y), [dx] "r"(dx), [dy] "r"(dy), "m"(*reinterpret_cast<const float(*)[8]>(x)),
            "m"(*y)
          : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8");
}
// The sums of rows (x_s, y_s), s < m, x_s = x + s ldx, y_s = y + s ldy, added to sum[0 .. 8]
// (the accumulators are scalars, so that they stay in registers).
inline void add_samples_vfp9(std::size_t m, const float* x, std::size_t ldx, const float* y, std::size_t ldy,
                             float* sum) noexcept {
  float a0 = sum[0], a1 = sum[1], a2 = sum[2], a3 = sum[3], a4 = sum[4], a5 = sum[5], a6 = sum[6], a7 = sum[7],
        a8 = sum[8];
  for (std::size_t s = 0; s < m; ++s, x += ldx, y += ldy)
    __asm__(
        "vldmia %[x], {s0-s7}\n\tvldr s8, [%[y]]\n\t"
        "vadd.f32 %[a0], %[a0], s0\n\tvadd.f32 %[a1], %[a1], s1\n\tvadd.f32 %[a2], %[a2], s2\n\t"
        "vadd.f32 %[a3], %[a3], s3\n\tvadd.f32 %[a4], %[a4], s4\n\tvadd.f32 %[a5], %[a5], s5\n\t"
        "vadd.f32 %[a6], %[a6], s6\n\tvadd.f32 %[a7], %[a7], s7\n\tvadd.f32 %[a8], %[a8], s8"
        : [a0] "+t"(a0), [a1] "+t"(a1), [a2] "+t"(a2), [a3] "+t"(a3), [a4] "+t"(a4), [a5] "+t"(a5), [a6] "+t"(a6),
          [a7] "+t"(a7), [a8] "+t"(a8)
        : [x] "r"(x), [y] "r"(y), "m"(*reinterpret_cast<const float(*)[8]>(x)), "m"(*y)
        : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8");
  sum[0] = a0, sum[1] = a1, sum[2] = a2, sum[3] = a3, sum[4] = a4, sum[5] = a5, sum[6] = a6, sum[7] = a7;
  sum[8] = a8;
}
// Whether a sample of (T, D, K) takes the helpers above.
template <typename T, std::size_t D, std::size_t K>
constexpr bool kSampleVfp9 = std::is_same_v<T, float> && D == 8 && K == 1;
#endif
}  // namespace detail

// D features, K targets: both are the exact dimensions of every sample.
template <typename T, std::size_t D, std::size_t K, class Backend = DefaultBackend>
class CovarianceAccumulator {
  static_assert(D >= 1 && K >= 1, "CovarianceAccumulator needs D >= 1 and K >= 1");

 public:
  constexpr CovarianceAccumulator() noexcept = default;

  static constexpr std::size_t features() noexcept { return D; }
  static constexpr std::size_t targets() noexcept { return K; }

  // Exponential forgetting factor gamma (1 = none, the default).
  // Statuses: ok; invalid_argument unless 0 < gamma <= 1 (then nothing changes).
  Status set_forgetting(T gamma) noexcept {
    if (!(gamma > T(0) && gamma <= T(1))) return Status::invalid_argument;
    gamma_ = gamma;
    return Status::ok;
  }
  T forgetting() const noexcept { return gamma_; }

  // Forget every sample (the forgetting factor stays).
  void reset() noexcept {
    // Field by field: assigning a fresh object costs a memset and a memcpy call of the
    // whole object (~900 instructions on Cortex-M4 with newlib-nano, 3x these stores).
    for (std::size_t i = 0; i < D; ++i) {
      T* r = sxx_.row(i);
      T* q = sxy_.row(i);
      for (std::size_t j = 0; j < D; ++j) r[j] = T(0);
      for (std::size_t j = 0; j < K; ++j) q[j] = T(0);
    }
    for (std::size_t j = 0; j < D; ++j) mean_x_[j] = T(0);
    for (std::size_t j = 0; j < K; ++j) mean_y_[j] = syy_[j] = T(0);
    weight_ = T(0);
    count_ = 0;
  }

  // Adds one sample: x has D entries, y has K entries (both contiguous).
  // Statuses: ok; invalid_argument (null pointer); non_finite_input (a NaN/Inf entry, or
  // a sample so far from the mean that its outer product would overflow). On any status
  // but ok nothing changes.
  Status add(const T* x, const T* y) noexcept {
    if (x == nullptr || y == nullptr) return Status::invalid_argument;
    for (std::size_t j = 0; j < D; ++j)
      if (!std::isfinite(x[j])) return Status::non_finite_input;
    for (std::size_t j = 0; j < K; ++j)
      if (!std::isfinite(y[j])) return Status::non_finite_input;
    const T w_old = gamma_ * weight_;
    const T w_new = w_old + T(1);
    // Deviations from the old mean; c = w_old / w_new is the weight of the outer product
    // dx dx^T in the centred sums (Welford: S += dx (x - mean_new)^T = c dx dx^T).
    T dx[D], dy[K];
    T max_dx = 0, max_dy = 0;
    for (std::size_t j = 0; j < D; ++j) {
      dx[j] = x[j] - mean_x_[j];
      max_dx = std::fabs(dx[j]) > max_dx ? std::fabs(dx[j]) : max_dx;
    }
    for (std::size_t j = 0; j < K; ++j) {
      dy[j] = y[j] - mean_y_[j];
      max_dy = std::fabs(dy[j]) > max_dy ? std::fabs(dy[j]) : max_dy;
    }
    const T c = w_old / w_new;
    const T big = max_dx > max_dy ? max_dx : max_dy;
    if (!std::isfinite(big) || !std::isfinite(big * big)) return Status::non_finite_input;
    // Commit (nothing below can fail).
    if (gamma_ != T(1)) scale_sums(gamma_);
    weight_ = w_new;
    ++count_;
    const T inv = T(1) / w_new;
    for (std::size_t j = 0; j < D; ++j) mean_x_[j] += dx[j] * inv;
    for (std::size_t j = 0; j < K; ++j) mean_y_[j] += dy[j] * inv;
    if (w_old > T(0)) rank_one(c, dx, dy, dx, dy);
    return Status::ok;
  }

  // Adds m samples at once: row i of X (D entries) at x + i ldx, row i of Y (K entries) at
  // y + i ldy. Without forgetting the block is folded in by the corrected two-pass
  // algorithm and Chan et al.'s merge (detail/covariance_api.inc): a register-blocked
  // rank-m update instead of m rank-one updates, with the same numerical properties
  // (the block is centred on its own mean before any product is formed). With forgetting
  // the samples are added one by one (each has its own weight gamma^(m-1-i)). The result
  // equals m calls of add() up to rounding.
  // Statuses: ok (m == 0 included); invalid_argument (null pointer with m > 0, ldx < D or
  // ldy < K); non_finite_input (a NaN/Inf entry, or values so large that a column sum or
  // m |deviation|^2 would overflow; this bound is a little stricter than add()'s). On any
  // status but ok nothing changes: the whole block is rejected.
  Status add_batch(std::size_t m, const T* x, std::size_t ldx, const T* y, std::size_t ldy) noexcept {
    if (m == 0) return Status::ok;
    if (x == nullptr || y == nullptr || ldx < D || ldy < K) return Status::invalid_argument;
    // Pass 1: block sums (a NaN/Inf anywhere makes its column sum non-finite) and the
    // largest magnitudes, which bound every deviation the update will form.
    T sx[D], ax[D], sy[K], ay[K];
    Backend::column_sums(m, D, x, ldx, sx, ax);
    Backend::column_sums(m, K, y, ldy, sy, ay);
    const T mt = static_cast<T>(m);
    T cx[D], cy[K];
    T big = 0;
    for (std::size_t j = 0; j < D; ++j) {
      cx[j] = sx[j] / mt;
      if (!std::isfinite(cx[j])) return Status::non_finite_input;
      // |c_j| <= amax_j, and any running mean lies between the old mean and the samples,
      // so every deviation formed below (also by add() with forgetting) is below this.
      const T b = T(2) * ax[j] + std::fabs(mean_x_[j]);
      big = b > big ? b : big;
    }
    for (std::size_t j = 0; j < K; ++j) {
      cy[j] = sy[j] / mt;
      if (!std::isfinite(cy[j])) return Status::non_finite_input;
      const T b = T(2) * ay[j] + std::fabs(mean_y_[j]);
      big = b > big ? b : big;
    }
    if (!std::isfinite(big * big) || !std::isfinite(mt * big * big)) return Status::non_finite_input;
    // Commit (nothing below can fail).
    if (gamma_ != T(1)) {
      // Every add() sees deviations below `big` (see above), so none of them fails.
      for (std::size_t i = 0; i < m; ++i) (void)add(x + i * ldx, y + i * ldy);
      return Status::ok;
    }
    // Pass 2: the block's Gram matrix about its mean c goes straight into the sums (the
    // merge formula adds it unchanged), with the residuals r = sum (x - c).
    if constexpr (D + K <= kInlineFold && kBatchTiles) {
      // Small D on Cortex-M: fold_trusted's register tiles with compile-time sizes beat the
      // kernels' runtime-size loops at these sizes (D = 8, 64 rows: 54k -> ~12k
      // instructions on Cortex-M4, see bench/arm).
      T c[D + K], r[D + K];
      for (std::size_t j = 0; j < D; ++j) c[j] = cx[j];
      for (std::size_t j = 0; j < K; ++j) c[D + j] = cy[j];
      gram_tiles<0>(m, x, ldx, y, ldy, 0, m, c, r);
      merge_block(m, c, c + D, r, r + D);
      return Status::ok;
    }
    T rx[D], ry[K];
    Backend::centred_gram_update(m, D, K, x, ldx, cx, y, ldy, cy, sxx_.data(), sxx_.stride(), sxy_.data(),
                                 sxy_.stride(), syy_, rx, ry);
    merge_block(m, cx, cy, rx, ry);
    return Status::ok;
  }

  // add_batch takes the tiles on M-profile cores (32 FPU registers, no vector kernel that
  // beats them) and for the scalar backend, whose kernel is the plain reference loop. On
  // application cores a vector backend's kernel is faster: host, D = 8, 1024 rows: 25.5 us
  // with the tiles, 6.6 us with the Highway kernel.
#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
  static constexpr bool kBatchTiles = true;
#else
  static constexpr bool kBatchTiles = std::is_same_v<Backend, ScalarBackend>;
#endif

  // Internal (OlsTransformer's deferred observe): folds m samples kept in a ring of `wrap`
  // rows, row s of the block at slot (start + s) mod wrap (row stride ldx for x, ldy for
  // y), as add_batch does but without its checks: the caller guarantees every entry is
  // finite and small enough that no sum below overflows (OlsTransformer: |v| <= its tame
  // bound), and that the forgetting factor is 1. Small D + K only (kInlineFold): the two
  // passes run inline with compile-time sizes and register tiles, no kernel call.
  // Result: as add_batch over the same rows (corrected two-pass, then Chan's merge).
  static constexpr std::size_t kInlineFold = 16;
  void fold_trusted(std::size_t m, const T* x, std::size_t ldx, const T* y, std::size_t ldy, std::size_t start,
                    std::size_t wrap) noexcept {
    static_assert(D + K <= kInlineFold, "fold_trusted is the small-D path");
    if (m == 0) return;
    const T mt = static_cast<T>(m);
    // Pass 1: the block mean c.
    T c[D + K];
    block_sums(m, x, ldx, y, ldy, start, wrap, c);
    for (std::size_t j = 0; j < D + K; ++j) c[j] /= mt;
    // Pass 2: the block's Gram matrix about c (straight into the sums: the merge adds it
    // unchanged) and the residuals r = sum (v - c), in row tiles (gram_tile).
    T r[D + K];
    gram_tiles<0>(m, x, ldx, y, ldy, start, wrap, c, r);
    merge_block(m, c, c + D, r, r + D);
  }

  // Internal: the block sums sum_s v_s (v = (x, y), D + K entries) of fold_trusted's rows.
  static void block_sums(std::size_t m, const T* x, std::size_t ldx, const T* y, std::size_t ldy, std::size_t start,
                         std::size_t wrap, T* sum) noexcept {
    T acc[D + K] = {};
#if defined(OLSF_COV_VFP_ROW9)
    if constexpr (detail::kSampleVfp9<T, D, K>) {  // the two runs of for_rows
      const std::size_t first = wrap - start < m ? wrap - start : m;
      detail::add_samples_vfp9(first, x + start * ldx, ldx, y + start * ldy, ldy, acc);
      detail::add_samples_vfp9(m - first, x, ldx, y, ldy, acc);
    } else
#endif
    {
      for_rows(m, x, ldx, y, ldy, start, wrap, [&](const T* xs, const T* ys) {
        for (std::size_t j = 0; j < D; ++j) acc[j] += xs[j];
        for (std::size_t j = 0; j < K; ++j) acc[D + j] += ys[j];
      });
    }
    for (std::size_t j = 0; j < D + K; ++j) sum[j] = acc[j];
  }

  // Calls f(x_s, y_s) for the m ring rows from slot `start` in order: at most two
  // contiguous runs, so that the loops walk one pointer each (no wrap test per row).
  template <class F>
  static void for_rows(std::size_t m, const T* x, std::size_t ldx, const T* y, std::size_t ldy, std::size_t start,
                       std::size_t wrap, F&& f) noexcept {
    const std::size_t first = wrap - start < m ? wrap - start : m;
    const T* xs = x + start * ldx;
    const T* ys = y + start * ldy;
    for (std::size_t s = 0; s < first; ++s, xs += ldx, ys += ldy) f(xs, ys);
    xs = x;
    ys = y;
    for (std::size_t s = first; s < m; ++s, xs += ldx, ys += ldy) f(xs, ys);
  }

  // Folds `other` into this accumulator (Chan et al.): the result equals one pass over
  // both streams up to rounding. Forgetting is not applied by a merge (both parts are
  // taken at their current weights). Merging an empty accumulator changes nothing.
  // Statuses: ok; non_finite_input if the merged sums would overflow (nothing changes).
  Status merge(const CovarianceAccumulator& other) noexcept {
    if (other.weight_ == T(0) && other.count_ == 0) return Status::ok;
    if (weight_ == T(0) && count_ == 0) {
      const T g = gamma_;
      *this = other;
      gamma_ = g;
      return Status::ok;
    }
    const T w = weight_ + other.weight_;
    const T c = weight_ * other.weight_ / w;
    T dx[D], dy[K];
    T big = 0;
    for (std::size_t j = 0; j < D; ++j) {
      dx[j] = other.mean_x_[j] - mean_x_[j];
      big = std::fabs(dx[j]) > big ? std::fabs(dx[j]) : big;
    }
    for (std::size_t j = 0; j < K; ++j) {
      dy[j] = other.mean_y_[j] - mean_y_[j];
      big = std::fabs(dy[j]) > big ? std::fabs(dy[j]) : big;
    }
    if (!std::isfinite(c * big * big)) return Status::non_finite_input;
    const T fb = other.weight_ / w;
    for (std::size_t j = 0; j < D; ++j) mean_x_[j] += dx[j] * fb;
    for (std::size_t j = 0; j < K; ++j) mean_y_[j] += dy[j] * fb;
    for (std::size_t i = 0; i < D; ++i) {
      Backend::axpy(D, T(1), other.sxx_.row(i), 1, sxx_.row(i), 1);
      Backend::axpy(K, T(1), other.sxy_.row(i), 1, sxy_.row(i), 1);
    }
    for (std::size_t j = 0; j < K; ++j) syy_[j] += other.syy_[j];
    rank_one(c, dx, dy, dx, dy);
    weight_ = w;
    count_ += other.count_;
    return Status::ok;
  }

  std::size_t count() const noexcept { return count_; }  // samples added (and merged)
  T weight() const noexcept { return weight_; }           // sum of weights (= count without forgetting)
  bool empty() const noexcept { return count_ == 0; }
  const T* mean_x() const noexcept { return mean_x_; }
  const T* mean_y() const noexcept { return mean_y_; }
  // Centred sums: S_xx = sum w_i (x_i - mean_x)(x_i - mean_x)^T (exactly symmetric),
  // S_xy = sum w_i (x_i - mean_x)(y_i - mean_y)^T, and diag(S_yy) (for R^2).
  const Matrix<T, D, D>& sxx() const noexcept { return sxx_; }
  const Matrix<T, D, K>& sxy() const noexcept { return sxy_; }
  const T* syy_diagonal() const noexcept { return syy_; }

 private:
  // add_batch's and fold_trusted's common end. c: the block centre of pass 1 (cx: D, cy: K),
  // r: the residuals sum (v - c) of pass 2, whose Gram matrix about c is already in the sums.
  void merge_block(std::size_t m, T* cx, T* cy, T* rx, T* ry) noexcept {
    const T mt = static_cast<T>(m);
    // Corrected two-pass: the block mean is c + r / m, its centred sums G - r r^T / m.
    for (std::size_t j = 0; j < D; ++j) {
      rx[j] /= mt;
      cx[j] += rx[j];
    }
    for (std::size_t j = 0; j < K; ++j) {
      ry[j] /= mt;
      cy[j] += ry[j];
    }
    rank_one(-mt, rx, ry, rx, ry);
    // Chan et al.: S += (W m / (W + m)) delta delta^T, mean += delta m / (W + m).
    const T w = weight_ + mt;
    const T c = weight_ * mt / w;
    const T fb = mt / w;
    T dx[D], dy[K];
    for (std::size_t j = 0; j < D; ++j) {
      dx[j] = cx[j] - mean_x_[j];
      mean_x_[j] = weight_ > T(0) ? mean_x_[j] + dx[j] * fb : cx[j];
    }
    for (std::size_t j = 0; j < K; ++j) {
      dy[j] = cy[j] - mean_y_[j];
      mean_y_[j] = weight_ > T(0) ? mean_y_[j] + dy[j] * fb : cy[j];
    }
    if (weight_ > T(0)) rank_one(c, dx, dy, dx, dy);
    weight_ = w;
    count_ += m;
  }

  // Pass 2 of fold_trusted for rows I0 .. I0 + kTileRows - 1 of the (D + K) x (D + K) Gram
  // matrix of v = (x, y) about c, columns I0 .. D + K - 1 (the upper triangle), then the
  // next tile. With the sizes known at compile time the tile's accumulators (24 + 3 at
  // D + K = 9) stay in the 32 registers of a Cortex-M4F FPU; each tile re-reads and
  // re-centres the columns it needs, which costs less than spilling accumulators (3 rows:
  // 35.4k instructions for bench/arm's ols case on Cortex-M4, 2 rows: 35.9k, 4: 35.8k).
  // The entries y_t y_u (t != u) are not needed and not formed.
  template <std::size_t I0>
  void gram_tile(std::size_t m, const T* x, std::size_t ldx, const T* y, std::size_t ldy, std::size_t start,
                 std::size_t wrap, const T* c, T* r) noexcept {
    constexpr std::size_t N = D + K;
    constexpr std::size_t R = N - I0 < kTileRows ? N - I0 : kTileRows;
    constexpr std::size_t W = N - I0;
    T acc[R][W] = {};
    T res[R] = {};
    T cc[W];
    for (std::size_t j = 0; j < W; ++j) cc[j] = c[I0 + j];
    for_rows(m, x, ldx, y, ldy, start, wrap, [&](const T* xs, const T* ys) {
      T z[W];
      for (std::size_t j = 0; j < W; ++j) z[j] = (I0 + j < D ? xs[I0 + j] : ys[I0 + j - D]) - cc[j];
      for (std::size_t i = 0; i < R; ++i) {
        res[i] += z[i];
        for (std::size_t j = i; j < W; ++j)
          if (I0 + i < D || i == j) acc[i][j] += z[i] * z[j];
      }
    });
    for (std::size_t i = 0; i < R; ++i) {
      const std::size_t a = I0 + i;
      r[a] = res[i];
      for (std::size_t j = i; j < W; ++j) {
        const std::size_t b = I0 + j;
        if (b < D) {
          // Lower triangle first, then its mirror: S_xx stays exactly symmetric.
          sxx_(b, a) += acc[i][j];
          sxx_(a, b) = sxx_(b, a);
        } else if (a < D) {
          sxy_(a, b - D) += acc[i][j];
        } else if (a == b) {
          syy_[a - D] += acc[i][j];
        }
      }
    }
  }

  // The tiles one after the other (not nested: one tile's frame at a time on the stack).
  template <std::size_t I0>
  void gram_tiles(std::size_t m, const T* x, std::size_t ldx, const T* y, std::size_t ldy, std::size_t start,
                  std::size_t wrap, const T* c, T* r) noexcept {
    gram_tile<I0>(m, x, ldx, y, ldy, start, wrap, c, r);
    if constexpr (I0 + kTileRows < D + K) gram_tiles<I0 + kTileRows>(m, x, ldx, y, ldy, start, wrap, c, r);
  }

  void scale_sums(T g) noexcept {
    for (std::size_t i = 0; i < D; ++i) {
      for (std::size_t j = 0; j < D; ++j) sxx_(i, j) *= g;
      for (std::size_t j = 0; j < K; ++j) sxy_(i, j) *= g;
    }
    for (std::size_t j = 0; j < K; ++j) syy_[j] *= g;
  }

  // S_xx += c a a^T (lower triangle, then mirrored so that S_xx is exactly symmetric, as
  // SymmetricEigen requires), S_xy += c a b^T, S_yy += c b.*b.
  // Small D (the streaming case on a microcontroller): plain loops with compile-time
  // bounds, which the compiler unrolls or vectorizes; 2D kernel calls per sample would
  // cost more than the arithmetic (about 600 of 900 instructions per sample at D = 8 on
  // Cortex-M4, bench/arm's ols case). Large D: the backend's axpy per row.
  void rank_one(T c, const T* a, const T* b, const T* a2, const T* b2) noexcept {
    if constexpr (D <= kInlineRankOne) {
      for (std::size_t i = 0; i < D; ++i) {
        const T ca = c * a[i];
        T* row = sxx_.row(i);
        for (std::size_t j = 0; j <= i; ++j) row[j] += ca * a2[j];
        T* xy = sxy_.row(i);
        for (std::size_t j = 0; j < K; ++j) xy[j] += ca * b2[j];
      }
    } else {
      for (std::size_t i = 0; i < D; ++i) {
        const T ca = c * a[i];
        Backend::axpy(i + 1, ca, a2, 1, sxx_.row(i), 1);
        Backend::axpy(K, ca, b2, 1, sxy_.row(i), 1);
      }
    }
    for (std::size_t i = 0; i < D; ++i)
      for (std::size_t j = 0; j < i; ++j) sxx_(j, i) = sxx_(i, j);
    for (std::size_t j = 0; j < K; ++j) syy_[j] += c * b[j] * b2[j];
  }

  static constexpr std::size_t kInlineRankOne = 16;
  static constexpr std::size_t kTileRows = 3;  // fold_trusted's tiles (gram_tile)
  Matrix<T, D, D> sxx_;
  Matrix<T, D, K> sxy_;
  T mean_x_[D] = {};
  T mean_y_[K] = {};
  T syy_[K] = {};
  T weight_ = 0;
  T gamma_ = 1;
  std::size_t count_ = 0;
};

}  // namespace olsf
