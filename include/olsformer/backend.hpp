// olsformer: backends as types, so an algorithm can be instantiated on any compiled
// backend: SymmetricEigen<float, 8> uses DefaultBackend (the one OLSF_BACKEND chose);
// SymmetricEigen<float, 8, ScalarBackend> runs the reference. Tests use this to hold
// every backend's algorithms to the same contracts on every ISA.
#pragma once
#include "olsformer/kernels.hpp"

namespace olsf {

// Static forwarding to the kernels of namespace `ns` (detail/*_api.inc).
#define OLSF_BACKEND_POLICY(Name, ns)                                                                           \
  struct Name {                                                                                                 \
    static const char* name() noexcept { return ns::backend_name(); }                                           \
    static const char* isa() noexcept { return ns::isa_name(); }                                                \
    template <class... A>                                                                                       \
    static auto dot(A... a) noexcept { return ns::dot(a...); }                                                  \
    template <class... A>                                                                                       \
    static auto axpy(A... a) noexcept { return ns::axpy(a...); }                                                \
    template <class... A>                                                                                       \
    static auto gemv(A... a) noexcept { return ns::gemv(a...); }                                                \
    template <class... A>                                                                                       \
    static auto gemv_t(A... a) noexcept { return ns::gemv_t(a...); }                                            \
    template <class... A>                                                                                       \
    static auto reduce_max(A... a) noexcept { return ns::reduce_max(a...); }                                    \
    template <class... A>                                                                                       \
    static auto reduce_sum(A... a) noexcept { return ns::reduce_sum(a...); }                                    \
    template <class... A>                                                                                       \
    static auto exp(A... a) noexcept { return ns::exp(a...); }                                                  \
    template <class... A>                                                                                       \
    static auto softmax(A... a) noexcept { return ns::softmax(a...); }                                          \
    template <class... A>                                                                                       \
    static auto jacobi_sweep_parallel(A... a) noexcept { return ns::jacobi_sweep_parallel(a...); }              \
    template <class... A>                                                                                       \
    static auto jacobi_sweep_cyclic(A... a) noexcept { return ns::jacobi_sweep_cyclic(a...); }                  \
    template <class... A>                                                                                       \
    static auto svd_sweep(A... a) noexcept { return ns::svd_sweep(a...); }                                      \
    template <class... A>                                                                                       \
    static auto attention_decode(A... a) noexcept { return ns::attention_decode(a...); }                        \
    template <class... A>                                                                                       \
    static auto attention_prefill(A... a) noexcept { return ns::attention_prefill(a...); }                      \
    template <class... A>                                                                                       \
    static auto linear_attention_update(A... a) noexcept { return ns::linear_attention_update(a...); }          \
    template <class... A>                                                                                       \
    static auto linear_attention_query(A... a) noexcept { return ns::linear_attention_query(a...); }            \
    template <class... A>                                                                                       \
    static auto linear_attention(A... a) noexcept { return ns::linear_attention(a...); }                        \
    template <class... A>                                                                                       \
    static auto column_sums(A... a) noexcept { return ns::column_sums(a...); }                                  \
    template <class... A>                                                                                       \
    static auto centred_gram_update(A... a) noexcept { return ns::centred_gram_update(a...); }                  \
  }

OLSF_BACKEND_POLICY(ScalarBackend, ::olsf::scalar);
#if defined(OLSF_HAVE_HIGHWAY)
OLSF_BACKEND_POLICY(HighwayBackend, ::olsf::highway);
#endif
#if defined(OLSF_HAVE_XSIMD)
OLSF_BACKEND_POLICY(XsimdBackend, ::olsf::xsimd);
#endif
#if defined(OLSF_HAVE_HELIUM)
OLSF_BACKEND_POLICY(HeliumBackend, ::olsf::helium);
#endif
OLSF_BACKEND_POLICY(DefaultBackend, ::olsf::kernels);

}  // namespace olsf
