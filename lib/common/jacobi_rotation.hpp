// olsformer (internal): the Jacobi rotation every backend computes the same way.
// Golub & Van Loan, Matrix Computations, Alg. 8.5.1 (symSchur2), with Rutishauser's
// diagonal update: for the 2x2 block [[app, apq], [apq, aqq]],
//   theta = (aqq - app) / (2 apq),  t = sign(theta) / (|theta| + sqrt(1 + theta^2)),
//   c = 1 / sqrt(1 + t^2),  s = t c,
// and J = [[c, s], [-s, c]] makes J^T [[app, apq], [apq, aqq]] J diagonal with
//   app' = app - t apq,  aqq' = aqq + t apq.
// The same rotation diagonalises the Gram matrix of two columns in one-sided Jacobi
// (app = |x_p|^2, aqq = |x_q|^2, apq = x_p . x_q).
#pragma once
#include <cmath>
#include <type_traits>

namespace olsf::detail {

// std::sqrt without its errno branch. Without -fno-math-errno GCC follows the square-root
// instruction with a test and a call to sqrtf/sqrt for negative input (to set errno):
// a call that clobbers the caller-saved FP registers, so the fixed-size sweeps, which keep
// rows in registers across rotations, spill them around every rotation instead (Cortex-M4,
// issue #10). The result is the same, NaN for negative input; nothing here reads errno.
template <typename T>
inline T jacobi_sqrt(T x) noexcept {
#if defined(__GNUC__) && defined(__aarch64__)
  if constexpr (std::is_same_v<T, float>) {
    T r;
    __asm__("fsqrt %s0, %s1" : "=w"(r) : "w"(x));
    return r;
  } else if constexpr (std::is_same_v<T, double>) {
    T r;
    __asm__("fsqrt %d0, %d1" : "=w"(r) : "w"(x));
    return r;
  }
#elif defined(__GNUC__) && defined(__arm__) && defined(__ARM_FP)
#if (__ARM_FP & 4)
  if constexpr (std::is_same_v<T, float>) {
    T r;
    __asm__("vsqrt.f32 %0, %1" : "=t"(r) : "t"(x));
    return r;
  }
#endif
#endif
  return std::sqrt(x);
}

template <typename T>
struct JacobiRotation {
  T c, s, t;
};

// Whether the pair (p, q) needs a rotation: the relative criterion of Demmel & Veselic
// (1992), |apq| > rel_tol sqrt(|app aqq|), which keeps small eigenvalues of graded
// positive definite matrices accurate, and an absolute floor abs_tol (the classic
// threshold strategy; the algorithms pass a tiny floor in relative mode).
template <typename T>
inline bool jacobi_needs_rotation(T app, T aqq, T apq, T rel_tol, T abs_tol) noexcept {
  const T mag = std::fabs(apq);
  return mag > abs_tol && mag > rel_tol * jacobi_sqrt(std::fabs(app) * std::fabs(aqq));
}

template <typename T>
inline JacobiRotation<T> jacobi_rotation(T app, T aqq, T apq) noexcept {
  const T theta = (aqq - app) / (2 * apq);
  const T abs_theta = std::fabs(theta);
  // For huge theta, theta^2 would overflow: t = 1 / (2 theta) to working accuracy.
  const T t_mag = abs_theta > T(1e15) ? T(0.5) / abs_theta : T(1) / (abs_theta + jacobi_sqrt(T(1) + theta * theta));
  const T t = theta < 0 ? -t_mag : t_mag;
  const T c = T(1) / jacobi_sqrt(T(1) + t * t);
  return {c, t * c, t};
}

}  // namespace olsf::detail
