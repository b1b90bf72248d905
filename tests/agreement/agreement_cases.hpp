// olsformer tests/agreement: the same inputs on every ISA (issue #8, property "backend
// agreement across ISAs"). Each ISA's build runs these cases on its default backend and
// prints one line per result; tests/agreement/compare.py then holds every pair of ISAs to
//
//     |a - b| <= k * eps_T * scale        (eps_T = 2^-23 for float, 2^-52 for double)
//
// with k and scale stated per result below. Each k is twice a forward-error bound of one
// result (both ISAs are within it of the exact value), so the bound follows from the
// arithmetic, not from what was observed. k = 0 asks for equality (signs of a retrieval).
//
// Inputs must be bit-identical everywhere: they come from an LCG (values j * 2^-23 - 1,
// exact) and everything derived from them is computed exactly (in double, with products
// and short sums that need no rounding, or power-of-two scalings), so no ISA's FMA
// contraction or x87-free double arithmetic can change them.
//
// No printf: a line is formatted into a buffer (Cortex-M firmware writes it by
// semihosting, the Linux program with fputs). Values travel as the hex bits of a double.
#ifndef OLSF_TESTS_AGREEMENT_CASES_HPP
#define OLSF_TESTS_AGREEMENT_CASES_HPP
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>

#include "olsformer/backend.hpp"
#include "olsformer/jacobi.hpp"
#include "olsformer/matrix.hpp"
#include "olsformer/modern_hopfield.hpp"
#include "olsformer/ols_transformer.hpp"

namespace olsf::agreement {

struct Lcg {
  std::uint32_t s = 12345u;
  double next() noexcept {  // exact in float and double
    s = s * 1664525u + 1013904223u;
    return static_cast<double>(s >> 8) * 0x1p-23 - 1.0;
  }
};

// "<name> <index> <value bits> <scale bits> <k>\n" into buf (>= 96 bytes).
inline void format_line(char* buf, const char* name, unsigned index, double value, double scale,
                        double k) noexcept {
  char* p = buf;
  for (const char* c = "agree "; *c;) *p++ = *c++;
  for (const char* c = name; *c;) *p++ = *c++;
  *p++ = ' ';
  char digits[12];
  int nd = 0;
  do {
    digits[nd++] = static_cast<char>('0' + index % 10);
    index /= 10;
  } while (index > 0);
  while (nd > 0) *p++ = digits[--nd];
  for (double x : {value, scale}) {
    *p++ = ' ';
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    for (int sh = 60; sh >= 0; sh -= 4) *p++ = "0123456789abcdef"[(bits >> sh) & 15u];
  }
  *p++ = ' ';
  // k as an integer, rounded up (every k here is < 2^31).
  unsigned long ki = static_cast<unsigned long>(std::ceil(k));
  nd = 0;
  do {
    digits[nd++] = static_cast<char>('0' + ki % 10);
    ki /= 10;
  } while (ki > 0);
  while (nd > 0) *p++ = digits[--nd];
  *p++ = '\n';
  *p = '\0';
}

template <typename T>
constexpr const char* type_name() noexcept {
  return sizeof(T) == 4 ? "f32" : "f64";
}

// Writes "<type>.<what>" into a buffer for the emitter.
struct Name {
  char text[48];
  Name(const char* type, const char* what) noexcept {
    char* p = text;
    for (const char* c = type; *c;) *p++ = *c++;
    *p++ = '.';
    for (const char* c = what; *c && p < text + sizeof text - 1;) *p++ = *c++;
    *p = '\0';
  }
};

// Emit is callable as emit(const char* name, unsigned index, double value, double scale, double k).
template <typename T, class Emit>
void kernel_cases(Emit& emit) noexcept {
  using K = DefaultBackend;
  constexpr std::size_t n = 37, rows = 8;
  static T x[n], y[n], a[rows * n], out[rows];
  Lcg g;
  for (T& e : x) e = static_cast<T>(g.next());
  for (T& e : y) e = static_cast<T>(g.next());
  for (T& e : a) e = static_cast<T>(g.next());
  // dot: |fl - exact| <= gamma_n sum |x_i y_i| (any summation order, FMA or not).
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += std::fabs(static_cast<double>(x[i]) * static_cast<double>(y[i]));
  emit(Name(type_name<T>(), "dot").text, 0u, static_cast<double>(K::dot(n, x, 1, y, 1)), s, double(n));
  // gemv: every y_i is such a dot product of row i (alpha 1, beta 0).
  K::gemv(rows, n, T(1), a, n, x, 1, T(0), out, 1);
  for (std::size_t r = 0; r < rows; ++r) {
    double sr = 0;
    for (std::size_t i = 0; i < n; ++i)
      sr += std::fabs(static_cast<double>(a[r * n + i]) * static_cast<double>(x[i]));
    emit(Name(type_name<T>(), "gemv").text, static_cast<unsigned>(r), static_cast<double>(out[r]), sr, double(n));
  }
  // exp at 16 points over most of the range: each within exp_max_ulp ulps of the rounded
  // e^x, and ulp(e^x) <= eps e^x.
  const unsigned ulps = sizeof(T) == 4 ? olsf::kernels::exp_max_ulp_f32() : olsf::kernels::exp_max_ulp_f64();
  const double range = sizeof(T) == 4 ? 80.0 : 700.0;
  static T ex[16], ey[16];
  for (std::size_t i = 0; i < 16; ++i) ex[i] = static_cast<T>(range * g.next());
  K::exp(16, ex, ey);
  for (std::size_t i = 0; i < 16; ++i)
    emit(Name(type_name<T>(), "exp").text, static_cast<unsigned>(i), static_cast<double>(ey[i]),
         std::exp(static_cast<double>(ex[i])), 2.0 * (ulps + 1));
}

// Jacobi 8 x 8 (issue #10's case 1): A = B B^T + I/2, B from the LCG; B B^T is exact in
// double (products of 24-bit values, sums of 8), then rounded once to T.
template <typename T, class Emit>
void jacobi_cases(Emit& emit) noexcept {
  constexpr std::size_t N = 8;
  static Matrix<T, N, N> a;
  double b[N][N];
  Lcg g;
  for (auto& row : b)
    for (double& e : row) e = g.next();
  // No selects in these loops: GCC 12 turns them into MVE predicate constants its
  // assembler rejects on Cortex-M55 at -O3 (see bench/arm/arm_cases.hpp).
  double g2[N][N];
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = 0; j < N; ++j) {
      double s = 0.0;
      for (std::size_t k = 0; k < N; ++k) s += b[i][k] * b[j][k];
      g2[i][j] = s;
    }
  for (std::size_t i = 0; i < N; ++i) g2[i][i] += 0.5;
  double frob = 0;
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = 0; j < N; ++j) {
      a(i, j) = static_cast<T>(g2[i][j]);
      frob += static_cast<double>(a(i, j)) * static_cast<double>(a(i, j));
    }
  static SymmetricEigen<T, N> eig;
  const Status st = eig.compute(a);
  // The contract (tests/support/jacobi_checks.hpp): ||A V - V Lambda|| <= 4 n eps ||A|| with
  // V orthonormal to the same order, so each eigenvalue is within ~4 n eps ||A||_F of the
  // exact one (Weyl / Bauer-Fike for symmetric A): k = 2 * 4n per pair.
  emit(Name(type_name<T>(), "jacobi8.status").text, 0u, static_cast<double>(st), 1.0, 0.0);
  for (std::size_t i = 0; i < N; ++i)
    emit(Name(type_name<T>(), "jacobi8.eigenvalue").text, static_cast<unsigned>(i),
         static_cast<double>(eig.eigenvalues()[i]), std::sqrt(frob), 8.0 * N);
}

// OLS fit (issue #10's case 3): 64 rows of 8 features, y = sum (j+1) x_j + e/1024, no
// intercept; predictions at 4 fresh points. The normal-equations route's forward error is
// about kappa(X^T X) (m + 4 d) eps |x|.|beta| (Higham, Accuracy and Stability, 20.4 / 20.7:
// forming X^T X costs gamma_m, the eigensolver 4 d eps, each amplified by kappa); kappa is
// computed on each ISA from the same Gram matrix in double and the larger one is used.
template <typename T, class Emit>
void ols_cases(Emit& emit) noexcept {
  constexpr std::size_t m = 64, d = 8;
  static OlsTransformer<T, d, 1, m> model(OlsOptions<T>{false});
  static T x[m][d], y[m];
  static Matrix<double, d, d> gram;
  Lcg g;
  for (std::size_t i = 0; i < m; ++i) {
    double s = 0;
    for (std::size_t j = 0; j < d; ++j) {
      const double v = g.next();
      x[i][j] = static_cast<T>(v);
      s += static_cast<double>(j + 1) * v;  // exact: 27-bit products, 8 terms
    }
    y[i] = static_cast<T>(s + g.next() * 0x1p-10);
  }
  for (std::size_t r = 0; r < d; ++r)
    for (std::size_t c = 0; c < d; ++c) {
      double s = 0;
      for (std::size_t i = 0; i < m; ++i) s += static_cast<double>(x[i][r]) * static_cast<double>(x[i][c]);
      gram(r, c) = s;
    }
  static SymmetricEigen<double, d, ScalarBackend> eig;
  const double kappa = eig.compute(gram) == Status::ok ? eig.eigenvalues()[d - 1] / eig.eigenvalues()[0] : 1e30;
  model.reset();
  Status st = Status::ok;
  for (std::size_t i = 0; i < m && st == Status::ok; ++i) st = model.observe(x[i], &y[i]);
  if (st == Status::ok) st = model.refit();
  emit(Name(type_name<T>(), "ols.status").text, 0u, static_cast<double>(st), 1.0, 0.0);
  for (unsigned t = 0; t < 4; ++t) {
    T q[d], out = T(0);
    double scale = 0;
    for (std::size_t j = 0; j < d; ++j) {
      q[j] = static_cast<T>(g.next());
      scale += std::fabs(static_cast<double>(q[j])) * static_cast<double>(j + 1);
    }
    const Status sp = model.predict(q, &out);
    emit(Name(type_name<T>(), "ols.predict").text, t, sp == Status::ok ? static_cast<double>(out) : -1e300, scale,
         2.0 * kappa * (m + 4 * d));
  }
}

// Softmax attention decode (issue #10's case 4: n = 64, d = 32, beta = 1/sqrt(32)) and a
// modern Hopfield step (case 5). Forward error of out (tests/support/attention_checks.hpp,
// reference_row): logits l_j carry gamma_(d+2) L with L = max_j beta sum_i |q_i k_ji|,
// which perturbs the weights by twice that; exp adds (2 k_exp + 2) u, the sums gamma_n;
// all relative to max|v|. Per pair: k = 2 ((d + 2) 2L + 2 exp_max_ulp + 2 + n).
template <typename T, class Emit>
void attention_cases(Emit& emit) noexcept {
  using K = DefaultBackend;
  constexpr std::size_t n = 64, d = 32;
  static T k[n * d], v[n * d], q[d], out[d];
  Lcg g;
  for (T& e : k) e = static_cast<T>(g.next());
  for (T& e : v) e = static_cast<T>(g.next());
  for (T& e : q) e = static_cast<T>(4.0 * g.next());
  const T beta = static_cast<T>(0.17677669529663687);  // 1/sqrt(32), the same bits everywhere
  const unsigned ulps = sizeof(T) == 4 ? olsf::kernels::exp_max_ulp_f32() : olsf::kernels::exp_max_ulp_f64();
  auto logit_scale = [&](const T* keys, const T* query, std::size_t count, T b) {
    double big = 0;
    for (std::size_t j = 0; j < count; ++j) {
      double s = 0;
      for (std::size_t i = 0; i < d; ++i)
        s += std::fabs(static_cast<double>(query[i]) * static_cast<double>(keys[j * d + i]));
      big = s > big ? s : big;
    }
    return static_cast<double>(b) * big;
  };
  const Status st = K::attention_decode(n, d, d, beta, q, k, d, v, d, nullptr, out, nullptr);
  emit(Name(type_name<T>(), "decode.status").text, 0u, static_cast<double>(st), 1.0, 0.0);
  const double kd = 2.0 * ((d + 2) * 2.0 * logit_scale(k, q, n, beta) + 2.0 * ulps + 2.0 + n);
  for (std::size_t c = 0; c < d; ++c)
    emit(Name(type_name<T>(), "decode.out").text, static_cast<unsigned>(c), static_cast<double>(out[c]), 1.0, kd);

  constexpr std::size_t N = 32;
  static ModernHopfield<T, d, N> memory;
  static T patterns[N * d], query[d], xi[d];
  Lcg h;
  for (T& e : patterns) e = std::copysign(T(1), static_cast<T>(h.next()));
  memory.clear();
  for (std::size_t i = 0; i < N; ++i) (void)memory.store(patterns + i * d);
  for (std::size_t j = 0; j < d; ++j) query[j] = patterns[5 * d + j];
  for (std::size_t j = 0; j < 3; ++j) query[j] = -query[j];  // pattern 5, 3 entries flipped
  const Status sh = memory.retrieve(query, xi);
  emit(Name(type_name<T>(), "hopfield.status").text, 0u, static_cast<double>(sh), 1.0, 0.0);
  const double kh = 2.0 * ((d + 2) * 2.0 * logit_scale(patterns, query, N, T(1)) + 2.0 * ulps + 2.0 + N);
  for (std::size_t c = 0; c < d; ++c) {
    emit(Name(type_name<T>(), "hopfield.sign").text, static_cast<unsigned>(c), std::copysign(1.0, static_cast<double>(xi[c])), 1.0, 0.0);
    emit(Name(type_name<T>(), "hopfield.xi").text, static_cast<unsigned>(c), static_cast<double>(xi[c]), 1.0, kh);
  }
}

template <class Emit>
void all_cases(Emit& emit) noexcept {
  kernel_cases<float>(emit);
  kernel_cases<double>(emit);
  jacobi_cases<float>(emit);
  jacobi_cases<double>(emit);
  ols_cases<float>(emit);
  ols_cases<double>(emit);
  attention_cases<float>(emit);
  attention_cases<double>(emit);
}

}  // namespace olsf::agreement

#endif
