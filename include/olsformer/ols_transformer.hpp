// olsformer: the OLS-Transformer (Tan & Zhao 2026, arXiv 2604.13656; papers.md §1).
//
// Ordinary least squares written as one layer of linear attention:
//   X^T X = V Lambda V^T,  L = V Lambda^(-1/2)  (so L L^T = (X^T X)^-1),  P = L^T X^T Y,
//   W_Q = W_K = W_V = L,  W_FFN = I,  W_P = P,
//   state form   y^ = x^T L P = x^T beta                         (slow memory: L, P)
//   token form   y^ = sum_i a_i y_i,  a_i = (x^T L)(L^T x_i)      (fast memory: the scores)
// and on the training tokens the forward pass Q K^T V W_P = X L P = X (X^T X)^-1 X^T Y is
// exactly the OLS fit (the paper's theorem).
//
// What the paper leaves open and this class decides (papers.md §1, last paragraphs):
//  - Intercept: with options.intercept the tokens are centred, x~ = x - mean_x and
//    y~ = y - mean_y, every formula above runs on the centred data, and
//    y^ = mean_y + x~^T beta (the intercept is b0 = mean_y - mean_x^T beta). Without it the
//    raw second moments X^T X = S_xx + W mean_x mean_x^T are used and nothing is centred.
//  - Scaling: the Gram matrix G (centred or raw) is scaled to unit diagonal,
//    A = S^-1 G S^-1 with S = diag(sqrt(G_jj)) (the column norms: for centred data the
//    correlation matrix). Jacobi then works on A, and L = S^-1 V Lambda_A^(-1/2): still
//    L L^T = G^-1 when A is invertible. The scaling is what makes badly scaled columns
//    (Longley, polynomial columns x..x^5) solvable: cond(A) is at most D times the best
//    cond over all diagonal scalings (van der Sluis 1969). A column whose norm is zero
//    (or, with centring, zero to rounding: a constant column) is left at 0 in A.
//  - Rank: an eigenvalue of A below cutoff * lambda_max(A) is dropped (its column of L is
//    0): refit reports rank_deficient and the result is the minimum-norm least-squares
//    solution in the scaled coordinates (minimum ||S beta||; for columns of equal norm,
//    e.g. a duplicated column, that is the ordinary minimum-norm solution). The default
//    cutoff (options.rank_cutoff < 0) is 2 (D + sqrt(n)) eps: the rounding noise of a
//    Welford-accumulated, Jacobi-diagonalised A (|dA_ij| <= n eps entrywise at worst,
//    ~sqrt(n) eps in practice, plus D eps from Jacobi). The accurate solver's singular
//    values carry that noise relative to sigma_max instead of sigma_max^2, so its default
//    eigenvalue cutoff is the square of that number. A user cutoff is always relative to
//    the eigenvalues lambda(A) = sigma(Xs)^2.
//  - Ridge: options.ridge = lambda >= 0 is added to the eigenvalues of the scaled A,
//    L = S^-1 V (Lambda_A + lambda I)^(-1/2), i.e. the penalty lambda ||S beta||^2, which is
//    dimensionless (lambda = 0.01 is 1% of every column's sum of squares). With a ridge
//    no direction is dropped (negative rounding noise in Lambda_A is clamped at 0).
//  - Accuracy: forming X^T X squares cond(X). The accurate solver runs the one-sided
//    Jacobi SVD on the centred, scaled context X S^-1 = U Sigma V^T itself (same V,
//    Lambda = Sigma^2) and forms P = (Sigma^2 + lambda)^(-1/2) Sigma U^T Y~, never
//    X^T X; it needs every observed sample in the context (and no forgetting), otherwise
//    refit falls back to the covariance solver and fit_method() says so.
//  - Size: the accurate solver costs a JacobiSvd and a copy of the context in every object
//    (3 Context D + 2 D^2 + Context + D elements: 3.7 KB for float, D = 8, Context = 32)
//    and the SVD's code (2.2 KB of Cortex-M4 flash at -O2). CMake's
//    OLSF_OLS_ACCURATE_SOLVER=OFF (the macro OLSF_OLS_ACCURATE_SOLVER=0, the same for every
//    file of a program) leaves both out; solver = accurate is then rejected with
//    invalid_argument (set_options, refit).
//
// All storage is inside the object; no heap, no exceptions.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "olsformer/backend.hpp"
#include "olsformer/covariance.hpp"
#include "olsformer/jacobi.hpp"
#include "olsformer/matrix.hpp"
#include "olsformer/status.hpp"

#ifndef OLSF_OLS_ACCURATE_SOLVER
#define OLSF_OLS_ACCURATE_SOLVER 1
#endif

namespace olsf {

enum class OlsSolver : unsigned char {
  covariance,  // Jacobi eigensolver on the scaled covariance (streaming, warm-started)
  accurate,    // one-sided Jacobi SVD on the scaled context X when all data is in it
};

template <typename T>
struct OlsOptions {
  bool intercept = true;  // centre the tokens and fit b0
  T ridge = T(0);         // lambda >= 0, in units of the scaled (unit-diagonal) Gram matrix
  T rank_cutoff = T(-1);  // relative eigenvalue cutoff (lambda_k < cutoff lambda_max is dropped);
                          // < 0: automatic, 2 (D + sqrt(n)) eps, squared for the accurate solver
  OlsSolver solver = OlsSolver::covariance;  // accurate: only if has_accurate_solver (see Size)
  T forgetting = T(1);    // gamma in (0, 1] of the slow memory (CovarianceAccumulator)
  bool warm_start = true;  // start Jacobi from the previous fit's eigenvectors
  JacobiOptions jacobi = {};
};

// The transformer view of a fit: the weights as matrices, on centred tokens
// (x~ = x - centre_x, output centre_y + ...; both 0 without intercept).
template <typename T, std::size_t D, std::size_t K>
struct OlsLayerView {
  const Matrix<T, D, D>& w_q;    // L
  const Matrix<T, D, D>& w_k;    // L
  const Matrix<T, D, D>& w_v;    // L
  const Matrix<T, D, D>& w_ffn;  // I
  const Matrix<T, D, K>& w_p;    // P = L^T X~^T Y~
  const T* centre_x;             // D entries
  const T* centre_y;             // K entries
};

template <typename T, std::size_t D, std::size_t K, std::size_t Context, class Backend = DefaultBackend>
class OlsTransformer {
  static_assert(D >= 1 && D <= kJacobiMaxN,
                "OlsTransformer supports 1 <= D <= kJacobiMaxN (CMake's OLSF_JACOBI_MAX_N, 64 by default)");
  static_assert(K >= 1 && Context >= 1, "OlsTransformer needs K >= 1 and Context >= 1");
  static constexpr std::size_t kSvdRows = Context >= D ? Context : D;
  // SymmetricEigen<T, 1> trips a false -Warray-bounds (GCC 12, -O2 with sanitizers) in
  // jacobi.hpp's insertion sort; a capacity of at least 2 runs the same n = D problem.
  static constexpr std::size_t kEigCap = D >= 2 ? D : 2;

 public:
  // False when the build leaves the accurate solver out (OLSF_OLS_ACCURATE_SOLVER=0).
  static constexpr bool has_accurate_solver = OLSF_OLS_ACCURATE_SOLVER != 0;

  explicit OlsTransformer(const OlsOptions<T>& options = {}) noexcept : options_(options) {
    // An invalid forgetting factor is reported by refit() (invalid_argument).
    (void)acc_.set_forgetting(options.forgetting);
    settle();
    for (std::size_t i = 0; i < D; ++i) identity_(i, i) = T(1);
  }

  const OlsOptions<T>& options() const noexcept { return options_; }

  // Replaces the options; they apply from the next observe()/refit() (a changed forgetting
  // factor scales only the samples that come after it). The fit stays as it is.
  // Statuses: ok; invalid_argument (ridge < 0 or NaN, rank_cutoff NaN/Inf, forgetting
  // not in (0, 1], solver accurate without has_accurate_solver): then nothing changes.
  Status set_options(const OlsOptions<T>& options) noexcept {
    if (!valid(options)) return Status::invalid_argument;
    flush();  // the deferred samples came before the changed forgetting factor
    (void)acc_.set_forgetting(options.forgetting);
    settle();
    options_ = options;
    return Status::ok;
  }

  // Slow memory update + push into the context ring (the oldest token leaves the ring
  // when it is full; it stays in the slow memory). x: D entries, y: K entries.
  // Statuses: ok; invalid_argument (null pointer); non_finite_input (NaN/Inf, or an
  // overflowing outer product). On any status but ok nothing changes.
  //
  // Deferred slow memory (small D + K, no forgetting): the sample only goes into the ring;
  // the samples still pending there are folded into the slow memory as one block
  // (CovarianceAccumulator::fold_trusted: the corrected two-pass algorithm and Chan's
  // merge, register-tiled) when the ring is about to overwrite one of them, and before
  // anything reads the slow memory (refit, merge, slow_memory(), observe_batch,
  // set_options). A per-sample Welford update must load and store all D (D + 1) / 2 + D K
  // sums for every sample; a block keeps them in registers (bench/arm's ols case, D = 8,
  // Cortex-M4: ~520 instructions per sample before, now ~45 in observe + ~138 in the
  // fold). The result equals the per-sample updates up to rounding. Worst-case latency:
  // the observe() that finds the ring full of pending samples folds Context of them.
  // A sample is deferred only when its squared norm is below kTame2 (which also rejects
  // NaN/Inf with one comparison) and the slow memory's mean is tame too, so that no fold
  // can overflow; any other sample takes the exact path (add(), same checks as before).
  Status observe(const T* x, const T* y) noexcept {
    if (x == nullptr || y == nullptr) return Status::invalid_argument;
    if constexpr (kDefer) {
      if (defer_ok_) {
        // The sample is read once, into registers, and stored into the ring from there:
        // no second pass over x and y, and no overlap test when x or y is a context token
        // (every load precedes every store). On Cortex-M with D = 8, K = 1 by VLDM/VSTM
        // (covariance.hpp's *_vfp9 helpers): ~73 -> ~40 instructions per call on M4.
        T v[D + K];
        T q = T(0);
#if defined(OLSF_COV_VFP_ROW9)
        if constexpr (detail::kSampleVfp9<T, D, K>) {
          q = detail::sample_norm2_vfp9(x, y);
        } else
#endif
        {
          for (std::size_t j = 0; j < D; ++j) v[j] = x[j];
          for (std::size_t j = 0; j < K; ++j) v[D + j] = y[j];
          for (std::size_t j = 0; j < D + K; ++j) q += v[j] * v[j];
        }
        if (q <= kTame2) {  // false for NaN/Inf as well
          if (pending_ == Context) flush();
          T* cx = ctx_x_.row(head_);
          T* cy = ctx_y_.row(head_);
#if defined(OLSF_COV_VFP_ROW9)
          if constexpr (detail::kSampleVfp9<T, D, K>) {
            detail::copy_sample_vfp9(cx, cy, x, y);
          } else
#endif
          {
            for (std::size_t j = 0; j < D; ++j) cx[j] = v[j];
            for (std::size_t j = 0; j < K; ++j) cy[j] = v[D + j];
          }
          head_ = head_ + 1 == Context ? 0 : head_ + 1;
          if (ctx_size_ < Context) ++ctx_size_;
          ++pending_;
          return Status::ok;
        }
      }
    }
    return observe_exact(x, y);
  }

  // observe() for m samples at once: row i of X (D entries) at x + i ldx, of Y (K entries)
  // at y + i ldy. The slow memory takes the block as one register-blocked rank-m update
  // (CovarianceAccumulator::add_batch); only the last min(m, Context) rows are copied into
  // the ring. Equals m calls of observe() up to rounding.
  // Statuses: those of CovarianceAccumulator::add_batch; on any status but ok nothing
  // changes (the whole block is rejected).
  Status observe_batch(std::size_t m, const T* x, std::size_t ldx, const T* y, std::size_t ldy) noexcept {
    flush();
    const Status s = acc_.add_batch(m, x, ldx, y, ldy);
    if (s != Status::ok || m == 0) return s;
    settle();
    const std::size_t keep = m < Context ? m : Context;
    std::size_t slot = (head_ + (m - keep)) % Context;
    for (std::size_t i = m - keep; i < m; ++i) {
      const T* xi = x + i * ldx;
      const T* yi = y + i * ldy;
      T* cxr = ctx_x_.row(slot);
      T* cyr = ctx_y_.row(slot);
      for (std::size_t j = 0; j < D; ++j) cxr[j] = xi[j];
      for (std::size_t j = 0; j < K; ++j) cyr[j] = yi[j];
      slot = slot + 1 == Context ? 0 : slot + 1;
    }
    head_ = slot;
    ctx_size_ = m >= Context || ctx_size_ + m >= Context ? Context : ctx_size_ + m;
    return Status::ok;
  }
  // Rows packed one after the other (ldx = D, ldy = K).
  Status observe(std::size_t m, const T* x, const T* y) noexcept { return observe_batch(m, x, D, y, K); }

  // Merges another model's slow memory (Chan et al.; see covariance.hpp) into this one,
  // e.g. a fit split across cores or devices. The context ring is not merged.
  // Statuses: those of CovarianceAccumulator::merge; on failure nothing changes.
  Status merge(const OlsTransformer& other) noexcept {
    flush();
    other.flush();
    const Status s = acc_.merge(other.acc_);
    settle();
    return s;
  }

  // Forget all data and the fit (options stay).
  void reset() noexcept {
    acc_.reset();
    head_ = ctx_size_ = pending_ = 0;
    settle();
    fitted_ = false;
    have_eig_ = false;
    rank_ = 0;
  }

  // Rebuilds L, P, beta and the intercept from the slow memory (or, accurate solver,
  // from the context). Statuses:
  //   ok              full rank (or ridge > 0);
  //   rank_deficient  some directions were dropped (fewer samples than features, a
  //                   duplicated or constant column...): the minimum-norm solution is
  //                   committed and usable;
  //   empty           no sample observed;
  //   invalid_argument ridge < 0 or NaN, rank_cutoff NaN/Inf, forgetting not in (0, 1],
  //                   solver accurate in a build without it (has_accurate_solver false);
  //   not_converged / non_finite_input  from the Jacobi solvers, or weights beyond the
  //                   range of T (data near the top of it).
  // On any status but ok and rank_deficient the previous fit stays exactly as it was.
  Status refit() noexcept {
    if (!valid(options_)) return Status::invalid_argument;
    flush();
    if (acc_.empty()) return Status::empty;
    const T n = static_cast<T>(acc_.count());
    const T w = acc_.weight();
    const T eps = std::numeric_limits<T>::epsilon();
    const T* mx = acc_.mean_x();
    const T* my = acc_.mean_y();
    const bool centre = options_.intercept;

    // Gram matrix G (centred or raw: S_xx + W mean mean^T), its scales S = diag(sqrt(G_jj)),
    // and A = S^-1 G S^-1 straight from the slow memory (lower triangle, mirrored).
    const auto& sxx = acc_.sxx();
    const T wc = centre ? T(0) : w;
    for (std::size_t j = 0; j < D; ++j) {
      const T g = sxx(j, j) + wc * mx[j] * mx[j];
      // With centring, a constant column leaves only rounding noise in G_jj: Welford's
      // deviations are then at most ~n eps |mean|, so such a column counts as zero.
      const T noise = centre ? T(4) * n * eps * std::fabs(mx[j]) * std::sqrt(w) : T(0);
      inv_scale_[j] = g > T(0) && std::sqrt(g) > noise ? T(1) / std::sqrt(g) : T(0);
    }
    for (std::size_t i = 0; i < D; ++i) {
      const T wi = wc * mx[i], si = inv_scale_[i];
      T* ai = work_a_.row(i);
      for (std::size_t j = 0; j < i; ++j) ai[j] = work_a_(j, i) = (sxx(i, j) + wi * mx[j]) * si * inv_scale_[j];
      ai[i] = si > T(0) ? T(1) : T(0);
    }

    // (valid() has rejected the accurate solver if it is compiled out.)
    const bool accurate = has_accurate_solver && options_.solver == OlsSolver::accurate &&
                          acc_.forgetting() == T(1) && ctx_size_ == acc_.count() && ctx_size_ >= D;
    // Relative eigenvalue cutoff (on lambda(A) = sigma(Xs)^2 in both solvers).
    const T rcond_default = T(2) * (static_cast<T>(D) + std::sqrt(n)) * eps;
    const T cutoff = options_.rank_cutoff >= T(0) ? options_.rank_cutoff
                                                  : (accurate ? rcond_default * rcond_default : rcond_default);
    // f[k] = (lambda_k + ridge)^(-1/2) for the kept directions, 0 for the dropped ones;
    // the directions are the columns of vecs (eigen: ascending, SVD: descending).
    T f[D];
    std::size_t rank = 0;
    ConstMatrixView<T> vecs;
#if OLSF_OLS_ACCURATE_SOLVER
    if (accurate) {
      const std::size_t m = ctx_size_;  // no wrap happened: slot i holds sample i
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < D; ++j)
          xs_(i, j) = (ctx_x_(i, j) - (centre ? mx[j] : T(0))) * inv_scale_[j];
      ConstMatrixView<T> xv{xs_.data(), m, D, xs_.stride()};
      const Status s = svd_.compute(xv, true);
      if (s != Status::ok) return s;
      const T* sigma = svd_.singular_values();
      const T smax = sigma[0];
      for (std::size_t k = 0; k < D; ++k) {
        const bool keep = smax > T(0) && (options_.ridge > T(0) ? true : sigma[k] * sigma[k] > cutoff * smax * smax);
        f[k] = keep ? T(1) / std::sqrt(sigma[k] * sigma[k] + options_.ridge) : T(0);
        if (keep) ++rank;
      }
      // P = f Sigma U^T Y~ (never X^T X): row k of P from column k of U.
      T* ytmp = ytmp_;
      T z[D];
      for (std::size_t t = 0; t < K; ++t) {
        for (std::size_t i = 0; i < m; ++i) ytmp[i] = ctx_y_(i, t) - (centre ? my[t] : T(0));
        Backend::gemv_t(m, D, T(1), svd_.matrix_u().data(), svd_.matrix_u().stride(), ytmp, 1, T(0), z, 1);
        for (std::size_t k = 0; k < D; ++k) p_work_(k, t) = f[k] * sigma[k] * z[k];
      }
      (void)svd_.matrix_v().block(D, D, vecs);
    } else
#endif
    {
      const ConstMatrixView<T> a{work_a_.data(), D, D, work_a_.stride()};
      ConstMatrixView<T> previous;
      (void)eig_.eigenvectors().block(D, D, previous);
      const Status s = options_.warm_start && have_eig_ ? eig_.compute(a, previous, options_.jacobi)
                                                        : eig_.compute(a, options_.jacobi);
      if (s != Status::ok) return s;
      have_eig_ = true;
      const T* lambda = eig_.eigenvalues();
      const T lmax = lambda[D - 1];
      for (std::size_t k = 0; k < D; ++k) {
        const T lk = lambda[k] > T(0) ? lambda[k] : T(0);
        const bool keep = lmax > T(0) && (options_.ridge > T(0) ? true : lk > cutoff * lmax);
        f[k] = keep ? T(1) / std::sqrt(lk + options_.ridge) : T(0);
        if (keep) ++rank;
      }
      // P = L^T G_xy = f V^T (S^-1 G_xy).
      T c[D];
      const auto& sxy = acc_.sxy();
      for (std::size_t t = 0; t < K; ++t) {
        for (std::size_t j = 0; j < D; ++j) c[j] = (sxy(j, t) + wc * mx[j] * my[t]) * inv_scale_[j];
        const auto& v = eig_.eigenvectors();
        T z[D];
        if constexpr (kDefer) {
          // Small D: inline (the scalar kernel's runtime loops cost ~8 instructions per
          // entry at D = 8 on Cortex-M4, twice this).
          for (std::size_t k = 0; k < D; ++k) z[k] = T(0);
          for (std::size_t j = 0; j < D; ++j)
            for (std::size_t k = 0; k < D; ++k) z[k] += v(j, k) * c[j];
        } else {
          Backend::gemv_t(D, D, T(1), v.data(), v.stride(), c, 1, T(0), z, 1);
        }
        for (std::size_t k = 0; k < D; ++k) p_work_(k, t) = f[k] * z[k];
      }
      (void)eig_.eigenvectors().block(D, D, vecs);
    }
    // beta = L P = S^-1 V (f .* P) (one product, L need not exist yet) and the intercept.
    // Data near the top of T's range can give weights or an intercept beyond it: report
    // that instead of committing inf/NaN (found by tests/fuzz/fuzz_ols.cpp). v * 0 is NaN
    // exactly when v is Inf or NaN, so one sum tests every entry.
    T b0[K];
    T nan_probe = T(0);
    for (std::size_t t = 0; t < K; ++t) {
      T u[D], vu[D];
      for (std::size_t k = 0; k < D; ++k) {
        u[k] = f[k] * p_work_(k, t);
        nan_probe += p_work_(k, t) * T(0);
      }
      if constexpr (kDefer) {
        for (std::size_t j = 0; j < D; ++j) {
          T a = T(0);
          for (std::size_t k = 0; k < D; ++k) a += vecs(j, k) * u[k];
          vu[j] = a;
        }
      } else {
        Backend::gemv(D, D, T(1), vecs.data, vecs.stride, u, 1, T(0), vu, 1);
      }
      b0[t] = centre ? my[t] : T(0);
      for (std::size_t j = 0; j < D; ++j) {
        beta_work_(j, t) = inv_scale_[j] * vu[j];
        b0[t] -= (centre ? mx[j] : T(0)) * beta_work_(j, t);
        nan_probe += beta_work_(j, t) * T(0);
      }
      nan_probe += b0[t] * T(0);
    }
    // L_ik = s_i V_ik f_k with |V_ik| <= 1: finite when 2 max s max f is (otherwise, in
    // that corner, entry by entry).
    T smax = T(0), fmax = T(0);
    for (std::size_t k = 0; k < D; ++k) {
      smax = inv_scale_[k] > smax ? inv_scale_[k] : smax;
      fmax = f[k] > fmax ? f[k] : fmax;
    }
    if (!std::isfinite(T(2) * smax * fmax))
      for (std::size_t i = 0; i < D; ++i)
        for (std::size_t k = 0; k < D; ++k) nan_probe += inv_scale_[i] * vecs(i, k) * f[k] * T(0);
    if (!(nan_probe == T(0))) return Status::non_finite_input;
    // Commit: L = S^-1 V diag(f).
    for (std::size_t i = 0; i < D; ++i) {
      T* li = l_.row(i);
      for (std::size_t k = 0; k < D; ++k) li[k] = inv_scale_[i] * vecs(i, k) * f[k];
    }
    p_ = p_work_;
    beta_ = beta_work_;
    for (std::size_t j = 0; j < D; ++j) centre_x_[j] = centre ? mx[j] : T(0);
    for (std::size_t t = 0; t < K; ++t) {
      centre_y_[t] = centre ? my[t] : T(0);
      intercept_[t] = b0[t];
    }
    rank_ = rank;
    method_ = accurate ? OlsSolver::accurate : OlsSolver::covariance;
    fitted_ = true;
    return rank < D ? Status::rank_deficient : Status::ok;
  }

  // State form: y = centre_y + (x - centre_x)^T L P (= b0 + x^T beta; the centred form
  // avoids the cancellation of a large intercept). x: D entries, y: K entries.
  // Statuses: ok; empty (no fit yet); invalid_argument (null); non_finite_input (y untouched).
  Status predict(const T* x, T* y) const noexcept {
    if (!fitted_) return Status::empty;
    if (x == nullptr || y == nullptr) return Status::invalid_argument;
    T xc[D], out[K];
    for (std::size_t j = 0; j < D; ++j) {
      if (!std::isfinite(x[j])) return Status::non_finite_input;
      xc[j] = x[j] - centre_x_[j];
    }
    Backend::gemv_t(D, K, T(1), beta_.data(), beta_.stride(), xc, 1, T(0), out, 1);
    // A finite but huge x can overflow x - centre or the products: no inf/NaN with ok.
    for (std::size_t t = 0; t < K; ++t) {
      out[t] += centre_y_[t];
      if (!std::isfinite(out[t])) return Status::non_finite_input;
    }
    for (std::size_t t = 0; t < K; ++t) y[t] = out[t];
    return Status::ok;
  }

  // Token form over the context ring: y = centre_y + sum_i a_i (y_i - centre_y) with the
  // scores a_i = (x~^T L)(L^T x~_i) (the fast memory), i = 0 the oldest token in the
  // context. scores (context_size() entries) may be null. On the full training set (all
  // samples in the context) y equals predict(x) up to rounding.
  // Statuses: ok; empty (no fit yet, or empty context); invalid_argument (null x or y);
  // non_finite_input (y and scores untouched).
  Status attend(const T* x, T* y, T* scores = nullptr) const noexcept {
    if (!fitted_ || ctx_size_ == 0) return Status::empty;
    if (x == nullptr || y == nullptr) return Status::invalid_argument;
    T xc[D], q[D], wv[D], acc[K];
    for (std::size_t j = 0; j < D; ++j) {
      if (!std::isfinite(x[j])) return Status::non_finite_input;
      xc[j] = x[j] - centre_x_[j];
    }
    // w = L (L^T x~) = G^+ x~, so that a_i = w . x~_i costs D per token.
    Backend::gemv_t(D, D, T(1), l_.data(), l_.stride(), xc, 1, T(0), q, 1);
    Backend::gemv(D, D, T(1), l_.data(), l_.stride(), q, 1, T(0), wv, 1);
    for (std::size_t t = 0; t < K; ++t) acc[t] = T(0);
    bool finite = true;
    for (std::size_t j = 0; j < ctx_size_; ++j) {
      const T a = score(wv, context_slot(j));
      finite = finite && std::isfinite(a);
      for (std::size_t t = 0; t < K; ++t) acc[t] += a * (ctx_y_(context_slot(j), t) - centre_y_[t]);
    }
    // A finite but huge x can overflow the scores or the sum: report it, write nothing.
    for (std::size_t t = 0; t < K; ++t) {
      acc[t] += centre_y_[t];
      finite = finite && std::isfinite(acc[t]);
    }
    if (!finite) return Status::non_finite_input;
    // Scores go out only once the whole result is known to be good (a second, D-per-token pass).
    for (std::size_t j = 0; scores && j < ctx_size_; ++j) scores[j] = score(wv, context_slot(j));
    for (std::size_t t = 0; t < K; ++t) y[t] = acc[t];
    return Status::ok;
  }

  // The transformer view (valid after a successful refit).
  OlsLayerView<T, D, K> layer() const noexcept { return {l_, l_, l_, identity_, p_, centre_x_, centre_y_}; }

  bool fitted() const noexcept { return fitted_; }
  std::size_t rank() const noexcept { return rank_; }  // kept directions of the last fit
  OlsSolver fit_method() const noexcept { return method_; }
  const Matrix<T, D, D>& l() const noexcept { return l_; }
  const Matrix<T, D, K>& p() const noexcept { return p_; }
  const Matrix<T, D, K>& coefficients() const noexcept { return beta_; }  // beta = L P
  const T* intercept() const noexcept { return intercept_; }              // b0 (0 without intercept)
  // Folds the deferred samples first (see observe): not safe against a concurrent observe.
  const CovarianceAccumulator<T, D, K, Backend>& slow_memory() const noexcept {
    flush();
    return acc_;
  }
  const SymmetricEigen<T, kEigCap, Backend>& eigensolver() const noexcept { return eig_; }
  std::size_t context_size() const noexcept { return ctx_size_; }
  static constexpr std::size_t context_capacity() noexcept { return Context; }
  // Token j of the context, j = 0 the oldest (j < context_size()).
  const T* context_x(std::size_t j) const noexcept { return ctx_x_.row(context_slot(j)); }
  const T* context_y(std::size_t j) const noexcept { return ctx_y_.row(context_slot(j)); }

 private:
  using Accumulator = CovarianceAccumulator<T, D, K, Backend>;
  static constexpr bool kDefer = D + K <= Accumulator::kInlineFold;
  // Squared bound B^2 on a deferred sample's norm: a fold of at most Context samples with
  // |v| <= B into a slow memory whose mean has |mean| <= 2B (settle) forms block sums
  // <= Context B, Gram entries <= Context (2B)^2 and a merge term <= Context (3B)^2, all
  // below max / 1.7 (float, Context = 64: B ~ 5e17).
  static constexpr T kTame2 = std::numeric_limits<T>::max() / (T(16) * static_cast<T>(Context + 1));

  // memcpy of a small constant size is inlined as plain word loads and stores, without
  // the per-element address arithmetic GCC gave the element loop on Cortex-M4. A sample
  // may be a context token itself (context_x(j)); memcpy's operands must not overlap, so
  // that case copies through a buffer.
  void push(const T* x, const T* y) noexcept {
    copy_row<D>(ctx_x_.row(head_), x, ctx_x_.data(), sizeof ctx_x_);
    copy_row<K>(ctx_y_.row(head_), y, ctx_y_.data(), sizeof ctx_y_);
    head_ = head_ + 1 == Context ? 0 : head_ + 1;
    if (ctx_size_ < Context) ++ctx_size_;
  }

  template <std::size_t Nv>
  static void copy_row(T* dst, const T* src, const T* ring, std::size_t bytes) noexcept {
    // src overlaps [ring, ring + bytes) iff this unsigned difference is below the sum.
    const std::uintptr_t off = reinterpret_cast<std::uintptr_t>(src) + Nv * sizeof(T) - 1 -
                               reinterpret_cast<std::uintptr_t>(ring);
    if (off < bytes + Nv * sizeof(T) - 1) {
      T tmp[Nv];
      for (std::size_t j = 0; j < Nv; ++j) tmp[j] = src[j];
      for (std::size_t j = 0; j < Nv; ++j) dst[j] = tmp[j];
    } else {
      std::memcpy(dst, src, Nv * sizeof(T));
    }
  }

  // observe() with add()'s exact checks (the path of every sample when nothing is
  // deferred). With samples pending, the decision is taken against the mean they will
  // give, before the fold, so that a rejected sample changes nothing, not even the
  // rounding of the slow memory (the fold's boundaries).
  Status observe_exact(const T* x, const T* y) noexcept {
    if constexpr (kDefer) {
      if (pending_ > 0) {
        for (std::size_t j = 0; j < D; ++j)
          if (!std::isfinite(x[j])) return Status::non_finite_input;
        for (std::size_t j = 0; j < K; ++j)
          if (!std::isfinite(y[j])) return Status::non_finite_input;
        T mean[D + K];
        const std::size_t start = (head_ + Context - pending_) % Context;
        Accumulator::block_sums(pending_, ctx_x_.data(), ctx_x_.stride(), ctx_y_.data(), ctx_y_.stride(), start,
                                Context, mean);
        const T mt = static_cast<T>(pending_), w = acc_.weight();
        T big = T(0);
        for (std::size_t j = 0; j < D + K; ++j) {
          const T old = j < D ? acc_.mean_x()[j] : acc_.mean_y()[j - D];
          const T c = mean[j] / mt;
          mean[j] = w > T(0) ? old + (c - old) * (mt / (w + mt)) : c;
          const T dev = std::fabs((j < D ? x[j] : y[j - D]) - mean[j]);
          big = dev > big ? dev : big;
        }
        if (!std::isfinite(big) || !std::isfinite(big * big)) return Status::non_finite_input;
        flush();
      }
    }
    const Status s = acc_.add(x, y);
    if (s != Status::ok) return s;
    push(x, y);
    settle();
    return Status::ok;
  }

  // Folds the samples observe() deferred into the slow memory (a logically const
  // operation: the model's state is the same, only where it is kept changes).
  void flush() const noexcept {
    if constexpr (kDefer) {
      if (pending_ == 0) return;
      const std::size_t start = (head_ + Context - pending_) % Context;
      acc_.fold_trusted(pending_, ctx_x_.data(), ctx_x_.stride(), ctx_y_.data(), ctx_y_.stride(), start, Context);
      pending_ = 0;
      settle();
    }
  }

  // Whether observe() may defer: no forgetting and a tame mean (see kTame2).
  void settle() const noexcept {
    if constexpr (kDefer) {
      T q = T(0);
      for (std::size_t j = 0; j < D; ++j) q += acc_.mean_x()[j] * acc_.mean_x()[j];
      for (std::size_t j = 0; j < K; ++j) q += acc_.mean_y()[j] * acc_.mean_y()[j];
      defer_ok_ = acc_.forgetting() == T(1) && q <= T(4) * kTame2;
    }
  }

  // a_i = w . (x_i - centre_x) for the context token in ring slot `slot`.
  T score(const T* w, std::size_t slot) const noexcept {
    T tok[D];
    for (std::size_t c = 0; c < D; ++c) tok[c] = ctx_x_(slot, c) - centre_x_[c];
    return Backend::dot(D, w, 1, tok, 1);
  }

  static bool valid(const OlsOptions<T>& o) noexcept {
    return o.ridge >= T(0) && std::isfinite(o.ridge) && std::isfinite(o.rank_cutoff) && o.forgetting > T(0) &&
           o.forgetting <= T(1) && (has_accurate_solver || o.solver != OlsSolver::accurate);
  }

  std::size_t context_slot(std::size_t j) const noexcept {
    return ctx_size_ < Context ? j : (head_ + j) % Context;
  }

  OlsOptions<T> options_;
  // mutable: slow_memory() and merge() fold the deferred samples (flush).
  mutable Accumulator acc_;
  Matrix<T, Context, D> ctx_x_;
  Matrix<T, Context, K> ctx_y_;
  std::size_t head_ = 0, ctx_size_ = 0;
  mutable std::size_t pending_ = 0;  // the newest pending_ ring tokens are not in acc_ yet
  mutable bool defer_ok_ = false;

  SymmetricEigen<T, kEigCap, Backend> eig_;
#if OLSF_OLS_ACCURATE_SOLVER
  JacobiSvd<T, kSvdRows, D, Backend> svd_;
  Matrix<T, kSvdRows, D> xs_;
  T ytmp_[kSvdRows] = {};  // a centred target column of the context (accurate solver)
#endif
  Matrix<T, D, D> work_a_, l_, identity_;
  Matrix<T, D, K> p_work_, beta_work_, p_, beta_;
  T inv_scale_[D] = {};
  T centre_x_[D] = {};
  T centre_y_[K] = {};
  T intercept_[K] = {};
  std::size_t rank_ = 0;
  OlsSolver method_ = OlsSolver::covariance;
  bool fitted_ = false;
  bool have_eig_ = false;
};

}  // namespace olsf
