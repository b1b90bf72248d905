// olsformer: the Jacobi eigensolver for symmetric matrices and the one-sided (Hestenes)
// Jacobi SVD. All storage lives inside the objects; no heap, no exceptions.
//
// Why Jacobi: for the OLS-Transformer, L = V Lambda^(-1/2) needs the small eigenvalues of
// X^T X to high *relative* accuracy, which Jacobi delivers on positive definite, graded
// matrices and QR-based solvers do not (Demmel & Veselic, SIAM J. Matrix Anal. Appl. 13,
// 1992). One-sided Jacobi on X itself gives the same V and Lambda = Sigma^2 without
// forming X^T X, so cond(X) is not squared (papers.md §1). A nearby solution warm-starts
// the iteration: a slowly changing covariance is re-diagonalised in one or two sweeps.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>  // the 8 x 8 float load and commit (SymmetricEigen)
#endif

#include "olsformer/backend.hpp"
#include "olsformer/matrix.hpp"
#include "olsformer/simd_width.hpp"
#include "olsformer/status.hpp"

namespace olsf {

// Which pairs a sweep visits together (kernels: jacobi_sweep_parallel / _cyclic).
enum class JacobiOrdering : unsigned char {
  automatic,  // the faster one for this backend and n (detail::prefers_cyclic below)
  parallel,   // n2 - 1 rounds of n/2 disjoint rotations applied together: vectorized
  cyclic,     // one rotation at a time, row by row: fewest passes on a scalar core
};

// When a pair counts as converged (and is skipped: the threshold strategy).
enum class JacobiCriterion : unsigned char {
  relative,  // |a_pq| <= tol sqrt(|a_pp a_qq|): small eigenvalues to high relative accuracy
  absolute,  // |a_pq| <= tol ||A||_F / n, so off(A) <= tol ||A||_F: faster, absolute accuracy
};

struct JacobiOptions {
  JacobiOrdering ordering = JacobiOrdering::automatic;
  JacobiCriterion criterion = JacobiCriterion::relative;
  unsigned max_sweeps = 40;  // not_converged after this many sweeps that still rotate
};

namespace detail {

template <typename T>
constexpr T jacobi_tolerance(std::size_t n) noexcept {
  // n eps: roundoff keeps re-creating off-diagonal entries of that relative size, so a
  // smaller tolerance would only buy sweeps that change nothing.
  return static_cast<T>(n) * std::numeric_limits<T>::epsilon();
}

// What JacobiOrdering::automatic runs for n and the row stride of the work matrices:
// the cyclic ordering where the backends have their fixed-size cyclic path (n = 8 with
// unpadded rows, and 16 x 16 float on NEON; lib/common/jacobi_sweeps.hpp) and the
// parallel sweep would not be one vector per row: 8 x 8 float, 4.6x fewer instructions on
// Cortex-M4 than the parallel sweep (bench/results/arm-instructions-*.md). Except 8 x 8
// float on aarch64 NEON, where the parallel sweep holds the whole matrix in registers
// (lib/common/jacobi_neon8.hpp): 12,322 -> 5,759 instructions per cold solve (issue #10).
// Elsewhere the parallel ordering, also on the scalar backend: with it W21 comes out as
// accurate as Eigen, with the cyclic one 2.6x less (test_jacobi).
template <class Backend, typename T>
constexpr bool prefers_cyclic(std::size_t n, std::size_t stride) noexcept {
  constexpr bool scalar_default =
#if defined(OLSF_BACKEND_HIGHWAY) || defined(OLSF_BACKEND_XSIMD)
      false;
#else
      true;
#endif
  const bool scalar_backend =
      std::is_same_v<Backend, ScalarBackend> || (std::is_same_v<Backend, DefaultBackend> && scalar_default);
#if defined(__aarch64__)
  // 16 x 16 float on the NEON backends: their fixed-size cyclic path with rows of 4
  // vectors (lib/common/jacobi_sweeps.hpp): 3.5x fewer instructions than the parallel sweep.
  if (n == 16 && stride == n && std::is_same_v<T, float> && !scalar_backend) return true;
  // 8 x 8 float: the parallel sweep with the whole matrix in NEON registers (above).
  if (n == 8 && stride == n && std::is_same_v<T, float> && !scalar_backend) return false;
#endif
  if (n != 8 || stride != n) return false;
  if (scalar_backend) return true;
  return n > kSimdLanes<T>;  // one vector per row: Highway's whole-sweep path is faster
}

// 2^k from its bit pattern: exact and without a libc call (frexp/ldexp are calls, ~110
// instructions per solve on aarch64, issue #10). k in [min_exponent - digits,
// max_exponent - 1]: the subnormal powers of two included.
template <typename T>
T exact_power_of_two(int k) noexcept {
  using L = std::numeric_limits<T>;
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  if constexpr (L::is_iec559 && sizeof(T) == sizeof(Bits)) {
    // Normal: biased exponent k + bias in the exponent field; subnormal: one bit of the
    // fraction, 2^k = 2^(k - (min_exponent - digits)) ulps of the smallest subnormal.
    const Bits bits = k >= L::min_exponent - 1 ? Bits(static_cast<Bits>(k + L::max_exponent - 1) << (L::digits - 1))
                                               : Bits(Bits(1) << static_cast<unsigned>(k - (L::min_exponent - L::digits)));
    T x;
    std::memcpy(&x, &bits, sizeof x);
    return x;
  } else {
    return std::ldexp(T(1), k);
  }
}

// Power of two close to 1 / max: scaling by it is exact, and keeps every intermediate
// (squares, sums, theta^2) far from overflow and underflow. `exponent` is frexp's
// (max = f 2^exponent, f in [1/2, 1)), read from the exponent field on IEEE formats.
template <typename T>
T exact_inverse_scale(T max_abs, int& exponent) noexcept {
  using L = std::numeric_limits<T>;
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  if constexpr (L::is_iec559 && sizeof(T) == sizeof(Bits)) {
    Bits bits;
    std::memcpy(&bits, &max_abs, sizeof bits);  // max_abs > 0, finite: sign bit clear
    const int biased = static_cast<int>(bits >> (L::digits - 1));
    // Biased exponent 0 (subnormal max) counts as 1: frexp's exponent clamped to
    // min_exponent, as below.
    exponent = (biased > 0 ? biased : 1) - (L::max_exponent - 2);
  } else {
    (void)std::frexp(max_abs, &exponent);
    // Subnormal max: 2^-exponent would overflow; the largest normal power of two still
    // lifts the matrix far from underflow (found by tests/fuzz/fuzz_eigen.cpp).
    if (exponent < L::min_exponent) exponent = L::min_exponent;
  }
  return exact_power_of_two<T>(-exponent);
}

}  // namespace detail

// Eigendecomposition A = V diag(lambda) V^T of a symmetric n x n matrix, n <= N <= kJacobiMaxN
// (OLSF_JACOBI_MAX_N: 64 unless the build lowers it).
template <typename T, std::size_t N, class Backend = DefaultBackend>
class SymmetricEigen {
  static_assert(N >= 1 && N <= kJacobiMaxN,
                "SymmetricEigen supports 1 <= N <= kJacobiMaxN (CMake's OLSF_JACOBI_MAX_N, 64 by default)");

 public:
  // Largest |a_ij - a_ji| accepted, relative to max |a_ij|; the lower triangle is used.
  static constexpr T symmetry_tolerance() noexcept { return T(64) * std::numeric_limits<T>::epsilon(); }

  // Statuses: ok; empty (n == 0); invalid_argument (not square, or not symmetric within
  // symmetry_tolerance()); capacity_exceeded (n > N); non_finite_input (NaN/Inf, or an
  // eigenvalue beyond the range of T);
  // not_converged (max_sweeps reached). On any status but ok the previous results stay.
  Status compute(ConstMatrixView<T> a, const JacobiOptions& options = {}) noexcept {
    const Status s = load(a);
    if (s != Status::ok) return s;
    set_identity(work_vt_, a.rows);
    return iterate(a.rows, options, true);
  }

  // Warm start: `v0` (n x n, columns orthonormal, e.g. eigenvectors() of a nearby
  // matrix) turns the problem into diagonalising V0^T A V0, which is nearly diagonal.
  // Same statuses; v0 with NaN/Inf gives non_finite_input, a wrong shape invalid_argument.
  Status compute(ConstMatrixView<T> a, ConstMatrixView<T> v0, const JacobiOptions& options = {}) noexcept {
    if (v0.rows != a.rows || v0.cols != a.cols) return Status::invalid_argument;
    const std::size_t n = a.rows;
    for (std::size_t i = 0; i < n && n <= N; ++i)
      for (std::size_t j = 0; j < n; ++j)
        if (!std::isfinite(v0(i, j))) return Status::non_finite_input;
    const Status s = load(a);
    if (s != Status::ok) return s;
    // work_a <- V0^T A V0, with work_vt as the temporary A V0 (rows i: V0^T a_i).
    for (std::size_t i = 0; i < n; ++i)
      Backend::gemv_t(n, n, T(1), v0.data, v0.stride, work_a_.row(i), 1, T(0), work_vt_.row(i), 1);
    for (std::size_t k = 0; k < n; ++k)
      Backend::gemv_t(n, n, T(1), work_vt_.data(), work_vt_.stride(), v0.data + k, v0.stride, T(0),
                      work_a_.row(k), 1);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < i; ++j) {
        const T mean = (work_a_(i, j) + work_a_(j, i)) / 2;  // remove roundoff asymmetry
        work_a_(i, j) = work_a_(j, i) = mean;
      }
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) work_vt_(i, j) = v0(j, i);
    return iterate(n, options, false);
  }

  template <std::size_t R, std::size_t C>
  Status compute(const Matrix<T, R, C>& a, const JacobiOptions& options = {}) noexcept {
    return compute(a.view(), options);
  }
  template <std::size_t R, std::size_t C>
  Status compute(const Matrix<T, R, C>& a, const Matrix<T, N, N>& v0, const JacobiOptions& options = {}) noexcept {
    ConstMatrixView<T> v;
    if (v0.block(a.rows(), a.cols(), v) != Status::ok) return Status::capacity_exceeded;
    return compute(a.view(), v, options);
  }

  std::size_t size() const noexcept { return n_; }  // n of the last successful compute
  const T* eigenvalues() const noexcept { return values_; }  // ascending
  T eigenvalue(std::size_t k) const noexcept { return values_[k]; }
  // Column k is the unit eigenvector of eigenvalues()[k].
  const Matrix<T, N, N>& eigenvectors() const noexcept { return vectors_; }
  unsigned sweeps() const noexcept { return sweeps_; }  // sweeps that rotated
  std::size_t rotations() const noexcept { return rotations_; }

 private:
  // Validates `a` and copies its lower triangle, exactly scaled by a power of two, into
  // work_a_ (both triangles, zero padding).
  Status load(ConstMatrixView<T> a) noexcept {
    const std::size_t n = a.rows;
    if (n == 0) return Status::empty;
    if (a.cols != n) return Status::invalid_argument;
    if (n > N) return Status::capacity_exceeded;
    // Fixed size (n = N, both matrices unpadded): loops of compile-time length, which the
    // compiler unrolls and vectorizes (issue #10: this validation and copy cost as much as
    // a sweep of the 8 x 8 solve on NEON).
    const bool whole = n == N && a.stride == N && work_a_.stride() == N;
#if defined(__aarch64__) && defined(__ARM_NEON)
    if constexpr (std::is_same_v<T, float> && N == 8) {
      if (whole) return load_neon8(a.data);
    }
#endif
    T max_abs = 0;
    if (!(whole ? max_abs_finite(1, N * N, 0, a.data, max_abs) : max_abs_finite(n, n, a.stride, a.data, max_abs)))
      return Status::non_finite_input;
    const T limit = symmetry_tolerance() * max_abs;
    bool asymmetric = false;  // (all pairs, then one test: no branch per pair)
    if (whole) {
      for (std::size_t i = 1; i < N; ++i)
        for (std::size_t j = 0; j < i; ++j) asymmetric |= std::fabs(a.data[i * N + j] - a.data[j * N + i]) > limit;
    } else {
      for (std::size_t i = 1; i < n; ++i)
        for (std::size_t j = 0; j < i; ++j) asymmetric |= std::fabs(a(i, j) - a(j, i)) > limit;
    }
    if (asymmetric) return Status::invalid_argument;
    scale_exponent_ = 0;
    const T scale = max_abs > 0 ? detail::exact_inverse_scale(max_abs, scale_exponent_) : T(1);
    if (whole) {  // all of A scaled (one vector loop), then the lower triangle mirrored
      T* w = work_a_.data();
      for (std::size_t k = 0; k < N * N; ++k) w[k] = a.data[k] * scale;
      for (std::size_t i = 1; i < N; ++i)
        for (std::size_t j = 0; j < i; ++j) w[j * N + i] = w[i * N + j];
      return Status::ok;
    }
    if (n != N || work_a_.stride() != N) work_a_.fill(T(0));  // zero padding (none when n = N unpadded)
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j <= i; ++j) work_a_(i, j) = work_a_(j, i) = a(i, j) * scale;
    return Status::ok;
  }

#if defined(__aarch64__) && defined(__ARM_NEON)
  // load() of an unpadded 8 x 8 float on NEON, the matrix in 16 registers (row i: lo =
  // columns 0..3, hi = 4..7): the same checks, in the same order, and the same work_a_
  // as the generic code (issue #10: ~400 -> ~170 instructions per solve). The 4 x 4
  // blocks' transposes give the pairs (a_ij, a_ji) as lanes of two registers, and the
  // mirrored upper triangle.
  Status load_neon8(const float* a) noexcept {
    float32x4_t lo[8], hi[8];
    for (std::size_t i = 0; i < 8; ++i) {
      lo[i] = vld1q_f32(a + 8 * i);
      hi[i] = vld1q_f32(a + 8 * i + 4);
    }
    // max |a_ij| by the bit patterns, as max_abs_finite; the sign bit shifted out (SHL
    // has a separate destination, the AND-immediate form would need a copy per register).
    uint32x4_t m = vdupq_n_u32(0);
    for (std::size_t i = 0; i < 8; ++i) {
      m = vmaxq_u32(m, vshlq_n_u32(vreinterpretq_u32_f32(lo[i]), 1));
      m = vmaxq_u32(m, vshlq_n_u32(vreinterpretq_u32_f32(hi[i]), 1));
    }
    const std::uint32_t max_bits = vmaxvq_u32(m) >> 1;
    if (max_bits >= 0x7f800000u) return Status::non_finite_input;
    float max_abs;
    std::memcpy(&max_abs, &max_bits, sizeof max_abs);
    float32x4_t t00[4], t10[4], t11[4];  // transposes of the blocks (0,0), (1,0), (1,1)
    transpose4(lo, t00);
    transpose4(lo + 4, t10);
    transpose4(hi + 4, t11);
    // |a_ij - a_ji| > limit: blocks (0,0) and (1,1) against their transposes, (0,1)
    // against (1,0)^T (FABD is |x - y| rounded once, as fabs of the difference).
    const float32x4_t limit = vdupq_n_f32(symmetry_tolerance() * max_abs);
    uint32x4_t bad = vdupq_n_u32(0);
    for (std::size_t i = 0; i < 4; ++i) {
      bad = vorrq_u32(bad, vcgtq_f32(vabdq_f32(lo[i], t00[i]), limit));
      bad = vorrq_u32(bad, vcgtq_f32(vabdq_f32(hi[i], t10[i]), limit));
      bad = vorrq_u32(bad, vcgtq_f32(vabdq_f32(hi[4 + i], t11[i]), limit));
    }
    if (vmaxvq_u32(bad) != 0) return Status::invalid_argument;
    scale_exponent_ = 0;
    const float32x4_t scale =
        vdupq_n_f32(max_abs > 0 ? detail::exact_inverse_scale(max_abs, scale_exponent_) : 1.0f);
    // The lower triangle (j <= i) scaled, mirrored: rows 0..3 take columns 4..7 from (1,0)^T.
    alignas(16) static constexpr std::uint32_t lower[4][4] = {
        {~0u, 0, 0, 0}, {~0u, ~0u, 0, 0}, {~0u, ~0u, ~0u, 0}, {~0u, ~0u, ~0u, ~0u}};
    float* w = work_a_.data();
    for (std::size_t i = 0; i < 4; ++i) {
      const uint32x4_t keep = vld1q_u32(lower[i]);
      vst1q_f32(w + 8 * i, vmulq_f32(vbslq_f32(keep, lo[i], t00[i]), scale));
      vst1q_f32(w + 8 * i + 4, vmulq_f32(t10[i], scale));
      vst1q_f32(w + 8 * (4 + i), vmulq_f32(lo[4 + i], scale));
      vst1q_f32(w + 8 * (4 + i) + 4, vmulq_f32(vbslq_f32(keep, hi[4 + i], t11[i]), scale));
    }
    return Status::ok;
  }

  // out[j] = column j of the 4 x 4 block whose rows are in[0..3].
  static void transpose4(const float32x4_t* in, float32x4_t* out) noexcept {
    const float64x2_t t0 = vreinterpretq_f64_f32(vtrn1q_f32(in[0], in[1]));
    const float64x2_t t1 = vreinterpretq_f64_f32(vtrn2q_f32(in[0], in[1]));
    const float64x2_t t2 = vreinterpretq_f64_f32(vtrn1q_f32(in[2], in[3]));
    const float64x2_t t3 = vreinterpretq_f64_f32(vtrn2q_f32(in[2], in[3]));
    out[0] = vreinterpretq_f32_f64(vtrn1q_f64(t0, t2));
    out[1] = vreinterpretq_f32_f64(vtrn1q_f64(t1, t3));
    out[2] = vreinterpretq_f32_f64(vtrn2q_f64(t0, t2));
    out[3] = vreinterpretq_f32_f64(vtrn2q_f64(t1, t3));
  }

  // Ascending ranks of the 8 values (ties in index order), as the generic loop of
  // commit, all 8 at once: value j against all k per step, lane k of the sum counting
  // the values before value k (d_j < d_k, or d_j <= d_k for j < k).
  static void ranks_neon8(const float* diag, std::uint32_t* rank) noexcept {
    alignas(16) static constexpr std::uint32_t after[8][8] = {  // lanes k > j
        {0, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u}, {0, 0, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u},
        {0, 0, 0, ~0u, ~0u, ~0u, ~0u, ~0u},     {0, 0, 0, 0, ~0u, ~0u, ~0u, ~0u},
        {0, 0, 0, 0, 0, ~0u, ~0u, ~0u},         {0, 0, 0, 0, 0, 0, ~0u, ~0u},
        {0, 0, 0, 0, 0, 0, 0, ~0u},             {0, 0, 0, 0, 0, 0, 0, 0}};
    const float32x4_t d0 = vld1q_f32(diag), d1 = vld1q_f32(diag + 4);
    uint32x4_t r0 = vdupq_n_u32(0), r1 = vdupq_n_u32(0);
    for (std::size_t j = 0; j < 8; ++j) {
      const float32x4_t v = vdupq_n_f32(diag[j]);
      // A true lane is all ones, -1: subtracting it counts one.
      r0 = vsubq_u32(r0, vbslq_u32(vld1q_u32(after[j]), vcgeq_f32(d0, v), vcgtq_f32(d0, v)));
      r1 = vsubq_u32(r1, vbslq_u32(vld1q_u32(after[j] + 4), vcgeq_f32(d1, v), vcgtq_f32(d1, v)));
    }
    vst1q_u32(rank, r0);
    vst1q_u32(rank + 4, r1);
  }
#endif

  // max |x_ij|, i < rows, j < cols (row stride `stride`) into max_abs; false if an entry
  // is NaN or infinite. On IEEE formats by the bit patterns: |x| is x without its sign bit,
  // and for non-negative numbers the bit patterns order like the values, with +inf above
  // every finite number and NaN above +inf; an integer max vectorizes (a floating-point
  // one with NaN tests does not).
  static bool max_abs_finite(std::size_t rows, std::size_t cols, std::size_t stride, const T* x,
                             T& max_abs) noexcept {
    using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    if constexpr (std::numeric_limits<T>::is_iec559 && sizeof(T) == sizeof(Bits)) {
      constexpr Bits magnitude = ~(Bits(1) << (8 * sizeof(T) - 1));
      constexpr Bits inf = sizeof(T) == 4 ? Bits(0x7f800000u) : Bits(0x7ff0000000000000ull);
      Bits m = 0;
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) {
          Bits b;
          std::memcpy(&b, x + i * stride + j, sizeof b);
          b &= magnitude;
          m = b > m ? b : m;
        }
      if (m >= inf) return false;
      std::memcpy(&max_abs, &m, sizeof m);
      return true;
    } else {
      T best = 0;
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) {
          const T v = x[i * stride + j];
          if (!std::isfinite(v)) return false;
          best = std::fabs(v) > best ? std::fabs(v) : best;
        }
      max_abs = best;
      return true;
    }
  }

  static void set_identity(Matrix<T, N, N>& m, std::size_t n) noexcept {
    if (n != N || m.stride() != N) m.fill(T(0));  // padding too
    for (std::size_t i = 0; i < n && i < N; ++i)  // (n <= N; GCC 12's -Warray-bounds loses it)
      for (std::size_t j = 0; j < n && j < N; ++j) m(i, j) = i == j ? T(1) : T(0);
  }

  Status iterate(std::size_t n, const JacobiOptions& options, bool cold) noexcept {
    const T tol = detail::jacobi_tolerance<T>(n);
    T rel_tol = tol, abs_tol = std::numeric_limits<T>::min();
    if (options.criterion == JacobiCriterion::absolute) {
      T frob = 0;
      for (std::size_t i = 0; i < n; ++i) frob += Backend::dot(n, work_a_.row(i), 1, work_a_.row(i), 1);
      rel_tol = 0;
      abs_tol = tol * std::sqrt(frob) / static_cast<T>(n);
      if (!(abs_tol > std::numeric_limits<T>::min())) abs_tol = std::numeric_limits<T>::min();
    }
    unsigned sweeps = 0;
    std::size_t rotations = 0;
    const bool parallel = options.ordering == JacobiOrdering::parallel ||
                          (options.ordering == JacobiOrdering::automatic &&
                           !detail::prefers_cyclic<Backend, T>(n, work_a_.stride()));
    // Cold starts in the cyclic ordering: the threshold strategy of Rutishauser (Handbook
    // for Automatic Computation II, contribution II/1; also Numerical Recipes' jacobi) for
    // the first sweeps: pairs with |a_pq| below sum_{p<q} |a_pq| / n^2 are left to a
    // later sweep, by which the large rotations have changed them anyway. Only sweeps with
    // the criterion itself decide convergence, so the accuracy contracts are those of the
    // plain sweeps. Two such sweeps at sum / n^2: over 2000 random 8 x 8 float matrices
    // (symmetric, and SPD) 8-11 % fewer rotations for 0.2 more sweeps; the 8 x 8 of issue
    // #10: 113 -> 90 rotations, 12 % fewer Cortex-M4 instructions (NR's 0.2 sum / n^2 for
    // three sweeps saves 2-3 % of the rotations). Not for warm starts (their off-diagonal
    // is uniformly small) nor the parallel ordering (not measured there).
    unsigned early_sweeps = cold && !parallel ? 2 : 0;
    // The parallel ordering has no early sweeps: its own loop, ~8 fewer instructions per
    // sweep (issue #10).
    const unsigned max_sweeps = options.max_sweeps;  // (not reloaded after each call)
    while (parallel) {
      const std::size_t r = Backend::jacobi_sweep_parallel(n, work_a_.data(), work_a_.stride(), work_vt_.data(),
                                                           work_vt_.stride(), rel_tol, abs_tol);
      if (r == 0) break;
      rotations += r;
      if (++sweeps >= max_sweeps) return Status::not_converged;
    }
    while (!parallel) {
      T sweep_abs_tol = abs_tol;
      if (early_sweeps > 0) {
        T sum = 0;
        for (std::size_t i = 0; i + 1 < n; ++i)
          for (std::size_t j = i + 1; j < n; ++j) sum += std::fabs(work_a_(i, j));
        const T early_tol = sum / static_cast<T>(n * n);
        if (early_tol > abs_tol) {
          sweep_abs_tol = early_tol;
          --early_sweeps;
        } else {
          early_sweeps = 0;
        }
      }
      const std::size_t r = Backend::jacobi_sweep_cyclic(n, work_a_.data(), work_a_.stride(), work_vt_.data(),
                                                         work_vt_.stride(), rel_tol, sweep_abs_tol);
      if (r == 0 && sweep_abs_tol > abs_tol) {  // an early sweep found nothing above its threshold
        early_sweeps = 0;
        continue;
      }
      if (r == 0) break;
      rotations += r;
      if (++sweeps >= max_sweeps) return Status::not_converged;
    }
    // Commit: eigenvalues unscaled, sorted ascending with their vectors. 8 x 8 float on
    // NEON: a compile-time n and vector code (issue #10: this commit cost ~500 of the
    // 6,366 instructions of the cold solve). Elsewhere one runtime-n copy: a second one
    // would keep iterate() from being inlined on Cortex-M4 (+200 instructions there).
    bool committed;
#if defined(__aarch64__) && defined(__ARM_NEON)
    if constexpr (std::is_same_v<T, float> && N == 8) {
      committed = n == N && work_vt_.stride() == N && vectors_.stride() == N ? commit<N>(N, sweeps, rotations)
                                                                              : commit<0>(n, sweeps, rotations);
    } else
#endif
    {
      committed = commit<0>(n, sweeps, rotations);
    }
    return committed ? Status::ok : Status::non_finite_input;
  }

  // Unscales and sorts the eigenvalues into values_, the vectors into vectors_; false
  // (nothing written) if an eigenvalue is beyond the range of T. Fixed > 0: n = Fixed,
  // known at compile time.
  template <std::size_t Fixed>
  bool commit(std::size_t count, unsigned sweeps, std::size_t rotations) noexcept {
    const std::size_t n = Fixed > 0 ? Fixed : count;
    T diag[N];
    for (std::size_t k = 0; k < n && k < N; ++k) diag[k] = work_a_(k, k);
    // Undo the scaling: 2^e is normal except e = max_exponent (max |a_ij| in the top
    // binade), done as 2^(e-1) then 2; each product is exactly rounded, as ldexp.
    constexpr int top = std::numeric_limits<T>::max_exponent - 1;
    const int e_hi = scale_exponent_ > top ? scale_exponent_ - top : 0;
    const T unscale = detail::exact_power_of_two<T>(scale_exponent_ - e_hi);
    const T unscale_hi = detail::exact_power_of_two<T>(e_hi);
    T unscaled[N];
    unsigned overflow = 0;
    for (std::size_t k = 0; k < n && k < N; ++k) {
      unscaled[k] = diag[k] * unscale * unscale_hi;
      // Finite entries near the top of T's range can have eigenvalues beyond it (|lambda|
      // up to n max|a_ij|): no inf with ok (found by tests/fuzz/fuzz_eigen.cpp).
      overflow |= static_cast<unsigned>(!(std::fabs(unscaled[k]) <= std::numeric_limits<T>::max()));
    }
    if (overflow != 0) return false;
    // Ascending, ties in index order (a stable sort), with the rows of work_vt_.
    const T* sorted_rows[N];  // work_vt_ rows (eigenvectors) in ascending order
#if defined(__aarch64__) && defined(__ARM_NEON)
    if constexpr (std::is_same_v<T, float> && N == 8 && Fixed == 8) {
      // By ranks: n^2 branch-free comparisons in vectors instead of an insertion sort's
      // data-dependent branches.
      std::uint32_t rank[N];
      ranks_neon8(diag, rank);
      for (std::size_t k = 0; k < N; ++k) {
        sorted_rows[rank[k]] = work_vt_.row(k);
        values_[rank[k]] = unscaled[k];
      }
    } else
#endif
    {
      // Insertion sort (n <= 64, mostly sorted) of the values with their indices: on a
      // scalar core fewer instructions than ranks. `if constexpr`: with N == 1 there is
      // nothing to sort, and GCC's -Warray-bounds would flag the dead loop.
      std::size_t order[N];
      for (std::size_t k = 0; k < n && k < N; ++k) order[k] = k;
      if constexpr (N > 1) {
        for (std::size_t k = 1; k < n && k < N; ++k) {
          const std::size_t key = order[k];
          const T value = diag[k];
          std::size_t j = k;
          while (j > 0 && diag[j - 1] > value) {
            order[j] = order[j - 1];
            diag[j] = diag[j - 1];
            --j;
          }
          order[j] = key;
          diag[j] = value;
        }
      }
      for (std::size_t k = 0; k < n && k < N; ++k) {
        sorted_rows[k] = work_vt_.row(order[k]);
        values_[k] = unscaled[order[k]];
      }
    }
    copy_vectors_out(n, sorted_rows);
    n_ = n;
    sweeps_ = sweeps;
    rotations_ = rotations;
    return true;
  }

  // vectors_ column k <- rows[k].
  void copy_vectors_out(std::size_t n, const T* const* rows) noexcept {
#if defined(__aarch64__) && defined(__ARM_NEON)
    if constexpr (std::is_same_v<T, float> && N == 8) {
      if (n == N && work_vt_.stride() == N && vectors_.stride() == N) {
        // The 8 x 8 transpose in registers, rows loaded in sorted order: 16 loads, 32
        // permutes, 16 stores instead of 64 scalar loads and stores.
        float32x4_t lo[8], hi[8];
        for (std::size_t k = 0; k < 8; ++k) {
          const float* row = rows[k];
          lo[k] = vld1q_f32(row);
          hi[k] = vld1q_f32(row + 4);
        }
        float* out = vectors_.data();
        // out block (rb, cb) (4 x 4, rows 4 rb.., columns 4 cb..) is the transpose of the
        // in block (cb, rb).
        for (std::size_t cb = 0; cb < 2; ++cb)
          for (std::size_t rb = 0; rb < 2; ++rb) {
            float32x4_t t[4];
            transpose4(rb == 0 ? lo + 4 * cb : hi + 4 * cb, t);
            float* o = out + 4 * rb * 8 + 4 * cb;
            for (std::size_t r = 0; r < 4; ++r) vst1q_f32(o + 8 * r, t[r]);
          }
        return;
      }
    }
#endif
    for (std::size_t k = 0; k < n && k < N; ++k) {
      const T* row = rows[k];
      for (std::size_t i = 0; i < n && i < N; ++i) vectors_(i, k) = row[i];
    }
  }

  Matrix<T, N, N> work_a_;
  Matrix<T, N, N> work_vt_;  // rows: eigenvector estimates
  Matrix<T, N, N> vectors_;  // columns: the committed eigenvectors
  T values_[N] = {};
  std::size_t n_ = 0;
  std::size_t rotations_ = 0;
  unsigned sweeps_ = 0;
  int scale_exponent_ = 0;
};

// Thin SVD X = U diag(sigma) V^T of an m x n matrix, n <= m, n <= N, m <= M, by one-sided
// Jacobi on the columns of X. The eigendecomposition of X^T X is V, sigma^2 — without
// forming X^T X.
template <typename T, std::size_t M, std::size_t N, class Backend = DefaultBackend>
class JacobiSvd {
  static_assert(N >= 1 && M >= N, "JacobiSvd needs 1 <= N <= M");

 public:
  // Statuses: ok; empty (m or n == 0); invalid_argument (m < n); capacity_exceeded
  // (m > M or n > N); non_finite_input (NaN/Inf, or a singular value beyond the range of T);
  // not_converged. On failure previous results stay.
  // With compute_u false, U is left as it was (saves M x N work).
  Status compute(ConstMatrixView<T> x, bool compute_u = true, unsigned max_sweeps = 40) noexcept {
    const std::size_t m = x.rows, n = x.cols;
    if (m == 0 || n == 0) return Status::empty;
    if (m < n) return Status::invalid_argument;
    if (m > M || n > N) return Status::capacity_exceeded;
    T max_abs = 0;
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        const T v = x(i, j);
        if (!std::isfinite(v)) return Status::non_finite_input;
        max_abs = std::fabs(v) > max_abs ? std::fabs(v) : max_abs;
      }
    int exponent = 0;
    const T scale = max_abs > 0 ? detail::exact_inverse_scale(max_abs, exponent) : T(1);
    for (std::size_t j = 0; j < n; ++j) {
      T* row = work_xt_.row(j);
      for (std::size_t i = 0; i < m; ++i) row[i] = x(i, j) * scale;
      for (std::size_t i = m; i < work_xt_.stride(); ++i) row[i] = T(0);  // kernels read whole vectors
    }
    work_vt_.fill(T(0));
    for (std::size_t j = 0; j < n; ++j) work_vt_(j, j) = T(1);
    // sqrt(m) eps, as LAPACK's xGESVJ: the cosine between two columns computed in
    // floating point is only known to about that accuracy.
    const T rel_tol = std::sqrt(static_cast<T>(m)) * std::numeric_limits<T>::epsilon();
    unsigned sweeps = 0;
    for (;;) {
      const std::size_t r = Backend::svd_sweep(n, m, work_xt_.data(), work_xt_.stride(), work_vt_.data(),
                                               work_vt_.stride(), rel_tol, std::numeric_limits<T>::min());
      if (r == 0) break;
      if (++sweeps >= max_sweeps) return Status::not_converged;
    }
    T norms[N];
    std::size_t order[N];
    for (std::size_t j = 0; j < n; ++j) {
      norms[j] = std::sqrt(Backend::dot(m, work_xt_.row(j), 1, work_xt_.row(j), 1));
      order[j] = j;
    }
    if constexpr (N > 1) {  // insertion sort, descending (see SymmetricEigen)
      for (std::size_t k = 1; k < n; ++k) {
        const std::size_t key = order[k];
        std::size_t j = k;
        while (j > 0 && norms[order[j - 1]] < norms[key]) {
          order[j] = order[j - 1];
          --j;
        }
        order[j] = key;
      }
    }
    for (std::size_t k = 0; k < n; ++k)  // singular values beyond T's range: no inf with ok
      if (!std::isfinite(std::ldexp(norms[order[k]], exponent))) return Status::non_finite_input;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t src = order[k];
      sigma_[k] = std::ldexp(norms[src], exponent);
      for (std::size_t i = 0; i < n; ++i) v_(i, k) = work_vt_(src, i);
      if (compute_u) {
        // Zero singular value: no direction is defined; that column of U is 0.
        const T inv = norms[src] > 0 ? T(1) / norms[src] : T(0);
        const T* col = work_xt_.row(src);
        for (std::size_t i = 0; i < m; ++i) u_(i, k) = col[i] * inv;
      }
    }
    m_ = m;
    n_ = n;
    sweeps_ = sweeps;
    return Status::ok;
  }

  template <std::size_t R, std::size_t C>
  Status compute(const Matrix<T, R, C>& x, bool compute_u = true, unsigned max_sweeps = 40) noexcept {
    return compute(x.view(), compute_u, max_sweeps);
  }

  std::size_t rows() const noexcept { return m_; }
  std::size_t cols() const noexcept { return n_; }
  const T* singular_values() const noexcept { return sigma_; }  // descending
  const Matrix<T, N, N>& matrix_v() const noexcept { return v_; }  // columns: right vectors
  const Matrix<T, M, N>& matrix_u() const noexcept { return u_; }  // columns: left vectors
  unsigned sweeps() const noexcept { return sweeps_; }

 private:
  Matrix<T, N, M> work_xt_;  // rows: the columns of X being orthogonalised
  Matrix<T, N, N> work_vt_;
  Matrix<T, N, N> v_;
  Matrix<T, M, N> u_;
  T sigma_[N] = {};
  std::size_t m_ = 0, n_ = 0;
  unsigned sweeps_ = 0;
};

}  // namespace olsf
