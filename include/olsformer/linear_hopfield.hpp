// olsformer: the linear-energy memory, xi <- X^T X xi, rescaled to the norm of xi: the
// linear attention of the OLS-Transformer (keys = values = the stored patterns, identity
// feature map; papers.md §1-2), written as a memory for the side-by-side comparison with
// the Hebbian, dense and modern ones. Its energy E(xi) = -1/2 sum_mu (x_mu^T xi)^2 is
// quadratic, so many steps are power iteration towards the top eigenvector of X^T X (a
// mixture, not a stored pattern), and one step is the classical memory with self-coupling:
// capacity stays O(d) (Ramsauer et al. 2021 §2: linear -> exponential is the point).
// The rescaling is explicit and documented: it only fixes the length, never the direction.
#pragma once
#include <cmath>
#include <cstddef>
#include <limits>

#include "olsformer/backend.hpp"
#include "olsformer/pattern_store.hpp"
#include "olsformer/status.hpp"

namespace olsf {

template <typename T>
struct LinearHopfieldOptions {
  unsigned max_steps = 1;  // >= 1; one step is one linear-attention read-out
  // Stop when max_c |xi_new - xi_old| <= tol max_c |xi_new|.
  T tol = T(64) * std::numeric_limits<T>::epsilon();
};

template <typename T>
struct LinearHopfieldInfo {
  unsigned steps = 0;
  bool converged = false;
  T energy = T(0);  // -1/2 |X xi|^2 at the state fed into the last step (the query when steps == 1)
};

template <typename T, std::size_t D, std::size_t Capacity, class Backend = DefaultBackend>
class LinearHopfield : public PatternStore<T, D, Capacity> {
  using Store = PatternStore<T, D, Capacity>;
  using Store::n_;
  using Store::x_;

 public:
  // Statuses (memory unchanged unless ok): capacity_exceeded, non_finite_input.
  Status store(const T* pattern) noexcept {
    return Store::append(pattern, [](const T* p) {
      for (std::size_t i = 0; i < D; ++i)
        if (!std::isfinite(p[i])) return Status::non_finite_input;
      return Status::ok;
    });
  }

  // xi <- X^T X xi |xi| / |X^T X xi| from xi = query, up to max_steps steps; out gets D entries.
  // Statuses (out and info untouched unless ok): empty; invalid_argument (max_steps 0, tol
  // negative or not finite, query all zeros); non_finite_input (NaN/Inf in the query, or
  // an intermediate that overflows T); rank_deficient (X^T X xi = 0: xi is orthogonal to
  // every stored pattern, so there is no direction to return).
  Status retrieve(const T* query, T* out, const LinearHopfieldOptions<T>& options = {},
                  LinearHopfieldInfo<T>* info = nullptr) noexcept {
    if (n_ == 0) return Status::empty;
    if (options.max_steps == 0 || !(options.tol >= T(0)) || !std::isfinite(options.tol))
      return Status::invalid_argument;
    bool nonzero = false;
    for (std::size_t i = 0; i < D; ++i) {
      if (!std::isfinite(query[i])) return Status::non_finite_input;
      nonzero = nonzero || query[i] != T(0);
    }
    if (!nonzero) return Status::invalid_argument;
    for (std::size_t i = 0; i < D; ++i) s_[i] = query[i];
    LinearHopfieldInfo<T> result;
    for (unsigned step = 1; step <= options.max_steps; ++step) {
      Backend::gemv(n_, D, T(1), x_.data(), x_.stride(), s_, 1, T(0), scores_, 1);    // X xi
      Backend::gemv_t(n_, D, T(1), x_.data(), x_.stride(), scores_, 1, T(0), next_, 1);  // X^T X xi
      const T e = -Backend::dot(n_, scores_, 1, scores_, 1) / T(2);
      const T len = std::sqrt(Backend::dot(D, s_, 1, s_, 1));
      const T len_next = std::sqrt(Backend::dot(D, next_, 1, next_, 1));
      if (!std::isfinite(e) || !std::isfinite(len) || !std::isfinite(len_next)) return Status::non_finite_input;
      if (!(len_next > T(0))) return Status::rank_deficient;
      const T scale = len / len_next;
      T delta = T(0), top = T(0);
      for (std::size_t i = 0; i < D; ++i) {
        next_[i] *= scale;
        const T dc = std::fabs(next_[i] - s_[i]), a = std::fabs(next_[i]);
        delta = dc > delta ? dc : delta;
        top = a > top ? a : top;
      }
      result.steps = step;
      result.energy = e;
      for (std::size_t i = 0; i < D; ++i) s_[i] = next_[i];
      if (delta <= options.tol * top) {
        result.converged = true;
        break;
      }
    }
    for (std::size_t i = 0; i < D; ++i) out[i] = s_[i];
    if (info) *info = result;
    return Status::ok;
  }

 private:
  T s_[D] = {}, next_[D] = {}, scores_[Capacity] = {};
};

}  // namespace olsf
