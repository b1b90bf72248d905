// olsformer tests: the batched slow-memory checks (detail/covariance_api.inc and
// CovarianceAccumulator::add_batch), written once and run by GoogleTest on x86-64 and
// aarch64 and by the bare-metal self-test on Cortex-M, for every backend.
//
// References: the sums recomputed in long double from the same inputs, with the
// forward-error bound of a sum of m products, |fl(sum) - sum| <= gamma_(m+3) sum |z_i z_j|
// (Higham, Accuracy and Stability, §3.1; +3 for the two centring subtractions and the
// product), plus one rounding of the value already in the accumulator; the scalar backend
// (each SIMD backend against it on its own ISA); and exact contracts: symmetry bit for
// bit, nothing written outside the blocks, a rejected block changing nothing.
// Static storage only: a microcontroller stack is small.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernel_checks.hpp"
#include "olsformer/backend.hpp"
#include "olsformer/covariance.hpp"

namespace olsf::testing {

inline constexpr std::size_t kCovCheckM = 75;
inline constexpr std::size_t kCovCheckD = 19;
inline constexpr std::size_t kCovCheckK = 3;

template <typename T>
struct CovCheckData {
  // Rows with padding columns (ldx = d + 2) and sentinels around the outputs.
  T x[kCovCheckM * (kCovCheckD + 2)];
  T y[kCovCheckM * (kCovCheckK + 2)];
  T cx[kCovCheckD], cy[kCovCheckK];
  T sxx[kCovCheckD * (kCovCheckD + 1)], sxy[kCovCheckD * (kCovCheckK + 1)], syy[kCovCheckK + 1];
  T sxx2[kCovCheckD * (kCovCheckD + 1)], sxy2[kCovCheckD * (kCovCheckK + 1)], syy2[kCovCheckK + 1];
  T rx[kCovCheckD], ry[kCovCheckK], rx2[kCovCheckD], ry2[kCovCheckK];
  T sum[kCovCheckD + 2], amax[kCovCheckD + 2];
};

template <typename T>
CovCheckData<T>& cov_check_data() noexcept {
  static CovCheckData<T> data;
  return data;
}

// Offset data (mean >> spread in some columns, like Longley's year), a symmetric random
// starting S (the kernel accumulates) and a sentinel past every row of the outputs.
template <typename T>
void fill_cov_case(CovCheckData<T>& c, std::size_t m, std::size_t d, std::size_t k, SplitMix64& rng) noexcept {
  const std::size_t ldx = d + 2, ldy = k + 2;
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < ldx; ++j)
      c.x[i * ldx + j] = static_cast<T>((j % 3 == 0 ? 1000.0 * static_cast<double>(j + 1) : 0.0) + rng.uniform(-1, 1));
    for (std::size_t j = 0; j < ldy; ++j) c.y[i * ldy + j] = static_cast<T>(5.0 + rng.uniform(-2, 2));
  }
  for (std::size_t j = 0; j < d; ++j) c.cx[j] = c.x[j] + static_cast<T>(rng.uniform(-0.5, 0.5));
  for (std::size_t j = 0; j < k; ++j) c.cy[j] = static_cast<T>(5.0 + rng.uniform(-0.5, 0.5));
  const std::size_t lds = d + 1, ldxy = k + 1;
  for (std::size_t i = 0; i < d; ++i) {
    for (std::size_t j = 0; j <= i; ++j) c.sxx[i * lds + j] = c.sxx[j * lds + i] = static_cast<T>(rng.uniform(0, 4));
    c.sxx[i * lds + d] = T(-7);  // sentinel
    for (std::size_t t = 0; t < k; ++t) c.sxy[i * ldxy + t] = static_cast<T>(rng.uniform(-1, 1));
    c.sxy[i * ldxy + k] = T(-7);
  }
  for (std::size_t t = 0; t < k; ++t) c.syy[t] = static_cast<T>(rng.uniform(0, 1));
  c.syy[k] = T(-7);
  std::memcpy(c.sxx2, c.sxx, sizeof(c.sxx));
  std::memcpy(c.sxy2, c.sxy, sizeof(c.sxy));
  std::memcpy(c.syy2, c.syy, sizeof(c.syy));
}

// One shape: the backend against long double and against the scalar reference.
template <typename T, class Backend, class Sink>
void check_centred_gram_case(std::size_t m, std::size_t d, std::size_t k, SplitMix64& rng, Sink& sink) noexcept {
  CovCheckData<T>& c = cov_check_data<T>();
  fill_cov_case(c, m, d, k, rng);
  const std::size_t ldx = d + 2, ldy = k + 2, lds = d + 1, ldxy = k + 1;
  // Reference sums, from the same starting values.
  static Ref ref_xx[kCovCheckD * kCovCheckD], abs_xx[kCovCheckD * kCovCheckD];
  static Ref ref_xy[kCovCheckD * kCovCheckK], abs_xy[kCovCheckD * kCovCheckK];
  Ref ref_yy[kCovCheckK], abs_yy[kCovCheckK], ref_rx[kCovCheckD], abs_rx[kCovCheckD], ref_ry[kCovCheckK],
      abs_ry[kCovCheckK];
  for (std::size_t i = 0; i < d; ++i) {
    ref_rx[i] = abs_rx[i] = 0;
    for (std::size_t j = 0; j < d; ++j) {
      ref_xx[i * d + j] = c.sxx[i * lds + j];
      abs_xx[i * d + j] = std::fabs(static_cast<Ref>(c.sxx[i * lds + j]));
    }
    for (std::size_t t = 0; t < k; ++t) {
      ref_xy[i * k + t] = c.sxy[i * ldxy + t];
      abs_xy[i * k + t] = std::fabs(static_cast<Ref>(c.sxy[i * ldxy + t]));
    }
  }
  for (std::size_t t = 0; t < k; ++t) {
    ref_yy[t] = abs_yy[t] = c.syy[t];
    ref_ry[t] = abs_ry[t] = 0;
  }
  for (std::size_t s = 0; s < m; ++s) {
    for (std::size_t i = 0; i < d; ++i) {
      const Ref zi = static_cast<Ref>(c.x[s * ldx + i]) - c.cx[i];
      ref_rx[i] += zi;
      abs_rx[i] += std::fabs(zi);
      for (std::size_t j = 0; j < d; ++j) {
        const Ref zj = static_cast<Ref>(c.x[s * ldx + j]) - c.cx[j];
        ref_xx[i * d + j] += zi * zj;
        abs_xx[i * d + j] += std::fabs(zi * zj);
      }
      for (std::size_t t = 0; t < k; ++t) {
        const Ref wt = static_cast<Ref>(c.y[s * ldy + t]) - c.cy[t];
        ref_xy[i * k + t] += zi * wt;
        abs_xy[i * k + t] += std::fabs(zi * wt);
      }
    }
    for (std::size_t t = 0; t < k; ++t) {
      const Ref wt = static_cast<Ref>(c.y[s * ldy + t]) - c.cy[t];
      ref_yy[t] += wt * wt;
      abs_yy[t] += wt * wt;
      ref_ry[t] += wt;
      abs_ry[t] += std::fabs(wt);
    }
  }
  Backend::centred_gram_update(m, d, k, c.x, ldx, c.cx, c.y, ldy, c.cy, c.sxx, lds, c.sxy, ldxy, c.syy, c.rx, c.ry);
  ScalarBackend::centred_gram_update(m, d, k, c.x, ldx, c.cx, c.y, ldy, c.cy, c.sxx2, lds, c.sxy2, ldxy, c.syy2,
                                     c.rx2, c.ry2);
  const Ref g = gamma_with_ref<T>(m + 4);
  bool within = true, vs_scalar = true, symmetric = true, sentinels = true;
  for (std::size_t i = 0; i < d; ++i) {
    for (std::size_t j = 0; j < d; ++j) {
      const Ref v = c.sxx[i * lds + j];
      within = within && std::fabs(v - ref_xx[i * d + j]) <= g * abs_xx[i * d + j];
      vs_scalar = vs_scalar && std::fabs(v - static_cast<Ref>(c.sxx2[i * lds + j])) <= 2 * g * abs_xx[i * d + j];
      symmetric = symmetric && c.sxx[i * lds + j] == c.sxx[j * lds + i];
    }
    for (std::size_t t = 0; t < k; ++t) {
      const Ref v = c.sxy[i * ldxy + t];
      within = within && std::fabs(v - ref_xy[i * k + t]) <= g * abs_xy[i * k + t];
      vs_scalar = vs_scalar && std::fabs(v - static_cast<Ref>(c.sxy2[i * ldxy + t])) <= 2 * g * abs_xy[i * k + t];
    }
    within = within && std::fabs(static_cast<Ref>(c.rx[i]) - ref_rx[i]) <= g * abs_rx[i];
    vs_scalar = vs_scalar && std::fabs(static_cast<Ref>(c.rx[i]) - static_cast<Ref>(c.rx2[i])) <= 2 * g * abs_rx[i];
    sentinels = sentinels && c.sxx[i * lds + d] == T(-7) && c.sxy[i * ldxy + k] == T(-7);
  }
  for (std::size_t t = 0; t < k; ++t) {
    within = within && std::fabs(static_cast<Ref>(c.syy[t]) - ref_yy[t]) <= g * abs_yy[t];
    within = within && std::fabs(static_cast<Ref>(c.ry[t]) - ref_ry[t]) <= g * abs_ry[t];
    vs_scalar = vs_scalar && std::fabs(static_cast<Ref>(c.syy[t]) - static_cast<Ref>(c.syy2[t])) <= 2 * g * abs_yy[t];
  }
  sentinels = sentinels && c.syy[k] == T(-7);
  const char* name = Backend::name();
  sink(within, CheckInfo{name, "centred_gram_update", "within gamma_(m+4) sum|z z| of long double", m, d});
  sink(vs_scalar, CheckInfo{name, "centred_gram_update", "agrees with the scalar reference", m, d});
  sink(symmetric, CheckInfo{name, "centred_gram_update", "S_xx exactly symmetric", m, d});
  sink(sentinels, CheckInfo{name, "centred_gram_update", "nothing written outside the blocks", m, d});
}

template <typename T, class Backend, class Sink>
void check_column_sums(SplitMix64& rng, Sink& sink) noexcept {
  CovCheckData<T>& c = cov_check_data<T>();
  const char* name = Backend::name();
  const std::size_t ms[] = {1, 2, 7, 75};
  for (std::size_t n = 1; n <= kCovCheckD; n += 3) {
    for (std::size_t m : ms) {
      const std::size_t ldx = n + 2;
      for (std::size_t i = 0; i < m * ldx; ++i) c.x[i] = static_cast<T>(rng.uniform(-100, 100));
      c.sum[n] = c.amax[n] = T(-7);
      Backend::column_sums(m, n, c.x, ldx, c.sum, c.amax);
      bool sums = true, maxima = true;
      for (std::size_t j = 0; j < n; ++j) {
        Ref s = 0, a = 0, amax = 0;
        for (std::size_t i = 0; i < m; ++i) {
          s += c.x[i * ldx + j];
          a += std::fabs(static_cast<Ref>(c.x[i * ldx + j]));
          amax = std::fabs(static_cast<Ref>(c.x[i * ldx + j])) > amax ? std::fabs(static_cast<Ref>(c.x[i * ldx + j])) : amax;
        }
        sums = sums && std::fabs(static_cast<Ref>(c.sum[j]) - s) <= gamma_with_ref<T>(m) * a;
        maxima = maxima && static_cast<Ref>(c.amax[j]) == amax;
      }
      sink(sums, CheckInfo{name, "column_sums", "sum within gamma_m sum|x|", m, n});
      sink(maxima, CheckInfo{name, "column_sums", "largest magnitude exact", m, n});
      sink(c.sum[n] == T(-7) && c.amax[n] == T(-7), CheckInfo{name, "column_sums", "nothing written past n", m, n});
      // A NaN or Inf anywhere makes its column sum non-finite.
      const std::size_t bad = (m - 1) * ldx + (n - 1);
      const T keep = c.x[bad];
      c.x[bad] = std::numeric_limits<T>::quiet_NaN();
      Backend::column_sums(m, n, c.x, ldx, c.sum, c.amax);
      const bool nan_seen = !std::isfinite(c.sum[n - 1]);
      c.x[bad] = -std::numeric_limits<T>::infinity();
      Backend::column_sums(m, n, c.x, ldx, c.sum, c.amax);
      sink(nan_seen && !std::isfinite(c.sum[n - 1]), CheckInfo{name, "column_sums", "NaN/Inf give a non-finite sum", m, n});
      c.x[bad] = keep;
    }
  }
}

// Bit-for-bit equality of two accumulators' observable state.
template <class Acc>
bool same_state(const Acc& a, const Acc& b) noexcept {
  const std::size_t D = Acc::features(), K = Acc::targets();
  using T = std::remove_cv_t<std::remove_reference_t<decltype(a.weight())>>;
  return std::memcmp(a.sxx().data(), b.sxx().data(), sizeof(a.sxx())) == 0 &&
         std::memcmp(a.sxy().data(), b.sxy().data(), sizeof(a.sxy())) == 0 &&
         std::memcmp(a.mean_x(), b.mean_x(), D * sizeof(T)) == 0 &&
         std::memcmp(a.mean_y(), b.mean_y(), K * sizeof(T)) == 0 &&
         std::memcmp(a.syy_diagonal(), b.syy_diagonal(), K * sizeof(T)) == 0 &&
         a.count() == b.count() && a.weight() == b.weight();
}

// add_batch against add() one sample at a time (both the Welford/Chan properties), and
// the all-or-nothing contract.
template <typename T, class Backend, class Sink>
void check_add_batch(SplitMix64& rng, Sink& sink) noexcept {
  constexpr std::size_t D = 13, K = 2, M = kCovCheckM;
  using Acc = CovarianceAccumulator<T, D, K, Backend>;
  static Acc batch, single, before;
  static T x[M * D], y[M * K];
  const char* name = Backend::name();
  for (std::size_t i = 0; i < M; ++i) {
    for (std::size_t j = 0; j < D; ++j)
      x[i * D + j] = static_cast<T>((j == 0 ? 1954.5 : 0.0) + static_cast<double>(j) * rng.uniform(-1, 1));
    for (std::size_t t = 0; t < K; ++t) y[i * K + t] = static_cast<T>(rng.uniform(-3, 3) + x[i * D + 1]);
  }
  // Sample-by-sample, and in three batches of 1, 40 and 34 after a warm-up of 10 singles.
  single.reset();
  batch.reset();
  for (std::size_t i = 0; i < M; ++i) (void)single.add(x + i * D, y + i * K);
  for (std::size_t i = 0; i < 10; ++i) (void)batch.add(x + i * D, y + i * K);
  bool ok = batch.add_batch(1, x + 10 * D, D, y + 10 * K, K) == Status::ok;
  ok = ok && batch.add_batch(40, x + 11 * D, D, y + 11 * K, K) == Status::ok;
  ok = ok && batch.add_batch(M - 51, x + 51 * D, D, y + 51 * K, K) == Status::ok;
  sink(ok && batch.count() == M && batch.weight() == static_cast<T>(M),
       CheckInfo{name, "add_batch", "ok, count and weight", M, D});
  // Both carry O(M eps) relative errors in each centred sum (Chan et al. 1983); the
  // entries are compared relative to sqrt(S_ii S_jj), the scale of the sum.
  const Ref tol = 4 * static_cast<Ref>(M) * unit_roundoff<T>();
  bool sums = true, means = true, symmetric = true;
  for (std::size_t i = 0; i < D; ++i) {
    const Ref sii = single.sxx()(i, i);
    for (std::size_t j = 0; j < D; ++j) {
      const Ref scale = std::sqrt(sii * static_cast<Ref>(single.sxx()(j, j)));
      sums = sums && std::fabs(static_cast<Ref>(batch.sxx()(i, j)) - single.sxx()(i, j)) <= tol * scale;
      symmetric = symmetric && batch.sxx()(i, j) == batch.sxx()(j, i);
    }
    for (std::size_t t = 0; t < K; ++t) {
      const Ref scale = std::sqrt(sii * static_cast<Ref>(single.syy_diagonal()[t]));
      sums = sums && std::fabs(static_cast<Ref>(batch.sxy()(i, t)) - single.sxy()(i, t)) <= tol * scale;
    }
    const Ref spread = std::sqrt(sii / static_cast<Ref>(M));
    means = means && std::fabs(static_cast<Ref>(batch.mean_x()[i]) - single.mean_x()[i]) <=
                         tol * (spread + std::fabs(static_cast<Ref>(single.mean_x()[i])));
  }
  for (std::size_t t = 0; t < K; ++t) {
    const Ref syy = single.syy_diagonal()[t];
    sums = sums && std::fabs(static_cast<Ref>(batch.syy_diagonal()[t]) - syy) <= tol * syy;
  }
  sink(sums, CheckInfo{name, "add_batch", "centred sums equal add() one by one", M, D});
  sink(means, CheckInfo{name, "add_batch", "means equal add() one by one", M, D});
  sink(symmetric, CheckInfo{name, "add_batch", "S_xx exactly symmetric", M, D});

  // A NaN, an Inf or an overflowing block is rejected whole: nothing changes.
  before = batch;
  bool unchanged = true, rejected = true;
  for (int kind = 0; kind < 3; ++kind) {
    const std::size_t at = 30 * D + 4;
    const T keep = x[at];
    x[at] = kind == 0 ? std::numeric_limits<T>::quiet_NaN()
                      : (kind == 1 ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max() / T(4));
    rejected = rejected && batch.add_batch(M, x, D, y, K) == Status::non_finite_input;
    x[at] = keep;
    unchanged = unchanged && same_state(batch, before);
  }
  rejected = rejected && batch.add_batch(2, nullptr, D, y, K) == Status::invalid_argument;
  rejected = rejected && batch.add_batch(2, x, D - 1, y, K) == Status::invalid_argument;
  unchanged = unchanged && same_state(batch, before);
  sink(rejected, CheckInfo{name, "add_batch", "bad blocks rejected with a status", M, D});
  sink(unchanged, CheckInfo{name, "add_batch", "a rejected block changes nothing", M, D});
  sink(batch.add_batch(0, nullptr, 0, nullptr, 0) == Status::ok && same_state(batch, before),
       CheckInfo{name, "add_batch", "an empty block is a no-op", 0, D});

  // With forgetting the block is the same sequence of add(): bit for bit.
  (void)single.set_forgetting(T(0.9));
  (void)batch.set_forgetting(T(0.9));
  single.reset();
  batch.reset();
  for (std::size_t i = 0; i < M; ++i) (void)single.add(x + i * D, y + i * K);
  const bool fok = batch.add_batch(M, x, D, y, K) == Status::ok;
  sink(fok && same_state(batch, single),
       CheckInfo{name, "add_batch", "forgetting: identical to add() one by one", M, D});
  (void)single.set_forgetting(T(1));
  (void)batch.set_forgetting(T(1));
}

template <typename T, class Backend, class Sink>
void check_all_covariance(Sink& sink) noexcept {
  SplitMix64 rng(2026);
  // Shapes around every vector width (1, 2, 4, 8, 16 lanes) and the 4-row tiles.
  const std::size_t ds[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 19};
  const std::size_t ms[] = {1, 2, 3, 8, 75};
  for (std::size_t d : ds)
    for (std::size_t m : ms)
      for (std::size_t k = 1; k <= kCovCheckK; k += 2) check_centred_gram_case<T, Backend>(m, d, k, rng, sink);
  check_column_sums<T, Backend>(rng, sink);
  check_add_batch<T, Backend>(rng, sink);
}

}  // namespace olsf::testing
