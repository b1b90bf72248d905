// olsformer tests: the 8 x 8 float parallel Jacobi sweep with A in NEON registers
// (lib/common/jacobi_neon8.hpp, aarch64 only) against the scalar reference's parallel
// sweep of the same ordering, and against Eigen in double. The solver tests (test_jacobi)
// reach it end to end; these check the kernel itself, sweep by sweep, on the inputs it
// sees: dense (every round rotates, the untested path), nearly diagonal (rounds tested
// one by one), already diagonal, zero, repeated eigenvalues, and the 2 x 2 corner cases
// of the rotation formula.
#include "../lib/common/jacobi_neon8.hpp"

#if defined(OLSF_JACOBI_NEON_SWEEP8)
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>

#include "olsformer/backend.hpp"
#include "support/rng.hpp"

namespace {

constexpr std::size_t kN = 8;
constexpr float kEps = std::numeric_limits<float>::epsilon();
// The solver's thresholds (jacobi.hpp: relative criterion, n eps, floor at FLT_MIN).
constexpr float kRelTol = kN * kEps;
constexpr float kAbsTol = std::numeric_limits<float>::min();

struct Mat {
  alignas(16) float a[kN * kN];
  alignas(16) float vt[kN * kN];
};

Mat with_identity(const double (&m)[kN][kN]) {
  Mat x;
  for (std::size_t i = 0; i < kN; ++i)
    for (std::size_t j = 0; j < kN; ++j) {
      x.a[i * kN + j] = static_cast<float>(i <= j ? m[i][j] : m[j][i]);  // exactly symmetric
      x.vt[i * kN + j] = i == j ? 1.0f : 0.0f;
    }
  return x;
}

// Q diag(lambda) Q^T with Q a product of random plane rotations (double).
void spectral(const double (&lambda)[kN], std::uint64_t seed, double (&m)[kN][kN]) {
  olsf::testing::SplitMix64 g(seed);
  double q[kN][kN] = {};
  for (std::size_t i = 0; i < kN; ++i) q[i][i] = 1.0;
  for (int r = 0; r < 60; ++r) {
    const auto p = static_cast<std::size_t>(g.next() % kN);
    const auto s = static_cast<std::size_t>((p + 1 + g.next() % (kN - 1)) % kN);
    const double th = g.uniform(-3.14159, 3.14159), c = std::cos(th), sn = std::sin(th);
    for (std::size_t k = 0; k < kN; ++k) {
      const double x = q[k][p], y = q[k][s];
      q[k][p] = c * x - sn * y;
      q[k][s] = sn * x + c * y;
    }
  }
  for (std::size_t i = 0; i < kN; ++i)
    for (std::size_t j = 0; j < kN; ++j) {
      double v = 0;
      for (std::size_t k = 0; k < kN; ++k) v += q[i][k] * lambda[k] * q[j][k];
      m[i][j] = v;
    }
}

void random_symmetric(std::uint64_t seed, bool spd, double (&m)[kN][kN]) {
  olsf::testing::SplitMix64 g(seed);
  double b[kN][kN];
  for (auto& row : b)
    for (double& x : row) x = g.uniform(-1.0, 1.0);
  for (std::size_t i = 0; i < kN; ++i)
    for (std::size_t j = 0; j < kN; ++j) {
      double v = 0;
      if (spd) {
        for (std::size_t k = 0; k < kN; ++k) v += b[i][k] * b[j][k];
        v += i == j ? 0.5 : 0.0;
      } else {
        v = b[std::min(i, j)][std::max(i, j)];
      }
      m[i][j] = v;
    }
}

double frobenius(const float* a) {
  double s = 0;
  for (std::size_t k = 0; k < kN * kN; ++k) s += double(a[k]) * a[k];
  return std::sqrt(s);
}

// max |Vt A0 Vt^T - A| / ||A0||_F and max |Vt Vt^T - I| (long double): the sweeps' result
// must be an orthogonal similarity transform of the input.
void expect_similarity(const Mat& start, const Mat& x, double bound, const char* what) {
  long double worst_a = 0, worst_v = 0;
  const double norm = frobenius(start.a);
  for (std::size_t i = 0; i < kN; ++i)
    for (std::size_t j = 0; j < kN; ++j) {
      long double s = 0, o = 0;
      for (std::size_t k = 0; k < kN; ++k) {
        long double t = 0;
        for (std::size_t l = 0; l < kN; ++l) t += (long double)start.a[k * kN + l] * x.vt[j * kN + l];
        s += (long double)x.vt[i * kN + k] * t;
        o += (long double)x.vt[i * kN + k] * x.vt[j * kN + k];
      }
      worst_a = std::max(worst_a, std::fabs(s - (long double)x.a[i * kN + j]));
      worst_v = std::max(worst_v, std::fabs(o - (i == j ? 1.0L : 0.0L)));
    }
  EXPECT_LE(static_cast<double>(worst_a), bound * norm) << what;
  EXPECT_LE(static_cast<double>(worst_v), bound) << what;
}

// The convergence criterion (jacobi_needs_rotation) holds for every pair: a sweep that
// returned 0 must not have skipped a pair that needs a rotation.
void expect_converged(const Mat& x, const char* what) {
  for (std::size_t p = 0; p < kN; ++p)
    for (std::size_t q = p + 1; q < kN; ++q) {
      const float apq = std::fabs(x.a[p * kN + q]);
      const float floor = kRelTol * std::sqrt(std::fabs(x.a[p * kN + p] * x.a[q * kN + q]));
      EXPECT_FALSE(apq > floor && apq > kAbsTol) << what << ": pair " << p << "," << q;
    }
}

// Sweeps until one rotates nothing (at most 30); returns the sweeps that rotated.
template <class Sweep>
int converge(Mat& x, Sweep sweep) {
  for (int s = 0; s < 30; ++s)
    if (sweep(x) == 0) return s;
  return 30;
}

std::size_t neon8(Mat& x) { return olsf::detail::jacobi_parallel_sweep_neon8(x.a, x.vt, kRelTol, kAbsTol); }
std::size_t reference(Mat& x) { return olsf::scalar::jacobi_sweep_parallel(kN, x.a, kN, x.vt, kN, kRelTol, kAbsTol); }

void sorted_diagonal(const Mat& x, double (&d)[kN]) {
  for (std::size_t i = 0; i < kN; ++i) d[i] = x.a[i * kN + i];
  std::sort(d, d + kN);
}

// Eigen's eigenvalues of the float input, in double: the independent reference.
void eigen_values(const Mat& x, double (&d)[kN]) {
  Eigen::Matrix<double, kN, kN> m;
  for (std::size_t i = 0; i < kN; ++i)
    for (std::size_t j = 0; j < kN; ++j) m(i, j) = x.a[i * kN + j];
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix<double, kN, kN>> es(m, Eigen::EigenvaluesOnly);
  for (std::size_t i = 0; i < kN; ++i) d[i] = es.eigenvalues()(static_cast<Eigen::Index>(i));
}

// The whole check for one input: first sweep against the reference (same rotation
// count, both similarity transforms), then both converged: same sorted eigenvalues, each
// within the solver's contract of Eigen's (4 n eps ||A||).
void check_against_reference(const double (&m)[kN][kN], const char* what) {
  const Mat start = with_identity(m);
  Mat x = start, y = start;
  const std::size_t rx = neon8(x), ry = reference(y);
  EXPECT_EQ(rx, ry) << what << ": first sweep's rotations";
  expect_similarity(start, x, 4 * kN * kEps, what);
  expect_similarity(start, y, 4 * kN * kEps, what);
  const int sx = converge(x, neon8), sy = converge(y, reference);
  EXPECT_LT(sx, 30) << what;
  EXPECT_LT(sy, 30) << what;
  expect_similarity(start, x, 4 * kN * kEps, what);
  expect_converged(x, what);
  double dx[kN], dy[kN], de[kN];
  sorted_diagonal(x, dx);
  sorted_diagonal(y, dy);
  eigen_values(start, de);
  const double bound = 4 * kN * kEps * frobenius(start.a);
  for (std::size_t k = 0; k < kN; ++k) {
    EXPECT_NEAR(dx[k], dy[k], bound) << what << " eigenvalue " << k;
    EXPECT_NEAR(dx[k], de[k], bound) << what << " eigenvalue " << k << " vs Eigen";
  }
}

TEST(JacobiNeon8, DenseMatricesMatchTheScalarParallelSweep) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    double m[kN][kN];
    random_symmetric(seed, seed % 2 == 0, m);
    check_against_reference(m, seed % 2 == 0 ? "random SPD" : "random indefinite");
  }
}

// Nearly diagonal: unless the pairs are round 0's, round 0 has no pair far above the
// threshold, so the kernel tests each round and skips those that rotate nothing (round 0's
// take the untested way). Per input, some of the 4 pairs
// (j, j xor m) of one round m (disjoint: no fill-in, so the rotation count does not depend
// on the order of the rounds), every round in turn.
TEST(JacobiNeon8, NearlyDiagonalMatricesTakeTheTestedRounds) {
  for (std::uint64_t seed = 1; seed <= 42; ++seed) {
    olsf::testing::SplitMix64 g(seed);
    double m[kN][kN] = {};
    for (std::size_t i = 0; i < kN; ++i) m[i][i] = g.uniform(0.5, 2.0);
    const std::size_t round = 1 + seed % 7;
    const std::uint64_t subset = seed % 2 == 0 ? 0xf : 1 + g.next() % 15;  // not empty
    std::size_t pairs = 0;
    for (std::size_t j = 0; j < kN; ++j) {
      const std::size_t q = j ^ round;
      if (j < q && ((subset >> pairs++) & 1)) m[j][q] = m[q][j] = g.uniform(-1e-3, 1e-3);
    }
    check_against_reference(m, "nearly diagonal");
  }
}

TEST(JacobiNeon8, RepeatedAndClusteredEigenvalues) {
  const double repeated[kN] = {1, 1, 1, 2, 2, 2, 3, 3};
  const double clustered[kN] = {1, 1 + 1e-6, 1 + 2e-6, 2, 2, -1, -1 - 1e-7, 0};
  const double rank_one[kN] = {0, 0, 0, 0, 0, 0, 0, 5};
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    double m[kN][kN];
    spectral(repeated, seed, m);
    check_against_reference(m, "repeated");
    spectral(clustered, seed, m);
    check_against_reference(m, "clustered");
    spectral(rank_one, seed, m);
    check_against_reference(m, "rank one");
  }
}

// Nothing to rotate: 0 rotations, and A and Vt untouched bit for bit.
TEST(JacobiNeon8, DiagonalAndZeroMatricesAreLeftAsTheyAre) {
  double diagonal[kN][kN] = {}, zero[kN][kN] = {}, scaled_identity[kN][kN] = {};
  for (std::size_t i = 0; i < kN; ++i) {
    diagonal[i][i] = static_cast<double>(i) - 3.5;
    scaled_identity[i][i] = 0.25;
  }
  for (const auto* m : {&diagonal, &zero, &scaled_identity}) {
    const Mat start = with_identity(*m);
    Mat x = start;
    EXPECT_EQ(neon8(x), 0u);
    EXPECT_EQ(std::memcmp(x.a, start.a, sizeof x.a), 0);
    EXPECT_EQ(std::memcmp(x.vt, start.vt, sizeof x.vt), 0);
  }
  // Off-diagonal entries below the relative threshold are left too.
  double tiny[kN][kN] = {};
  for (std::size_t i = 0; i < kN; ++i) tiny[i][i] = 1.0;
  tiny[0][5] = tiny[5][0] = 0.5 * kRelTol;
  const Mat start = with_identity(tiny);
  Mat x = start;
  EXPECT_EQ(neon8(x), 0u);
  EXPECT_EQ(std::memcmp(x.a, start.a, sizeof x.a), 0);
}

// The 2 x 2 corner cases of the rotation, one pair per round (within and cross):
// a_pp == a_qq (theta = 0, a 45-degree rotation), |theta| > 1e15 (t = 1 / (2 theta)),
// and a zero diagonal (the relative threshold is 0): one sweep diagonalises each pair.
TEST(JacobiNeon8, RotationCornerCases) {
  struct Pair {
    std::size_t p, q;
    double app, aqq, apq;
  };
  const Pair cases[] = {{0, 1, 1.0, 1.0, 0.5},  {2, 4, 1.0, 1.0, -0.25}, {3, 7, 1.0, 0.0, 1e-20},
                        {5, 6, 0.0, 0.0, 1e-3}, {1, 6, -2.0, 3.0, 1.0},  {0, 7, 1e-30, 1.0, 1e-16}};
  for (const Pair& c : cases) {
    double m[kN][kN] = {};
    for (std::size_t i = 0; i < kN; ++i) m[i][i] = 0.5 + static_cast<double>(i);
    m[c.p][c.p] = c.app;
    m[c.q][c.q] = c.aqq;
    m[c.p][c.q] = m[c.q][c.p] = c.apq;
    const Mat start = with_identity(m);
    Mat x = start, y = start;
    EXPECT_EQ(neon8(x), 1u) << c.p << "," << c.q;
    EXPECT_EQ(reference(y), 1u);
    EXPECT_EQ(x.a[c.p * kN + c.q], 0.0f);
    EXPECT_EQ(x.a[c.q * kN + c.p], 0.0f);
    EXPECT_EQ(neon8(x), 0u) << "one rotation diagonalises one pair";
    expect_similarity(start, x, 4 * kN * kEps, "corner case");
    double dx[kN], dy[kN];
    sorted_diagonal(x, dx);
    sorted_diagonal(y, dy);
    for (std::size_t k = 0; k < kN; ++k) EXPECT_NEAR(dx[k], dy[k], 4 * kN * kEps * frobenius(start.a));
  }
}

// What the solver calls: the Highway and xsimd kernels take this sweep for 8 x 8 float
// with unpadded rows (bit for bit the same).
TEST(JacobiNeon8, BackendKernelsDispatchToIt) {
  double m[kN][kN];
  random_symmetric(7, true, m);
  const Mat start = with_identity(m);
  Mat x = start;
  const std::size_t r = neon8(x);
  // sweep: a backend's jacobi_sweep_parallel; same rotation count, same bits as the kernel.
  const auto same_as_kernel = [&](auto sweep) {
    Mat y = start;
    EXPECT_EQ(sweep(kN, y.a, kN, y.vt, kN, kRelTol, kAbsTol), r);
    EXPECT_EQ(std::memcmp(x.a, y.a, sizeof x.a), 0);
    EXPECT_EQ(std::memcmp(x.vt, y.vt, sizeof x.vt), 0);
  };
#if defined(OLSF_HAVE_HIGHWAY)
  same_as_kernel([](auto... a) { return olsf::HighwayBackend::jacobi_sweep_parallel(a...); });
#endif
#if defined(OLSF_HAVE_XSIMD)
  same_as_kernel([](auto... a) { return olsf::XsimdBackend::jacobi_sweep_parallel(a...); });
#endif
  (void)same_as_kernel;
  (void)r;
}

}  // namespace
#endif
