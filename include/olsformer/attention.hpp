// olsformer: softmax and linear attention for one token or a block of tokens, on any
// compiled backend, with the thermodynamic observables of the softmax (papers.md §3).
//
// The kernels (detail/attention_api.inc, reachable through the backend policies of
// backend.hpp) do the work; this header adds multi-head decode over a fixed head count
// with all storage inside the object.
#pragma once
#include <cstddef>

#include "olsformer/attention_types.hpp"
#include "olsformer/backend.hpp"
#include "olsformer/kernels.hpp"
#include "olsformer/status.hpp"

namespace olsf {

// Softmax attention decode over a fixed number of heads. A token's row holds its heads
// side by side: q = [q_0 | q_1 | ... ] (Heads x d), key row j = [k_j0 | k_j1 | ...]
// (row stride ldk >= Heads d), value row j likewise with dv (stride ldv >= Heads dv), and
// out = [o_0 | o_1 | ...] (Heads x dv). Every head uses the same beta and mask.
// The heads' results are staged inside the object, so a failing head leaves out and obs
// untouched (the kernels' rule holds for the whole call).
template <typename T, std::size_t Heads, std::size_t MaxDv = kAttentionMaxDim, class Backend = DefaultBackend>
class MultiHeadAttention {
  static_assert(Heads >= 1, "MultiHeadAttention needs at least one head");
  static_assert(MaxDv >= 1 && MaxDv <= kAttentionMaxDim, "MaxDv must be in [1, kAttentionMaxDim]");

 public:
  static constexpr std::size_t heads() noexcept { return Heads; }

  // Statuses: those of attention_decode (the first failing head's), and
  // capacity_exceeded when dv > MaxDv. obs (Heads entries) may be null.
  Status decode(std::size_t n, std::size_t d, std::size_t dv, T beta, const T* q, const T* k, std::size_t ldk,
                const T* v, std::size_t ldv, const T* mask, T* out, AttentionObservables<T>* obs = nullptr) noexcept {
    if (dv > MaxDv) return Status::capacity_exceeded;
    for (std::size_t h = 0; h < Heads; ++h) {
      const Status s = Backend::attention_decode(n, d, dv, beta, q + h * d, k + h * d, ldk, v + h * dv, ldv,
                                                         mask, staged_ + h * MaxDv, obs ? obs_ + h : nullptr);
      if (s != Status::ok) return s;
    }
    for (std::size_t h = 0; h < Heads; ++h) {
      for (std::size_t c = 0; c < dv; ++c) out[h * dv + c] = staged_[h * MaxDv + c];
      if (obs) obs[h] = obs_[h];
    }
    return Status::ok;
  }

 private:
  T staged_[Heads * MaxDv] = {};
  AttentionObservables<T> obs_[Heads] = {};
};

}  // namespace olsf
