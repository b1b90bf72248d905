// olsformer tests: every compiled backend as a table of function pointers, so one
// check runs against scalar, Highway and xsimd alike (host, aarch64 and Cortex-M).
#pragma once
#include <cstddef>

#include "olsformer/kernels.hpp"

namespace olsf::testing {

template <typename T>
struct KernelTable {
  const char* name;
  const char* isa;
  std::size_t lanes;
  unsigned exp_max_ulp;  // the backend's stated exp accuracy (kernel_api.inc)
  T (*dot)(std::size_t, const T*, std::size_t, const T*, std::size_t) noexcept;
  void (*axpy)(std::size_t, T, const T*, std::size_t, T*, std::size_t) noexcept;
  void (*gemv)(std::size_t, std::size_t, T, const T*, std::size_t, const T*, std::size_t, T, T*,
               std::size_t) noexcept;
  void (*gemv_t)(std::size_t, std::size_t, T, const T*, std::size_t, const T*, std::size_t, T, T*,
                 std::size_t) noexcept;
  T (*reduce_max)(std::size_t, const T*, std::size_t) noexcept;
  T (*reduce_sum)(std::size_t, const T*, std::size_t) noexcept;
  void (*exp)(std::size_t, const T*, T*) noexcept;
  Status (*softmax)(std::size_t, const T*, std::size_t, T*, std::size_t) noexcept;
};

// The pointer types pick the float or double overload of each kernel.
#define OLSF_KERNEL_TABLE(ns, T)                                                             \
  ::olsf::testing::KernelTable<T> {                                                          \
    ns::backend_name(), ns::isa_name(), sizeof(T) == 4 ? ns::lanes_f32() : ns::lanes_f64(), \
        sizeof(T) == 4 ? ns::exp_max_ulp_f32() : ns::exp_max_ulp_f64(),                     \
        &ns::dot, &ns::axpy, &ns::gemv, &ns::gemv_t, &ns::reduce_max, &ns::reduce_sum,      \
        &ns::exp, &ns::softmax                                                               \
  }

// All backends compiled into this binary, scalar (the reference) first.
template <typename T>
struct Backends {
  static constexpr std::size_t kCount = 1
#if defined(OLSF_HAVE_HIGHWAY)
                                        + 1
#endif
#if defined(OLSF_HAVE_XSIMD)
                                        + 1
#endif
      ;
  static const KernelTable<T>* all() noexcept {
    static const KernelTable<T> tables[kCount] = {
        OLSF_KERNEL_TABLE(::olsf::scalar, T),
#if defined(OLSF_HAVE_HIGHWAY)
        OLSF_KERNEL_TABLE(::olsf::highway, T),
#endif
#if defined(OLSF_HAVE_XSIMD)
        OLSF_KERNEL_TABLE(::olsf::xsimd, T),
#endif
    };
    return tables;
  }
};

}  // namespace olsf::testing
