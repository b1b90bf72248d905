// olsformer: the kernel interface and the choice of backend.
//
// Every backend implements the same coarse kernels (detail/kernel_api.inc) in its own
// namespace, so tests and benchmarks can link all of them into one binary and compare
// them side by side. Algorithms call `olsf::kernels::...`, which names the backend
// picked at configure time with OLSF_BACKEND (scalar | highway | xsimd | helium).
#pragma once
#include <cstddef>

#include "olsformer/attention_types.hpp"
#include "olsformer/status.hpp"

namespace olsf {

// Largest n the Jacobi sweep kernels accept (their per-round scratch is on the stack, 8 n
// entries of T): CMake's OLSF_JACOBI_MAX_N (64 by default) defines it for the library
// and every user alike; a firmware whose largest problem is 8 x 8 sets 8.
#ifndef OLSF_JACOBI_MAX_N
#define OLSF_JACOBI_MAX_N 64
#endif
inline constexpr std::size_t kJacobiMaxN = OLSF_JACOBI_MAX_N;
static_assert(kJacobiMaxN >= 2, "OLSF_JACOBI_MAX_N must be at least 2");

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

#if defined(OLSF_HAVE_HELIUM)
// Hand-written Helium (Armv8.1-M MVE) float kernels for Cortex-M55; double and strided
// calls are the scalar reference's (MVE has no double lanes).
namespace helium {
#include "olsformer/detail/kernel_api.inc"
#include "olsformer/detail/attention_api.inc"
#include "olsformer/detail/jacobi_api.inc"
#include "olsformer/detail/covariance_api.inc"
}  // namespace helium
#endif

#if defined(OLSF_BACKEND_HIGHWAY)
namespace kernels = highway;
#elif defined(OLSF_BACKEND_XSIMD)
namespace kernels = xsimd;
#elif defined(OLSF_BACKEND_HELIUM)
namespace kernels = helium;
#else
namespace kernels = scalar;
#endif

}  // namespace olsf
