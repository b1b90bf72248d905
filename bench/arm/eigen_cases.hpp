// olsformer bench/arm: Eigen's side of the five ARM cases (the aarch64 peer of issue #10),
// counted by the same program and method as olsformer's side, so the anchors in the issue
// can be reproduced here. Bench-only: Eigen never enters the library.
#ifndef OLSF_BENCH_ARM_EIGEN_CASES_HPP
#define OLSF_BENCH_ARM_EIGEN_CASES_HPP

#include <Eigen/Dense>

#include "arm_cases.hpp"

namespace olsf::bench_arm {

struct EigenCases {
  template <std::size_t N>
  static bool jacobi(const JacobiInput<N>& in, int calls) {
    using M = Eigen::Matrix<float, int(N), int(N)>;
    M a;
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = 0; j < N; ++j) a(int(i), int(j)) = in.a(i, j);
    static Eigen::SelfAdjointEigenSolver<M> es;
    for (int c = 0; c < calls; ++c) {
      es.compute(a, Eigen::ComputeEigenvectors);
      clobber();
    }
    Matrix<float, N, N> v;
    float w[N];
    for (std::size_t k = 0; k < N; ++k) {
      w[k] = es.eigenvalues()(int(k));
      for (std::size_t i = 0; i < N; ++i) v(i, k) = es.eigenvectors()(int(i), int(k));
    }
    return es.info() == Eigen::Success && eigen_ok(in.a, w, v);
  }

  // The Cholesky route of the anchor: X^T X, X^T y, LDLT solve.
  static bool ols(const OlsInput& in, int calls) {
    using X = Eigen::Matrix<float, int(OlsInput::kRows), int(OlsInput::kDim), Eigen::RowMajor>;
    const Eigen::Map<const X> x(&in.x[0][0]);
    const Eigen::Map<const Eigen::Matrix<float, int(OlsInput::kRows), 1>> y(in.y);
    static Eigen::Matrix<float, int(OlsInput::kDim), 1> beta;
    for (int c = 0; c < calls; ++c) {
      const Eigen::Matrix<float, int(OlsInput::kDim), int(OlsInput::kDim)> g = x.transpose() * x;
      const Eigen::Matrix<float, int(OlsInput::kDim), 1> b = x.transpose() * y;
      beta = g.ldlt().solve(b);
      clobber();
    }
    return ols_ok(beta);
  }

  // scores = K q, stable softmax, out = V^T p (the formulation of the attention issue).
  static bool attention(std::size_t n, std::size_t d, float beta, const float* q, const float* k, const float* v,
                        float* out, int calls) {
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Map<const RowMajor> km(k, Eigen::Index(n), Eigen::Index(d));
    const Eigen::Map<const RowMajor> vm(v, Eigen::Index(n), Eigen::Index(d));
    const Eigen::Map<const Eigen::VectorXf> qv(q, Eigen::Index(d));
    Eigen::Map<Eigen::VectorXf> o(out, Eigen::Index(d));
    static float scratch[64];
    Eigen::Map<Eigen::VectorXf> p(scratch, Eigen::Index(n));
    for (int c = 0; c < calls; ++c) {
      p.noalias() = beta * (km * qv);
      p = (p.array() - p.maxCoeff()).exp();
      p /= p.sum();
      o.noalias() = vm.transpose() * p;
      clobber();
    }
    return std::isfinite(out[0]);
  }

  static bool decode(const DecodeInput& in, int calls) {
    static float out[DecodeInput::kDim];
    return attention(DecodeInput::kKeys, DecodeInput::kDim, in.beta, in.q, in.k, in.v, out, calls);
  }

  static bool hopfield(const HopfieldInput& in, int calls) {
    static float out[HopfieldInput::kDim];
    return attention(HopfieldInput::kPatterns, HopfieldInput::kDim, in.beta, in.query, in.x, in.x, out, calls) &&
           hopfield_ok(in, out);
  }
};

}  // namespace olsf::bench_arm

#endif
