// olsformer: the kernel interface and the choice of backend.
//
// Every backend implements the same coarse kernels (detail/kernel_api.inc) in its own
// namespace, so tests and benchmarks can link all of them into one binary and compare
// them side by side. Algorithms call `olsf::kernels::...`, which names the backend
// picked at configure time with OLSF_BACKEND (scalar | highway | xsimd).
#pragma once
#include <cstddef>

#include "olsformer/attention_types.hpp"
#include "olsformer/status.hpp"

namespace olsf {

// Largest n the Jacobi sweep kernels accept (their per-round scratch is on the stack).
inline constexpr std::size_t kJacobiMaxN = 64;

// The reference backend: plain C++, runs everywhere, defines the expected results.
namespace scalar {
#include "olsformer/detail/kernel_api.inc"
#include "olsformer/detail/attention_api.inc"
#include "olsformer/detail/jacobi_api.inc"
#include "olsformer/detail/covariance_api.inc"
}  // namespace scalar

#if defined(OLSF_HAVE_HIGHWAY)
// Google Highway, static dispatch to the target the compiler flags select.
namespace highway {
#include "olsformer/detail/kernel_api.inc"
#include "olsformer/detail/attention_api.inc"
#include "olsformer/detail/jacobi_api.inc"
#include "olsformer/detail/covariance_api.inc"
}  // namespace highway
#endif

#if defined(OLSF_HAVE_XSIMD)
// xsimd, AVX2+FMA on x86-64 and NEON on aarch64 (xsimd 8.1 has no scalar fallback,
// so this backend does not exist on Cortex-M).
namespace xsimd {
#include "olsformer/detail/kernel_api.inc"
#include "olsformer/detail/attention_api.inc"
#include "olsformer/detail/jacobi_api.inc"
#include "olsformer/detail/covariance_api.inc"
}  // namespace xsimd
#endif

#if defined(OLSF_BACKEND_HIGHWAY)
namespace kernels = highway;
#elif defined(OLSF_BACKEND_XSIMD)
namespace kernels = xsimd;
#else
namespace kernels = scalar;
#endif

}  // namespace olsf
