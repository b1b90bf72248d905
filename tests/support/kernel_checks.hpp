// olsformer tests: the kernel checks, written once and run by GoogleTest on x86-64 and
// aarch64 and by the bare-metal self-test on Cortex-M (ports/mps2/selftest.cpp).
//
// Every check compares a backend with a long double reference (nobody here wrote
// `long double` arithmetic) under a tolerance derived from the operation's rounding
// error bound (Higham, Accuracy and Stability of Numerical Algorithms, ch. 3):
//   sums and dot products of n terms:  |fl(s) - s| <= gamma_n * sum |terms|,
//   gamma_n = n u / (1 - n u), u the unit roundoff of T,
// plus the same bound for the reference in long double (on 32-bit ARM long double is
// double, so the reference's own error is not negligible there and is accounted for).
// No heap: buffers are static, so the same code runs on a microcontroller.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <type_traits>
#include <limits>

#include "kernel_table.hpp"
#include "rng.hpp"

namespace olsf::testing {

struct CheckInfo {
  const char* backend;
  const char* kernel;
  const char* what;  // the property checked
  std::size_t n;     // length (or rows for gemv)
  std::size_t stride;
};

// A Sink is any callable `void(bool ok, const CheckInfo&)`.

using Ref = long double;

template <typename T>
constexpr Ref unit_roundoff() noexcept {
  return static_cast<Ref>(std::numeric_limits<T>::epsilon()) / 2;
}

// gamma_n for T plus gamma_n for the reference type.
template <typename T>
Ref gamma_with_ref(std::size_t n) noexcept {
  const Ref nu = static_cast<Ref>(n) * unit_roundoff<T>();
  const Ref nr = static_cast<Ref>(n) * unit_roundoff<Ref>();
  return nu / (1 - nu) + nr / (1 - nr);
}

template <typename T>
bool is_nan(T v) noexcept {
  return v != v;
}

// Distance in units in the last place between two finite values of the same type
// (ordered bit patterns: adjacent floats differ by 1).
template <typename T>
std::uint64_t ulp_distance(T a, T b) noexcept {
  using Bits = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  Bits ia, ib;
  std::memcpy(&ia, &a, sizeof(T));
  std::memcpy(&ib, &b, sizeof(T));
  const Bits lowest = std::numeric_limits<Bits>::min();
  if (ia < 0) ia = lowest - ia;
  if (ib < 0) ib = lowest - ib;
  return ia > ib ? static_cast<std::uint64_t>(ia) - static_cast<std::uint64_t>(ib)
                 : static_cast<std::uint64_t>(ib) - static_cast<std::uint64_t>(ia);
}

template <typename T>
struct Buffers {
  static constexpr std::size_t kMaxN = 1000;
  static constexpr std::size_t kMaxStride = 3;
  static constexpr std::size_t kMaxRows = 64;
  static constexpr std::size_t kMaxLda = 70;
  T x[kMaxN * kMaxStride];
  T y[kMaxN * kMaxStride];
  T z[kMaxN * kMaxStride];
  T a[kMaxRows * kMaxLda];
  static Buffers& get() noexcept {
    static Buffers b;
    return b;
  }
};

// Lengths around the vector width, where tails and remainders hide bugs.
inline std::size_t check_lengths(std::size_t lanes, std::size_t* out) noexcept {
  const std::size_t candidates[] = {0, 1, lanes - 1, lanes, lanes + 1, 2 * lanes + 3, 4 * lanes + 1, 37, 1000};
  std::size_t count = 0;
  for (std::size_t c : candidates) {
    bool seen = false;
    for (std::size_t k = 0; k < count; ++k) seen = seen || out[k] == c;
    if (!seen) out[count++] = c;
  }
  return count;
}

constexpr std::size_t kStrides[] = {1, 3};

template <typename T>
void fill_uniform(T* p, std::size_t count, SplitMix64& rng, double lo = -1, double hi = 1) noexcept {
  for (std::size_t i = 0; i < count; ++i) p[i] = static_cast<T>(rng.uniform(lo, hi));
}

template <typename T, class Sink>
void check_dot(const KernelTable<T>& k, Sink& sink) noexcept {
  auto& b = Buffers<T>::get();
  SplitMix64 rng(1);
  std::size_t lengths[16];
  const std::size_t nl = check_lengths(k.lanes, lengths);
  for (std::size_t li = 0; li < nl; ++li) {
    for (std::size_t inc : kStrides) {
      const std::size_t n = lengths[li];
      fill_uniform(b.x, n * inc, rng);
      fill_uniform(b.y, n * inc, rng);
      Ref exact = 0, scale = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const Ref p = static_cast<Ref>(b.x[i * inc]) * static_cast<Ref>(b.y[i * inc]);
        exact += p;
        scale += std::fabs(p);
      }
      const T got = k.dot(n, b.x, inc, b.y, inc);
      const Ref err = std::fabs(static_cast<Ref>(got) - exact);
      sink(n == 0 ? got == T(0) : err <= gamma_with_ref<T>(n) * scale, CheckInfo{k.name, "dot", "error <= gamma_n sum|x y|", n, inc});
    }
  }
  // IEEE propagation: one NaN poisons the sum; Inf times a positive number stays Inf.
  for (std::size_t i = 0; i < 9; ++i) b.x[i] = b.y[i] = T(1);
  b.x[4] = std::numeric_limits<T>::quiet_NaN();
  sink(is_nan(k.dot(9, b.x, 1, b.y, 1)), CheckInfo{k.name, "dot", "NaN propagates", 9, 1});
  b.x[4] = std::numeric_limits<T>::infinity();
  sink(k.dot(9, b.x, 1, b.y, 1) == std::numeric_limits<T>::infinity(), CheckInfo{k.name, "dot", "Inf propagates", 9, 1});
  b.y[4] = T(0);
  sink(is_nan(k.dot(9, b.x, 1, b.y, 1)), CheckInfo{k.name, "dot", "Inf * 0 is NaN", 9, 1});
}

template <typename T, class Sink>
void check_axpy(const KernelTable<T>& k, Sink& sink) noexcept {
  auto& b = Buffers<T>::get();
  SplitMix64 rng(2);
  std::size_t lengths[16];
  const std::size_t nl = check_lengths(k.lanes, lengths);
  const T a = T(-0.75);
  for (std::size_t li = 0; li < nl; ++li) {
    for (std::size_t inc : kStrides) {
      const std::size_t n = lengths[li];
      fill_uniform(b.x, n * inc, rng);
      fill_uniform(b.y, n * inc, rng);
      for (std::size_t i = 0; i < n * inc; ++i) b.z[i] = b.y[i];
      k.axpy(n, a, b.x, inc, b.y, inc);
      bool ok = true;
      for (std::size_t i = 0; i < n * inc; ++i) {
        if (i % inc != 0) {  // elements between strides must not be touched
          ok = ok && ulp_distance(b.y[i], b.z[i]) == 0;
          continue;
        }
        const Ref ax = static_cast<Ref>(a) * static_cast<Ref>(b.x[i]);
        const Ref exact = static_cast<Ref>(b.z[i]) + ax;
        const Ref bound = gamma_with_ref<T>(2) * (std::fabs(static_cast<Ref>(b.z[i])) + std::fabs(ax));
        ok = ok && std::fabs(static_cast<Ref>(b.y[i]) - exact) <= bound;
      }
      sink(ok, CheckInfo{k.name, "axpy", "error <= gamma_2 (|y| + |a x|), gaps untouched", n, inc});
    }
  }
  for (std::size_t i = 0; i < 9; ++i) b.x[i] = b.y[i] = T(1);
  b.x[2] = std::numeric_limits<T>::quiet_NaN();
  k.axpy(9, T(2), b.x, 1, b.y, 1);
  bool ok = is_nan(b.y[2]);
  for (std::size_t i = 0; i < 9; ++i) ok = ok && (i == 2 || b.y[i] == T(3));
  sink(ok, CheckInfo{k.name, "axpy", "NaN stays in its own element", 9, 1});
}

// y = alpha op(A) x + beta y for op = identity (transposed == false) or transpose.
template <typename T, class Sink>
void check_gemv_case(const KernelTable<T>& k, Sink& sink, bool transposed, std::size_t rows, std::size_t cols,
                     std::size_t lda, std::size_t incx, std::size_t incy, T alpha, T beta, SplitMix64& rng) noexcept {
  auto& b = Buffers<T>::get();
  const std::size_t nx = transposed ? rows : cols;
  const std::size_t ny = transposed ? cols : rows;
  fill_uniform(b.a, rows * lda, rng);
  fill_uniform(b.x, nx * incx, rng);
  fill_uniform(b.y, ny * incy, rng);
  if (beta == T(0)) {
    for (std::size_t i = 0; i < ny; ++i) b.y[i * incy] = std::numeric_limits<T>::quiet_NaN();  // must not leak
  }
  for (std::size_t i = 0; i < ny * incy; ++i) b.z[i] = b.y[i];
  (transposed ? k.gemv_t : k.gemv)(rows, cols, alpha, b.a, lda, b.x, incx, beta, b.y, incy);
  bool ok = true;
  for (std::size_t i = 0; i < ny; ++i) {
    Ref sum = 0, scale = 0;
    for (std::size_t j = 0; j < nx; ++j) {
      const T aij = transposed ? b.a[j * lda + i] : b.a[i * lda + j];
      const Ref p = static_cast<Ref>(aij) * static_cast<Ref>(b.x[j * incx]);
      sum += p;
      scale += std::fabs(p);
    }
    Ref exact = static_cast<Ref>(alpha) * sum;
    scale *= std::fabs(static_cast<Ref>(alpha));
    if (beta != T(0)) {
      const Ref by = static_cast<Ref>(beta) * static_cast<Ref>(b.z[i * incy]);
      exact += by;
      scale += std::fabs(by);
    }
    const T got = b.y[i * incy];
    ok = ok && !is_nan(got) && std::fabs(static_cast<Ref>(got) - exact) <= gamma_with_ref<T>(nx + 2) * scale;
  }
  for (std::size_t i = 0; i < ny * incy; ++i) ok = ok && (i % incy == 0 || ulp_distance(b.y[i], b.z[i]) == 0);
  sink(ok, CheckInfo{k.name, transposed ? "gemv_t" : "gemv", beta == T(0) ? "error bound, beta 0 ignores y" : "error <= gamma_(n+2) scale", rows * 1000 + cols, incx * 10 + incy});
}

template <typename T, class Sink>
void check_gemv(const KernelTable<T>& k, Sink& sink) noexcept {
  SplitMix64 rng(3);
  const std::size_t L = k.lanes;
  const std::size_t shapes[][2] = {{0, 0}, {1, 1}, {3, L + 1}, {L, 2 * L + 1}, {L + 1, L}, {17, 33}, {64, 64}};
  for (const auto& s : shapes) {
    for (bool transposed : {false, true}) {
      for (std::size_t inc : {std::size_t(1), std::size_t(2)}) {
        const std::size_t lda = s[1] + (inc == 1 ? 0 : 5);  // padded and unpadded rows
        check_gemv_case(k, sink, transposed, s[0], s[1], lda, inc, inc, T(1.5), T(-0.5), rng);
        check_gemv_case(k, sink, transposed, s[0], s[1], lda, inc, 1, T(1), T(0), rng);
      }
    }
  }
}

template <typename T, class Sink>
void check_reductions(const KernelTable<T>& k, Sink& sink) noexcept {
  auto& b = Buffers<T>::get();
  SplitMix64 rng(4);
  std::size_t lengths[16];
  const std::size_t nl = check_lengths(k.lanes, lengths);
  const T inf = std::numeric_limits<T>::infinity();
  for (std::size_t li = 0; li < nl; ++li) {
    for (std::size_t inc : kStrides) {
      const std::size_t n = lengths[li];
      fill_uniform(b.x, n * inc, rng, -100, 100);
      Ref exact = 0, scale = 0;
      T max_ref = -inf;
      for (std::size_t i = 0; i < n; ++i) {
        exact += b.x[i * inc];
        scale += std::fabs(static_cast<Ref>(b.x[i * inc]));
        if (b.x[i * inc] > max_ref) max_ref = b.x[i * inc];
      }
      const T s = k.reduce_sum(n, b.x, inc);
      sink(n == 0 ? s == T(0) : std::fabs(static_cast<Ref>(s) - exact) <= gamma_with_ref<T>(n) * scale,
           CheckInfo{k.name, "reduce_sum", "error <= gamma_n sum|x|", n, inc});
      sink(k.reduce_max(n, b.x, inc) == max_ref, CheckInfo{k.name, "reduce_max", "exact (-inf when empty)", n, inc});
    }
  }
  // NaN anywhere (first, middle, tail) makes max NaN, though hardware max ignores it.
  const std::size_t n = 2 * k.lanes + 3;
  for (std::size_t pos : {std::size_t(0), n / 2, n - 1}) {
    for (std::size_t i = 0; i < n; ++i) b.x[i] = T(i);
    b.x[pos] = std::numeric_limits<T>::quiet_NaN();
    sink(is_nan(k.reduce_max(n, b.x, 1)), CheckInfo{k.name, "reduce_max", "NaN propagates", n, pos});
    sink(is_nan(k.reduce_sum(n, b.x, 1)), CheckInfo{k.name, "reduce_sum", "NaN propagates", n, pos});
  }
  for (std::size_t i = 0; i < n; ++i) b.x[i] = T(1);
  b.x[n - 1] = inf;
  sink(k.reduce_max(n, b.x, 1) == inf && k.reduce_sum(n, b.x, 1) == inf, CheckInfo{k.name, "reduce", "+Inf propagates", n, 1});
  b.x[0] = -inf;
  sink(is_nan(k.reduce_sum(n, b.x, 1)), CheckInfo{k.name, "reduce_sum", "Inf - Inf is NaN", n, 1});
}

// Each backend states its exp accuracy (exp_max_ulp: ulps from the correctly rounded
// result); the check holds it to that statement on random points of the whole range.
template <typename T, class Sink>
void check_exp(const KernelTable<T>& k, Sink& sink) noexcept {
  auto& b = Buffers<T>::get();
  SplitMix64 rng(5);
  // The whole range where e^x is a normal number, and the softmax range [-30, 0].
  const double lo = sizeof(T) == 4 ? -87.0 : -707.0;
  const double hi = sizeof(T) == 4 ? 88.0 : 709.0;
  std::size_t lengths[16];
  const std::size_t nl = check_lengths(k.lanes, lengths);
  for (std::size_t li = 0; li < nl; ++li) {
    const std::size_t n = lengths[li];
    for (int range = 0; range < 2; ++range) {
      fill_uniform(b.x, n, rng, range == 0 ? lo : -30.0, range == 0 ? hi : 0.0);
      k.exp(n, b.x, b.y);
      std::uint64_t worst = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const T rounded = static_cast<T>(std::exp(static_cast<Ref>(b.x[i])));
        const std::uint64_t d = ulp_distance(b.y[i], rounded);
        worst = d > worst ? d : worst;
      }
      sink(worst <= k.exp_max_ulp, CheckInfo{k.name, "exp", range == 0 ? "<= exp_max_ulp, full range" : "<= exp_max_ulp, [-30, 0]", n, 1});
    }
  }
  // The edges, placed at every position of a vector and in the tail.
  const T inf = std::numeric_limits<T>::infinity();
  const T specials[] = {-inf, inf, std::numeric_limits<T>::quiet_NaN(), T(1000), T(-1000), T(0)};
  const std::size_t n = 2 * k.lanes + 1;
  for (std::size_t s = 0; s < 6; ++s) {
    bool ok = true;
    for (std::size_t pos = 0; pos < n; ++pos) {
      for (std::size_t i = 0; i < n; ++i) b.x[i] = T(0.5);
      b.x[pos] = specials[s];
      k.exp(n, b.x, b.y);
      const T want = s == 0 ? T(0) : s == 1 ? inf : s == 3 ? inf : s == 4 ? T(0) : T(1);
      ok = ok && (s == 2 ? is_nan(b.y[pos]) : b.y[pos] == want);
      for (std::size_t i = 0; i < n; ++i) ok = ok && (i == pos || ulp_distance(b.y[i], b.y[pos == 0 ? 1 : 0]) == 0);
    }
    sink(ok, CheckInfo{k.name, "exp", "-inf, inf, NaN, overflow, underflow, 0 exact", n, s});
  }
}

template <typename T>
constexpr T kSentinel = T(-12345);

// y must keep its sentinel values when softmax refuses the input.
template <typename T>
bool untouched(const T* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    if (!(y[i] == kSentinel<T>)) return false;
  return true;
}

// Checks softmax(x) against the long double reference entry by entry, d_i = x_i - m.
// Relative error of the numerator e^(d_i): rounding d_i (u |d_i|) and exp (k ulps from
// the rounded result, k = exp_max_ulp: (2k + 1) u). The denominator z = sum e^(d_j)
// inherits those errors weighted by p_j (u sum p_j |d_j| + (2k + 1) u) plus gamma_n for
// the sum; the division adds u.
// Results below the smallest normal number may be flushed to zero (kernel_api.inc), so
// the absolute error may reach that number, numeric_limits<T>::min().
template <typename T>
bool softmax_matches(unsigned exp_ulp, std::size_t n, const T* x, std::size_t incx, const T* y,
                     std::size_t incy) noexcept {
  Ref m = -std::numeric_limits<Ref>::infinity();
  for (std::size_t i = 0; i < n; ++i) m = static_cast<Ref>(x[i * incx]) > m ? static_cast<Ref>(x[i * incx]) : m;
  Ref z = 0, weighted_d = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Ref d = static_cast<Ref>(x[i * incx]) - m;
    const Ref e = std::exp(d);
    z += e;
    if (e > 0) weighted_d += e * std::fabs(d);
  }
  weighted_d /= z;
  const Ref u = unit_roundoff<T>();
  const Ref exp_rel = (2 * static_cast<Ref>(exp_ulp) + 1) * u;
  const Ref rel_z = u * weighted_d + exp_rel + gamma_with_ref<T>(n);
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) {
    const Ref d = static_cast<Ref>(x[i * incx]) - m;
    const Ref p = std::exp(d) / z;
    const Ref rel = (d == -std::numeric_limits<Ref>::infinity() ? 0 : u * std::fabs(d)) + exp_rel + rel_z + u;
    const Ref abs = static_cast<Ref>(std::numeric_limits<T>::min());
    ok = ok && std::fabs(static_cast<Ref>(y[i * incy]) - p) <= rel * p + abs;
  }
  return ok;
}

template <typename T, class Sink>
void check_softmax(const KernelTable<T>& k, Sink& sink) noexcept {
  auto& b = Buffers<T>::get();
  SplitMix64 rng(6);
  const T inf = std::numeric_limits<T>::infinity();
  std::size_t lengths[16];
  const std::size_t nl = check_lengths(k.lanes, lengths);
  for (std::size_t li = 0; li < nl; ++li) {
    for (std::size_t inc : kStrides) {
      const std::size_t n = lengths[li];
      if (n == 0) {
        b.y[0] = kSentinel<T>;
        sink(k.softmax(0, b.x, inc, b.y, inc) == Status::empty && untouched(b.y, 1),
             CheckInfo{k.name, "softmax", "n = 0 is empty", 0, inc});
        continue;
      }
      // Random logits at three scales: ordinary, wide (most mass on few), and +-1e4.
      const double scales[] = {4.0, 60.0, 1e4};
      for (double sc : scales) {
        fill_uniform(b.x, n * inc, rng, -sc, sc);
        const Status st = k.softmax(n, b.x, inc, b.y, inc);
        sink(st == Status::ok && softmax_matches(k.exp_max_ulp, n, b.x, inc, b.y, inc),
             CheckInfo{k.name, "softmax", sc > 100 ? "logits +-1e4" : "random logits", n, inc});
      }
      // All equal: every e^0 is exactly 1, so p = 1/n correctly rounded, bit for bit.
      for (std::size_t i = 0; i < n * inc; ++i) b.x[i] = T(7.25);
      bool ok = k.softmax(n, b.x, inc, b.y, inc) == Status::ok;
      for (std::size_t i = 0; i < n; ++i) ok = ok && b.y[i * inc] == T(1) / static_cast<T>(n);
      sink(ok, CheckInfo{k.name, "softmax", "all equal gives exactly 1/n", n, inc});
      // Some -inf (masked) entries get exactly 0, the rest renormalise.
      fill_uniform(b.x, n * inc, rng, -3, 3);
      for (std::size_t i = 0; i < n; i += 2) b.x[i * inc] = -inf;
      if (n == 1) b.x[0] = T(1);
      ok = k.softmax(n, b.x, inc, b.y, inc) == Status::ok && softmax_matches(k.exp_max_ulp, n, b.x, inc, b.y, inc);
      for (std::size_t i = 0; i < n; ++i) ok = ok && (b.x[i * inc] != -inf || b.y[i * inc] == T(0));
      sink(ok, CheckInfo{k.name, "softmax", "-inf entries are exactly 0", n, inc});
      // All masked: a status, never NaN, and y untouched.
      for (std::size_t i = 0; i < n * inc; ++i) {
        b.x[i] = -inf;
        b.y[i] = kSentinel<T>;
      }
      sink(k.softmax(n, b.x, inc, b.y, inc) == Status::all_masked && untouched(b.y, n * inc),
           CheckInfo{k.name, "softmax", "all -inf is all_masked, y untouched", n, inc});
      // NaN or +inf anywhere: non_finite_input, y untouched.
      for (T bad : {std::numeric_limits<T>::quiet_NaN(), inf}) {
        fill_uniform(b.x, n * inc, rng, -3, 3);
        b.x[(n - 1) * inc] = bad;
        for (std::size_t i = 0; i < n * inc; ++i) b.y[i] = kSentinel<T>;
        sink(k.softmax(n, b.x, inc, b.y, inc) == Status::non_finite_input && untouched(b.y, n * inc),
             CheckInfo{k.name, "softmax", "NaN/+inf is non_finite_input, y untouched", n, inc});
      }
    }
  }
  b.x[0] = T(-1e4);
  sink(k.softmax(1, b.x, 1, b.y, 1) == Status::ok && b.y[0] == T(1), CheckInfo{k.name, "softmax", "single element is 1", 1, 1});
  // In place (y == x) is allowed.
  fill_uniform(b.x, 37, rng, -5, 5);
  for (std::size_t i = 0; i < 37; ++i) b.z[i] = b.x[i];
  const bool ok = k.softmax(37, b.x, 1, b.x, 1) == Status::ok && softmax_matches(k.exp_max_ulp, 37, b.z, 1, b.x, 1);
  sink(ok, CheckInfo{k.name, "softmax", "in place", 37, 1});
}

template <typename T, class Sink>
void check_all_kernels(const KernelTable<T>& k, Sink& sink) noexcept {
  check_dot(k, sink);
  check_axpy(k, sink);
  check_gemv(k, sink);
  check_reductions(k, sink);
  check_exp(k, sink);
  check_softmax(k, sink);
}

}  // namespace olsf::testing
