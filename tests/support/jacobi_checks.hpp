// olsformer tests: the Jacobi checks, written once and run by GoogleTest on x86-64 and
// aarch64 and by the bare-metal self-test on Cortex-M, for every backend.
//
// References nobody here wrote: matrices built as Q diag(lambda) Q^T in long double from
// a known spectrum (Weyl's theorem bounds the eigenvalues of the rounded matrix:
// |lambda_i(fl(A)) - lambda_i| <= u ||A||_F), exact answers (diagonal, zero, 1x1), and
// residual/orthogonality contracts evaluated in long double, in the 2-norm:
//   ||A V - V Lambda||_2 <= 4 n eps ||A||_2,   ||V^T V - I||_2 <= 4 n eps   (issue #3),
// and for the SVD  ||X - U Sigma V^T||_F <= 4 n eps ||X||_F, ||V^T V - I||_2 <= 4 n eps,
// |u_i . u_j| <= sqrt(m) eps + gamma_m + 2 eps (the one-sided stopping criterion plus the
// rounding of the inner product that tested it).
// Static storage only: the solvers are large objects and a microcontroller stack is small.
#pragma once
#include <cmath>
#include <cstddef>
#include <limits>

#include "kernel_checks.hpp"
#include "olsformer/jacobi.hpp"

namespace olsf::testing {

inline constexpr std::size_t kJacobiCheckN = 16;

template <typename T>
constexpr Ref eps() noexcept {
  return static_cast<Ref>(std::numeric_limits<T>::epsilon());
}

// A random orthogonal matrix as a product of n Householder reflections, in long double.
inline void random_orthogonal(std::size_t n, Ref* q, SplitMix64& rng) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) q[i * n + j] = i == j ? 1 : 0;
  Ref v[kJacobiCheckN];
  for (std::size_t k = 0; k < n; ++k) {
    Ref norm2 = 0;
    for (std::size_t i = 0; i < n; ++i) {
      v[i] = static_cast<Ref>(rng.uniform(-1, 1));
      norm2 += v[i] * v[i];
    }
    if (norm2 == 0) continue;
    for (std::size_t i = 0; i < n; ++i) {  // Q <- Q (I - 2 v v^T / |v|^2)
      Ref qv = 0;
      for (std::size_t j = 0; j < n; ++j) qv += q[i * n + j] * v[j];
      for (std::size_t j = 0; j < n; ++j) q[i * n + j] -= 2 * qv * v[j] / norm2;
    }
  }
}

// a = fl(Q diag(lambda) Q^T), row stride n.
template <typename T>
void matrix_with_spectrum(std::size_t n, const Ref* lambda, T* a, SplitMix64& rng) noexcept {
  static Ref q[kJacobiCheckN * kJacobiCheckN];
  random_orthogonal(n, q, rng);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      Ref s = 0;
      for (std::size_t k = 0; k < n; ++k) s += q[i * n + k] * lambda[k] * q[j * n + k];
      a[i * n + j] = a[j * n + i] = static_cast<T>(s);
    }
}

template <typename T>
Ref frobenius(std::size_t rows, std::size_t cols, const T* a, std::size_t lda) noexcept {
  Ref s = 0;
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) s += static_cast<Ref>(a[i * lda + j]) * static_cast<Ref>(a[i * lda + j]);
  return std::sqrt(s);
}

// Largest n the contract checks evaluate: 64 on Linux; the self-test sets 16 to fit the
// 512 KB of RAM of the smallest board (mps3-an547).
#if defined(OLSF_CONTRACT_MAX_N)
inline constexpr std::size_t kContractMaxN = OLSF_CONTRACT_MAX_N;
#else
inline constexpr std::size_t kContractMaxN = 64;
#endif

// An upper bound on the spectral norm of a symmetric n x n matrix g (row stride n),
// rigorous and tight within a factor n^(1/8): ||g||_2^8 <= trace(g^8) = ||g^4||_F^2 <= n ||g||_2^8.
// (The 2-norm is what the contracts promise; the Frobenius norm would overstate the
// error of an n x n matrix by up to sqrt(n).) Overwrites g.
inline Ref spectral_norm_bound(std::size_t n, Ref* g) noexcept {
  static Ref h[kContractMaxN * kContractMaxN];
  Ref scale = 0;
  for (std::size_t i = 0; i < n * n; ++i) scale = std::fabs(g[i]) > scale ? std::fabs(g[i]) : scale;
  if (scale == 0) return 0;
  for (std::size_t i = 0; i < n * n; ++i) g[i] /= scale;  // keep g^8 in range
  for (int square = 0; square < 2; ++square) {  // g <- g^2, twice
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        Ref acc = 0;
        for (std::size_t k = 0; k < n; ++k) acc += g[i * n + k] * g[k * n + j];
        h[i * n + j] = acc;
      }
    for (std::size_t i = 0; i < n * n; ++i) g[i] = h[i];
  }
  Ref trace8 = 0;
  for (std::size_t i = 0; i < n * n; ++i) trace8 += g[i] * g[i];
  return scale * std::pow(trace8, static_cast<Ref>(0.125));
}

// ||V^T V - I||_2 (upper bound) for the n columns of v (row stride ldv).
template <typename T>
Ref orthogonality_error(std::size_t rows, std::size_t n, const T* v, std::size_t ldv) noexcept {
  static Ref e[kContractMaxN * kContractMaxN];
  if (n > kContractMaxN) return 1e30L;
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = 0; b < n; ++b) {
      Ref d = 0;
      for (std::size_t i = 0; i < rows; ++i) d += static_cast<Ref>(v[i * ldv + a]) * static_cast<Ref>(v[i * ldv + b]);
      e[a * n + b] = d - (a == b ? 1 : 0);
    }
  return spectral_norm_bound(n, e);
}

struct EigenCheckResult {
  bool residual_ok, orthogonality_ok, sorted;
  Ref residual, orthogonality;  // in units of n eps ||A||_2 and n eps (the bounds are 4)
};

// The contracts for a computed decomposition of a (row stride n), in the 2-norm:
//   ||A V - V Lambda||_2 <= 4 n eps ||A||_2,  ||V^T V - I||_2 <= 4 n eps.
// Both left sides are bounded from above and ||A||_2 from below, so a pass is a proof.
template <typename T, class Solver>
EigenCheckResult eigen_contracts(std::size_t n, const T* a, const Solver& s) noexcept {
  static Ref r[kContractMaxN * kContractMaxN], g[kContractMaxN * kContractMaxN];
  if (n > kContractMaxN) return {false, false, false, 1e30L, 1e30L};
  // The ratios are scale-invariant: evaluate them on A / 2^e (exact), so that squares of
  // entries near overflow or underflow stay in range even where long double is double.
  Ref max_abs = 0;
  for (std::size_t i = 0; i < n * n; ++i) max_abs = std::fabs(static_cast<Ref>(a[i])) > max_abs ? std::fabs(static_cast<Ref>(a[i])) : max_abs;
  int exponent = 0;
  if (max_abs > 0) (void)std::frexp(max_abs, &exponent);
  const auto scaled = [exponent](T x) { return std::ldexp(static_cast<Ref>(x), -exponent); };
  const auto& v = s.eigenvectors();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < n; ++k) {
      Ref av = 0;
      for (std::size_t j = 0; j < n; ++j) av += scaled(a[i * n + j]) * static_cast<Ref>(v(j, k));
      r[i * n + k] = av - static_cast<Ref>(v(i, k)) * scaled(s.eigenvalue(k));
    }
  for (std::size_t i = 0; i < n; ++i)  // g = R^T R: ||R||_2 = sqrt(||g||_2)
    for (std::size_t j = 0; j < n; ++j) {
      Ref acc = 0;
      for (std::size_t k = 0; k < n; ++k) acc += r[k * n + i] * r[k * n + j];
      g[i * n + j] = acc;
    }
  const Ref residual_norm = std::sqrt(spectral_norm_bound(n, g));
  for (std::size_t i = 0; i < n * n; ++i) g[i] = scaled(a[i]);
  const Ref a_norm_lower = spectral_norm_bound(n, g) / std::pow(static_cast<Ref>(n), static_cast<Ref>(0.125));
  bool sorted = true;
  for (std::size_t k = 1; k < n; ++k) sorted = sorted && s.eigenvalue(k - 1) <= s.eigenvalue(k);
  const Ref unit = static_cast<Ref>(n) * eps<T>();
  const Ref residual = a_norm_lower > 0 ? residual_norm / (unit * a_norm_lower) : (residual_norm > 0 ? 1e30L : 0);
  const Ref orthogonality = orthogonality_error(n, n, v.data(), v.stride()) / unit;
  return {residual <= 4, orthogonality <= 4, sorted, residual, orthogonality};
}

template <typename T, class Backend, std::size_t Capacity, class Sink>
void check_eigen_contracts_with(Sink& sink, const char* family, std::size_t n, const T* a,
                                const JacobiOptions& options) noexcept {
  static SymmetricEigen<T, Capacity, Backend> solver;
  const Status st = solver.compute(ConstMatrixView<T>{a, n, n, n}, options);
  if (st != Status::ok) {
    sink(false, CheckInfo{Backend::name(), "SymmetricEigen", family, n, static_cast<std::size_t>(st)});
    return;
  }
  const auto r = eigen_contracts(n, a, solver);
  // detail 1..3 with the common capacity, 11..13 with capacity n (the unpadded storage
  // the backends' fixed-size paths take: n = 4 and 8)
  const std::size_t tag = Capacity == kJacobiCheckN ? 0 : 10;
  sink(r.residual_ok, CheckInfo{Backend::name(), "SymmetricEigen", family, n, tag + 1});
  sink(r.orthogonality_ok, CheckInfo{Backend::name(), "SymmetricEigen", family, n, tag + 2});
  sink(r.sorted, CheckInfo{Backend::name(), "SymmetricEigen", family, n, tag + 3});
}

template <typename T, class Backend, class Sink>
void check_eigen_contracts(Sink& sink, const char* family, std::size_t n, const T* a,
                           const JacobiOptions& options = {}) noexcept {
  check_eigen_contracts_with<T, Backend, kJacobiCheckN>(sink, family, n, a, options);
  if (n == 8) check_eigen_contracts_with<T, Backend, 8>(sink, family, n, a, options);
  if (n == 4) check_eigen_contracts_with<T, Backend, 4>(sink, family, n, a, options);
}

template <typename T, class Backend, class Sink>
void check_symmetric_eigen(Sink& sink) noexcept {
  static T a[kJacobiCheckN * kJacobiCheckN];
  static SymmetricEigen<T, kJacobiCheckN, Backend> solver;
  static SymmetricEigen<T, 8, Backend> solver8;  // n = 8 unpadded: the fixed-size paths
  SplitMix64 rng(11);
  const std::size_t sizes[] = {1, 2, 3, 4, 5, 8, 13, 16};
  Ref lambda[kJacobiCheckN];
  for (JacobiOrdering ordering : {JacobiOrdering::automatic, JacobiOrdering::parallel, JacobiOrdering::cyclic}) {
    JacobiOptions options;
    options.ordering = ordering;
    for (std::size_t n : sizes) {
      // Random symmetric entries in [-1, 1].
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j <= i; ++j) a[i * n + j] = a[j * n + i] = static_cast<T>(rng.uniform(-1, 1));
      check_eigen_contracts<T, Backend>(sink, "random symmetric", n, a, options);
      // Equal diagonal: theta = 0 exactly for every pair of the first round, where the
      // two members of a pair must still agree on the sign of the rotation.
      for (std::size_t i = 0; i < n; ++i) a[i * n + i] = T(1);
      check_eigen_contracts<T, Backend>(sink, "equal diagonal (theta = 0)", n, a, options);

      // Known spectra: indefinite, SPD spread over 4 decades, repeated, clustered.
      for (int family = 0; family < 4; ++family) {
        for (std::size_t k = 0; k < n; ++k) {
          const Ref x = n > 1 ? static_cast<Ref>(k) / static_cast<Ref>(n - 1) : 0;
          lambda[k] = family == 0   ? -1 + 2 * x
                      : family == 1 ? std::pow(static_cast<Ref>(10), -4 + 4 * x)
                      : family == 2 ? static_cast<Ref>(1 + k / 3)          // 1,1,1,2,2,2,...
                                    : 1 + static_cast<Ref>(k) * 1e-5L;     // gaps 1e-5
        }
        matrix_with_spectrum(n, lambda, a, rng);
        const char* names[] = {"known spectrum, indefinite", "known spectrum, SPD 1e-4..1",
                               "known spectrum, repeated", "known spectrum, clustered"};
        check_eigen_contracts<T, Backend>(sink, names[family], n, a, options);
        // Weyl: |lambda_k(fl(A)) - lambda_k| <= u ||A||_F, plus the solver's error, which the
        // residual and orthogonality contracts bound by 4 n eps ||A||_F (1 + 4 n eps).
        const Ref norm = frobenius(n, n, a, n);
        const Ref bound = (unit_roundoff<T>() + 4 * static_cast<Ref>(n) * eps<T>() * (1 + 4 * static_cast<Ref>(n) * eps<T>())) * norm;
        const auto weyl = [&](auto& s, std::size_t tag) {
          if (s.compute(ConstMatrixView<T>{a, n, n, n}, options) != Status::ok) return;
          bool ok = true;
          for (std::size_t k = 0; k < n; ++k) ok = ok && std::fabs(static_cast<Ref>(s.eigenvalue(k)) - lambda[k]) <= bound;
          sink(ok, CheckInfo{Backend::name(), "SymmetricEigen", names[family], n, tag});
        };
        weyl(solver, 4);
        if (n == 8) weyl(solver8, 14);
      }

      // Diagonal: exact, no rotation, eigenvectors a permutation.
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) a[i * n + j] = i == j ? static_cast<T>((i * 7) % 5) - T(2) : T(0);
      bool ok = solver.compute(ConstMatrixView<T>{a, n, n, n}, options) == Status::ok && solver.sweeps() == 0;
      for (std::size_t k = 1; k < n && ok; ++k) ok = solver.eigenvalue(k - 1) <= solver.eigenvalue(k);
      Ref trace_diff = 0;
      for (std::size_t k = 0; k < n; ++k) trace_diff += static_cast<Ref>(solver.eigenvalue(k)) - static_cast<Ref>(a[k * n + k]);
      sink(ok && trace_diff == 0 && eigen_contracts(n, a, solver).residual_ok,
           CheckInfo{Backend::name(), "SymmetricEigen", "diagonal is exact with 0 sweeps", n, 0});

      // Zero matrix: eigenvalues 0, V = I, nothing to do.
      for (std::size_t i = 0; i < n * n; ++i) a[i] = T(0);
      ok = solver.compute(ConstMatrixView<T>{a, n, n, n}, options) == Status::ok && solver.sweeps() == 0;
      for (std::size_t k = 0; k < n; ++k) {
        ok = ok && solver.eigenvalue(k) == T(0);
        for (std::size_t i = 0; i < n; ++i) ok = ok && solver.eigenvectors()(i, k) == (i == k ? T(1) : T(0));
      }
      sink(ok, CheckInfo{Backend::name(), "SymmetricEigen", "zero matrix", n, 0});
    }
  }
  // 1 x 1: the entry itself, exactly.
  a[0] = T(-3.5);
  sink(solver.compute(ConstMatrixView<T>{a, 1, 1, 1}) == Status::ok && solver.eigenvalue(0) == T(-3.5) &&
           solver.eigenvectors()(0, 0) == T(1),
       CheckInfo{Backend::name(), "SymmetricEigen", "1x1 exact", 1, 0});
  // Huge and tiny entries: exact power-of-two scaling keeps them from overflowing.
  for (T scale : {std::numeric_limits<T>::max() / T(8), std::numeric_limits<T>::min() * T(1024)}) {
    const std::size_t n = 5;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j <= i; ++j) a[i * n + j] = a[j * n + i] = scale * static_cast<T>(rng.uniform(-1, 1));
    check_eigen_contracts<T, Backend>(sink, "entries near overflow / underflow", n, a);
  }
}

// Bad input: a clear status, and the previous results untouched (bit for bit).
template <typename T, class Backend, class Sink>
void check_symmetric_eigen_statuses(Sink& sink) noexcept {
  static T a[kJacobiCheckN * kJacobiCheckN];
  static SymmetricEigen<T, 8, Backend> solver;
  SplitMix64 rng(12);
  const std::size_t n = 6;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) a[i * n + j] = a[j * n + i] = static_cast<T>(rng.uniform(-1, 1));
  if (solver.compute(ConstMatrixView<T>{a, n, n, n}) != Status::ok) {
    sink(false, CheckInfo{Backend::name(), "SymmetricEigen", "setup", n, 0});
    return;
  }
  T before[8];
  for (std::size_t k = 0; k < n; ++k) before[k] = solver.eigenvalue(k);
  const T v01 = solver.eigenvectors()(0, 1);
  auto unchanged = [&]() {
    bool same = solver.size() == n && solver.eigenvectors()(0, 1) == v01;
    for (std::size_t k = 0; k < n; ++k) same = same && solver.eigenvalue(k) == before[k];
    return same;
  };
  auto expect = [&](Status got, Status want, const char* what) {
    sink(got == want && unchanged(), CheckInfo{Backend::name(), "SymmetricEigen", what, n, static_cast<std::size_t>(got)});
  };
  static T b[kJacobiCheckN * kJacobiCheckN];
  for (std::size_t i = 0; i < n * n; ++i) b[i] = a[i];
  b[2 * n + 3] = std::numeric_limits<T>::quiet_NaN();
  expect(solver.compute(ConstMatrixView<T>{b, n, n, n}), Status::non_finite_input, "NaN is non_finite_input");
  b[2 * n + 3] = std::numeric_limits<T>::infinity();
  b[3 * n + 2] = std::numeric_limits<T>::infinity();
  expect(solver.compute(ConstMatrixView<T>{b, n, n, n}), Status::non_finite_input, "Inf is non_finite_input");
  for (std::size_t i = 0; i < n * n; ++i) b[i] = a[i];
  b[1 * n + 4] += T(0.01);
  expect(solver.compute(ConstMatrixView<T>{b, n, n, n}), Status::invalid_argument, "non-symmetric is invalid_argument");
  expect(solver.compute(ConstMatrixView<T>{a, n, n - 1, n}), Status::invalid_argument, "non-square is invalid_argument");
  expect(solver.compute(ConstMatrixView<T>{a, 0, 0, n}), Status::empty, "0 x 0 is empty");
  expect(solver.compute(ConstMatrixView<T>{a, 9, 9, 9}), Status::capacity_exceeded, "n > N is capacity_exceeded");
  JacobiOptions one_sweep;
  one_sweep.max_sweeps = 1;
  expect(solver.compute(ConstMatrixView<T>{a, n, n, n}, one_sweep), Status::not_converged,
         "max_sweeps reached is not_converged");
  // Within the stated symmetry tolerance: accepted.
  for (std::size_t i = 0; i < n * n; ++i) b[i] = a[i];
  b[1 * n + 4] = b[4 * n + 1] * (1 + std::numeric_limits<T>::epsilon());
  sink(solver.compute(ConstMatrixView<T>{b, n, n, n}) == Status::ok,
       CheckInfo{Backend::name(), "SymmetricEigen", "1-ulp asymmetry is accepted", n, 0});
}

// Warm start: eigenvectors of A re-diagonalise A + 1e-3 E in few sweeps.
template <typename T, class Backend, class Sink>
void check_symmetric_eigen_warm_start(Sink& sink) noexcept {
  static T a[kJacobiCheckN * kJacobiCheckN];
  static SymmetricEigen<T, kJacobiCheckN, Backend> cold, warm;
  static SymmetricEigen<T, 8, Backend> warm8;
  SplitMix64 rng(13);
  for (std::size_t n : {std::size_t(4), std::size_t(8), std::size_t(16)}) {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j <= i; ++j) a[i * n + j] = a[j * n + i] = static_cast<T>(rng.uniform(-1, 1));
    if (cold.compute(ConstMatrixView<T>{a, n, n, n}) != Status::ok) {
      sink(false, CheckInfo{Backend::name(), "SymmetricEigen", "warm start setup", n, 0});
      continue;
    }
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j <= i; ++j) {
        a[i * n + j] += static_cast<T>(1e-3 * rng.uniform(-1, 1));
        a[j * n + i] = a[i * n + j];
      }
    ConstMatrixView<T> v0{cold.eigenvectors().data(), n, n, cold.eigenvectors().stride()};
    // With capacity 16, and at n = 8 also with capacity 8 (the fixed-size paths).
    const auto check_warm = [&](auto& w, std::size_t tag) {
      const bool ok = w.compute(ConstMatrixView<T>{a, n, n, n}, v0) == Status::ok;
      const auto r = eigen_contracts(n, a, w);
      sink(ok && r.residual_ok && r.orthogonality_ok && r.sorted,
           CheckInfo{Backend::name(), "SymmetricEigen", "warm start meets the contracts", n, tag});
      // Quadratic convergence from off(A) ~ 1e-3: 1e-6, 1e-12, 1e-24; a float needs 2
      // sweeps to reach n eps, a double 3. A cold start needs about twice as many.
      const unsigned allowed = sizeof(T) == 4 ? 2 : 3;
      sink(ok && w.sweeps() <= allowed && w.sweeps() < cold.sweeps(),
           CheckInfo{Backend::name(), "SymmetricEigen", "warm start converges in <= 2 (float) / 3 (double) sweeps", n,
                     tag + w.sweeps()});
    };
    check_warm(warm, 0);
    if (n == 8) check_warm(warm8, 100);
  }
}

template <typename T, class Backend, class Sink>
void check_jacobi_svd(Sink& sink) noexcept {
  constexpr std::size_t kM = 3 * kJacobiCheckN + 1;
  static T x[kM * kJacobiCheckN];
  static JacobiSvd<T, kM, kJacobiCheckN, Backend> svd;
  SplitMix64 rng(14);
  for (std::size_t n : {std::size_t(1), std::size_t(2), std::size_t(5), std::size_t(8), std::size_t(16)}) {
    for (std::size_t m : {n, 3 * n + 1}) {
      for (int rank_deficient = 0; rank_deficient < 2; ++rank_deficient) {
        for (std::size_t i = 0; i < m * n; ++i) x[i] = static_cast<T>(rng.uniform(-1, 1));
        if (rank_deficient && n > 1)  // last column = first column: sigma_min = 0
          for (std::size_t i = 0; i < m; ++i) x[i * n + n - 1] = x[i * n];
        const char* what = rank_deficient ? "rank deficient" : "random";
        if (svd.compute(ConstMatrixView<T>{x, m, n, n}) != Status::ok) {
          sink(false, CheckInfo{Backend::name(), "JacobiSvd", what, m * 1000 + n, 0});
          continue;
        }
        const auto& u = svd.matrix_u();
        const auto& v = svd.matrix_v();
        const T* s = svd.singular_values();
        Ref r2 = 0;
        for (std::size_t i = 0; i < m; ++i)
          for (std::size_t j = 0; j < n; ++j) {
            Ref usv = 0;
            for (std::size_t k = 0; k < n; ++k)
              usv += static_cast<Ref>(u(i, k)) * static_cast<Ref>(s[k]) * static_cast<Ref>(v(j, k));
            const Ref d = static_cast<Ref>(x[i * n + j]) - usv;
            r2 += d * d;
          }
        const Ref bound = 4 * static_cast<Ref>(n) * eps<T>();
        bool sorted = s[n - 1] >= 0;
        for (std::size_t k = 1; k < n; ++k) sorted = sorted && s[k - 1] >= s[k];
        std::size_t nonzero = 0;
        while (nonzero < n && s[nonzero] > bound * s[0]) ++nonzero;
        // Columns of U for nonzero sigma: orthonormal to the stopping criterion's accuracy.
        const Ref cosine_bound = std::sqrt(static_cast<Ref>(m)) * eps<T>() + gamma_with_ref<T>(m) + 2 * eps<T>();
        Ref worst_cos = 0;
        for (std::size_t a = 0; a < nonzero; ++a)
          for (std::size_t b = 0; b < nonzero; ++b) {
            Ref d = 0;
            for (std::size_t i = 0; i < m; ++i) d += static_cast<Ref>(u(i, a)) * static_cast<Ref>(u(i, b));
            d -= a == b ? 1 : 0;
            worst_cos = std::fabs(d) > worst_cos ? std::fabs(d) : worst_cos;
          }
        sink(std::sqrt(r2) <= bound * frobenius(m, n, x, n), CheckInfo{Backend::name(), "JacobiSvd", what, m * 1000 + n, 1});
        sink(orthogonality_error(n, n, v.data(), v.stride()) <= bound, CheckInfo{Backend::name(), "JacobiSvd", what, m * 1000 + n, 2});
        sink(worst_cos <= cosine_bound, CheckInfo{Backend::name(), "JacobiSvd", what, m * 1000 + n, 3});
        sink(sorted && (rank_deficient == 0 || n == 1 || nonzero == n - 1),
             CheckInfo{Backend::name(), "JacobiSvd", what, m * 1000 + n, 4});
      }
    }
  }
  // Known singular values: X = Q1 diag(sigma) Q2^T (Weyl for singular values).
  {
    const std::size_t n = 8;
    static Ref q1[kJacobiCheckN * kJacobiCheckN], q2[kJacobiCheckN * kJacobiCheckN];
    random_orthogonal(n, q1, rng);
    random_orthogonal(n, q2, rng);
    Ref sigma[n];
    for (std::size_t k = 0; k < n; ++k) sigma[k] = std::pow(static_cast<Ref>(10), -static_cast<Ref>(k) / 2);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        Ref acc = 0;
        for (std::size_t k = 0; k < n; ++k) acc += q1[i * n + k] * sigma[k] * q2[j * n + k];
        x[i * n + j] = static_cast<T>(acc);
      }
    bool ok = svd.compute(ConstMatrixView<T>{x, n, n, n}) == Status::ok;
    const Ref bound = (unit_roundoff<T>() + 4 * static_cast<Ref>(n) * eps<T>()) * frobenius(n, n, x, n);
    for (std::size_t k = 0; k < n && ok; ++k) ok = std::fabs(static_cast<Ref>(svd.singular_values()[k]) - sigma[k]) <= bound;
    sink(ok, CheckInfo{Backend::name(), "JacobiSvd", "known singular values", n, 0});
  }
  // Statuses, previous results untouched.
  const T s0 = svd.singular_values()[0];
  x[3] = std::numeric_limits<T>::quiet_NaN();
  auto untouched = [&]() { return svd.singular_values()[0] == s0 && svd.cols() == 8; };
  sink(svd.compute(ConstMatrixView<T>{x, 8, 8, 8}) == Status::non_finite_input && untouched(),
       CheckInfo{Backend::name(), "JacobiSvd", "NaN is non_finite_input", 8, 0});
  sink(svd.compute(ConstMatrixView<T>{x, 4, 8, 8}) == Status::invalid_argument && untouched(),
       CheckInfo{Backend::name(), "JacobiSvd", "m < n is invalid_argument", 4, 0});
  sink(svd.compute(ConstMatrixView<T>{x, 0, 0, 8}) == Status::empty && untouched(),
       CheckInfo{Backend::name(), "JacobiSvd", "empty", 0, 0});
  sink(svd.compute(ConstMatrixView<T>{x, kM + 1, 8, 8}) == Status::capacity_exceeded && untouched(),
       CheckInfo{Backend::name(), "JacobiSvd", "m > M is capacity_exceeded", kM + 1, 0});
}

template <typename T, class Backend, class Sink>
void check_all_jacobi(Sink& sink) noexcept {
  check_symmetric_eigen<T, Backend>(sink);
  check_symmetric_eigen_statuses<T, Backend>(sink);
  check_symmetric_eigen_warm_start<T, Backend>(sink);
  check_jacobi_svd<T, Backend>(sink);
}

}  // namespace olsf::testing
