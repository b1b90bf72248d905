// olsformer: one layer of linear attention with arbitrary weights, the block of
// papers.md §1 (Tan & Zhao 2026, arXiv 2604.13656):
//
//   Q = X~ W_Q,  K = X~ W_K,  V = X~ W_V            (tokens are rows, X~ = X - 1 c_x^T)
//   H = Q K^T V                                      (linear attention: no softmax, no 1/n)
//   out = c_y + H W_FFN W_P                          (W_FFN: D x D, W_P: D x K)
//
// For one query x (a "test token") against the n context tokens x_i this is
//   q = W_Q^T x~,  k_i = W_K^T x~_i,  v_i = W_V^T x~_i,  a_i = q . k_i   (the scores)
//   h = sum_i a_i v_i = S^T q  with the state  S = sum_i k_i v_i^T       (Katharopoulos
//   et al. 2020: parallel and recurrent forms of the same sum)
//   out = c_y + W_P^T W_FFN^T h.
// The block has no residual connection, normalisation or nonlinearity: papers.md §1
// defines it that way, and with W_Q = W_K = W_V = L, W_FFN = I, W_P = P (an OLS fit,
// OlsTransformer::layer()) its forward pass is Q K^T V W_P = X~ L P = the OLS fit Y^
// (the paper's theorem), because L^T X~^T X~ L = I.
//
// The token form attend() reads the context values instead of the W_P projection:
//   out = c_y + sum_i a_i (y_i - c_y)
// (papers.md §1, "output y^ = sum_i a_i y_i"); with the OLS weights both forms agree.
//
// Kernels: the projections are gemv_t, the state is built with linear_attention_update
// and read with linear_attention_query (recurrent form, D^2 per query); forward_context
// runs the parallel form (linear_attention) with every context token as a query.
// All storage is inside the object (5 Context x D matrices plus D x D weights): no heap.
#pragma once
#include <cmath>
#include <cstddef>

#include "olsformer/attention_types.hpp"
#include "olsformer/backend.hpp"
#include "olsformer/matrix.hpp"
#include "olsformer/ols_transformer.hpp"
#include "olsformer/status.hpp"

namespace olsf {

template <typename T, std::size_t D, std::size_t K, std::size_t Context, class Backend = DefaultBackend>
class LinearAttentionLayer {
  static_assert(D >= 1 && K >= 1 && Context >= 1, "LinearAttentionLayer needs D, K, Context >= 1");
  static_assert(D <= kAttentionMaxDim && K <= kAttentionMaxDim, "D and K are limited by kAttentionMaxDim");

 public:
  // Zero weights and centres, empty context: load weights before use.
  LinearAttentionLayer() noexcept = default;

  // Sets the weights and the centres (null: 0) and clears the context (its projections
  // depend on the weights). Statuses: ok; non_finite_input (NaN/Inf in a weight or
  // centre: nothing changes).
  Status set_weights(const Matrix<T, D, D>& w_q, const Matrix<T, D, D>& w_k, const Matrix<T, D, D>& w_v,
                     const Matrix<T, D, D>& w_ffn, const Matrix<T, D, K>& w_p, const T* centre_x = nullptr,
                     const T* centre_y = nullptr) noexcept {
    if (!finite(w_q) || !finite(w_k) || !finite(w_v) || !finite(w_ffn) || !finite(w_p)) return Status::non_finite_input;
    for (std::size_t j = 0; centre_x && j < D; ++j)
      if (!std::isfinite(centre_x[j])) return Status::non_finite_input;
    for (std::size_t t = 0; centre_y && t < K; ++t)
      if (!std::isfinite(centre_y[t])) return Status::non_finite_input;
    wq_ = w_q;
    wk_ = w_k;
    wv_ = w_v;
    wffn_ = w_ffn;
    wp_ = w_p;
    for (std::size_t j = 0; j < D; ++j) cx_[j] = centre_x ? centre_x[j] : T(0);
    for (std::size_t t = 0; t < K; ++t) cy_[t] = centre_y ? centre_y[t] : T(0);
    clear_context();
    return Status::ok;
  }

  // The weights of an OLS fit (OlsTransformer::layer(): W_Q = W_K = W_V = L, W_FFN = I,
  // W_P = P, centres = the fit's means). Same statuses as set_weights.
  Status load(const OlsLayerView<T, D, K>& v) noexcept {
    return set_weights(v.w_q, v.w_k, v.w_v, v.w_ffn, v.w_p, v.centre_x, v.centre_y);
  }

  // Forgets the context tokens (weights stay).
  void clear_context() noexcept {
    n_ = 0;
    s_.fill(T(0));
    for (std::size_t j = 0; j < D; ++j) z_[j] = T(0);
  }

  // Appends a context token (x: D entries, y: K entries): stores q_i, k_i, v_i and
  // y_i - c_y, and adds k_i v_i^T to the state. Statuses: ok; invalid_argument (null);
  // capacity_exceeded (Context tokens already); non_finite_input (NaN/Inf in x or y, a
  // projection or a state entry that would overflow). On any status but ok nothing changes.
  Status push(const T* x, const T* y) noexcept {
    if (x == nullptr || y == nullptr) return Status::invalid_argument;
    if (n_ == Context) return Status::capacity_exceeded;
    T xc[D], q[D], k[D], v[D];
    if (!centre(x, xc)) return Status::non_finite_input;
    for (std::size_t t = 0; t < K; ++t)
      if (!std::isfinite(y[t]) || !std::isfinite(y[t] - cy_[t])) return Status::non_finite_input;
    project(wq_, xc, q);
    project(wk_, xc, k);
    project(wv_, xc, v);
    for (std::size_t j = 0; j < D; ++j)
      if (!std::isfinite(q[j]) || !std::isfinite(k[j]) || !std::isfinite(v[j])) return Status::non_finite_input;
    // The kernel checks k and v but not the sums: refuse a token that would overflow S.
    for (std::size_t j = 0; j < D; ++j)
      for (std::size_t c = 0; c < D; ++c)
        if (!std::isfinite(s_(j, c) + k[j] * v[c])) return Status::non_finite_input;
    // The kernel leaves S and z untouched unless ok.
    const Status s = Backend::linear_attention_update(D, D, FeatureMap::identity, k, v, s_.data(), s_.stride(), z_);
    if (s != Status::ok) return s;
    for (std::size_t j = 0; j < D; ++j) {
      q_(n_, j) = q[j];
      k_(n_, j) = k[j];
      v_(n_, j) = v[j];
    }
    for (std::size_t t = 0; t < K; ++t) y_(n_, t) = y[t] - cy_[t];
    ++n_;
    return Status::ok;
  }

  // The block's forward pass for one query x (D entries) over the context, recurrent
  // form: out = c_y + W_P^T W_FFN^T S^T W_Q^T x~ (K entries). scores (context_size()
  // entries, may be null) receives a_i = q . k_i. Statuses: ok; empty (no context token);
  // invalid_argument (null x or out); non_finite_input (NaN/Inf in x, an output that
  // overflows). out and scores are untouched unless ok.
  Status forward(const T* x, T* out, T* scores = nullptr) const noexcept {
    T q[D];
    const Status st = query(x, out, q);
    if (st != Status::ok) return st;
    T h[D], f[D], o[K];
    const Status s = Backend::linear_attention_query(D, D, FeatureMap::identity, q, s_.data(), s_.stride(), z_,
                                                     false, h);
    if (s != Status::ok) return s;
    Backend::gemv_t(D, D, T(1), wffn_.data(), wffn_.stride(), h, 1, T(0), f, 1);
    Backend::gemv_t(D, K, T(1), wp_.data(), wp_.stride(), f, 1, T(0), o, 1);
    for (std::size_t t = 0; t < K; ++t) {
      o[t] += cy_[t];
      if (!std::isfinite(o[t])) return Status::non_finite_input;
    }
    if (scores) Backend::gemv(n_, D, T(1), k_.data(), k_.stride(), q, 1, T(0), scores, 1);
    for (std::size_t t = 0; t < K; ++t) out[t] = o[t];
    return Status::ok;
  }

  // Token form: out = c_y + sum_i a_i (y_i - c_y), a_i = q . k_i (scores as in forward).
  // Same statuses as forward.
  Status attend(const T* x, T* out, T* scores = nullptr) const noexcept {
    T q[D];
    const Status st = query(x, out, q);
    if (st != Status::ok) return st;
    T acc[K];
    for (std::size_t t = 0; t < K; ++t) acc[t] = T(0);
    for (std::size_t i = 0; i < n_; ++i) {
      const T a = Backend::dot(D, q, 1, k_.row(i), 1);
      Backend::axpy(K, a, y_.row(i), 1, acc, 1);
    }
    for (std::size_t t = 0; t < K; ++t) {
      acc[t] += cy_[t];
      if (!std::isfinite(acc[t])) return Status::non_finite_input;
    }
    if (scores) Backend::gemv(n_, D, T(1), k_.data(), k_.stride(), q, 1, T(0), scores, 1);
    for (std::size_t t = 0; t < K; ++t) out[t] = acc[t];
    return Status::ok;
  }

  // The forward pass with every context token as the query, parallel form
  // (H = Q K^T V by linear_attention, no n x n matrix): row i of out (row stride
  // ldo >= K) is forward(x_i). Statuses: ok; empty; invalid_argument (null out, ldo < K);
  // those of linear_attention. out is untouched unless ok.
  Status forward_context(T* out, std::size_t ldo) noexcept {
    if (n_ == 0) return Status::empty;
    if (out == nullptr || ldo < K) return Status::invalid_argument;
    const Status s = Backend::linear_attention(n_, n_, D, D, FeatureMap::identity, false, false, q_.data(),
                                               q_.stride(), k_.data(), k_.stride(), v_.data(), v_.stride(),
                                               h_.data(), h_.stride());
    if (s != Status::ok) return s;
    for (std::size_t i = 0; i < n_; ++i) {
      T f[D], o[K];
      Backend::gemv_t(D, D, T(1), wffn_.data(), wffn_.stride(), h_.row(i), 1, T(0), f, 1);
      Backend::gemv_t(D, K, T(1), wp_.data(), wp_.stride(), f, 1, T(0), o, 1);
      for (std::size_t t = 0; t < K; ++t) out[i * ldo + t] = cy_[t] + o[t];
    }
    return Status::ok;
  }

  std::size_t context_size() const noexcept { return n_; }
  static constexpr std::size_t context_capacity() noexcept { return Context; }
  const Matrix<T, D, D>& w_q() const noexcept { return wq_; }
  const Matrix<T, D, D>& w_k() const noexcept { return wk_; }
  const Matrix<T, D, D>& w_v() const noexcept { return wv_; }
  const Matrix<T, D, D>& w_ffn() const noexcept { return wffn_; }
  const Matrix<T, D, K>& w_p() const noexcept { return wp_; }
  const T* centre_x() const noexcept { return cx_; }
  const T* centre_y() const noexcept { return cy_; }
  // The recurrent state S = sum_i k_i v_i^T (D x D).
  const Matrix<T, D, D>& state() const noexcept { return s_; }
  // Projected key of context token i (i < context_size()).
  const T* key(std::size_t i) const noexcept { return k_.row(i); }

 private:
  template <std::size_t R, std::size_t C>
  static bool finite(const Matrix<T, R, C>& m) noexcept {
    for (std::size_t i = 0; i < R; ++i)
      for (std::size_t j = 0; j < C; ++j)
        if (!std::isfinite(m(i, j))) return false;
    return true;
  }

  // x~ = x - c_x; false on NaN/Inf.
  bool centre(const T* x, T* xc) const noexcept {
    for (std::size_t j = 0; j < D; ++j) {
      xc[j] = x[j] - cx_[j];
      if (!std::isfinite(x[j]) || !std::isfinite(xc[j])) return false;
    }
    return true;
  }

  // out = W^T x~ (a token row times W).
  static void project(const Matrix<T, D, D>& w, const T* xc, T* out) noexcept {
    Backend::gemv_t(D, D, T(1), w.data(), w.stride(), xc, 1, T(0), out, 1);
  }

  // The checks shared by forward and attend, and q = W_Q^T x~.
  Status query(const T* x, const T* out, T* q) const noexcept {
    if (x == nullptr || out == nullptr) return Status::invalid_argument;
    if (n_ == 0) return Status::empty;
    T xc[D];
    if (!centre(x, xc)) return Status::non_finite_input;
    project(wq_, xc, q);
    for (std::size_t j = 0; j < D; ++j)
      if (!std::isfinite(q[j])) return Status::non_finite_input;
    return Status::ok;
  }

  Matrix<T, D, D> wq_, wk_, wv_, wffn_, s_;
  Matrix<T, D, K> wp_;
  Matrix<T, Context, D> q_, k_, v_, h_;
  Matrix<T, Context, K> y_;  // y_i - c_y
  T z_[D] = {};              // sum_i k_i (the kernel keeps it; unused without normalisation)
  T cx_[D] = {};
  T cy_[K] = {};
  std::size_t n_ = 0;
};

}  // namespace olsf
