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

namespace olsf::detail {

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
  return mag > abs_tol && mag > rel_tol * std::sqrt(std::fabs(app) * std::fabs(aqq));
}

template <typename T>
inline JacobiRotation<T> jacobi_rotation(T app, T aqq, T apq) noexcept {
  const T theta = (aqq - app) / (2 * apq);
  const T abs_theta = std::fabs(theta);
  // For huge theta, theta^2 would overflow: t = 1 / (2 theta) to working accuracy.
  const T t_mag = abs_theta > T(1e15) ? T(0.5) / abs_theta : T(1) / (abs_theta + std::sqrt(T(1) + theta * theta));
  const T t = theta < 0 ? -t_mag : t_mag;
  const T c = T(1) / std::sqrt(T(1) + t * t);
  return {c, t * c, t};
}

}  // namespace olsf::detail
