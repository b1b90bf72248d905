// A consumer of the installed (or add_subdirectory'd) olsformer: fits y = 1 + 2 x0 - 3 x1
// exactly, diagonalises a 3x3 matrix with known eigenvalues 1, 2, 4, and runs one softmax
// decode whose answer is known, through the public headers and the linked backends.
#include <cmath>
#include <cstdio>

#include "olsformer/olsformer.hpp"

int main() {
  olsf::OlsTransformer<double, 2, 1, 16> ols;
  const double xs[6][2] = {{0, 0}, {1, 0}, {0, 1}, {1, 1}, {2, -1}, {-1, 3}};
  for (const auto& x : xs) {
    const double y = 1 + 2 * x[0] - 3 * x[1];
    if (ols.observe(x, &y) != olsf::Status::ok) return 1;
  }
  if (ols.refit() != olsf::Status::ok) return 2;
  const double q[2] = {0.5, 0.25};
  double yhat = 0;
  if (ols.predict(q, &yhat) != olsf::Status::ok || std::fabs(yhat - (1 + 1 - 0.75)) > 1e-12) return 3;

  // Q diag(1, 2, 4) Q^T with Q a rotation about z by 30 degrees.
  const double c = std::sqrt(3.0) / 2, s = 0.5;
  olsf::Matrix<double, 3, 3> a;
  a(0, 0) = c * c * 1 + s * s * 2;
  a(0, 1) = a(1, 0) = c * s * (1 - 2);
  a(1, 1) = s * s * 1 + c * c * 2;
  a(2, 2) = 4;
  olsf::SymmetricEigen<double, 3> eig;
  if (eig.compute(a) != olsf::Status::ok) return 4;
  const double want[3] = {1, 2, 4};
  for (int k = 0; k < 3; ++k)
    if (std::fabs(eig.eigenvalues()[k] - want[k]) > 1e-14) return 5;

  // Two keys with logits 0 and log 3: p = (1/4, 3/4), out = p^T V.
  const float qv[1] = {1.0f}, k[2] = {0.0f, std::log(3.0f)}, v[2] = {4.0f, 8.0f};
  float out[1];
  if (olsf::DefaultBackend::attention_decode(2, 1, 1, 1.0f, qv, k, 1, v, 1, nullptr, out, nullptr) != olsf::Status::ok ||
      std::fabs(out[0] - 7.0f) > 1e-5f)
    return 6;
  std::printf("olsformer consumer ok (backend %s)\n", olsf::DefaultBackend::name());
  return 0;
}
