// olsformer: the fixed-capacity store of D-entry patterns (rows) behind the dense and the
// linear Hopfield memories: counts at run time up to the template capacity, no heap, and
// a store that either appends a checked pattern or changes nothing.
#pragma once
#include <cstddef>

#include "olsformer/matrix.hpp"
#include "olsformer/status.hpp"

namespace olsf {

template <typename T, std::size_t D, std::size_t Capacity>
class PatternStore {
  static_assert(D >= 1 && Capacity >= 1, "a pattern store needs D >= 1 and Capacity >= 1");

 public:
  static constexpr std::size_t dim() noexcept { return D; }
  static constexpr std::size_t capacity() noexcept { return Capacity; }
  std::size_t size() const noexcept { return n_; }
  const T* pattern(std::size_t i) const noexcept { return x_.row(i); }
  void clear() noexcept { n_ = 0; }

 protected:
  // Appends `pattern` if there is room and `check(pattern)` returns ok; otherwise returns
  // capacity_exceeded or the check's status with the store unchanged.
  template <class Check>
  Status append(const T* pattern, Check check) noexcept {
    if (n_ >= Capacity) return Status::capacity_exceeded;
    const Status s = check(pattern);
    if (s != Status::ok) return s;
    for (std::size_t i = 0; i < D; ++i) x_(n_, i) = pattern[i];
    ++n_;
    return Status::ok;
  }

  Matrix<T, Capacity, D> x_;
  std::size_t n_ = 0;
};

}  // namespace olsf
