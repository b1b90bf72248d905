// olsformer: dense associative memory (Krotov & Hopfield 2016, "Dense Associative Memory
// for Pattern Recognition"; Demircigil et al. 2017 for the exponential; papers.md §2):
// +-1 patterns x_mu, +-1 state s, energy  E(s) = -sum_mu F(m_mu),  m_mu = x_mu^T s, with
//   F(z) = z^a                   (polynomial, a = 2..8; a = 2 is the classical memory),
//   F(z) = max(z, 0)^a           (rectified polynomial),
//   F(z) = e^z                   (exponential; energy reported as -log sum_mu e^(m_mu)).
// Capacity grows like d^(a-1) for the polynomials and exponentially in d for e^z.
//
// Updates:
//  - asynchronous: Krotov & Hopfield eq. (3), neuron i takes the sign that gives the lower
//      energy:  s_i <- sign(sum_mu [F(b_mu + x_mu,i) - F(b_mu - x_mu,i)]),  b_mu = m_mu - x_mu,i s_i.
//      The overlaps are kept up to date (O(N) per flip): O(N d) per sweep, energy never
//      rises, so the dynamics ends in a fixed point. With a = 2 this is exactly the
//      classical zero-diagonal Hebbian update.
//  - synchronous: s <- sign(X^T F'(X s)) (the gradient sign; a constant factor of F'
//      dropped: it does not change a sign), as two backend passes (gemv, gemv_t). It keeps
//      the self-coupling term, like one step of the linear memory does for a = 2.
// A zero field keeps the neuron's state.
#pragma once
#include <cmath>
#include <cstddef>
#include <limits>

#include "olsformer/backend.hpp"
#include "olsformer/hopfield_types.hpp"
#include "olsformer/pattern_store.hpp"
#include "olsformer/status.hpp"

namespace olsf {

enum class DenseInteraction : unsigned char {
  polynomial,            // F(z) = z^a
  rectified_polynomial,  // F(z) = max(z, 0)^a
  exponential,           // F(z) = e^z
};

struct DenseOptions {
  DenseInteraction interaction = DenseInteraction::polynomial;
  unsigned power = 3;  // a, in [2, 8] for the polynomials; ignored by the exponential
  HopfieldUpdate update = HopfieldUpdate::asynchronous;
  unsigned max_steps = 100;  // synchronous updates or asynchronous sweeps, >= 1
};

template <typename T>
struct DenseInfo {
  unsigned steps = 0;
  HopfieldOutcome outcome = HopfieldOutcome::step_limit;
  T energy = T(0);  // of the returned state: -sum F(m_mu), or -log sum e^(m_mu)
};

template <typename T, std::size_t D, std::size_t Capacity, class Backend = DefaultBackend>
class DenseHopfield : public PatternStore<T, D, Capacity> {
  using Store = PatternStore<T, D, Capacity>;
  using Store::n_;
  using Store::x_;

 public:
  // Statuses (memory unchanged unless ok): capacity_exceeded, non_finite_input (NaN/Inf),
  // invalid_argument (an entry other than +-1).
  Status store(const T* pattern) noexcept {
    return Store::append(pattern, check);
  }

  // Recall from `query` (+-1 entries) into out (D entries, +-1).
  // Statuses (out and info untouched unless ok): empty; invalid_argument (max_steps 0,
  // power outside [2, 8] for a polynomial, an interaction that is not a DenseInteraction,
  // an entry other than +-1); non_finite_input (NaN/Inf in query).
  Status retrieve(const T* query, T* out, const DenseOptions& options = {}, DenseInfo<T>* info = nullptr) noexcept {
    if (n_ == 0) return Status::empty;
    if (options.max_steps == 0 || !valid(options)) return Status::invalid_argument;
    const Status s = check(query);
    if (s != Status::ok) return s;
    for (std::size_t i = 0; i < D; ++i) s_[i] = prev_[i] = query[i];
    DenseInfo<T> result;
    for (unsigned step = 1; step <= options.max_steps; ++step) {
      result.steps = step;
      if (options.update == HopfieldUpdate::synchronous) {
        sync_step(options);
        if (same(next_, s_)) {
          result.outcome = HopfieldOutcome::fixed_point;
          break;
        }
        const bool cycle = step > 1 && same(next_, prev_);
        for (std::size_t i = 0; i < D; ++i) {
          prev_[i] = s_[i];
          s_[i] = next_[i];
        }
        if (cycle) {
          result.outcome = HopfieldOutcome::two_cycle;
          break;
        }
      } else if (!async_sweep(options)) {
        result.outcome = HopfieldOutcome::fixed_point;
        break;
      }
    }
    overlaps(s_);
    result.energy = energy_from_overlaps(options);
    for (std::size_t i = 0; i < D; ++i) out[i] = s_[i];
    if (info) *info = result;
    return Status::ok;
  }

  // E(state) for the interaction of `options`. Statuses as retrieve; e untouched unless ok.
  Status energy(const T* state, const DenseOptions& options, T& e) noexcept {
    if (n_ == 0) return Status::empty;
    if (!valid(options)) return Status::invalid_argument;
    const Status s = check(state);
    if (s != Status::ok) return s;
    overlaps(state);
    e = energy_from_overlaps(options);
    return Status::ok;
  }

 private:
  static bool valid(const DenseOptions& o) noexcept {
    switch (o.interaction) {
      case DenseInteraction::exponential: return true;
      case DenseInteraction::polynomial:
      case DenseInteraction::rectified_polynomial: return o.power >= 2 && o.power <= 8;
    }
    return false;
  }
  static Status check(const T* x) noexcept {
    for (std::size_t i = 0; i < D; ++i) {
      if (x[i] == T(1) || x[i] == T(-1)) continue;
      return std::isfinite(x[i]) ? Status::invalid_argument : Status::non_finite_input;
    }
    return Status::ok;
  }
  static bool same(const T* a, const T* b) noexcept {
    for (std::size_t i = 0; i < D; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  static T power(T z, unsigned a) noexcept {
    T r = z;
    for (unsigned k = 1; k < a; ++k) r *= z;
    return r;
  }
  static T F(T z, const DenseOptions& o) noexcept {
    if (o.interaction == DenseInteraction::rectified_polynomial && z < T(0)) return T(0);
    return power(z, o.power);
  }
  // m = X s: exact for +-1 entries (integers far below 2^24).
  void overlaps(const T* s) noexcept {
    Backend::gemv(n_, D, T(1), x_.data(), x_.stride(), s, 1, T(0), m_, 1);
  }
  T energy_from_overlaps(const DenseOptions& o) noexcept {
    if (o.interaction == DenseInteraction::exponential) {
      const T top = Backend::reduce_max(n_, m_, 1);
      for (std::size_t mu = 0; mu < n_; ++mu) g_[mu] = m_[mu] - top;
      Backend::exp(n_, g_, g_);
      return -(top + std::log(Backend::reduce_sum(n_, g_, 1)));
    }
    T e = T(0);
    for (std::size_t mu = 0; mu < n_; ++mu) e -= F(m_[mu], o);
    return e;
  }
  void sync_step(const DenseOptions& o) noexcept {
    overlaps(s_);
    if (o.interaction == DenseInteraction::exponential) {
      // F'(m) = e^m, scaled by e^(-max m): the sign of X^T g is unchanged, nothing overflows.
      const T top = Backend::reduce_max(n_, m_, 1);
      for (std::size_t mu = 0; mu < n_; ++mu) g_[mu] = m_[mu] - top;
      Backend::exp(n_, g_, g_);
    } else {
      for (std::size_t mu = 0; mu < n_; ++mu) {
        const T z = m_[mu];
        g_[mu] = o.interaction == DenseInteraction::rectified_polynomial && z < T(0) ? T(0) : power(z, o.power - 1);
      }
    }
    Backend::gemv_t(n_, D, T(1), x_.data(), x_.stride(), g_, 1, T(0), field_, 1);
    for (std::size_t i = 0; i < D; ++i) next_[i] = field_[i] > T(0) ? T(1) : field_[i] < T(0) ? T(-1) : s_[i];
  }
  // One in-order sweep of eq. (3); true if any neuron flipped.
  bool async_sweep(const DenseOptions& o) noexcept {
    overlaps(s_);
    bool flipped = false;
    for (std::size_t i = 0; i < D; ++i) {
      // g_mu = F(b_mu + 1) - F(b_mu - 1), so that F(b + x) - F(b - x) = x g for x = +-1.
      if (o.interaction == DenseInteraction::exponential) {
        // e^(b+1) - e^(b-1) = 2 sinh(1) e^b: the positive factor 2 sinh(1) e^(max b) is dropped.
        T top = -std::numeric_limits<T>::infinity();
        for (std::size_t mu = 0; mu < n_; ++mu) {
          g_[mu] = m_[mu] - x_(mu, i) * s_[i];
          top = g_[mu] > top ? g_[mu] : top;
        }
        for (std::size_t mu = 0; mu < n_; ++mu) g_[mu] -= top;
        Backend::exp(n_, g_, g_);
      } else {
        for (std::size_t mu = 0; mu < n_; ++mu) {
          const T b = m_[mu] - x_(mu, i) * s_[i];
          g_[mu] = F(b + T(1), o) - F(b - T(1), o);
        }
      }
      T h = T(0);
      for (std::size_t mu = 0; mu < n_; ++mu) h += x_(mu, i) * g_[mu];
      const T want = h > T(0) ? T(1) : h < T(0) ? T(-1) : s_[i];
      if (want != s_[i]) {
        for (std::size_t mu = 0; mu < n_; ++mu) m_[mu] += T(2) * want * x_(mu, i);
        s_[i] = want;
        flipped = true;
      }
    }
    return flipped;
  }

  T s_[D] = {}, prev_[D] = {}, next_[D] = {}, field_[D] = {};
  T m_[Capacity] = {}, g_[Capacity] = {};
};

}  // namespace olsf
