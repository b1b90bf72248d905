// olsformer: the capacity experiment of issue 6 (papers.md §2), shared by the test
// (tests/test_hopfield_capacity.cpp) and the program (ports/linux/hopfield_capacity.cpp).
//
// N random +-1 patterns of dimension d; the query is one of them with round(0.1 d) bits
// flipped (distinct positions); a trial succeeds when the recalled state equals the
// stored pattern in every bit. Each trial draws a fresh set of patterns.
// Models (each as its theory paper states it, papers.md §2):
//   hebbian   classical, asynchronous to a fixed point          capacity ~0.14 d
//   linear    one step xi <- X^T X xi (linear attention), sign   ~ classical
//   dense3    Krotov-Hopfield F(z) = z^3, asynchronous           ~ d^2 / (6 ln d)
//   dense_exp F(z) = e^z, asynchronous                           exponential in d
//   modern    xi <- X^T softmax(beta X xi), beta = 1, <= 3 steps exponential in d
// Objects are static members (up to 20 d patterns of d floats: ~0.8 MB for d = 100):
// host only, not for a microcontroller.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../../tests/support/rng.hpp"
#include "olsformer/hopfield.hpp"

namespace olsf::experiments {

enum class CapacityModel : unsigned char { hebbian, linear, dense3, dense_exp, modern };
inline constexpr CapacityModel kCapacityModels[] = {CapacityModel::hebbian, CapacityModel::linear,
                                                   CapacityModel::dense3, CapacityModel::dense_exp,
                                                   CapacityModel::modern};

constexpr const char* to_string(CapacityModel m) noexcept {
  switch (m) {
    case CapacityModel::hebbian: return "hebbian";
    case CapacityModel::linear: return "linear";
    case CapacityModel::dense3: return "dense3";
    case CapacityModel::dense_exp: return "dense_exp";
    case CapacityModel::modern: return "modern";
  }
  return "unknown";
}

template <std::size_t D, class Backend = DefaultBackend>
class CapacityExperiment {
 public:
  static constexpr std::size_t kFlips = (D + 5) / 10;  // round(0.1 d)
  // Largest N each model is run at (its object's capacity).
  static constexpr std::size_t max_patterns(CapacityModel m) noexcept {
    return m == CapacityModel::hebbian || m == CapacityModel::linear ? D / 2
           : m == CapacityModel::modern                              ? 20 * D
                                                                     : 4 * D;
  }

  // Successful trials out of `trials` with n stored patterns (n <= max_patterns(m)).
  static unsigned run(CapacityModel m, std::size_t n, unsigned trials, std::uint64_t seed) noexcept {
    testing::SplitMix64 rng(seed * 1000003u + n * 7919u + static_cast<unsigned>(m));
    unsigned ok = 0;
    for (unsigned t = 0; t < trials; ++t) {
      draw(n, rng);
      const std::size_t target = static_cast<std::size_t>(rng.next() % n);
      for (std::size_t i = 0; i < D; ++i) query_[i] = x_[target * D + i];
      flip(rng);
      ok += recall(m, n, target) ? 1u : 0u;
    }
    return ok;
  }

 private:
  static void draw(std::size_t n, testing::SplitMix64& rng) noexcept {
    std::uint64_t bits = 0;
    unsigned left = 0;
    for (std::size_t k = 0; k < n * D; ++k) {
      if (left == 0) {
        bits = rng.next();
        left = 64;
      }
      x_[k] = (bits & 1u) ? 1.0f : -1.0f;
      bits >>= 1;
      --left;
    }
  }
  static void flip(testing::SplitMix64& rng) noexcept {
    bool used[D] = {};
    for (std::size_t f = 0; f < kFlips;) {
      const std::size_t i = static_cast<std::size_t>(rng.next() % D);
      if (used[i]) continue;
      used[i] = true;
      query_[i] = -query_[i];
      ++f;
    }
  }
  static bool same_signs(const float* got, const float* want) noexcept {
    for (std::size_t i = 0; i < D; ++i)
      if (!(got[i] * want[i] > 0.0f)) return false;
    return true;
  }
  static bool recall(CapacityModel m, std::size_t n, std::size_t target) noexcept {
    const float* want = x_ + target * D;
    switch (m) {
      case CapacityModel::hebbian: {
        hebbian_.clear();
        for (std::size_t k = 0; k < n; ++k) (void)hebbian_.store(x_ + k * D);
        return hebbian_.retrieve(query_, out_, {HopfieldUpdate::asynchronous, 50}) == Status::ok &&
               same_signs(out_, want);
      }
      case CapacityModel::linear: {
        linear_.clear();
        for (std::size_t k = 0; k < n; ++k) (void)linear_.store(x_ + k * D);
        return linear_.retrieve(query_, out_, {1, 0.0f}) == Status::ok && same_signs(out_, want);
      }
      case CapacityModel::dense3:
      case CapacityModel::dense_exp: {
        dense_.clear();
        for (std::size_t k = 0; k < n; ++k) (void)dense_.store(x_ + k * D);
        const DenseOptions o{m == CapacityModel::dense3 ? DenseInteraction::polynomial : DenseInteraction::exponential,
                             3, HopfieldUpdate::asynchronous, 50};
        return dense_.retrieve(query_, out_, o) == Status::ok && same_signs(out_, want);
      }
      case CapacityModel::modern: {
        modern_.clear();
        for (std::size_t k = 0; k < n; ++k) (void)modern_.store(x_ + k * D);
        return modern_.retrieve(query_, out_, {1.0f, 3, 1e-4f}) == Status::ok && same_signs(out_, want);
      }
    }
    return false;
  }

  static inline float x_[20 * D * D] = {};
  static inline float query_[D] = {};
  static inline float out_[D] = {};
  static inline HebbianHopfield<D, D / 2> hebbian_;
  static inline LinearHopfield<float, D, D / 2, Backend> linear_;
  static inline DenseHopfield<float, D, 4 * D, Backend> dense_;
  static inline ModernHopfield<float, D, 20 * D, 0, Backend> modern_;
};

}  // namespace olsf::experiments
