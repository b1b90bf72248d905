// olsformer (internal): the input checks every softmax kernel shares, so that all
// backends return the same status for the same input (kernel_api.inc, softmax).
#pragma once
#include <cstddef>
#include <limits>

#include "olsformer/status.hpp"

namespace olsf::detail {

// `max_logit` is reduce_max of the logits: NaN if any logit is NaN.
template <typename T>
constexpr Status softmax_guard(std::size_t n, T max_logit) noexcept {
  if (n == 0) return Status::empty;
  if (!(max_logit == max_logit) || max_logit == std::numeric_limits<T>::infinity())
    return Status::non_finite_input;
  if (max_logit == -std::numeric_limits<T>::infinity()) return Status::all_masked;
  return Status::ok;
}

}  // namespace olsf::detail
