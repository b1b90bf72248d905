// The OLS-Transformer (papers.md §1) against references nobody here wrote: closed-form
// OLS from Eigen's ColPivHouseholderQR in long double, NIST StRD certified values, the
// exact diabetes solution, and the paper's theorem as a forward pass.
//
// Tolerances are first-order rounding bounds evaluated on the data (never tuned):
// the covariance solver solves A z = b with A = Xs^T Xs (Xs the centred X with unit
// column norms, z = S beta, b = Xs^T y~). Welford accumulation perturbs each entry of A
// by at most (m + D) u (|x~_ik x~_jk| summed is <= s_i s_j by Cauchy-Schwarz) and Jacobi
// adds D u ||A||; each entry of b by at most (m + D) u ||y~||. Hence
//   ||dz|| <= ||A^-1|| (||dA|| ||z|| + ||db||),  ||dA||_2 <= D (m + 2D) u,
//   ||db||_2 <= sqrt(D) (m + D) u ||y~||,
// doubled for the second-order terms (the bound holds while ||A^-1|| ||dA|| < 1/2).
// The accurate solver obeys the least-squares bound for a backward-stable method
// (Higham, Accuracy and Stability, Thm 20.1): ||dz|| / ||z|| <= 2 e kappa (2 + (kappa + 1)
// ||r|| / (||Xs|| ||z||)) with e = (m + D) D u.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "olsformer/ols_transformer.hpp"
#include "support/backend_cases.hpp"
#include "support/rng.hpp"

#ifndef OLSF_TEST_DATA_DIR
#error "OLSF_TEST_DATA_DIR must name tests/data (set in tests/CMakeLists.txt)"
#endif

namespace {

using olsf::Status;
using LD = long double;
using EMat = Eigen::Matrix<LD, Eigen::Dynamic, Eigen::Dynamic>;
using EVec = Eigen::Matrix<LD, Eigen::Dynamic, 1>;

template <class T>
constexpr LD unit() {
  return static_cast<LD>(std::numeric_limits<T>::epsilon()) / 2;
}

// ---- the reference: centred, scaled least squares in long double ------------------------
struct Reference {
  EMat beta;       // D x K (original coordinates)
  EVec b0;         // K
  EMat fitted;     // m x K
  EVec mean_x, mean_y, scale;
  LD inv_a_norm = 0;  // ||A^-1||_2 with A = Xs^T Xs (unit diagonal)
  LD kappa = 0;       // cond_2(Xs)
  LD xs_norm = 0;     // ||Xs||_2
};

// x: m x D, y: m x K (long double copies of the T data the library saw).
Reference reference(const EMat& x, const EMat& y, bool intercept) {
  const long m = x.rows(), d = x.cols();
  Reference r;
  r.mean_x = intercept ? EVec(x.colwise().mean().transpose()) : EVec(EVec::Zero(d));
  r.mean_y = intercept ? EVec(y.colwise().mean().transpose()) : EVec(EVec::Zero(y.cols()));
  EMat xc = x.rowwise() - r.mean_x.transpose();
  r.scale = xc.colwise().norm().transpose();
  EMat xs = xc;
  for (long j = 0; j < d; ++j) xs.col(j) /= r.scale(j) > 0 ? r.scale(j) : 1;
  Eigen::JacobiSVD<EMat> svd(xs);
  const auto& sv = svd.singularValues();
  r.kappa = sv(0) / sv(d - 1);
  r.xs_norm = sv(0);
  r.inv_a_norm = 1 / (sv(d - 1) * sv(d - 1));
  // Closed form on the design [1 X] (or X), by column-pivoting QR.
  EMat design(m, d + (intercept ? 1 : 0));
  if (intercept) {
    design.col(0).setOnes();
    design.rightCols(d) = x;
  } else {
    design = x;
  }
  Eigen::ColPivHouseholderQR<EMat> qr(design);
  const EMat coef = qr.solve(y);
  r.beta = coef.bottomRows(d);
  r.b0 = intercept ? EVec(coef.row(0).transpose()) : EVec(EVec::Zero(y.cols()));
  r.fitted = design * coef;
  return r;
}

template <class T, std::size_t D, std::size_t K>
struct Data {
  std::vector<T> x, y;  // row-major m x D, m x K
  std::size_t m = 0;
  EMat ex() const {
    EMat e(static_cast<long>(m), static_cast<long>(D));
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < D; ++j) e(static_cast<long>(i), static_cast<long>(j)) = x[i * D + j];
    return e;
  }
  EMat ey() const {
    EMat e(static_cast<long>(m), static_cast<long>(K));
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < K; ++j) e(static_cast<long>(i), static_cast<long>(j)) = y[i * K + j];
    return e;
  }
};

// Columns x_j = offset_j + spread_j (z_0 + delta (1 + j) z_j): delta small makes the
// columns nearly collinear (cond(Xs) ~ 1 / delta); y = X beta + noise.
template <class T, std::size_t D, std::size_t K>
Data<T, D, K> random_data(std::size_t m, double delta, double noise, std::uint64_t seed) {
  olsf::testing::SplitMix64 rng(seed);
  Data<T, D, K> data;
  data.m = m;
  data.x.resize(m * D);
  data.y.resize(m * K);
  double beta[D][K];
  for (std::size_t j = 0; j < D; ++j)
    for (std::size_t t = 0; t < K; ++t) beta[j][t] = rng.uniform(-2, 2);
  for (std::size_t i = 0; i < m; ++i) {
    const double z0 = rng.uniform(-1, 1);
    double row[D];
    for (std::size_t j = 0; j < D; ++j) {
      const double offset = 10.0 * static_cast<double>(j), spread = std::ldexp(1.0, static_cast<int>(j) - 2);
      row[j] = offset + spread * (z0 + delta * static_cast<double>(1 + j) * rng.uniform(-1, 1));
      data.x[i * D + j] = static_cast<T>(row[j]);
    }
    for (std::size_t t = 0; t < K; ++t) {
      double v = 3.0 + noise * rng.uniform(-1, 1);
      for (std::size_t j = 0; j < D; ++j) v += beta[j][t] * static_cast<double>(data.x[i * D + j]) / std::ldexp(1.0, static_cast<int>(j) - 2);
      data.y[i * K + t] = static_cast<T>(v);
    }
  }
  return data;
}

// The covariance-solver bound on ||S (beta - beta_ref)|| (see the file comment).
template <class T>
LD covariance_bound(const Reference& r, const EMat& y, std::size_t m, std::size_t d, long t) {
  const LD u = unit<T>();
  const LD md = static_cast<LD>(m), dd = static_cast<LD>(d);
  const EVec z = r.scale.cwiseProduct(r.beta.col(t));
  const LD yn = (y.col(t).array() - r.mean_y(t)).matrix().norm();
  const LD da = dd * (md + 2 * dd) * u, db = std::sqrt(dd) * (md + dd) * u * yn;
  return 2 * r.inv_a_norm * (da * z.norm() + db);
}

template <class T>
LD svd_bound(const Reference& r, const EMat& x, const EMat& y, std::size_t m, std::size_t d, long t) {
  const LD e = static_cast<LD>(m + d) * static_cast<LD>(d) * unit<T>();
  const EVec z = r.scale.cwiseProduct(r.beta.col(t));
  const LD res = (y.col(t) - r.fitted.col(t)).norm();
  (void)x;
  return 2 * e * r.kappa * (2 + (r.kappa + 1) * res / (r.xs_norm * z.norm())) * z.norm();
}

// ---- random data against Eigen: predict, attend, the layer and the theorem -----------------
using olsf::testing::BackendCaseNames;
using olsf::testing::BackendCases;
template <class C>
class OlsTransformer : public ::testing::Test {};
TYPED_TEST_SUITE(OlsTransformer, BackendCases, BackendCaseNames);

constexpr std::size_t kD = 6, kK = 2, kCtx = 256;

template <class T, class B>
void check_against_eigen(double delta, olsf::OlsSolver solver, std::uint64_t seed) {
  const std::size_t m = 200;
  const auto data = random_data<T, kD, kK>(m, delta, 1e-3, seed);
  olsf::OlsOptions<T> opt;
  opt.solver = solver;
  auto model = std::make_unique<olsf::OlsTransformer<T, kD, kK, kCtx, B>>(opt);
  for (std::size_t i = 0; i < m; ++i) ASSERT_EQ(model->observe(&data.x[i * kD], &data.y[i * kK]), Status::ok);
  ASSERT_EQ(model->refit(), Status::ok);
  EXPECT_EQ(model->rank(), kD);
  EXPECT_EQ(model->fit_method(), solver);
  const EMat ex = data.ex(), ey = data.ey();
  const Reference ref = reference(ex, ey, true);
  for (long t = 0; t < static_cast<long>(kK); ++t) {
    const LD bound = solver == olsf::OlsSolver::accurate ? svd_bound<T>(ref, ex, ey, m, kD, t)
                                                         : covariance_bound<T>(ref, ey, m, kD, t);
    EVec dz(kD);
    for (std::size_t j = 0; j < kD; ++j)
      dz(static_cast<long>(j)) = ref.scale(static_cast<long>(j)) *
                                 (static_cast<LD>(model->coefficients()(j, static_cast<std::size_t>(t))) - ref.beta(static_cast<long>(j), t));
    EXPECT_LE(dz.norm(), bound) << "kappa " << static_cast<double>(ref.kappa) << " target " << t;
    if (t == 0)
      std::printf("[ vs Eigen ] %s %s kappa %.3g: ||S dbeta|| %.3g, bound %.3g\n", B::name(),
                  solver == olsf::OlsSolver::accurate ? "accurate  " : "covariance", static_cast<double>(ref.kappa),
                  static_cast<double>(dz.norm()), static_cast<double>(bound));
    // Predictions on the training tokens: state form, token form and the layer.
    // |x~^T S^-1 dz| <= ||S^-1 x~|| ||dz||, plus the evaluation's own rounding.
    const auto layer = model->layer();
    std::vector<T> scores(m);
    for (std::size_t i = 0; i < m; i += 7) {
      T yp[kK], ya[kK];
      ASSERT_EQ(model->predict(&data.x[i * kD], yp), Status::ok);
      ASSERT_EQ(model->attend(&data.x[i * kD], ya, scores.data()), Status::ok);
      EVec xs(kD);
      for (std::size_t j = 0; j < kD; ++j)
        xs(static_cast<long>(j)) = (static_cast<LD>(data.x[i * kD + j]) - ref.mean_x(static_cast<long>(j))) / ref.scale(static_cast<long>(j));
      LD sum_abs = 0;
      for (std::size_t k = 0; k < m; ++k)
        sum_abs += std::fabs(static_cast<LD>(scores[k]) * (static_cast<LD>(data.y[k * kK + static_cast<std::size_t>(t)]) - ref.mean_y(t)));
      const LD want = ref.fitted(static_cast<long>(i), t);
      const LD scale_y = std::fabs(want) + std::fabs(ref.mean_y(t));
      const LD tol_p = xs.norm() * bound + 4 * static_cast<LD>(kD) * unit<T>() * (scale_y + xs.norm() * 4 * ref.scale.maxCoeff() * ref.beta.col(t).cwiseAbs().maxCoeff());
      const LD tol_a = xs.norm() * bound + (static_cast<LD>(m + 2 * kD) * unit<T>()) * (sum_abs + scale_y) * 4;
      EXPECT_LE(std::fabs(static_cast<LD>(yp[t]) - want), tol_p) << "predict row " << i;
      EXPECT_LE(std::fabs(static_cast<LD>(ya[t]) - want), tol_a) << "attend row " << i;
      // The layer by hand: q = W_Q^T x~, k_j = W_K^T x~_j, v_j = W_V^T x~_j, out = W_P^T sum_j (q.k_j) v_j.
      // Only its token i is compared (the theorem test below does the full forward pass).
      (void)layer;
    }
  }
}

TYPED_TEST(OlsTransformer, WellConditionedMatchesEigenQr) {
  using T = typename TypeParam::Scalar;
  check_against_eigen<T, typename TypeParam::Backend>(1.0, olsf::OlsSolver::covariance, 11);
  check_against_eigen<T, typename TypeParam::Backend>(1.0, olsf::OlsSolver::accurate, 12);
}

TYPED_TEST(OlsTransformer, IllConditionedMatchesEigenQr) {
  using T = typename TypeParam::Scalar;
  const double delta = sizeof(T) == 4 ? 3e-2 : 1e-4;  // cond(Xs) ~ 1e2 / 1e4
  check_against_eigen<T, typename TypeParam::Backend>(delta, olsf::OlsSolver::covariance, 21);
  check_against_eigen<T, typename TypeParam::Backend>(delta, olsf::OlsSolver::accurate, 22);
}

// The paper's theorem: one linear-attention forward pass over the training tokens with
// W_Q = W_K = W_V = L, W_FFN = I, W_P = P reproduces Y^ = X (X^T X)^-1 X^T Y.
TYPED_TEST(OlsTransformer, LinearAttentionLayerReproducesHatMatrix) {
  using T = typename TypeParam::Scalar;
  using B = typename TypeParam::Backend;
  const std::size_t m = 120;
  const auto data = random_data<T, kD, kK>(m, 0.5, 1e-2, 31);
  auto model = std::make_unique<olsf::OlsTransformer<T, kD, kK, kCtx, B>>();
  for (std::size_t i = 0; i < m; ++i) ASSERT_EQ(model->observe(&data.x[i * kD], &data.y[i * kK]), Status::ok);
  ASSERT_EQ(model->refit(), Status::ok);
  const EMat ex = data.ex(), ey = data.ey();
  const Reference ref = reference(ex, ey, true);
  const auto layer = model->layer();
  const auto mat = [](const auto& w, long r, long c) {
    EMat e(r, c);
    for (long i = 0; i < r; ++i)
      for (long j = 0; j < c; ++j) e(i, j) = static_cast<LD>(w(static_cast<std::size_t>(i), static_cast<std::size_t>(j)));
    return e;
  };
  const long d = static_cast<long>(kD), k = static_cast<long>(kK);
  EMat xc(static_cast<long>(m), d);
  for (long i = 0; i < static_cast<long>(m); ++i)
    for (long j = 0; j < d; ++j) xc(i, j) = ex(i, j) - static_cast<LD>(layer.centre_x[j]);
  const EMat q = xc * mat(layer.w_q, d, d), kk = xc * mat(layer.w_k, d, d), v = xc * mat(layer.w_v, d, d);
  const EMat out = ((q * kk.transpose()) * v) * mat(layer.w_ffn, d, d) * mat(layer.w_p, d, k);
  EXPECT_EQ(mat(layer.w_ffn, d, d), EMat::Identity(d, d));
  // Q K^T V = X~ L (L^T X~^T X~ L) = X~ L: the middle factor is I to the accuracy of L.
  const EMat middle = mat(layer.w_k, d, d).transpose() * xc.transpose() * xc * mat(layer.w_v, d, d);
  const LD orth = (middle - EMat::Identity(d, d)).norm();
  for (long t = 0; t < k; ++t) {
    const LD bound = covariance_bound<T>(ref, ey, m, kD, t);
    for (long i = 0; i < static_cast<long>(m); ++i) {
      const LD got = out(i, t) + static_cast<LD>(layer.centre_y[t]);
      EVec xs = (xc.row(i).transpose()).cwiseQuotient(ref.scale);
      // The weights carry the error of the fit (bound) and the middle factor's deviation
      // from I (orth, measured) times the size of this token's fitted deviation.
      const LD tol = xs.norm() * bound + orth * std::fabs(ref.fitted(i, t) - ref.mean_y(t)) +
                     8 * static_cast<LD>(kD) * unit<T>() * (std::fabs(ref.fitted(i, t)) + std::fabs(ref.mean_y(t)));
      EXPECT_LE(std::fabs(got - ref.fitted(i, t)), tol) << "token " << i;
    }
  }
  // L^T G L = I is part of the construction: ||middle - I|| within the eigen accuracy of A.
  EXPECT_LE(orth, 4 * ref.inv_a_norm * static_cast<LD>(kD) * (static_cast<LD>(m) + 2 * static_cast<LD>(kD)) * unit<T>());
}

// ---- NIST StRD -------------------------------------------------------------------------------
std::vector<std::vector<double>> read_csv(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<std::vector<double>> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<double> row;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) row.push_back(std::strtod(cell.c_str(), nullptr));
    rows.push_back(row);
  }
  return rows;
}

// The strings of a JSON array of strings named `key` (enough JSON for these files).
std::vector<std::string> json_strings(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string s = ss.str();
  std::vector<std::string> out;
  std::size_t p = s.find("\"" + key + "\"");
  if (p == std::string::npos) return out;
  p = s.find('[', p);
  const std::size_t end = s.find(']', p);
  while (true) {
    const std::size_t a = s.find('"', p + 1);
    if (a == std::string::npos || a > end) break;
    const std::size_t b = s.find('"', a + 1);
    out.push_back(s.substr(a + 1, b - a - 1));
    p = b;
  }
  return out;
}

double lre(long double computed, long double certified) {
  const long double err = certified == 0 ? std::fabs(computed) : std::fabs(computed - certified) / std::fabs(certified);
  if (err == 0) return 15;
  const double v = static_cast<double>(-std::log10(err));
  return v > 15 ? 15 : v;
}

const std::string kData = OLSF_TEST_DATA_DIR;

// Fits a NIST data set whose design columns are built by `columns` from a CSV row, and
// returns the LRE of every certified estimate (B0 first when there is an intercept).
template <class T, std::size_t D>
std::vector<double> nist_lre(const std::string& name, bool intercept, olsf::OlsSolver solver,
                             void (*columns)(const std::vector<double>&, T*), Status* status = nullptr) {
  const auto rows = read_csv(kData + "/strd/" + name + ".csv");
  const auto cert_s = json_strings(kData + "/strd/" + name + ".certified.json", "estimates_str");
  std::vector<long double> cert;
  for (const auto& c : cert_s) cert.push_back(std::strtold(c.c_str(), nullptr));
  EXPECT_EQ(cert.size(), D + (intercept ? 1 : 0)) << name;
  olsf::OlsOptions<T> opt;
  opt.intercept = intercept;
  opt.solver = solver;
  auto model = std::make_unique<olsf::OlsTransformer<T, D, 1, 64>>(opt);
  for (const auto& r : rows) {
    T x[D];
    columns(r, x);
    const T y = static_cast<T>(r[0]);
    EXPECT_EQ(model->observe(x, &y), Status::ok);
  }
  const Status s = model->refit();
  if (status) *status = s;
  std::vector<double> out;
  std::size_t c = 0;
  if (intercept) out.push_back(lre(static_cast<long double>(model->intercept()[0]), cert[c++]));
  for (std::size_t j = 0; j < D && c < cert.size(); ++j)
    out.push_back(lre(static_cast<long double>(model->coefficients()(j, 0)), cert[c++]));
  return out;
}

template <class T>
void raw_columns(const std::vector<double>& r, T* x) {
  for (std::size_t j = 1; j < r.size(); ++j) x[j - 1] = static_cast<T>(r[j]);
}
template <class T>
void polynomial5(const std::vector<double>& r, T* x) {  // Wampler1: x, x^2, ..., x^5 (exact in double)
  double p = 1;
  for (std::size_t j = 0; j < 5; ++j) x[j] = static_cast<T>(p *= r[1]);
}

double min_of(const std::vector<double>& v) {
  double m = 99;
  for (double e : v) m = e < m ? e : m;
  return m;
}

void report(const char* name, const char* type, const char* solver, const std::vector<double>& l) {
  std::printf("[ NIST LRE ] %-9s %-6s %-10s min %5.2f :", name, type, solver, min_of(l));
  for (double e : l) std::printf(" %5.2f", e);
  std::printf("\n");
}

template <class T>
void run_nist(bool assert_double) {
  const char* type = sizeof(T) == 4 ? "float" : "double";
  for (auto solver : {olsf::OlsSolver::covariance, olsf::OlsSolver::accurate}) {
    const char* sname = solver == olsf::OlsSolver::covariance ? "covariance" : "accurate";
    const auto norris = nist_lre<T, 1>("Norris", true, solver, raw_columns<T>);
    const auto noint1 = nist_lre<T, 1>("NoInt1", false, solver, raw_columns<T>);
    const auto longley = nist_lre<T, 6>("Longley", true, solver, raw_columns<T>);
    const auto wampler = nist_lre<T, 5>("Wampler1", true, solver, polynomial5<T>);
    report("Norris", type, sname, norris);
    report("NoInt1", type, sname, noint1);
    report("Longley", type, sname, longley);
    report("Wampler1", type, sname, wampler);
    if (assert_double) {
      EXPECT_GE(min_of(norris), 9.0) << sname;
      EXPECT_GE(min_of(noint1), 9.0) << sname;
      EXPECT_GE(min_of(longley), 7.0) << sname;
      if (solver == olsf::OlsSolver::accurate) {
        EXPECT_GE(min_of(wampler), 7.0);
      }
    }
  }
}

TEST(OlsNist, CertifiedValuesDouble) { run_nist<double>(true); }
// Float is reported, not asserted beyond what float allows (issue #5): a float OLS keeps
// at most ~7 - log10(cond) digits.
TEST(OlsNist, CertifiedValuesFloatReported) { run_nist<float>(false); }

// ---- diabetes: 442 x 10, exact reference ---------------------------------------------------
// Batch = true: the 442 rows go in by one observe_batch (the register-blocked slow memory).
template <class T, bool Batch = false>
double diabetes_max_rel_error(olsf::OlsSolver solver) {
  const auto rows = read_csv(kData + "/real/diabetes_raw.csv");
  EXPECT_EQ(rows.size(), 442u);
  // Reference order in the JSON: intercept, age, sex, bmi, bp, s1..s6 ("coefficients_40_digits").
  const auto ref_s = json_strings(kData + "/real/diabetes_ols_reference.json", "coefficients_40_digits");
  (void)ref_s;
  std::ifstream in(kData + "/real/diabetes_ols_reference.json");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string s = ss.str();
  const char* names[11] = {"intercept", "age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"};
  long double want[11];
  const std::size_t block = s.find("\"coefficients_40_digits\"");
  for (int i = 0; i < 11; ++i) {
    const std::size_t p = s.find(std::string("\"") + names[i] + "\"", block);
    const std::size_t a = s.find('"', s.find(':', p));
    want[i] = std::strtold(s.c_str() + a + 1, nullptr);
  }
  olsf::OlsOptions<T> opt;
  opt.solver = solver;
  auto model = std::make_unique<olsf::OlsTransformer<T, 10, 1, 512>>(opt);
  std::vector<T> bx, by;
  for (const auto& r : rows) {
    T x[10];
    for (std::size_t j = 0; j < 10; ++j) x[j] = static_cast<T>(r[j]);
    const T y = static_cast<T>(r[10]);
    if (Batch) {
      bx.insert(bx.end(), x, x + 10);
      by.push_back(y);
    } else {
      EXPECT_EQ(model->observe(x, &y), Status::ok);
    }
  }
  if (Batch) {
    EXPECT_EQ(model->observe(by.size(), bx.data(), by.data()), Status::ok);
  }
  EXPECT_EQ(model->refit(), Status::ok);
  long double worst = std::fabs(model->intercept()[0] - want[0]) / std::fabs(want[0]);
  for (std::size_t j = 0; j < 10; ++j) {
    const long double e = std::fabs(static_cast<long double>(model->coefficients()(j, 0)) - want[j + 1]) / std::fabs(want[j + 1]);
    worst = e > worst ? e : worst;
  }
  return static_cast<double>(worst);
}

TEST(OlsDiabetes, CoefficientsMatchExactReference) {
  const double cov = diabetes_max_rel_error<double>(olsf::OlsSolver::covariance);
  const double acc = diabetes_max_rel_error<double>(olsf::OlsSolver::accurate);
  const double f32 = diabetes_max_rel_error<float>(olsf::OlsSolver::covariance);
  std::printf("[ diabetes ] max relative coefficient error: double covariance %.3g, double accurate %.3g, float %.3g\n",
              cov, acc, f32);
  EXPECT_LE(cov, 1e-10);
  EXPECT_LE(acc, 1e-10);
}

// ---- bad input and statuses -----------------------------------------------------------------
using Model3 = olsf::OlsTransformer<double, 3, 1, 64>;

TEST(OlsBadInput, EmptyModel) {
  Model3 model;
  const double x[3] = {1, 2, 3};
  double y = 42, scores[1] = {7};
  EXPECT_EQ(model.refit(), Status::empty);
  EXPECT_EQ(model.predict(x, &y), Status::empty);
  EXPECT_EQ(model.attend(x, &y, scores), Status::empty);
  EXPECT_EQ(y, 42);
  EXPECT_EQ(scores[0], 7);
  EXPECT_FALSE(model.fitted());
}

TEST(OlsBadInput, NonFiniteSampleChangesNothing) {
  const auto data = random_data<double, 3, 1>(40, 1.0, 1e-2, 41);
  Model3 a, b;
  for (std::size_t i = 0; i < 40; ++i) {
    ASSERT_EQ(a.observe(&data.x[i * 3], &data.y[i]), Status::ok);
    ASSERT_EQ(b.observe(&data.x[i * 3], &data.y[i]), Status::ok);
    if (i == 20) {
      const double nan_x[3] = {1, std::numeric_limits<double>::quiet_NaN(), 3};
      const double inf_y = std::numeric_limits<double>::infinity(), fine_y = 1;
      const double huge_x[3] = {1e300, 0, 0};
      EXPECT_EQ(b.observe(nan_x, &fine_y), Status::non_finite_input);
      EXPECT_EQ(b.observe(&data.x[0], &inf_y), Status::non_finite_input);
      EXPECT_EQ(b.observe(huge_x, &fine_y), Status::non_finite_input);  // outer product overflows
      EXPECT_EQ(b.observe(nullptr, &fine_y), Status::invalid_argument);
    }
  }
  EXPECT_EQ(a.slow_memory().count(), b.slow_memory().count());
  EXPECT_EQ(a.context_size(), b.context_size());
  ASSERT_EQ(a.refit(), Status::ok);
  ASSERT_EQ(b.refit(), Status::ok);
  for (std::size_t j = 0; j < 3; ++j) EXPECT_EQ(a.coefficients()(j, 0), b.coefficients()(j, 0));  // bitwise
  EXPECT_EQ(a.intercept()[0], b.intercept()[0]);
  const double nan_q[3] = {std::numeric_limits<double>::quiet_NaN(), 0, 0};
  double y = 5;
  EXPECT_EQ(a.predict(nan_q, &y), Status::non_finite_input);
  EXPECT_EQ(a.attend(nan_q, &y), Status::non_finite_input);
  EXPECT_EQ(y, 5);
}

// Two features plus a copy of the first: rank 2, and the minimum-norm solution splits the
// coefficient of the duplicated feature equally (both copies have the same scale).
TEST(OlsBadInput, DuplicatedColumnGivesMinimumNorm) {
  const auto d2 = random_data<double, 2, 1>(60, 1.0, 1e-2, 51);
  for (auto solver : {olsf::OlsSolver::covariance, olsf::OlsSolver::accurate}) {
    olsf::OlsOptions<double> opt;
    opt.solver = solver;
    Model3 model(opt);
    for (std::size_t i = 0; i < d2.m; ++i) {
      const double x[3] = {d2.x[i * 2], d2.x[i * 2 + 1], d2.x[i * 2]};
      ASSERT_EQ(model.observe(x, &d2.y[i]), Status::ok);
    }
    EXPECT_EQ(model.refit(), Status::rank_deficient);
    EXPECT_EQ(model.rank(), 2u);
    const Reference ref = reference(d2.ex(), d2.ey(), true);
    const LD bound = covariance_bound<double>(ref, d2.ey(), d2.m, 3, 0);
    const LD s0 = ref.scale(0), s1 = ref.scale(1);
    // In scaled coordinates the 3-column problem's min-norm z has z0 = z2 = z_ref0 / 2
    // (||dz|| grows by at most sqrt(2) through the split).
    EXPECT_LE(std::fabs(s0 * (model.coefficients()(0, 0) - ref.beta(0, 0) / 2)), 2 * bound);
    EXPECT_LE(std::fabs(s0 * (model.coefficients()(2, 0) - ref.beta(0, 0) / 2)), 2 * bound);
    EXPECT_LE(std::fabs(s1 * (model.coefficients()(1, 0) - ref.beta(1, 0))), 2 * bound);
    EXPECT_LE(std::fabs(model.intercept()[0] - ref.b0(0)), 2 * bound * (std::fabs(ref.mean_x(0)) / s0 * 2 + std::fabs(ref.mean_x(1)) / s1) + 1e3 * unit<double>() * std::fabs(ref.mean_y(0)));
  }
}

TEST(OlsBadInput, ConstantColumnIsDroppedWithZeroCoefficient) {
  const auto d2 = random_data<double, 2, 1>(60, 1.0, 1e-2, 61);
  Model3 model;
  for (std::size_t i = 0; i < d2.m; ++i) {
    const double x[3] = {d2.x[i * 2], 2.75, d2.x[i * 2 + 1]};
    ASSERT_EQ(model.observe(x, &d2.y[i]), Status::ok);
  }
  EXPECT_EQ(model.refit(), Status::rank_deficient);
  EXPECT_EQ(model.rank(), 2u);
  EXPECT_EQ(model.coefficients()(1, 0), 0.0);
  const Reference ref = reference(d2.ex(), d2.ey(), true);
  const LD bound = covariance_bound<double>(ref, d2.ey(), d2.m, 2, 0);
  EXPECT_LE(std::fabs(ref.scale(0) * (model.coefficients()(0, 0) - ref.beta(0, 0))), bound);
  EXPECT_LE(std::fabs(ref.scale(1) * (model.coefficients()(2, 0) - ref.beta(1, 0))), bound);
}

// n < d: 5 samples, 8 features. Centred, 4 directions remain; the fit interpolates the
// training data and is the minimum-norm z = Xs^+ y~ (Eigen's CompleteOrthogonalDecomposition).
TEST(OlsBadInput, FewerSamplesThanFeatures) {
  const auto d = random_data<double, 8, 1>(5, 1.0, 1.0, 71);
  olsf::OlsTransformer<double, 8, 1, 16> model;
  for (std::size_t i = 0; i < d.m; ++i) ASSERT_EQ(model.observe(&d.x[i * 8], &d.y[i]), Status::ok);
  EXPECT_EQ(model.refit(), Status::rank_deficient);
  EXPECT_EQ(model.rank(), 4u);
  const EMat ex = d.ex(), ey = d.ey();
  const EVec mean = ex.colwise().mean().transpose();
  EMat xs = ex.rowwise() - mean.transpose();
  const EVec scale = xs.colwise().norm().transpose();
  for (long j = 0; j < 8; ++j) xs.col(j) /= scale(j);
  const EVec yc = ey.col(0).array() - ey.col(0).mean();
  // The exact rank is known (m - 1 = 4 after centring): tell the reference, whose default
  // threshold is relative to its own epsilon (quad precision on aarch64 would call the
  // centring's rounding residue a fifth direction).
  Eigen::CompleteOrthogonalDecomposition<EMat> cod;
  cod.setThreshold(1e-10L);
  cod.compute(xs);
  EXPECT_EQ(cod.rank(), 4);
  const EVec z = cod.solve(yc);
  Eigen::JacobiSVD<EMat> svd(xs);
  const LD smin = svd.singularValues()(3);  // smallest nonzero
  const LD bound = 2 / (smin * smin) * (8 * (5 + 16) * unit<double>() * z.norm() + std::sqrt(8.0L) * 13 * unit<double>() * yc.norm());
  for (long j = 0; j < 8; ++j)
    EXPECT_LE(std::fabs(scale(j) * model.coefficients()(static_cast<std::size_t>(j), 0) - z(j)), bound) << j;
  for (std::size_t i = 0; i < d.m; ++i) {
    double yp = 0;
    ASSERT_EQ(model.predict(&d.x[i * 8], &yp), Status::ok);
    EXPECT_NEAR(yp, d.y[i], static_cast<double>(4 * bound * xs.row(static_cast<long>(i)).norm() + 64 * unit<double>() * std::fabs(ey(static_cast<long>(i), 0))));
  }
}

// A context smaller than the data: the slow memory keeps everything (refit is OLS on all
// samples), the context keeps the last tokens, attend sums over those, and the accurate
// solver falls back to the covariance solver.
TEST(OlsBadInput, OverCapacityContextLosesNothing) {
  const auto d = random_data<double, 3, 1>(50, 1.0, 1e-2, 81);
  olsf::OlsOptions<double> opt;
  opt.solver = olsf::OlsSolver::accurate;
  olsf::OlsTransformer<double, 3, 1, 8> model(opt);
  for (std::size_t i = 0; i < d.m; ++i) ASSERT_EQ(model.observe(&d.x[i * 3], &d.y[i]), Status::ok);
  EXPECT_EQ(model.context_size(), 8u);
  EXPECT_EQ(model.slow_memory().count(), 50u);
  ASSERT_EQ(model.refit(), Status::ok);
  EXPECT_EQ(model.fit_method(), olsf::OlsSolver::covariance);
  const Reference ref = reference(d.ex(), d.ey(), true);
  const LD bound = covariance_bound<double>(ref, d.ey(), d.m, 3, 0);
  for (std::size_t j = 0; j < 3; ++j)
    EXPECT_LE(std::fabs(ref.scale(static_cast<long>(j)) * (model.coefficients()(j, 0) - ref.beta(static_cast<long>(j), 0))), 2 * bound);
  for (std::size_t j = 0; j < 8; ++j) {
    EXPECT_EQ(model.context_x(j)[0], d.x[(42 + j) * 3]);  // the oldest token first
    EXPECT_EQ(model.context_y(j)[0], d.y[42 + j]);
  }
  // attend = centre_y + sum over the 8 tokens of a_j (y_j - centre_y), a_j = x~^T G^-1 x~_j.
  const EMat g = (d.ex().rowwise() - ref.mean_x.transpose()).transpose() * (d.ex().rowwise() - ref.mean_x.transpose());
  const EMat ginv = g.inverse();
  double y = 0, scores[8];
  ASSERT_EQ(model.attend(&d.x[0], &y, scores), Status::ok);
  EVec xq(3);
  for (long j = 0; j < 3; ++j) xq(j) = d.x[static_cast<std::size_t>(j)] - ref.mean_x(j);
  LD want = ref.mean_y(0), mag = std::fabs(ref.mean_y(0));
  for (std::size_t j = 0; j < 8; ++j) {
    EVec xt(3);
    for (long c = 0; c < 3; ++c) xt(c) = d.x[(42 + j) * 3 + static_cast<std::size_t>(c)] - ref.mean_x(c);
    const LD a = xq.dot(ginv * xt);
    // Each score carries the relative error of G^-1 (||A^-1|| ||dA||, covariance bound).
    const LD tol_a = std::fabs(a) * 4 * ref.inv_a_norm * 3 * (50 + 6) * unit<double>() + 1e-15L;
    EXPECT_NEAR(scores[j], static_cast<double>(a), static_cast<double>(tol_a + 64 * unit<double>() * std::fabs(a)));
    want += a * (d.y[42 + j] - ref.mean_y(0));
    mag += std::fabs(a * (d.y[42 + j] - ref.mean_y(0)));
  }
  EXPECT_NEAR(y, static_cast<double>(want), static_cast<double>(mag * 4 * ref.inv_a_norm * 3 * 56 * unit<double>() + 64 * unit<double>() * mag));
}

TEST(OlsBadInput, FailedRefitLeavesModelUnchanged) {
  const auto d = random_data<double, 3, 1>(40, 1.0, 1e-2, 91);
  olsf::OlsOptions<double> opt;
  Model3 model(opt);
  for (std::size_t i = 0; i < 20; ++i) ASSERT_EQ(model.observe(&d.x[i * 3], &d.y[i]), Status::ok);
  ASSERT_EQ(model.refit(), Status::ok);
  const auto beta = model.coefficients();
  const auto l = model.l();
  const double b0 = model.intercept()[0];
  for (std::size_t i = 20; i < 40; ++i) ASSERT_EQ(model.observe(&d.x[i * 3], &d.y[i]), Status::ok);
  opt.warm_start = false;
  opt.jacobi.max_sweeps = 1;
  ASSERT_EQ(model.set_options(opt), Status::ok);
  EXPECT_EQ(model.refit(), Status::not_converged);
  opt.ridge = -1;
  EXPECT_EQ(model.set_options(opt), Status::invalid_argument);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(model.coefficients()(i, 0), beta(i, 0));
    for (std::size_t j = 0; j < 3; ++j) EXPECT_EQ(model.l()(i, j), l(i, j));
  }
  EXPECT_EQ(model.intercept()[0], b0);
}

// ---- slow memory: merge, forgetting, ridge, warm start ------------------------------------------
TEST(OlsSlowMemory, MergeEqualsOnePass) {
  const auto d = random_data<double, kD, kK>(300, 1.0, 1e-1, 101);
  olsf::CovarianceAccumulator<double, kD, kK> one, first, second;
  for (std::size_t i = 0; i < 300; ++i) {
    ASSERT_EQ(one.add(&d.x[i * kD], &d.y[i * kK]), Status::ok);
    ASSERT_EQ((i < 110 ? first : second).add(&d.x[i * kD], &d.y[i * kK]), Status::ok);
  }
  ASSERT_EQ(first.merge(second), Status::ok);
  EXPECT_EQ(first.count(), 300u);
  const Reference ref = reference(d.ex(), d.ey(), true);
  // Both are within (m + D) u s_i s_j of the exact centred sums (Welford/Chan, per entry).
  const LD u = unit<double>();
  for (std::size_t i = 0; i < kD; ++i) {
    const LD si = ref.scale(static_cast<long>(i));
    EXPECT_LE(std::fabs(static_cast<LD>(first.mean_x()[i]) - one.mean_x()[i]), 2 * 310 * u * (std::fabs(ref.mean_x(static_cast<long>(i))) + si / std::sqrt(300.0L)));
    for (std::size_t j = 0; j < kD; ++j)
      EXPECT_LE(std::fabs(static_cast<LD>(first.sxx()(i, j)) - one.sxx()(i, j)), 2 * 310 * u * si * ref.scale(static_cast<long>(j)));
    for (std::size_t t = 0; t < kK; ++t) {
      const LD sy = (d.ey().col(static_cast<long>(t)).array() - ref.mean_y(static_cast<long>(t))).matrix().norm();
      EXPECT_LE(std::fabs(static_cast<LD>(first.sxy()(i, t)) - one.sxy()(i, t)), 2 * 310 * u * si * sy);
    }
  }
  // And two models merged fit like one.
  olsf::OlsTransformer<double, kD, kK, 16> a, b, all;
  for (std::size_t i = 0; i < 300; ++i) {
    ASSERT_EQ(all.observe(&d.x[i * kD], &d.y[i * kK]), Status::ok);
    ASSERT_EQ((i % 2 ? a : b).observe(&d.x[i * kD], &d.y[i * kK]), Status::ok);
  }
  ASSERT_EQ(a.merge(b), Status::ok);
  ASSERT_EQ(a.refit(), Status::ok);
  ASSERT_EQ(all.refit(), Status::ok);
  for (long t = 0; t < static_cast<long>(kK); ++t) {
    const LD bound = covariance_bound<double>(ref, d.ey(), 300, kD, t);
    for (std::size_t j = 0; j < kD; ++j)
      EXPECT_LE(std::fabs(ref.scale(static_cast<long>(j)) * (a.coefficients()(j, static_cast<std::size_t>(t)) - all.coefficients()(j, static_cast<std::size_t>(t)))), 2 * bound);
  }
  // Merging with an empty accumulator changes nothing.
  olsf::CovarianceAccumulator<double, kD, kK> empty;
  const auto before = one.sxx();
  ASSERT_EQ(one.merge(empty), Status::ok);
  for (std::size_t i = 0; i < kD; ++i)
    for (std::size_t j = 0; j < kD; ++j) EXPECT_EQ(one.sxx()(i, j), before(i, j));
}

TEST(OlsSlowMemory, ForgettingWeighsRecentSamples) {
  const auto d = random_data<double, 3, 1>(100, 1.0, 1e-1, 111);
  const double gamma = 0.95;
  olsf::CovarianceAccumulator<double, 3, 1> acc;
  EXPECT_EQ(acc.set_forgetting(0.0), Status::invalid_argument);
  EXPECT_EQ(acc.set_forgetting(1.5), Status::invalid_argument);
  ASSERT_EQ(acc.set_forgetting(gamma), Status::ok);
  for (std::size_t i = 0; i < 100; ++i) ASSERT_EQ(acc.add(&d.x[i * 3], &d.y[i]), Status::ok);
  // Direct weighted moments in long double: w_i = gamma^(n - 1 - i).
  LD w = 0, mx[3] = {}, my = 0;
  for (std::size_t i = 0; i < 100; ++i) {
    const LD wi = std::pow(static_cast<LD>(gamma), static_cast<LD>(99 - i));
    w += wi;
    for (int j = 0; j < 3; ++j) mx[j] += wi * d.x[i * 3 + static_cast<std::size_t>(j)];
    my += wi * d.y[i];
  }
  for (auto& v : mx) v /= w;
  my /= w;
  LD sxx[3][3] = {}, sxy[3] = {};
  for (std::size_t i = 0; i < 100; ++i) {
    const LD wi = std::pow(static_cast<LD>(gamma), static_cast<LD>(99 - i));
    for (int a = 0; a < 3; ++a) {
      for (int b = 0; b < 3; ++b)
        sxx[a][b] += wi * (d.x[i * 3 + static_cast<std::size_t>(a)] - mx[a]) * (d.x[i * 3 + static_cast<std::size_t>(b)] - mx[b]);
      sxy[a] += wi * (d.x[i * 3 + static_cast<std::size_t>(a)] - mx[a]) * (d.y[i] - my);
    }
  }
  const LD u = unit<double>();
  EXPECT_LE(std::fabs(acc.weight() - w), 4 * 100 * u * w);
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b)
      EXPECT_LE(std::fabs(acc.sxx()(static_cast<std::size_t>(a), static_cast<std::size_t>(b)) - sxx[a][b]),
                4 * 110 * u * std::sqrt(sxx[a][a] * sxx[b][b]));
  }
  (void)sxy;
}

TEST(OlsSlowMemory, RidgeMatchesClosedForm) {
  const auto d = random_data<double, 4, 1>(80, 0.05, 1e-2, 121);
  olsf::OlsOptions<double> opt;
  opt.ridge = 0.01;
  olsf::OlsTransformer<double, 4, 1, 8> model(opt);
  for (std::size_t i = 0; i < d.m; ++i) ASSERT_EQ(model.observe(&d.x[i * 4], &d.y[i]), Status::ok);
  ASSERT_EQ(model.refit(), Status::ok);
  const EMat ex = d.ex();
  const EVec mean = ex.colwise().mean().transpose();
  EMat xs = ex.rowwise() - mean.transpose();
  const EVec scale = xs.colwise().norm().transpose();
  for (long j = 0; j < 4; ++j) xs.col(j) /= scale(j);
  const EVec yc = d.ey().col(0).array() - d.ey().col(0).mean();
  const EMat a = xs.transpose() * xs + 0.01L * EMat::Identity(4, 4);
  const EVec z = a.ldlt().solve(xs.transpose() * yc);
  const LD inv = 1 / Eigen::SelfAdjointEigenSolver<EMat>(a).eigenvalues()(0);
  const LD bound = 2 * inv * (4 * (80 + 8) * unit<double>() * z.norm() + 2 * 88 * unit<double>() * yc.norm());
  for (long j = 0; j < 4; ++j) EXPECT_LE(std::fabs(scale(j) * model.coefficients()(static_cast<std::size_t>(j), 0) - z(j)), bound);
}

TEST(OlsSlowMemory, WarmRefitAfterNewSamples) {
  const auto d = random_data<double, 16, 1>(1056, 0.5, 1e-2, 131);
  olsf::OlsTransformer<double, 16, 1, 32> warm;
  olsf::OlsOptions<double> cold_opt;
  cold_opt.warm_start = false;
  olsf::OlsTransformer<double, 16, 1, 32> cold(cold_opt);
  for (std::size_t i = 0; i < 1024; ++i) {
    ASSERT_EQ(warm.observe(&d.x[i * 16], &d.y[i]), Status::ok);
    ASSERT_EQ(cold.observe(&d.x[i * 16], &d.y[i]), Status::ok);
  }
  ASSERT_EQ(warm.refit(), Status::ok);
  const unsigned first = warm.eigensolver().sweeps();
  for (std::size_t i = 1024; i < 1056; ++i) {
    ASSERT_EQ(warm.observe(&d.x[i * 16], &d.y[i]), Status::ok);
    ASSERT_EQ(cold.observe(&d.x[i * 16], &d.y[i]), Status::ok);
  }
  ASSERT_EQ(warm.refit(), Status::ok);
  ASSERT_EQ(cold.refit(), Status::ok);
  std::printf("[ warm ] sweeps: cold %u, first fit %u, warm refit %u\n", cold.eigensolver().sweeps(), first,
              warm.eigensolver().sweeps());
  EXPECT_LT(warm.eigensolver().sweeps(), cold.eigensolver().sweeps());
  const Reference ref = reference(d.ex(), d.ey(), true);
  const LD bound = covariance_bound<double>(ref, d.ey(), 1056, 16, 0);
  for (std::size_t j = 0; j < 16; ++j)
    EXPECT_LE(std::fabs(ref.scale(static_cast<long>(j)) * (warm.coefficients()(j, 0) - ref.beta(static_cast<long>(j), 0))), bound);
}

// ---- batched observation (CovarianceAccumulator::add_batch) -----------------------------------
TEST(OlsDiabetes, BatchCoefficientsMatchExactReference) {
  const double cov = diabetes_max_rel_error<double, true>(olsf::OlsSolver::covariance);
  const double acc = diabetes_max_rel_error<double, true>(olsf::OlsSolver::accurate);
  std::printf("[ diabetes ] observe_batch: max relative coefficient error: covariance %.3g, accurate %.3g\n", cov, acc);
  EXPECT_LE(cov, 1e-10);
  EXPECT_LE(acc, 1e-10);
}

// observe_batch in uneven blocks against observe() one by one: both fits within the
// first-order bound of the long double reference, the same context ring bit for bit.
TYPED_TEST(OlsTransformer, BatchObserveEqualsSampleBySample) {
  using T = typename TypeParam::Scalar;
  using B = typename TypeParam::Backend;
  constexpr std::size_t kSmallCtx = 40;  // smaller than the data: the ring wraps
  const std::size_t m = 300;
  const auto data = random_data<T, kD, kK>(m, 0.5, 1e-3, 141);
  auto one = std::make_unique<olsf::OlsTransformer<T, kD, kK, kSmallCtx, B>>();
  auto batch = std::make_unique<olsf::OlsTransformer<T, kD, kK, kSmallCtx, B>>();
  for (std::size_t i = 0; i < m; ++i) ASSERT_EQ(one->observe(&data.x[i * kD], &data.y[i * kK]), Status::ok);
  const std::size_t blocks[] = {1, 17, 3, 100, 50, 129};  // sums to 300
  std::size_t at = 0;
  for (std::size_t b : blocks) {
    ASSERT_EQ(batch->observe(b, &data.x[at * kD], &data.y[at * kK]), Status::ok);
    at += b;
  }
  ASSERT_EQ(at, m);
  ASSERT_EQ(batch->slow_memory().count(), m);
  ASSERT_EQ(batch->context_size(), kSmallCtx);
  for (std::size_t j = 0; j < kSmallCtx; ++j) {
    for (std::size_t c = 0; c < kD; ++c) EXPECT_EQ(batch->context_x(j)[c], one->context_x(j)[c]);
    for (std::size_t c = 0; c < kK; ++c) EXPECT_EQ(batch->context_y(j)[c], one->context_y(j)[c]);
  }
  ASSERT_EQ(one->refit(), Status::ok);
  ASSERT_EQ(batch->refit(), Status::ok);
  const Reference ref = reference(data.ex(), data.ey(), true);
  for (long t = 0; t < static_cast<long>(kK); ++t) {
    const LD bound = covariance_bound<T>(ref, data.ey(), m, kD, t);
    EVec d1(kD), d2(kD);
    for (std::size_t j = 0; j < kD; ++j) {
      const LD want = ref.beta(static_cast<long>(j), t);
      d1(static_cast<long>(j)) = ref.scale(static_cast<long>(j)) * (static_cast<LD>(one->coefficients()(j, static_cast<std::size_t>(t))) - want);
      d2(static_cast<long>(j)) = ref.scale(static_cast<long>(j)) * (static_cast<LD>(batch->coefficients()(j, static_cast<std::size_t>(t))) - want);
    }
    EXPECT_LE(d1.norm(), bound);
    EXPECT_LE(d2.norm(), bound);
  }
  // A rejected block changes nothing (slow memory nor ring).
  std::vector<T> bad(data.x.begin(), data.x.begin() + 10 * kD);
  bad[5 * kD + 2] = std::numeric_limits<T>::quiet_NaN();
  const std::size_t count = batch->slow_memory().count();
  EXPECT_EQ(batch->observe(10, bad.data(), data.y.data()), Status::non_finite_input);
  EXPECT_EQ(batch->slow_memory().count(), count);
  for (std::size_t j = 0; j < kSmallCtx; ++j)
    for (std::size_t c = 0; c < kD; ++c) EXPECT_EQ(batch->context_x(j)[c], one->context_x(j)[c]);
}

// Two accumulators filled by add_batch and merged equal one add_batch over everything
// (the split of a fit across cores), within the Welford/Chan per-entry bound.
TEST(OlsSlowMemory, BatchMergeEqualsOnePass) {
  const auto d = random_data<double, kD, kK>(300, 1.0, 1e-1, 151);
  olsf::CovarianceAccumulator<double, kD, kK> one, first, second;
  ASSERT_EQ(one.add_batch(300, d.x.data(), kD, d.y.data(), kK), Status::ok);
  ASSERT_EQ(first.add_batch(110, d.x.data(), kD, d.y.data(), kK), Status::ok);
  ASSERT_EQ(second.add_batch(190, d.x.data() + 110 * kD, kD, d.y.data() + 110 * kK, kK), Status::ok);
  ASSERT_EQ(first.merge(second), Status::ok);
  EXPECT_EQ(first.count(), 300u);
  const Reference ref = reference(d.ex(), d.ey(), true);
  const LD u = unit<double>();
  for (std::size_t i = 0; i < kD; ++i) {
    const LD si = ref.scale(static_cast<long>(i));
    EXPECT_LE(std::fabs(static_cast<LD>(first.mean_x()[i]) - one.mean_x()[i]), 2 * 310 * u * (std::fabs(ref.mean_x(static_cast<long>(i))) + si / std::sqrt(300.0L)));
    for (std::size_t j = 0; j < kD; ++j) {
      EXPECT_LE(std::fabs(static_cast<LD>(first.sxx()(i, j)) - one.sxx()(i, j)), 2 * 310 * u * si * ref.scale(static_cast<long>(j)));
      EXPECT_EQ(one.sxx()(i, j), one.sxx()(j, i));
    }
    for (std::size_t t = 0; t < kK; ++t) {
      const LD sy = (d.ey().col(static_cast<long>(t)).array() - ref.mean_y(static_cast<long>(t))).matrix().norm();
      EXPECT_LE(std::fabs(static_cast<LD>(first.sxy()(i, t)) - one.sxy()(i, t)), 2 * 310 * u * si * sy);
    }
  }
}


// ---- observe's deferred fold: the slow memory equals per-sample add() in every order ---------
// observe() rings tame samples and folds them into the slow memory later (as one block, before
// anything reads it); these check each place that must fold first against an accumulator fed
// sample by sample. Both are within (m + D) u s_i s_j of the exact centred sums per entry
// (Welford/Chan, the bound of MergeEqualsOnePass), so they differ by at most twice that; a
// sample lost, counted twice or folded with the wrong weight is off by O(s_i s_j / m).
template <std::size_t D, std::size_t K>
void expect_same_slow_memory(const olsf::CovarianceAccumulator<double, D, K>& got,
                             const olsf::CovarianceAccumulator<double, D, K>& want) {
  ASSERT_EQ(got.count(), want.count());
  const LD m = static_cast<LD>(want.count()), tol = 2 * (m + D + 10) * unit<double>();
  EXPECT_LE(std::fabs(static_cast<LD>(got.weight()) - want.weight()), tol * want.weight());
  for (std::size_t i = 0; i < D; ++i) {
    const LD si = std::sqrt(static_cast<LD>(want.sxx()(i, i)));
    EXPECT_LE(std::fabs(static_cast<LD>(got.mean_x()[i]) - want.mean_x()[i]), tol * (std::fabs(want.mean_x()[i]) + si / std::sqrt(m)));
    for (std::size_t j = 0; j < D; ++j)
      EXPECT_LE(std::fabs(static_cast<LD>(got.sxx()(i, j)) - want.sxx()(i, j)), tol * si * std::sqrt(static_cast<LD>(want.sxx()(j, j))));
    for (std::size_t t = 0; t < K; ++t)
      EXPECT_LE(std::fabs(static_cast<LD>(got.sxy()(i, t)) - want.sxy()(i, t)), tol * si * std::sqrt(static_cast<LD>(want.syy_diagonal()[t])));
  }
  for (std::size_t t = 0; t < K; ++t) {
    const LD sy = std::sqrt(static_cast<LD>(want.syy_diagonal()[t]));
    EXPECT_LE(std::fabs(static_cast<LD>(got.mean_y()[t]) - want.mean_y()[t]), tol * (std::fabs(want.mean_y()[t]) + sy / std::sqrt(m)));
    EXPECT_LE(std::fabs(static_cast<LD>(got.syy_diagonal()[t]) - want.syy_diagonal()[t]), tol * sy * sy);
  }
}

TEST(OlsDeferredFold, RingWrapAndReobservedContextToken) {
  const auto d = random_data<double, 3, 1>(50, 1.0, 1e-1, 161);
  olsf::OlsTransformer<double, 3, 1, 8> model;
  olsf::CovarianceAccumulator<double, 3, 1> acc;
  for (std::size_t i = 0; i < d.m; ++i) {  // the ring wraps six times: each wrap must fold first
    ASSERT_EQ(model.observe(&d.x[i * 3], &d.y[i]), Status::ok);
    ASSERT_EQ(acc.add(&d.x[i * 3], &d.y[i]), Status::ok);
  }
  // A context token observed again while the ring is full: the slot it lives in is the next
  // to be overwritten (the oldest), so the sample must be taken before the ring moves.
  for (std::size_t r = 0; r < 3; ++r) {
    double x[3], y;
    for (std::size_t j = 0; j < 3; ++j) x[j] = model.context_x(0)[j];
    y = model.context_y(0)[0];
    ASSERT_EQ(model.observe(model.context_x(0), model.context_y(0)), Status::ok);
    ASSERT_EQ(acc.add(x, &y), Status::ok);
    EXPECT_EQ(model.context_x(7)[0], x[0]);  // now the newest token
    EXPECT_EQ(model.context_y(7)[0], y);
  }
  EXPECT_EQ(model.context_size(), 8u);
  expect_same_slow_memory(model.slow_memory(), acc);
}

TEST(OlsDeferredFold, ForgettingChangedWhileSamplesWait) {
  const auto d = random_data<double, 3, 1>(30, 1.0, 1e-1, 171);
  olsf::OlsOptions<double> opt;
  olsf::OlsTransformer<double, 3, 1, 64> model(opt);
  olsf::CovarianceAccumulator<double, 3, 1> acc;
  for (std::size_t i = 0; i < 12; ++i) {
    ASSERT_EQ(model.observe(&d.x[i * 3], &d.y[i]), Status::ok);
    ASSERT_EQ(acc.add(&d.x[i * 3], &d.y[i]), Status::ok);
  }
  opt.forgetting = 0.9;  // the 12 waiting samples keep weight 1 up to now, then decay
  ASSERT_EQ(model.set_options(opt), Status::ok);
  ASSERT_EQ(acc.set_forgetting(0.9), Status::ok);
  for (std::size_t i = 12; i < 30; ++i) {
    ASSERT_EQ(model.observe(&d.x[i * 3], &d.y[i]), Status::ok);
    ASSERT_EQ(acc.add(&d.x[i * 3], &d.y[i]), Status::ok);
  }
  EXPECT_LT(acc.weight(), 12.0);  // the forgetting acted (else this test could not fail)
  expect_same_slow_memory(model.slow_memory(), acc);
}

TEST(OlsDeferredFold, MergeAndBatchWhileSamplesWait) {
  const auto d = random_data<double, 3, 1>(60, 1.0, 1e-1, 181);
  olsf::OlsTransformer<double, 3, 1, 64> a, b;
  olsf::CovarianceAccumulator<double, 3, 1> acc;
  for (std::size_t i = 0; i < 7; ++i) ASSERT_EQ(a.observe(&d.x[i * 3], &d.y[i]), Status::ok);  // waiting in a
  for (std::size_t i = 7; i < 16; ++i) ASSERT_EQ(b.observe(&d.x[i * 3], &d.y[i]), Status::ok);  // waiting in b
  ASSERT_EQ(a.merge(b), Status::ok);
  ASSERT_EQ(a.observe_batch(30, &d.x[16 * 3], 3, &d.y[16], 1), Status::ok);  // after more singles
  for (std::size_t i = 46; i < 60; ++i) ASSERT_EQ(a.observe(&d.x[i * 3], &d.y[i]), Status::ok);
  for (std::size_t i = 0; i < 60; ++i) ASSERT_EQ(acc.add(&d.x[i * 3], &d.y[i]), Status::ok);
  expect_same_slow_memory(a.slow_memory(), acc);
  // The merged-in samples are b's: b itself is unchanged by the merge.
  olsf::CovarianceAccumulator<double, 3, 1> acc_b;
  for (std::size_t i = 7; i < 16; ++i) ASSERT_EQ(acc_b.add(&d.x[i * 3], &d.y[i]), Status::ok);
  expect_same_slow_memory(b.slow_memory(), acc_b);
}

}  // namespace
