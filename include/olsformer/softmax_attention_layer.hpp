// olsformer: the softmax variant of the OLS-Transformer block: kernel regression
// (Nadaraya-Watson) over the context tokens (papers.md §1, last paragraph):
//
//   q = W_Q^T x~,  k_i = W_K^T x~_i            (x~ = x - c_x, as in LinearAttentionLayer)
//   y^ = sum_i p_i y_i,  p = softmax(l),  with the logits
//     SoftmaxKernel::dot_product:  l_i = beta q . k_i                (papers.md §1 as written)
//     SoftmaxKernel::gaussian:     l_i = beta q . k_i - beta |k_i|^2 / 2
//                                      = -beta |q - k_i|^2 / 2 + (a constant in i)
//
// With the OLS weights (W_Q = W_K = L, L L^T = (X~^T X~)^-1) q . k_i = x~^T (X~^T X~)^-1 x~_i
// and |q - k_i| is the distance in the whitened (Mahalanobis) metric. Limits in beta:
//   beta -> 0:   p_i -> 1/n, y^ -> the context mean of y (both kernels);
//   beta -> inf: p concentrates on argmax_i l_i: for the gaussian kernel the nearest
//                neighbour of x in the whitened metric; for dot_product the token with
//                the largest inner product q . k_i, which is NOT the nearest neighbour
//                in general (a long key wins over a close one): that is why the gaussian
//                kernel exists here. The Gaussian logits are formed as beta q.k_i plus
//                a per-key bias -beta |k_i|^2 / 2 passed as the kernel's additive mask;
//                they lose accuracy relative to beta |k_i|^2 (cancellation when q ~ k_i).
//
// The work is Backend::attention_decode (one pass, online softmax, observables on
// request); weights() returns the whole distribution through gemv + softmax.
// All storage is inside the object; no heap.
#pragma once
#include <cmath>
#include <cstddef>

#include "olsformer/attention_types.hpp"
#include "olsformer/backend.hpp"
#include "olsformer/matrix.hpp"
#include "olsformer/ols_transformer.hpp"
#include "olsformer/status.hpp"

namespace olsf {

enum class SoftmaxKernel : unsigned char {
  dot_product,  // l_i = beta q . k_i
  gaussian,     // l_i = -beta |q - k_i|^2 / 2 (up to a constant): Nadaraya-Watson
};

template <typename T, std::size_t D, std::size_t K, std::size_t Context, class Backend = DefaultBackend>
class SoftmaxAttentionLayer {
  static_assert(D >= 1 && K >= 1 && Context >= 1, "SoftmaxAttentionLayer needs D, K, Context >= 1");
  static_assert(D <= kAttentionMaxDim && K <= kAttentionMaxDim, "D and K are limited by kAttentionMaxDim");

 public:
  explicit SoftmaxAttentionLayer(SoftmaxKernel kernel = SoftmaxKernel::gaussian) noexcept : kernel_(kernel) {}

  SoftmaxKernel kernel() const noexcept { return kernel_; }
  // Changes the logits from the next call on (the context stays valid).
  void set_kernel(SoftmaxKernel kernel) noexcept { kernel_ = kernel; }

  // Sets W_Q, W_K and the centre c_x (null: 0) and clears the context.
  // Statuses: ok; non_finite_input (NaN/Inf in a weight or the centre: nothing changes).
  Status set_weights(const Matrix<T, D, D>& w_q, const Matrix<T, D, D>& w_k, const T* centre_x = nullptr) noexcept {
    for (std::size_t i = 0; i < D; ++i)
      for (std::size_t j = 0; j < D; ++j)
        if (!std::isfinite(w_q(i, j)) || !std::isfinite(w_k(i, j))) return Status::non_finite_input;
    for (std::size_t j = 0; centre_x && j < D; ++j)
      if (!std::isfinite(centre_x[j])) return Status::non_finite_input;
    wq_ = w_q;
    wk_ = w_k;
    for (std::size_t j = 0; j < D; ++j) cx_[j] = centre_x ? centre_x[j] : T(0);
    n_ = 0;
    return Status::ok;
  }

  // W_Q = W_K = L and c_x from an OLS fit (OlsTransformer::layer()).
  Status load(const OlsLayerView<T, D, K>& v) noexcept { return set_weights(v.w_q, v.w_k, v.centre_x); }

  void clear_context() noexcept { n_ = 0; }

  // Appends a context token: stores k_i = W_K^T x~_i, |k_i|^2 / 2 and y_i.
  // Statuses: ok; invalid_argument (null); capacity_exceeded; non_finite_input (NaN/Inf in
  // x or y, or an overflowing key). On any status but ok nothing changes.
  Status push(const T* x, const T* y) noexcept {
    if (x == nullptr || y == nullptr) return Status::invalid_argument;
    if (n_ == Context) return Status::capacity_exceeded;
    T k[D];
    if (!project(wk_, x, k)) return Status::non_finite_input;
    const T half = Backend::dot(D, k, 1, k, 1) / T(2);
    if (!std::isfinite(half)) return Status::non_finite_input;
    for (std::size_t t = 0; t < K; ++t)
      if (!std::isfinite(y[t])) return Status::non_finite_input;
    for (std::size_t j = 0; j < D; ++j) k_(n_, j) = k[j];
    for (std::size_t t = 0; t < K; ++t) y_(n_, t) = y[t];
    half_norm_[n_] = half;
    ++n_;
    return Status::ok;
  }

  // y^ = sum_i p_i y_i (K entries) for the query x at inverse temperature beta > 0.
  // obs (may be null) receives the observables of p (entropy, free energy...: see
  // attention_types.hpp). Statuses: ok; empty (no context token); invalid_argument (null
  // x or out, beta not finite and > 0); non_finite_input (NaN/Inf in x, a logit that
  // overflows); those of attention_decode. out and obs are untouched unless ok.
  Status forward(const T* x, T beta, T* out, AttentionObservables<T>* obs = nullptr) noexcept {
    T q[D];
    const Status st = prepare(x, beta, out, q);
    if (st != Status::ok) return st;
    return Backend::attention_decode(n_, D, K, beta, q, k_.data(), k_.stride(), y_.data(), y_.stride(),
                                     kernel_ == SoftmaxKernel::gaussian ? mask_ : nullptr, out, obs);
  }

  // The attention distribution itself: p (context_size() entries), via gemv + softmax.
  // Same statuses as forward (plus those of softmax); p is untouched unless ok.
  Status weights(const T* x, T beta, T* p) noexcept {
    T q[D];
    const Status st = prepare(x, beta, p, q);
    if (st != Status::ok) return st;
    Backend::gemv(n_, D, beta, k_.data(), k_.stride(), q, 1, T(0), logits_, 1);
    for (std::size_t i = 0; i < n_; ++i) {
      if (kernel_ == SoftmaxKernel::gaussian) logits_[i] += mask_[i];
      if (!std::isfinite(logits_[i])) return Status::non_finite_input;
    }
    return Backend::softmax(n_, logits_, 1, p, 1);
  }

  std::size_t context_size() const noexcept { return n_; }
  static constexpr std::size_t context_capacity() noexcept { return Context; }
  const T* key(std::size_t i) const noexcept { return k_.row(i); }

 private:
  // out = W^T (x - c_x); false on NaN/Inf.
  bool project(const Matrix<T, D, D>& w, const T* x, T* out) const noexcept {
    T xc[D];
    for (std::size_t j = 0; j < D; ++j) {
      xc[j] = x[j] - cx_[j];
      if (!std::isfinite(x[j]) || !std::isfinite(xc[j])) return false;
    }
    Backend::gemv_t(D, D, T(1), w.data(), w.stride(), xc, 1, T(0), out, 1);
    for (std::size_t j = 0; j < D; ++j)
      if (!std::isfinite(out[j])) return false;
    return true;
  }

  // Checks, q = W_Q^T x~, and the gaussian kernel's bias -beta |k_i|^2 / 2 in mask_.
  Status prepare(const T* x, T beta, const T* out, T* q) noexcept {
    if (x == nullptr || out == nullptr) return Status::invalid_argument;
    if (!(beta > T(0)) || !std::isfinite(beta)) return Status::invalid_argument;
    if (n_ == 0) return Status::empty;
    if (!project(wq_, x, q)) return Status::non_finite_input;
    if (kernel_ == SoftmaxKernel::gaussian) {
      for (std::size_t i = 0; i < n_; ++i) {
        mask_[i] = -beta * half_norm_[i];
        if (!std::isfinite(mask_[i])) return Status::non_finite_input;
      }
    }
    return Status::ok;
  }

  SoftmaxKernel kernel_;
  Matrix<T, D, D> wq_, wk_;
  Matrix<T, Context, D> k_;
  Matrix<T, Context, K> y_;
  T half_norm_[Context] = {};
  T mask_[Context] = {};    // scratch: the gaussian bias for the current beta
  T logits_[Context] = {};  // scratch of weights()
  T cx_[D] = {};
  std::size_t n_ = 0;
};

}  // namespace olsf
