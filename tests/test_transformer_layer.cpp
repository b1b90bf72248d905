// The general transformer blocks of papers.md §1: LinearAttentionLayer (any weights) and
// its softmax variant SoftmaxAttentionLayer (kernel regression), on every backend.
//
// References nobody here wrote: the closed-form OLS fit from Eigen's ColPivHouseholderQR
// (long double), and the block's equations evaluated directly in long double from the
// same (rounded) weights and tokens. Tolerances are first-order rounding bounds
// (Higham ch. 3, gamma_c = c u / (1 - c u)) on "magnitude" evaluations: the same
// formula with every weight and input replaced by its absolute value, so
//   |computed - exact| <= gamma_c * magnitude,  c = the longest chain of roundings.
// LinearAttentionLayer::forward: centring (1), three projections (D each, +1 for the
// centring inside), the token sum (n) and product (1), S^T q (D), W_FFN (D), W_P (D),
// + c_y (1): c = n + 6 D + 6. attend: c = n + 3 D + 6. The softmax layer's bound is
// reference_row() of tests/support/attention_checks.hpp (online softmax in blocks).
//
// The theorem test decomposes layer - fit exactly (x~ = x - c_x, beta_T the fit's
// committed coefficients, M = L^T X~^T X~ L = I + E):
//   layer_exact - fit = (c_y - ybar) - (c_x - xbar)^T beta_T + (x - xbar)^T (beta_T - beta_ref)
//                       + x~^T (L P - beta_T) + x~^T L E P,
// with |(x - xbar)^T (beta_T - beta_ref)| <= ||S^-1 (x - xbar)|| ||S (beta_T - beta_ref)||
// (the covariance-solver bound of test_ols_transformer.cpp), |x~^T (L P - beta_T)| <=
// gamma_D |x~|^T |L| |P|, |x~^T L E P| <= ||L^T x~|| ||E||_2 ||P_t||, and ||E||_F held to
// 4 ||A^-1|| D (m + 2D) u.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "olsformer/linear_attention_layer.hpp"
#include "olsformer/ols_transformer.hpp"
#include "olsformer/softmax_attention_layer.hpp"
#include "support/attention_checks.hpp"
#include "support/backend_cases.hpp"
#include "support/rng.hpp"

namespace {

using olsf::Status;
using LD = long double;
using EMat = Eigen::Matrix<LD, Eigen::Dynamic, Eigen::Dynamic>;
using EVec = Eigen::Matrix<LD, Eigen::Dynamic, 1>;
using olsf::testing::BackendCaseNames;
using olsf::testing::BackendCases;

template <class T>
constexpr LD unit() {
  return static_cast<LD>(std::numeric_limits<T>::epsilon()) / 2;
}
template <class T>
LD gam(std::size_t c) {
  const LD cu = static_cast<LD>(c) * unit<T>();
  return cu / (1 - cu);
}
LD ld(float v) { return static_cast<LD>(v); }
LD ld(double v) { return static_cast<LD>(v); }

template <class T, std::size_t R, std::size_t C>
EMat to_eigen(const olsf::Matrix<T, R, C>& w) {
  EMat e(static_cast<long>(R), static_cast<long>(C));
  for (std::size_t i = 0; i < R; ++i)
    for (std::size_t j = 0; j < C; ++j) e(static_cast<long>(i), static_cast<long>(j)) = ld(w(i, j));
  return e;
}

// ---- data and the Eigen reference (the same construction as test_ols_transformer.cpp) -----
template <class T>
struct Data {
  std::vector<T> x, y;  // m x d, m x k row-major
  std::size_t m = 0, d = 0, k = 0;
  EMat ex() const {
    EMat e(static_cast<long>(m), static_cast<long>(d));
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < d; ++j) e(static_cast<long>(i), static_cast<long>(j)) = ld(x[i * d + j]);
    return e;
  }
  EMat ey() const {
    EMat e(static_cast<long>(m), static_cast<long>(k));
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < k; ++j) e(static_cast<long>(i), static_cast<long>(j)) = ld(y[i * k + j]);
    return e;
  }
};

// Columns x_j = offset_j + spread_j (z_0 + delta (1 + j) z_j): cond(Xs) ~ 1 / delta.
template <class T>
Data<T> random_data(std::size_t m, std::size_t d, std::size_t k, double delta, double noise, std::uint64_t seed) {
  olsf::testing::SplitMix64 rng(seed);
  Data<T> data;
  data.m = m;
  data.d = d;
  data.k = k;
  data.x.resize(m * d);
  data.y.resize(m * k);
  std::vector<double> beta(d * k);
  for (auto& b : beta) b = rng.uniform(-2, 2);
  for (std::size_t i = 0; i < m; ++i) {
    const double z0 = rng.uniform(-1, 1);
    for (std::size_t j = 0; j < d; ++j) {
      const double offset = 10.0 * static_cast<double>(j), spread = std::ldexp(1.0, static_cast<int>(j) - 2);
      data.x[i * d + j] = static_cast<T>(offset + spread * (z0 + delta * static_cast<double>(1 + j) * rng.uniform(-1, 1)));
    }
    for (std::size_t t = 0; t < k; ++t) {
      double v = 3.0 + noise * rng.uniform(-1, 1);
      for (std::size_t j = 0; j < d; ++j)
        v += beta[j * k + t] * static_cast<double>(data.x[i * d + j]) / std::ldexp(1.0, static_cast<int>(j) - 2);
      data.y[i * k + t] = static_cast<T>(v);
    }
  }
  return data;
}

struct Reference {
  EMat beta, fitted;
  EVec mean_x, mean_y, scale;
  LD inv_a_norm = 0;
};

// Centred least squares with intercept, by column-pivoting QR on [1 X].
Reference reference(const EMat& x, const EMat& y) {
  const long m = x.rows(), d = x.cols();
  Reference r;
  r.mean_x = x.colwise().mean().transpose();
  r.mean_y = y.colwise().mean().transpose();
  EMat xs = x.rowwise() - r.mean_x.transpose();
  r.scale = xs.colwise().norm().transpose();
  for (long j = 0; j < d; ++j) xs.col(j) /= r.scale(j);
  const auto sv = Eigen::JacobiSVD<EMat>(xs).singularValues();
  r.inv_a_norm = 1 / (sv(d - 1) * sv(d - 1));
  EMat design(m, d + 1);
  design.col(0).setOnes();
  design.rightCols(d) = x;
  const EMat coef = Eigen::ColPivHouseholderQR<EMat>(design).solve(y);
  r.beta = coef.bottomRows(d);
  r.fitted = design * coef;
  return r;
}

// ||S (beta_T - beta_ref)|| <= 2 ||A^-1|| (D (m + 2D) u ||z|| + sqrt(D) (m + D) u ||y~||)
// (test_ols_transformer.cpp's covariance-solver bound, z = S beta_ref).
template <class T>
LD covariance_bound(const Reference& r, const EMat& y, std::size_t m, std::size_t d, long t) {
  const LD u = unit<T>(), md = static_cast<LD>(m), dd = static_cast<LD>(d);
  const EVec z = r.scale.cwiseProduct(r.beta.col(t));
  const LD yn = (y.col(t).array() - r.mean_y(t)).matrix().norm();
  return 2 * r.inv_a_norm * (dd * (md + 2 * dd) * u * z.norm() + std::sqrt(dd) * (md + dd) * u * yn);
}

// ---- the linear block evaluated directly in long double ------------------------------------
struct BlockWeights {
  EMat wq, wk, wv, wffn, wp;
  EVec cx, cy;
};

struct BlockEval {
  EVec out, out_mag;       // forward: c_y + W_P^T W_FFN^T sum_i (q.k_i) v_i, and its magnitude
  EVec token, token_mag;   // attend:  c_y + sum_i (q.k_i) (y_i - c_y), and its magnitude
  EVec scores, score_mag;  // a_i = q.k_i
};

// Context tokens X (n x D), Y (n x K) and query x, all long double copies of the T values.
BlockEval evaluate(const BlockWeights& w, const EMat& x, const EMat& y, const EVec& query) {
  const long n = x.rows();
  const EMat xc = x.rowwise() - w.cx.transpose();
  const EVec qc = query - w.cx;
  const EVec q = w.wq.transpose() * qc, mq = w.wq.cwiseAbs().transpose() * qc.cwiseAbs();
  const EMat k = xc * w.wk, mk = xc.cwiseAbs() * w.wk.cwiseAbs();
  const EMat v = xc * w.wv, mv = xc.cwiseAbs() * w.wv.cwiseAbs();
  BlockEval e;
  e.scores = k * q;
  e.score_mag = mk * mq;
  const EVec h = v.transpose() * e.scores, mh = mv.transpose() * e.score_mag;
  e.out = w.cy + w.wp.transpose() * (w.wffn.transpose() * h);
  e.out_mag = w.cy.cwiseAbs() + w.wp.cwiseAbs().transpose() * (w.wffn.cwiseAbs().transpose() * mh);
  const EMat yc = y.rowwise() - w.cy.transpose();
  e.token = w.cy + yc.transpose() * e.scores;
  e.token_mag = w.cy.cwiseAbs() + yc.cwiseAbs().transpose() * e.score_mag;
  (void)n;
  return e;
}

template <class T, std::size_t D, std::size_t K, std::size_t C, class B>
BlockWeights weights_of(const olsf::LinearAttentionLayer<T, D, K, C, B>& layer) {
  BlockWeights w{to_eigen(layer.w_q()), to_eigen(layer.w_k()), to_eigen(layer.w_v()),
                 to_eigen(layer.w_ffn()), to_eigen(layer.w_p()), EVec(D), EVec(K)};
  for (std::size_t j = 0; j < D; ++j) w.cx(static_cast<long>(j)) = ld(layer.centre_x()[j]);
  for (std::size_t t = 0; t < K; ++t) w.cy(static_cast<long>(t)) = ld(layer.centre_y()[t]);
  return w;
}

template <class T>
EVec row_of(const std::vector<T>& v, std::size_t i, std::size_t width) {
  EVec e(static_cast<long>(width));
  for (std::size_t j = 0; j < width; ++j) e(static_cast<long>(j)) = ld(v[i * width + j]);
  return e;
}

// ---- 1. the paper's theorem ----------------------------------------------------------------
template <class C>
class LinearAttentionLayerTest : public ::testing::Test {};
TYPED_TEST_SUITE(LinearAttentionLayerTest, BackendCases, BackendCaseNames);

constexpr std::size_t kD = 6, kK = 2, kCtx = 160;

template <class T, class B>
void check_theorem(double delta, std::uint64_t seed) {
  const std::size_t m = 120;
  const auto data = random_data<T>(m, kD, kK, delta, 1e-2, seed);
  auto model = std::make_unique<olsf::OlsTransformer<T, kD, kK, kCtx, B>>();
  for (std::size_t i = 0; i < m; ++i) ASSERT_EQ(model->observe(&data.x[i * kD], &data.y[i * kK]), Status::ok);
  ASSERT_EQ(model->refit(), Status::ok);
  auto layer = std::make_unique<olsf::LinearAttentionLayer<T, kD, kK, kCtx, B>>();
  ASSERT_EQ(layer->load(model->layer()), Status::ok);
  for (std::size_t i = 0; i < m; ++i) ASSERT_EQ(layer->push(&data.x[i * kD], &data.y[i * kK]), Status::ok);
  EXPECT_EQ(layer->context_size(), m);

  const EMat ex = data.ex(), ey = data.ey();
  const Reference ref = reference(ex, ey);
  const BlockWeights w = weights_of(*layer);
  EXPECT_EQ(w.wffn, EMat::Identity(kD, kD));
  EXPECT_EQ(w.wq, to_eigen(model->l()));
  EXPECT_EQ(w.wp, to_eigen(model->p()));
  const EMat xc = ex.rowwise() - w.cx.transpose();
  const EMat e_mat = w.wk.transpose() * xc.transpose() * xc * w.wv - EMat::Identity(kD, kD);
  const LD e_norm = e_mat.norm();  // Frobenius >= spectral
  EXPECT_LE(e_norm, 4 * ref.inv_a_norm * static_cast<LD>(kD) * static_cast<LD>(m + 2 * kD) * unit<T>());
  const EMat beta_t = to_eigen(model->coefficients());
  const EMat lp_err = w.wq.cwiseAbs() * w.wp.cwiseAbs();  // |L| |P| for the beta rounding
  const std::size_t c_fwd = m + 6 * kD + 6, c_tok = m + 3 * kD + 6;

  std::vector<T> ctx_out(m * kK), scores(m);
  ASSERT_EQ(layer->forward_context(ctx_out.data(), kK), Status::ok);
  LD worst = 0;  // measured error / tolerance, for the report line
  for (std::size_t i = 0; i < m; ++i) {
    const EVec x = row_of(data.x, i, kD);
    const BlockEval e = evaluate(w, ex, ey, x);
    T out[kK], tok[kK], yp[kK], ya[kK];
    ASSERT_EQ(layer->forward(&data.x[i * kD], out, scores.data()), Status::ok);
    ASSERT_EQ(layer->attend(&data.x[i * kD], tok), Status::ok);
    ASSERT_EQ(model->predict(&data.x[i * kD], yp), Status::ok);
    ASSERT_EQ(model->attend(&data.x[i * kD], ya), Status::ok);
    for (std::size_t j = 0; j < m; ++j)
      ASSERT_LE(std::fabs(ld(scores[j]) - e.scores(static_cast<long>(j))), gam<T>(2 * kD + 2) * e.score_mag(static_cast<long>(j)));
    const EVec xt = x - w.cx;
    const EVec xs = (x - ref.mean_x).cwiseQuotient(ref.scale);
    const LD lx = (w.wq.transpose() * xt).norm();
    for (std::size_t t = 0; t < kK; ++t) {
      const long tl = static_cast<long>(t);
      const LD round_fwd = gam<T>(c_fwd) * e.out_mag(tl);
      const LD round_tok = gam<T>(c_tok) * e.token_mag(tl);
      // The block's equations, rounding only.
      EXPECT_LE(std::fabs(ld(out[t]) - e.out(tl)), round_fwd) << "forward token " << i;
      EXPECT_LE(std::fabs(ld(ctx_out[i * kK + t]) - e.out(tl)), round_fwd) << "forward_context token " << i;
      EXPECT_LE(std::fabs(ld(tok[t]) - e.token(tl)), round_tok) << "attend token " << i;
      // The theorem: Y^ = X (X^T X)^-1 X^T Y.
      const LD fit = ref.fitted(static_cast<long>(i), tl);
      const LD centre_err = std::fabs(w.cy(tl) - ref.mean_y(tl)) + (w.cx - ref.mean_x).cwiseAbs().dot(beta_t.col(tl).cwiseAbs());
      const LD lp_round = gam<T>(kD) * xt.cwiseAbs().dot(lp_err.col(tl));
      const LD e_term = lx * e_norm * w.wp.col(tl).norm();
      const LD tol_fit = xs.norm() * covariance_bound<T>(ref, ey, m, kD, tl) + centre_err + lp_round + e_term;
      const LD tol = tol_fit + round_fwd;
      EXPECT_LE(std::fabs(ld(out[t]) - fit), tol) << "theorem, token " << i;
      EXPECT_LE(std::fabs(ld(ctx_out[i * kK + t]) - fit), tol) << "theorem (parallel form), token " << i;
      worst = std::max(worst, std::fabs(ld(out[t]) - fit) / tol);
      // Agreement with the state form: predict = c_y + x~^T beta_T (its rounding:
      // gamma_(D+2) (|c_y| + |x~|^T |beta_T|)); exactly, layer - predict = x~^T (L P - beta_T) + x~^T L E P.
      const LD round_pred = gam<T>(kD + 2) * (std::fabs(w.cy(tl)) + xt.cwiseAbs().dot(beta_t.col(tl).cwiseAbs()));
      EXPECT_LE(std::fabs(ld(out[t]) - ld(yp[t])), round_fwd + round_pred + lp_round + e_term) << "vs predict " << i;
      // With the token form of OlsTransformer the exact values coincide (same scores
      // x~^T L L^T x~_j, same centred values): rounding of both only.
      EXPECT_LE(std::fabs(ld(tok[t]) - ld(ya[t])), 2 * round_tok) << "vs OlsTransformer::attend " << i;
    }
  }
  std::printf("[ layer ] %s %s delta %g: worst |layer - Eigen QR| / tolerance = %.3g\n", B::name(),
              sizeof(T) == 4 ? "f32" : "f64", delta, static_cast<double>(worst));
}

TYPED_TEST(LinearAttentionLayerTest, OlsWeightsReproduceHatMatrixWellConditioned) {
  check_theorem<typename TypeParam::Scalar, typename TypeParam::Backend>(1.0, 11);
}

TYPED_TEST(LinearAttentionLayerTest, OlsWeightsReproduceHatMatrixIllConditioned) {
  using T = typename TypeParam::Scalar;
  check_theorem<T, typename TypeParam::Backend>(sizeof(T) == 4 ? 3e-2 : 1e-4, 21);  // cond(Xs) ~ 1e2 / 1e4
}

// ---- 2. any weights: the block's equations -------------------------------------------------
template <class T, std::size_t R, std::size_t C>
void random_matrix(olsf::Matrix<T, R, C>& m, olsf::testing::SplitMix64& rng) {
  for (std::size_t i = 0; i < R; ++i)
    for (std::size_t j = 0; j < C; ++j) m(i, j) = static_cast<T>(rng.uniform(-1, 1));
}

TYPED_TEST(LinearAttentionLayerTest, ArbitraryWeightsFollowTheEquations) {
  using T = typename TypeParam::Scalar;
  using B = typename TypeParam::Backend;
  constexpr std::size_t D = 5, K = 3, N = 50;
  olsf::testing::SplitMix64 rng(7);
  olsf::Matrix<T, D, D> wq, wk, wv, wffn;
  olsf::Matrix<T, D, K> wp;
  random_matrix(wq, rng);
  random_matrix(wk, rng);
  random_matrix(wv, rng);
  random_matrix(wffn, rng);
  random_matrix(wp, rng);
  T cx[D], cy[K];
  for (auto& c : cx) c = static_cast<T>(rng.uniform(-2, 2));
  for (auto& c : cy) c = static_cast<T>(rng.uniform(-5, 5));
  std::vector<T> x(N * D), y(N * K);
  for (auto& v : x) v = static_cast<T>(rng.uniform(-3, 3));
  for (auto& v : y) v = static_cast<T>(rng.uniform(-10, 10));
  auto layer = std::make_unique<olsf::LinearAttentionLayer<T, D, K, 64, B>>();
  ASSERT_EQ(layer->set_weights(wq, wk, wv, wffn, wp, cx, cy), Status::ok);
  for (std::size_t i = 0; i < N; ++i) ASSERT_EQ(layer->push(&x[i * D], &y[i * K]), Status::ok);
  const BlockWeights w = weights_of(*layer);
  BlockWeights swapped = w;  // W_Q and W_K exchanged: the tolerance must reject it
  std::swap(swapped.wq, swapped.wk);
  const Data<T> ctx{x, y, N, D, K};
  const EMat ex = ctx.ex(), ey = ctx.ey();
  std::vector<T> all(N * K);
  ASSERT_EQ(layer->forward_context(all.data(), K), Status::ok);
  int rejected = 0;
  for (std::size_t i = 0; i < N + 5; ++i) {
    // Context tokens, then five fresh queries.
    T q[D];
    for (std::size_t j = 0; j < D; ++j) q[j] = i < N ? x[i * D + j] : static_cast<T>(rng.uniform(-3, 3));
    EVec qe(D);
    for (std::size_t j = 0; j < D; ++j) qe(static_cast<long>(j)) = ld(q[j]);
    const BlockEval e = evaluate(w, ex, ey, qe), bad = evaluate(swapped, ex, ey, qe);
    T out[K], tok[K];
    ASSERT_EQ(layer->forward(q, out), Status::ok);
    ASSERT_EQ(layer->attend(q, tok), Status::ok);
    for (std::size_t t = 0; t < K; ++t) {
      const long tl = static_cast<long>(t);
      const LD tol = gam<T>(N + 6 * D + 6) * e.out_mag(tl), tol_tok = gam<T>(N + 3 * D + 6) * e.token_mag(tl);
      EXPECT_LE(std::fabs(ld(out[t]) - e.out(tl)), tol) << i;
      EXPECT_LE(std::fabs(ld(tok[t]) - e.token(tl)), tol_tok) << i;
      if (i < N) {
        EXPECT_LE(std::fabs(ld(all[i * K + t]) - e.out(tl)), tol) << i;
      }
      rejected += std::fabs(ld(out[t]) - bad.out(tl)) > tol;
    }
  }
  // The bound is tight enough to tell W_Q from W_K on (nearly) every output.
  EXPECT_GE(rejected, static_cast<int>((N + 5) * K * 9 / 10));
}

TEST(LinearAttentionLayerBadInput, StatusesLeaveEverythingUnchanged) {
  using Layer = olsf::LinearAttentionLayer<double, 2, 1, 3, olsf::ScalarBackend>;
  olsf::Matrix<double, 2, 2> eye;
  eye(0, 0) = eye(1, 1) = 1;
  olsf::Matrix<double, 2, 1> wp;
  wp(0, 0) = 2;
  wp(1, 0) = -1;
  Layer layer;
  const double x[2] = {1, 2}, y = 3, nan = std::numeric_limits<double>::quiet_NaN();
  double out = 42, scores[3] = {7, 7, 7}, all[3] = {5, 5, 5};
  ASSERT_EQ(layer.set_weights(eye, eye, eye, eye, wp), Status::ok);
  EXPECT_EQ(layer.forward(x, &out), Status::empty);
  EXPECT_EQ(layer.attend(x, &out), Status::empty);
  EXPECT_EQ(layer.forward_context(all, 1), Status::empty);
  EXPECT_EQ(layer.push(nullptr, &y), Status::invalid_argument);
  const double nan_x[2] = {nan, 0};
  EXPECT_EQ(layer.push(nan_x, &y), Status::non_finite_input);
  EXPECT_EQ(layer.push(x, &nan), Status::non_finite_input);
  const double huge[2] = {1e308, 1e308};
  EXPECT_EQ(layer.push(huge, &y), Status::non_finite_input);  // k v^T overflows the state
  EXPECT_EQ(layer.context_size(), 0u);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(layer.push(x, &y), Status::ok);
  EXPECT_EQ(layer.push(x, &y), Status::capacity_exceeded);
  EXPECT_EQ(layer.context_size(), 3u);
  EXPECT_EQ(layer.forward(nan_x, &out, scores), Status::non_finite_input);
  EXPECT_EQ(layer.attend(nan_x, &out, scores), Status::non_finite_input);
  EXPECT_EQ(layer.forward(x, nullptr), Status::invalid_argument);
  EXPECT_EQ(layer.forward_context(nullptr, 1), Status::invalid_argument);
  EXPECT_EQ(layer.forward_context(all, 0), Status::invalid_argument);
  EXPECT_EQ(out, 42);
  EXPECT_EQ(scores[0], 7);
  EXPECT_EQ(all[0], 5);
  // A NaN weight is refused and the old weights and context stay.
  olsf::Matrix<double, 2, 2> bad = eye;
  bad(1, 0) = nan;
  EXPECT_EQ(layer.set_weights(bad, eye, eye, eye, wp), Status::non_finite_input);
  EXPECT_EQ(layer.set_weights(eye, eye, eye, eye, wp, nan_x), Status::non_finite_input);
  EXPECT_EQ(layer.context_size(), 3u);
  // 3 tokens x = (1, 2): S = 3 x x^T, h = S x = 15 x, out = W_P^T h = 15 (2 - 2) = 0;
  // attend = 3 (x.x) y = 45.
  ASSERT_EQ(layer.forward(x, &out, scores), Status::ok);
  EXPECT_EQ(out, 0.0);
  EXPECT_EQ(scores[2], 5.0);
  ASSERT_EQ(layer.attend(x, &out), Status::ok);
  EXPECT_EQ(out, 45.0);
}

// ---- runtime dimension d < D ---------------------------------------------------------------
// OlsTransformer has no runtime feature count: d < D features are zero-padded to D. A zero
// column is a constant column, dropped by the rank cut-off: refit reports rank_deficient
// with rank d, the padded coefficients are exactly 0, and the rest is the d-feature fit
// (Jacobi still runs on D x D). Checked against Eigen on the d columns.
TYPED_TEST(LinearAttentionLayerTest, ZeroPaddedFeaturesGiveTheSmallerFit) {
  using T = typename TypeParam::Scalar;
  using B = typename TypeParam::Backend;
  constexpr std::size_t d = 4, D = 6, m = 100;
  const auto data = random_data<T>(m, d, 1, 1.0, 1e-2, 91);
  auto model = std::make_unique<olsf::OlsTransformer<T, D, 1, 128, B>>();
  for (std::size_t i = 0; i < m; ++i) {
    T x[D] = {};
    for (std::size_t j = 0; j < d; ++j) x[j] = data.x[i * d + j];
    ASSERT_EQ(model->observe(x, &data.y[i]), Status::ok);
  }
  EXPECT_EQ(model->refit(), Status::rank_deficient);
  EXPECT_EQ(model->rank(), d);
  EXPECT_EQ(model->coefficients()(4, 0), T(0));
  EXPECT_EQ(model->coefficients()(5, 0), T(0));
  const Reference ref = reference(data.ex(), data.ey());
  // The covariance bound with the eigensolver's D (its rounding acts on the D x D matrix).
  const LD bound = covariance_bound<T>(ref, data.ey(), m, D, 0);
  EVec dz(d);
  for (std::size_t j = 0; j < d; ++j)
    dz(static_cast<long>(j)) = ref.scale(static_cast<long>(j)) * (ld(model->coefficients()(j, 0)) - ref.beta(static_cast<long>(j), 0));
  EXPECT_LE(dz.norm(), bound);
}

// ---- 3. the softmax variant ----------------------------------------------------------------
template <class B, class T>
unsigned exp_ulp() {
  if constexpr (std::is_same_v<B, olsf::ScalarBackend>) return sizeof(T) == 4 ? olsf::scalar::exp_max_ulp_f32() : olsf::scalar::exp_max_ulp_f64();
#if defined(OLSF_HAVE_HIGHWAY)
  if constexpr (std::is_same_v<B, olsf::HighwayBackend>) return sizeof(T) == 4 ? olsf::highway::exp_max_ulp_f32() : olsf::highway::exp_max_ulp_f64();
#endif
#if defined(OLSF_HAVE_XSIMD)
  if constexpr (std::is_same_v<B, olsf::XsimdBackend>) return sizeof(T) == 4 ? olsf::xsimd::exp_max_ulp_f32() : olsf::xsimd::exp_max_ulp_f64();
#endif
  return 0;
}
template <class B>
std::size_t block_keys() {
  if constexpr (std::is_same_v<B, olsf::ScalarBackend>) return olsf::scalar::attention_block_keys();
#if defined(OLSF_HAVE_HIGHWAY)
  if constexpr (std::is_same_v<B, olsf::HighwayBackend>) return olsf::highway::attention_block_keys();
#endif
#if defined(OLSF_HAVE_XSIMD)
  if constexpr (std::is_same_v<B, olsf::XsimdBackend>) return olsf::xsimd::attention_block_keys();
#endif
  return 1;
}

template <class C>
class SoftmaxAttentionLayerTest : public ::testing::Test {};
TYPED_TEST_SUITE(SoftmaxAttentionLayerTest, BackendCases, BackendCaseNames);

// The reference row for the layer's inputs: q = W_Q^T x~ and the gaussian bias are
// recomputed here with the same kernels (so bitwise the layer's), and held to their
// long double values first; keys are the layer's, held to theirs.
template <class T, class B, std::size_t D, std::size_t K, std::size_t C>
void softmax_reference(const olsf::SoftmaxAttentionLayer<T, D, K, C, B>& layer, const olsf::Matrix<T, D, D>& wq,
                       const olsf::Matrix<T, D, D>& wk, const T* cx, const T* x, const T* ys, T beta,
                       olsf::testing::RowReference& ref, std::vector<T>& keys) {
  const std::size_t n = layer.context_size();
  T xc[D], q[D];
  for (std::size_t j = 0; j < D; ++j) xc[j] = x[j] - cx[j];
  B::gemv_t(D, D, T(1), wq.data(), wq.stride(), xc, 1, T(0), q, 1);
  const EMat eq = to_eigen(wq);
  (void)wk;  // the keys are checked against W_K by the caller
  EVec exc(D);
  for (std::size_t j = 0; j < D; ++j) exc(static_cast<long>(j)) = ld(x[j]) - ld(cx[j]);
  const EVec q_ref = eq.transpose() * exc, q_mag = eq.cwiseAbs().transpose() * exc.cwiseAbs();
  for (std::size_t j = 0; j < D; ++j) EXPECT_LE(std::fabs(ld(q[j]) - q_ref(static_cast<long>(j))), gam<T>(D + 1) * q_mag(static_cast<long>(j)));
  keys.assign(n * D, T(0));
  std::vector<T> mask(n);
  for (std::size_t i = 0; i < n; ++i) {
    const T* k = layer.key(i);
    for (std::size_t j = 0; j < D; ++j) keys[i * D + j] = k[j];
    mask[i] = -beta * (B::dot(D, k, 1, k, 1) / T(2));
  }
  olsf::testing::reference_row(n, D, K, beta, q, keys.data(), D, ys, K,
                               layer.kernel() == olsf::SoftmaxKernel::gaussian ? mask.data() : nullptr,
                               exp_ulp<B, T>(), block_keys<B>(), ref);
}

TYPED_TEST(SoftmaxAttentionLayerTest, MatchesLongDoubleReference) {
  using T = typename TypeParam::Scalar;
  using B = typename TypeParam::Backend;
  constexpr std::size_t D = 5, K = 3, N = 40;
  olsf::testing::SplitMix64 rng(17);
  olsf::Matrix<T, D, D> wq, wk;
  random_matrix(wq, rng);
  random_matrix(wk, rng);
  T cx[D];
  for (auto& c : cx) c = static_cast<T>(rng.uniform(-1, 1));
  std::vector<T> x(N * D), y(N * K);
  for (auto& v : x) v = static_cast<T>(rng.uniform(-2, 2));
  for (auto& v : y) v = static_cast<T>(rng.uniform(-10, 10));
  auto layer = std::make_unique<olsf::SoftmaxAttentionLayer<T, D, K, 64, B>>();
  ASSERT_EQ(layer->set_weights(wq, wk, cx), Status::ok);
  for (std::size_t i = 0; i < N; ++i) ASSERT_EQ(layer->push(&x[i * D], &y[i * K]), Status::ok);
  const EMat ek = to_eigen(wk);
  for (std::size_t i = 0; i < N; ++i) {
    EVec xc(D);
    for (std::size_t j = 0; j < D; ++j) xc(static_cast<long>(j)) = ld(x[i * D + j]) - ld(cx[j]);
    const EVec k = ek.transpose() * xc, km = ek.cwiseAbs().transpose() * xc.cwiseAbs();
    for (std::size_t j = 0; j < D; ++j) ASSERT_LE(std::fabs(ld(layer->key(i)[j]) - k(static_cast<long>(j))), gam<T>(D + 1) * km(static_cast<long>(j)));
  }
  std::vector<T> keys, p(N);
  for (auto kernel : {olsf::SoftmaxKernel::dot_product, olsf::SoftmaxKernel::gaussian}) {
    layer->set_kernel(kernel);
    for (T beta : {T(0.1), T(1), T(10)}) {
      for (std::size_t s = 0; s < 4; ++s) {
        T q[D];
        for (auto& v : q) v = static_cast<T>(rng.uniform(-2, 2));
        static olsf::testing::RowReference ref;
        softmax_reference(*layer, wq, wk, cx, q, y.data(), beta, ref, keys);
        T out[K];
        olsf::AttentionObservables<T> obs;
        ASSERT_EQ(layer->forward(q, beta, out, &obs), Status::ok);
        for (std::size_t t = 0; t < K; ++t) EXPECT_LE(std::fabs(ld(out[t]) - ref.out[t]), ref.bound[t]) << "beta " << beta;
        EXPECT_LE(std::fabs(ld(obs.entropy) - ref.obs[1]), ref.obs_bound[1]);
        // The distribution from weights() gives the same read-out.
        ASSERT_EQ(layer->weights(q, beta, p.data()), Status::ok);
        for (std::size_t t = 0; t < K; ++t) {
          LD sum = 0;
          for (std::size_t i = 0; i < N; ++i) sum += ld(p[i]) * ld(y[i * K + t]);
          EXPECT_LE(std::fabs(sum - ref.out[t]), ref.bound[t]) << "weights(), beta " << beta;
        }
      }
    }
  }
}

// Kernel regression on an OLS fit's weights (the whitened metric). beta -> 0: the context
// mean of y; beta -> inf: the nearest neighbour in the whitened metric (gaussian kernel)
// or the largest inner product (dot_product), which differ for the query chosen here.
TYPED_TEST(SoftmaxAttentionLayerTest, BetaLimitsMeanAndNearestNeighbour) {
  using T = typename TypeParam::Scalar;
  using B = typename TypeParam::Backend;
  constexpr std::size_t D = 3, K = 1, N = 60;
  const auto data = random_data<T>(N, D, K, 1.0, 1.0, 33);
  auto model = std::make_unique<olsf::OlsTransformer<T, D, K, 64, B>>();
  for (std::size_t i = 0; i < N; ++i) ASSERT_EQ(model->observe(&data.x[i * D], &data.y[i]), Status::ok);
  ASSERT_EQ(model->refit(), Status::ok);
  auto layer = std::make_unique<olsf::SoftmaxAttentionLayer<T, D, K, 64, B>>();
  ASSERT_EQ(layer->load(model->layer()), Status::ok);
  for (std::size_t i = 0; i < N; ++i) ASSERT_EQ(layer->push(&data.x[i * D], &data.y[i]), Status::ok);
  const auto view = model->layer();
  const EMat l = to_eigen(view.w_q);
  EVec cx(D);
  for (std::size_t j = 0; j < D; ++j) cx(static_cast<long>(j)) = ld(view.centre_x[j]);
  LD ybar = 0, yspread = 0;
  for (std::size_t i = 0; i < N; ++i) ybar += ld(data.y[i]);
  ybar /= N;
  for (std::size_t i = 0; i < N; ++i) yspread = std::max(yspread, std::fabs(ld(data.y[i]) - ybar));

  // A query whose whitened nearest neighbour is not its largest inner product.
  olsf::testing::SplitMix64 rng(5);
  T q[D];
  std::size_t nn = 0, top = 0;
  LD gap_nn = 0, gap_top = 0;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::size_t base = static_cast<std::size_t>(rng.next() % N);
    for (std::size_t j = 0; j < D; ++j)
      q[j] = static_cast<T>(ld(data.x[base * D + j]) + 0.3L * std::ldexp(1.0L, static_cast<int>(j) - 2) * static_cast<LD>(rng.uniform(-1, 1)));
    EVec qe(D);
    for (std::size_t j = 0; j < D; ++j) qe(static_cast<long>(j)) = ld(q[j]);
    const EVec wqx = l.transpose() * (qe - cx);
    std::vector<LD> dist(N), dot(N);
    for (std::size_t i = 0; i < N; ++i) {
      const EVec k = l.transpose() * (row_of(data.x, i, D) - cx);
      dist[i] = (wqx - k).squaredNorm() / 2;  // the gaussian logit is -beta dist (+ const)
      dot[i] = wqx.dot(k);
    }
    nn = top = 0;
    for (std::size_t i = 1; i < N; ++i) {
      if (dist[i] < dist[nn]) nn = i;
      if (dot[i] > dot[top]) top = i;
    }
    gap_nn = gap_top = std::numeric_limits<LD>::infinity();
    for (std::size_t i = 0; i < N; ++i) {
      if (i != nn) gap_nn = std::min(gap_nn, dist[i] - dist[nn]);
      if (i != top) gap_top = std::min(gap_top, dot[top] - dot[i]);
    }
    if (nn != top && gap_nn > 1e-2L && gap_top > 1e-2L) break;
  }
  ASSERT_NE(nn, top);
  // The exact projections, and how far the kernel's rounded q, k can move a logit (per
  // unit beta): |d(q.k_i)| + |d(|k_i|^2 / 2)| <= gamma_(2D+4) (|q|_m . |k_i|_m + |k_i|_m^2),
  // with |.|_m the magnitudes of the projections (|L|^T |x~|).
  EVec qe(D);
  for (std::size_t j = 0; j < D; ++j) qe(static_cast<long>(j)) = ld(q[j]);
  const EVec wqx = l.transpose() * (qe - cx), wqx_mag = l.cwiseAbs().transpose() * (qe - cx).cwiseAbs();
  LD r = 0, drift = 0;  // max |logit| / beta, max logit rounding / beta
  for (std::size_t i = 0; i < N; ++i) {
    const EVec xi = row_of(data.x, i, D) - cx;
    const EVec k = l.transpose() * xi, km = l.cwiseAbs().transpose() * xi.cwiseAbs();
    drift = std::max(drift, gam<T>(2 * D + 4) * (wqx_mag.dot(km) + km.squaredNorm()));
    r = std::max(r, std::fabs(wqx.dot(k)) + k.squaredNorm() / 2);
  }
  std::vector<T> keys;
  const olsf::Matrix<T, D, D>& wq = view.w_q;
  for (auto kernel : {olsf::SoftmaxKernel::gaussian, olsf::SoftmaxKernel::dot_product}) {
    layer->set_kernel(kernel);
    // beta -> 0: |l_i - l_j| <= 2 beta (r + drift), so |p_i - 1/n| <= (e^(2 beta (r + drift)) - 1) / n
    // and |sum p_i y_i - ybar| <= (e^(2 beta (r + drift)) - 1) max|y_i - ybar|.
    for (T beta : {T(1e-6), T(1e-3)}) {
      static olsf::testing::RowReference ref;
      softmax_reference(*layer, wq, wq, view.centre_x, q, data.y.data(), beta, ref, keys);
      T out;
      ASSERT_EQ(layer->forward(q, beta, &out), Status::ok);
      const LD limit = (std::exp(2 * ld(beta) * (r + drift)) - 1) * yspread;
      EXPECT_LE(std::fabs(ld(out) - ybar), limit + ref.bound[0]) << "beta " << beta;
    }
    // beta -> inf: |out - y_star| <= (n - 1) e^(-beta gap) max|y_i - y_star|.
    const std::size_t star = kernel == olsf::SoftmaxKernel::gaussian ? nn : top;
    const std::size_t other = kernel == olsf::SoftmaxKernel::gaussian ? top : nn;
    const LD gap = kernel == olsf::SoftmaxKernel::gaussian ? gap_nn : gap_top;
    LD spread = 0;
    for (std::size_t i = 0; i < N; ++i) spread = std::max(spread, std::fabs(ld(data.y[i]) - ld(data.y[star])));
    for (LD s : {5.0L, 20.0L, 60.0L}) {
      const T beta = static_cast<T>(s / gap);
      static olsf::testing::RowReference ref;
      softmax_reference(*layer, wq, wq, view.centre_x, q, data.y.data(), beta, ref, keys);
      T out;
      ASSERT_EQ(layer->forward(q, beta, &out), Status::ok);
      // The logit gap the kernel sees is at least beta (gap - 2 drift).
      const LD limit = static_cast<LD>(N - 1) * std::exp(-ld(beta) * (gap - 2 * drift)) * spread;
      EXPECT_LE(std::fabs(ld(out) - ld(data.y[star])), limit + ref.bound[0]) << "beta gap " << static_cast<double>(s);
      if (s == 60.0L) {
        EXPECT_GT(std::fabs(ld(out) - ld(data.y[other])), 0.5L * std::fabs(ld(data.y[star]) - ld(data.y[other])));
      }
    }
  }
}

TEST(SoftmaxAttentionLayerBadInput, StatusesLeaveEverythingUnchanged) {
  using Layer = olsf::SoftmaxAttentionLayer<double, 2, 1, 2, olsf::ScalarBackend>;
  olsf::Matrix<double, 2, 2> eye;
  eye(0, 0) = eye(1, 1) = 1;
  Layer layer;
  const double x[2] = {1, 2}, x2[2] = {-1, 0}, y = 3, y2 = 5, nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  double out = 42, p[2] = {7, 7};
  olsf::AttentionObservables<double> obs{1, 2, 3, 4, 5};
  ASSERT_EQ(layer.set_weights(eye, eye), Status::ok);
  EXPECT_EQ(layer.forward(x, 1.0, &out), Status::empty);
  EXPECT_EQ(layer.weights(x, 1.0, p), Status::empty);
  const double nan_x[2] = {nan, 0};
  EXPECT_EQ(layer.push(nan_x, &y), Status::non_finite_input);
  EXPECT_EQ(layer.push(x, &inf), Status::non_finite_input);
  EXPECT_EQ(layer.push(nullptr, &y), Status::invalid_argument);
  const double huge[2] = {1e200, 1e200};
  EXPECT_EQ(layer.push(huge, &y), Status::non_finite_input);  // |k|^2 overflows
  EXPECT_EQ(layer.context_size(), 0u);
  ASSERT_EQ(layer.push(x, &y), Status::ok);
  ASSERT_EQ(layer.push(x2, &y2), Status::ok);
  EXPECT_EQ(layer.push(x, &y), Status::capacity_exceeded);
  for (double beta : {0.0, -1.0, inf, nan}) {
    EXPECT_EQ(layer.forward(x, beta, &out, &obs), Status::invalid_argument) << beta;
    EXPECT_EQ(layer.weights(x, beta, p), Status::invalid_argument) << beta;
  }
  EXPECT_EQ(layer.forward(nan_x, 1.0, &out, &obs), Status::non_finite_input);
  EXPECT_EQ(layer.forward(x, 1.0, nullptr), Status::invalid_argument);
  EXPECT_EQ(layer.forward(x, 1e308, &out, &obs), Status::non_finite_input);  // the logits overflow
  EXPECT_EQ(out, 42);
  EXPECT_EQ(p[0], 7);
  EXPECT_EQ(obs.entropy, 2);
  olsf::Matrix<double, 2, 2> bad = eye;
  bad(0, 1) = inf;
  EXPECT_EQ(layer.set_weights(bad, eye), Status::non_finite_input);
  EXPECT_EQ(layer.context_size(), 2u);
  // Gaussian kernel at beta = 1: logits -|x - x_i|^2 / 2 = 0 and -4 (x = (1, 2)).
  ASSERT_EQ(layer.weights(x, 1.0, p), Status::ok);
  EXPECT_NEAR(p[0], 1 / (1 + std::exp(-4.0)), 1e-15);
  ASSERT_EQ(layer.forward(x, 1.0, &out), Status::ok);
  EXPECT_NEAR(out, (3 + 5 * std::exp(-4.0)) / (1 + std::exp(-4.0)), 1e-14);
}

}  // namespace
