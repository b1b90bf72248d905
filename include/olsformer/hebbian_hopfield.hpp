// olsformer: the classical Hopfield memory (Hopfield 1982; papers.md §2): +-1 patterns,
// Hebbian weights W = sum_mu x_mu x_mu^T with zero diagonal, sign updates, and the energy
// E = -1/2 s^T W s. Its capacity is about 0.138 d patterns (Amit, Gutfreund & Sompolinsky
// 1985): the baseline the dense and modern memories are measured against.
//
// W is never formed. Patterns are stored as bits (bit set = +1), and the local field is
// computed from the overlaps m_mu = x_mu^T s = d - 2 popcount(x_mu xor s):
//     h = W s = sum_mu x_mu m_mu - N s        (the -N s removes the diagonal N I).
// Cost per synchronous step: N d / 32 popcounts + N d integer adds, against d^2
// multiply-adds for W s; storage N d / 8 bytes against d^2 weights. Since recall needs
// N < 0.14 d anyway, the overlaps win on both counts (d = 100, N = 14: 175 bytes instead of
// 20 KB of int16 weights). An asynchronous flip of s_i updates every m_mu in O(N).
// All arithmetic is on integers: results are exact and identical on every target.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "olsformer/hopfield_types.hpp"
#include "olsformer/status.hpp"

namespace olsf {

struct HebbianOptions {
  HopfieldUpdate update = HopfieldUpdate::asynchronous;
  unsigned max_steps = 100;  // synchronous updates, or asynchronous sweeps over all d neurons; >= 1
};

struct HebbianInfo {
  unsigned steps = 0;  // updates (or sweeps) taken, the last one included
  HopfieldOutcome outcome = HopfieldOutcome::step_limit;
  std::int64_t energy = 0;  // E = -1/2 s^T W s of the returned state (W unnormalised: exact)
};

template <std::size_t D, std::size_t Capacity>
class HebbianHopfield {
  static_assert(D >= 1 && Capacity >= 1, "HebbianHopfield needs D >= 1 and Capacity >= 1");
  static_assert(D <= (1u << 15) && Capacity <= (1u << 15), "overlaps and fields are held in 32-bit integers");
  static constexpr std::size_t kWords = (D + 31) / 32;

 public:
  static constexpr std::size_t dim() noexcept { return D; }
  static constexpr std::size_t capacity() noexcept { return Capacity; }
  std::size_t size() const noexcept { return n_; }
  void clear() noexcept { n_ = 0; }

  // Stores a pattern of D entries, each exactly +1 or -1 (any arithmetic type).
  // Statuses (memory unchanged unless ok): capacity_exceeded (Capacity patterns already),
  // non_finite_input (NaN/Inf), invalid_argument (an entry other than +-1).
  template <typename V>
  Status store(const V* pattern) noexcept {
    if (n_ >= Capacity) return Status::capacity_exceeded;
    const Status s = check(pattern);
    if (s != Status::ok) return s;
    pack(pattern, bits_[n_]);
    ++n_;
    return Status::ok;
  }

  // Writes stored pattern i (i < size()) as +-1 into out.
  template <typename V>
  void pattern(std::size_t i, V* out) const noexcept {
    unpack(bits_[i], out);
  }

  // Sign dynamics from `query` (+-1 entries) until a fixed point, a 2-cycle
  // (synchronous) or max_steps; out (D entries, +-1) gets the final state. A zero field
  // keeps the neuron's state (so ties never oscillate).
  // Statuses (out and info untouched unless ok): empty (nothing stored), invalid_argument
  // (max_steps 0, an entry other than +-1), non_finite_input (NaN/Inf in query).
  template <typename V>
  Status retrieve(const V* query, V* out, const HebbianOptions& options = {}, HebbianInfo* info = nullptr) noexcept {
    if (n_ == 0) return Status::empty;
    if (options.max_steps == 0) return Status::invalid_argument;
    const Status s = check(query);
    if (s != Status::ok) return s;
    Word cur[kWords], prev[kWords], next[kWords];
    pack(query, cur);
    copy(cur, prev);
    HebbianInfo result;
    for (unsigned step = 1; step <= options.max_steps; ++step) {
      result.steps = step;
      if (options.update == HopfieldUpdate::synchronous) {
        sync_step(cur, next);
        if (equal(next, cur)) {
          result.outcome = HopfieldOutcome::fixed_point;
          break;
        }
        const bool cycle = step > 1 && equal(next, prev);
        copy(cur, prev);
        copy(next, cur);
        if (cycle) {
          result.outcome = HopfieldOutcome::two_cycle;
          break;
        }
      } else if (!async_sweep(cur)) {
        result.outcome = HopfieldOutcome::fixed_point;
        break;
      }
    }
    result.energy = energy_of(cur);
    unpack(cur, out);
    if (info) *info = result;
    return Status::ok;
  }

  // E(s) = -1/2 s^T W s = -1/2 (sum_mu m_mu^2 - N d). Statuses as retrieve (empty gives 0).
  template <typename V>
  Status energy(const V* state, std::int64_t& e) const noexcept {
    const Status s = check(state);
    if (s != Status::ok) return s;
    Word w[kWords];
    pack(state, w);
    e = energy_of(w);
    return Status::ok;
  }

 private:
  using Word = std::uint32_t;

  template <typename V>
  static Status check(const V* x) noexcept {
    static_assert(std::is_arithmetic<V>::value, "patterns are arrays of numbers");
    for (std::size_t i = 0; i < D; ++i) {
      if (x[i] == V(1) || x[i] == V(-1)) continue;
      if constexpr (std::is_floating_point<V>::value) {
        if (!(x[i] - x[i] == V(0))) return Status::non_finite_input;  // NaN or Inf
      }
      return Status::invalid_argument;
    }
    return Status::ok;
  }
  template <typename V>
  static void pack(const V* x, Word* w) noexcept {
    for (std::size_t k = 0; k < kWords; ++k) w[k] = 0;
    for (std::size_t i = 0; i < D; ++i)
      if (x[i] > V(0)) w[i / 32] |= Word(1) << (i % 32);
  }
  template <typename V>
  static void unpack(const Word* w, V* x) noexcept {
    for (std::size_t i = 0; i < D; ++i) x[i] = bit(w, i) ? V(1) : V(-1);
  }
  static bool bit(const Word* w, std::size_t i) noexcept { return (w[i / 32] >> (i % 32)) & 1u; }
  static void copy(const Word* from, Word* to) noexcept {
    for (std::size_t k = 0; k < kWords; ++k) to[k] = from[k];
  }
  static bool equal(const Word* a, const Word* b) noexcept {
    for (std::size_t k = 0; k < kWords; ++k)
      if (a[k] != b[k]) return false;
    return true;
  }
  // m_mu = d - 2 (number of differing bits); padding bits are 0 in both.
  std::int32_t overlap(std::size_t mu, const Word* s) const noexcept {
    int diff = 0;
    for (std::size_t k = 0; k < kWords; ++k) diff += __builtin_popcount(bits_[mu][k] ^ s[k]);
    return static_cast<std::int32_t>(D) - 2 * diff;
  }
  std::int64_t energy_of(const Word* s) const noexcept {
    std::int64_t sum = 0;
    for (std::size_t mu = 0; mu < n_; ++mu) {
      const std::int64_t m = overlap(mu, s);
      sum += m * m;
    }
    return -(sum - static_cast<std::int64_t>(n_) * static_cast<std::int64_t>(D)) / 2;
  }
  void sync_step(const Word* s, Word* out) noexcept {
    for (std::size_t i = 0; i < D; ++i) field_[i] = bit(s, i) ? -static_cast<std::int32_t>(n_) : static_cast<std::int32_t>(n_);
    for (std::size_t mu = 0; mu < n_; ++mu) {
      const std::int32_t m = overlap(mu, s);
      for (std::size_t i = 0; i < D; ++i) field_[i] += bit(bits_[mu], i) ? m : -m;
    }
    for (std::size_t k = 0; k < kWords; ++k) out[k] = s[k];
    for (std::size_t i = 0; i < D; ++i) {
      if (field_[i] > 0) out[i / 32] |= Word(1) << (i % 32);
      if (field_[i] < 0) out[i / 32] &= ~(Word(1) << (i % 32));
    }
  }
  // One in-order sweep; true if any neuron flipped.
  bool async_sweep(Word* s) noexcept {
    for (std::size_t mu = 0; mu < n_; ++mu) m_[mu] = overlap(mu, s);
    bool flipped = false;
    for (std::size_t i = 0; i < D; ++i) {
      const bool up = bit(s, i);
      std::int32_t h = up ? -static_cast<std::int32_t>(n_) : static_cast<std::int32_t>(n_);
      for (std::size_t mu = 0; mu < n_; ++mu) h += bit(bits_[mu], i) ? m_[mu] : -m_[mu];
      if ((h > 0 && !up) || (h < 0 && up)) {
        s[i / 32] ^= Word(1) << (i % 32);
        // s_i changes by +-2: m_mu changes by 2 x_mu,i s_i(after the flip).
        for (std::size_t mu = 0; mu < n_; ++mu) m_[mu] += (bit(bits_[mu], i) == !up) ? 2 : -2;
        flipped = true;
      }
    }
    return flipped;
  }

  Word bits_[Capacity][kWords] = {};
  std::size_t n_ = 0;
  std::int32_t field_[D] = {};
  std::int32_t m_[Capacity] = {};
};

}  // namespace olsf
