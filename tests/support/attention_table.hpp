// olsformer tests: every compiled backend's attention kernels as a table of function
// pointers, so one check runs against scalar, Highway and xsimd alike (host, aarch64 and
// Cortex-M).
#pragma once
#include <cstddef>

#include "olsformer/attention.hpp"
#include "olsformer/kernels.hpp"

namespace olsf::testing {

template <typename T>
struct AttentionTable {
  const char* name;
  const char* isa;
  std::size_t lanes;
  unsigned exp_max_ulp;  // the backend's stated exp accuracy (kernel_api.inc)
  std::size_t block;     // attention_block_keys(): at most one rescale per block
  Status (*decode)(std::size_t, std::size_t, std::size_t, T, const T*, const T*, std::size_t, const T*, std::size_t,
                   const T*, T*, AttentionObservables<T>*) noexcept;
  Status (*prefill)(std::size_t, std::size_t, std::size_t, std::size_t, T, const T*, std::size_t, const T*,
                    std::size_t, const T*, std::size_t, const T*, std::size_t, bool, T*, std::size_t,
                    AttentionObservables<T>*) noexcept;
  Status (*linear_update)(std::size_t, std::size_t, FeatureMap, const T*, const T*, T*, std::size_t, T*) noexcept;
  Status (*linear_query)(std::size_t, std::size_t, FeatureMap, const T*, const T*, std::size_t, const T*, bool,
                         T*) noexcept;
  Status (*linear)(std::size_t, std::size_t, std::size_t, std::size_t, FeatureMap, bool, bool, const T*, std::size_t,
                   const T*, std::size_t, const T*, std::size_t, T*, std::size_t) noexcept;
};

#define OLSF_ATTENTION_TABLE(ns, T)                                                                 \
  ::olsf::testing::AttentionTable<T> {                                                              \
    ns::backend_name(), ns::isa_name(), sizeof(T) == 4 ? ns::lanes_f32() : ns::lanes_f64(),        \
        sizeof(T) == 4 ? ns::exp_max_ulp_f32() : ns::exp_max_ulp_f64(), ns::attention_block_keys(), \
        &ns::attention_decode, &ns::attention_prefill, &ns::linear_attention_update,                \
        &ns::linear_attention_query, &ns::linear_attention                                          \
  }

// All backends compiled into this binary, scalar (the reference) first.
template <typename T>
struct AttentionBackends {
  static constexpr std::size_t kCount = 1
#if defined(OLSF_HAVE_HIGHWAY)
                                        + 1
#endif
#if defined(OLSF_HAVE_XSIMD)
                                        + 1
#endif
      ;
  static const AttentionTable<T>* all() noexcept {
    static const AttentionTable<T> tables[kCount] = {
        OLSF_ATTENTION_TABLE(::olsf::scalar, T),
#if defined(OLSF_HAVE_HIGHWAY)
        OLSF_ATTENTION_TABLE(::olsf::highway, T),
#endif
#if defined(OLSF_HAVE_XSIMD)
        OLSF_ATTENTION_TABLE(::olsf::xsimd, T),
#endif
    };
    return tables;
  }
};

}  // namespace olsf::testing
