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

#include "olsformer/backend.hpp"
#include "olsformer/matrix.hpp"
#include "olsformer/status.hpp"

namespace olsf {

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
    const T g = gamma_;
    *this = CovarianceAccumulator();
    gamma_ = g;
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
  void scale_sums(T g) noexcept {
    for (std::size_t i = 0; i < D; ++i) {
      for (std::size_t j = 0; j < D; ++j) sxx_(i, j) *= g;
      for (std::size_t j = 0; j < K; ++j) sxy_(i, j) *= g;
    }
    for (std::size_t j = 0; j < K; ++j) syy_[j] *= g;
  }

  // S_xx += c a a^T (lower triangle through the kernel, then mirrored so that S_xx is
  // exactly symmetric, as SymmetricEigen requires), S_xy += c a b^T, S_yy += c b.*b.
  void rank_one(T c, const T* a, const T* b, const T* a2, const T* b2) noexcept {
    for (std::size_t i = 0; i < D; ++i) {
      const T ca = c * a[i];
      Backend::axpy(i + 1, ca, a2, 1, sxx_.row(i), 1);
      Backend::axpy(K, ca, b2, 1, sxy_.row(i), 1);
    }
    for (std::size_t i = 0; i < D; ++i)
      for (std::size_t j = 0; j < i; ++j) sxx_(j, i) = sxx_(i, j);
    for (std::size_t j = 0; j < K; ++j) syy_[j] += c * b[j] * b2[j];
  }

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
