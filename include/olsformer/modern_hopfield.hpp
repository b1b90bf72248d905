// olsformer: the modern (continuous, exponential-capacity) Hopfield memory of Ramsauer et
// al. 2021, "Hopfield Networks is All You Need" (papers.md §2).
//
// One retrieval step, eq. (3) of the paper,  xi <- X^T softmax(beta X xi),  IS softmax
// attention decode with keys = values = the stored patterns and scale beta. So a step is
// one call of Backend::attention_decode: a single fused pass over the patterns with an
// online softmax (no N-sized scratch), which also hands back log Z and the entropy of
// the softmax. From them the energy (eq. 2 without its constants)
//     E(xi) = -beta^-1 log sum_i exp(beta x_i^T xi) + 1/2 xi^T xi
// is the attention free energy F = -log Z / beta (attention_types.hpp) plus 1/2 xi^T xi.
//
// Hetero-association (Dv > 0): key k_i and value v_i are stored side by side in one row
// [k_i | v_i], and decode runs with that whole row as its value. One pass then yields
// both the next key-space state K^T p (the iteration) and the read-out V^T p.
#pragma once
#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "olsformer/attention_types.hpp"
#include "olsformer/backend.hpp"
#include "olsformer/matrix.hpp"
#include "olsformer/status.hpp"

namespace olsf {

template <typename T>
struct HopfieldOptions {
  T beta = T(1);            // inverse temperature, finite and > 0; used as given (no 1/sqrt(d))
  unsigned max_steps = 1;   // retrieval steps (softmax evaluations), >= 1; Ramsauer: one usually suffices
  // Stop when max_c |xi_new - xi_old| <= tol max_c |xi_new|; 0 asks for an exact fixed point.
  T tol = T(64) * std::numeric_limits<T>::epsilon();
};

template <typename T>
struct HopfieldInfo {
  unsigned steps = 0;      // steps taken
  bool converged = false;  // the tolerance was met (false after max_steps steps, or max_steps 1 and a move)
  // Of the last step's softmax, i.e. at the state xi fed into it (the query when steps == 1):
  T energy = T(0);         // E(xi) above
  T entropy = T(0);        // -sum p_i log p_i: near 0 = one pattern retrieved, near log N = a
                           // metastable mixture (Ramsauer §3)
  T log_partition = T(0);  // log sum_i exp(beta x_i^T xi)
};

// Up to Capacity patterns of dimension D (keys), with values of dimension Dv when
// Dv > 0 (hetero-association); Dv = 0 is auto-association (the values are the keys).
template <typename T, std::size_t D, std::size_t Capacity, std::size_t Dv = 0, class Backend = DefaultBackend>
class ModernHopfield {
  static_assert(D >= 1 && Capacity >= 1, "ModernHopfield needs D >= 1 and Capacity >= 1");
  static_assert(D + Dv <= kAttentionMaxDim, "D + Dv must not exceed kAttentionMaxDim (attention kernels' bound)");
  static constexpr std::size_t kWidth = D + Dv;  // one stored row: [key | value]

 public:
  static constexpr std::size_t dim() noexcept { return D; }
  static constexpr std::size_t value_dim() noexcept { return Dv == 0 ? D : Dv; }
  static constexpr std::size_t capacity() noexcept { return Capacity; }
  std::size_t size() const noexcept { return n_; }
  const T* key(std::size_t i) const noexcept { return rows_.row(i); }
  const T* value(std::size_t i) const noexcept { return rows_.row(i) + (Dv == 0 ? 0 : D); }
  void clear() noexcept {
    rows_.fill(T(0));
    n_ = 0;
  }

  // Auto-association: stores `pattern` (D entries).
  // Statuses: capacity_exceeded (already Capacity patterns), non_finite_input (NaN/Inf).
  // On any status but ok the memory is unchanged.
  template <std::size_t V = Dv, typename = typename std::enable_if<V == 0>::type>
  Status store(const T* pattern) noexcept {
    if (n_ >= Capacity) return Status::capacity_exceeded;
    if (!finite(pattern, D)) return Status::non_finite_input;
    copy(pattern, rows_.row(n_), D);
    ++n_;
    return Status::ok;
  }

  // Hetero-association: stores the pair (key: D entries, value: Dv entries). Same statuses.
  template <std::size_t V = Dv, typename = typename std::enable_if<(V > 0)>::type>
  Status store(const T* key, const T* value) noexcept {
    if (n_ >= Capacity) return Status::capacity_exceeded;
    if (!finite(key, D) || !finite(value, Dv)) return Status::non_finite_input;
    copy(key, rows_.row(n_), D);
    copy(value, rows_.row(n_) + D, Dv);
    ++n_;
    return Status::ok;
  }

  // Iterates xi <- K^T softmax(beta K xi) from xi = query (D entries) until the tolerance
  // is met or max_steps steps are taken, and writes value_dim() entries to out: the last
  // xi (auto-association) or V^T p of the last step's softmax p (hetero-association).
  // Without info the kernel skips the observables (faster; the result is the same).
  // Not converging within max_steps is no error: info->converged says so.
  // Statuses (out and info untouched unless ok):
  //   empty             nothing stored
  //   invalid_argument  beta not finite and > 0, max_steps 0, tol negative or not finite,
  //                     query all zeros (no direction to retrieve from)
  //   non_finite_input  NaN/Inf in the query, or a logit beta x_i^T xi that overflows T,
  //                     or (info requested) an energy beyond T's range
  Status retrieve(const T* query, T* out, const HopfieldOptions<T>& options = {},
                  HopfieldInfo<T>* info = nullptr) noexcept {
    Status s = check_query(query, options.beta);
    if (s != Status::ok) return s;
    if (options.max_steps == 0 || !(options.tol >= T(0)) || !std::isfinite(options.tol))
      return Status::invalid_argument;
    copy(query, state_, D);
    HopfieldInfo<T> result;
    AttentionObservables<T> obs{};
    for (unsigned step = 1; step <= options.max_steps; ++step) {
      // The observables cost the kernel extra work per key (~1.5x the pass at small d):
      // computed only when the caller asks for info.
      s = Backend::attention_decode(n_, D, kWidth, options.beta, state_, rows_.data(), rows_.stride(), rows_.data(),
                                    rows_.stride(), nullptr, next_, info ? &obs : nullptr);
      if (s != Status::ok) return s;
      result.steps = step;
      if (info) {
        result.energy = obs.free_energy + Backend::dot(D, state_, 1, state_, 1) / T(2);
        // A finite but huge state has an energy beyond T's range: a status, not inf.
        if (!std::isfinite(result.energy)) return Status::non_finite_input;
        result.entropy = obs.entropy;
        result.log_partition = obs.log_partition;
      }
      T delta = T(0), scale = T(0);
      for (std::size_t c = 0; c < D; ++c) {
        const T dc = std::fabs(next_[c] - state_[c]), a = std::fabs(next_[c]);
        delta = dc > delta ? dc : delta;
        scale = a > scale ? a : scale;
      }
      copy(next_, state_, D);
      if (delta <= options.tol * scale) {
        result.converged = true;
        break;
      }
    }
    copy(next_ + (Dv == 0 ? 0 : D), out, value_dim());
    if (info) *info = result;
    return Status::ok;
  }

  // The energy E(xi) = -log sum_i exp(beta k_i^T xi) / beta + xi^T xi / 2 of any state xi
  // (one pass over the keys). Same statuses as retrieve; `energy` untouched unless ok.
  Status energy(const T* xi, T beta, T& energy, T* entropy = nullptr) noexcept {
    const Status s = check_query(xi, beta);
    if (s != Status::ok) return s;
    AttentionObservables<T> obs{};
    // The read-out is not needed: one value column keeps the pass as short as it gets.
    const Status d = Backend::attention_decode(n_, D, 1, beta, xi, rows_.data(), rows_.stride(), rows_.data(),
                                               rows_.stride(), nullptr, next_, &obs);
    if (d != Status::ok) return d;
    const T e = obs.free_energy + Backend::dot(D, xi, 1, xi, 1) / T(2);
    if (!std::isfinite(e)) return Status::non_finite_input;  // |xi|^2 beyond T's range
    energy = e;
    if (entropy) *entropy = obs.entropy;
    return Status::ok;
  }

 private:
  Status check_query(const T* q, T beta) const noexcept {
    if (n_ == 0) return Status::empty;
    if (!(beta > T(0)) || !std::isfinite(beta)) return Status::invalid_argument;
    if (!finite(q, D)) return Status::non_finite_input;
    for (std::size_t c = 0; c < D; ++c)
      if (q[c] != T(0)) return Status::ok;
    return Status::invalid_argument;
  }
  static bool finite(const T* x, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isfinite(x[i])) return false;
    return true;
  }
  static void copy(const T* from, T* to, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
  }

  Matrix<T, Capacity, kWidth> rows_;
  std::size_t n_ = 0;
  T state_[D] = {};
  T next_[kWidth] = {};
};

}  // namespace olsf
