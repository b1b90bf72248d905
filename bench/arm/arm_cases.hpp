// olsformer bench/arm: the five float32 cases of the ARM instruction-count comparison
// (issue #10), shared by the counting program on Cortex-M and aarch64.
//
// Inputs come from the LCG s = s*1664525 + 1013904223 (uint32), value (s >> 8) * 2^-23 - 1.
// Each case starts from seed 12345 and draws its inputs in the order the issue lists them
// (so every case sees the same numbers whichever others are built). "Pattern 5" of the
// Hopfield case is index 5 (zero-based).
//
// Per-call cost is (count(11 calls) - count(1 call)) / 10: setup and checks cancel out,
// so every case rebuilds its whole result on every call (cold solves, fresh fits).
#ifndef OLSF_BENCH_ARM_CASES_HPP
#define OLSF_BENCH_ARM_CASES_HPP

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "olsformer/backend.hpp"
#include "olsformer/jacobi.hpp"
#include "olsformer/matrix.hpp"
#include "olsformer/ols_transformer.hpp"

namespace olsf::bench_arm {

struct Lcg {
  std::uint32_t s = 12345u;
  float next() noexcept {
    s = s * 1664525u + 1013904223u;
    return static_cast<float>(s >> 8) * 0x1p-23f - 1.0f;
  }
};

// Keeps the compiler from moving work across calls or deleting an unused result.
inline void clobber() noexcept { __asm__ volatile("" ::: "memory"); }

// ----------------------------------------------------------------------------------------
// Cases 1 and 2: Jacobi N x N, values and vectors; A = B B^T + 0.5 I, B drawn row-major.
template <std::size_t N>
struct JacobiInput {
  Matrix<float, N, N> a;
  JacobiInput() noexcept {
    Lcg g;
    float b[N][N];
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = 0; j < N; ++j) b[i][j] = g.next();
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = 0; j < N; ++j) {
        float s = i == j ? 0.5f : 0.0f;
        for (std::size_t k = 0; k < N; ++k) s += b[i][k] * b[j][k];
        a(i, j) = s;
      }
  }
};

// Residual max |A v_k - lambda_k v_k| relative to lambda_max: a cheap sanity check that
// the counted solve did its job (the accuracy contracts live in tests/).
template <std::size_t N>
bool eigen_ok(const Matrix<float, N, N>& a, const float* w, const Matrix<float, N, N>& v) noexcept {
  float worst = 0.0f;
  for (std::size_t k = 0; k < N; ++k)
    for (std::size_t i = 0; i < N; ++i) {
      float s = -w[k] * v(i, k);
      for (std::size_t j = 0; j < N; ++j) s += a(i, j) * v(j, k);
      worst = std::fabs(s) > worst ? std::fabs(s) : worst;
    }
  return worst <= 1e-4f * w[N - 1];
}

// ----------------------------------------------------------------------------------------
// Case 3: OLS fit, m = 64 rows, d = 8, no intercept; per row its 8 draws x_i then e,
// y_i = sum_j (j+1) x_ij + 1e-3 e.
struct OlsInput {
  static constexpr std::size_t kRows = 64, kDim = 8;
  float x[kRows][kDim];
  float y[kRows];
  OlsInput() noexcept {
    Lcg g;
    for (std::size_t i = 0; i < kRows; ++i) {
      float s = 0.0f;
      for (std::size_t j = 0; j < kDim; ++j) {
        x[i][j] = g.next();
        s += static_cast<float>(j + 1) * x[i][j];
      }
      y[i] = s + 1e-3f * g.next();
    }
  }
};

// The coefficients must be j + 1 to within the noise (1e-3 e over 64 rows).
template <class Coefficients>
bool ols_ok(const Coefficients& beta) noexcept {
  for (std::size_t j = 0; j < OlsInput::kDim; ++j)
    if (!(std::fabs(beta(j, 0) - static_cast<float>(j + 1)) < 1e-2f)) return false;
  return true;
}

// ----------------------------------------------------------------------------------------
// Case 4: softmax attention decode, n = 64 keys, d = dv = 32, scale 1/sqrt(32); K, V, then
// q scaled by 4.
struct DecodeInput {
  static constexpr std::size_t kKeys = 64, kDim = 32;
  float k[kKeys * kDim], v[kKeys * kDim], q[kDim];
  float beta = 0.17677669529663687f;  // 1/sqrt(32)
  DecodeInput() noexcept {
    Lcg g;
    for (float& e : k) e = g.next();
    for (float& e : v) e = g.next();
    for (float& e : q) e = 4.0f * g.next();
  }
};

// ----------------------------------------------------------------------------------------
// Case 5: modern Hopfield, one update step xi <- X^T softmax(beta X xi), N = 32 stored +-1
// patterns (sign of a draw), d = 32, beta = 1, query = pattern 5 with its first 3 entries
// flipped. The step must return pattern 5's signs.
struct HopfieldInput {
  static constexpr std::size_t kPatterns = 32, kDim = 32, kTarget = 5, kFlipped = 3;
  float x[kPatterns * kDim];
  float query[kDim];
  float beta = 1.0f;
  HopfieldInput() noexcept {
    Lcg g;
    for (float& e : x) e = g.next() < 0.0f ? -1.0f : 1.0f;
    // Copy, then flip: GCC 12 turns a select-in-the-loop into an MVE predicate constant the
    // assembler rejects on Cortex-M55 at -O3 ("invalid constant after fixup").
    for (std::size_t j = 0; j < kDim; ++j) query[j] = x[kTarget * kDim + j];
    for (std::size_t j = 0; j < kFlipped; ++j) query[j] = -query[j];
  }
};

inline bool hopfield_ok(const HopfieldInput& in, const float* out) noexcept {
  for (std::size_t j = 0; j < HopfieldInput::kDim; ++j)
    if (!(out[j] * in.x[HopfieldInput::kTarget * HopfieldInput::kDim + j] > 0.0f)) return false;
  return true;
}

// ----------------------------------------------------------------------------------------
// olsformer's side of every case, on one backend. Each run_* is one counted call.
template <class Backend>
struct OlsformerCases {
  template <std::size_t N>
  static bool jacobi(const JacobiInput<N>& in, int calls) noexcept {
    static SymmetricEigen<float, N, Backend> eig;
    Status s = Status::ok;
    for (int c = 0; c < calls; ++c) {
      s = eig.compute(in.a);
      clobber();
    }
    return s == Status::ok && eigen_ok(in.a, eig.eigenvalues(), eig.eigenvectors());
  }

  static bool ols(const OlsInput& in, int calls) noexcept {
    static OlsTransformer<float, OlsInput::kDim, 1, OlsInput::kRows, Backend> model(OlsOptions<float>{false});
    Status s = Status::ok;
    for (int c = 0; c < calls; ++c) {
      model.reset();
      for (std::size_t i = 0; i < OlsInput::kRows; ++i) (void)model.observe(in.x[i], &in.y[i]);
      s = model.refit();
      clobber();
    }
    return s == Status::ok && ols_ok(model.coefficients());
  }

  static bool decode(const DecodeInput& in, int calls) noexcept {
    static float out[DecodeInput::kDim];
    Status s = Status::ok;
    for (int c = 0; c < calls; ++c) {
      s = Backend::attention_decode(DecodeInput::kKeys, DecodeInput::kDim, DecodeInput::kDim, in.beta, in.q, in.k,
                                    DecodeInput::kDim, in.v, DecodeInput::kDim, nullptr, out, nullptr);
      clobber();
    }
    return s == Status::ok && std::isfinite(out[0]);
  }

  // One modern Hopfield step is softmax attention with keys = values = the patterns.
  static bool hopfield(const HopfieldInput& in, int calls) noexcept {
    static float out[HopfieldInput::kDim];
    Status s = Status::ok;
    for (int c = 0; c < calls; ++c) {
      s = Backend::attention_decode(HopfieldInput::kPatterns, HopfieldInput::kDim, HopfieldInput::kDim, in.beta,
                                    in.query, in.x, HopfieldInput::kDim, in.x, HopfieldInput::kDim, nullptr, out,
                                    nullptr);
      clobber();
    }
    return s == Status::ok && hopfield_ok(in, out);
  }
};

}  // namespace olsf::bench_arm

#endif
