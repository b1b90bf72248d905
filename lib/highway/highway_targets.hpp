// olsformer Highway backend (internal, also used by tests and benchmarks): which Highway
// targets the backend was compiled for and which one its kernels run.
//
// With OLSF_HWY_DYNAMIC_DISPATCH (x86-64 hosts) every lib/highway TU is compiled once per
// target by hwy/foreach_target.h (AVX2, the baseline of the flags, and AVX3) and each
// public kernel calls its target's copy through Highway's dispatch table (HWY_EXPORT /
// HWY_DYNAMIC_DISPATCH: one indirect call; the first call runs CPUID and caches the best
// compiled target the CPU supports, hwy::SetSupportedTargetsForTest changes it). Without
// it (aarch64, Cortex-M) only the static target the flags select is compiled and calls
// are direct, as if Highway were not dispatching at all.
#pragma once
#include <cstdint>

namespace olsf::highway {

// Bitfield of the compiled Highway targets (HWY_AVX2 | HWY_AVX3, or HWY_STATIC_TARGET).
std::int64_t compiled_targets() noexcept;
// The Highway target the kernels run now (one bit of compiled_targets()).
std::int64_t dispatched_target() noexcept;

}  // namespace olsf::highway

// For the backend's TUs: OLSF_HWY_EXPORT(F) builds F's table, OLSF_HWY_CALL(F) is the
// function to call (the dispatched target's F, or the static target's).
// (Macros of macros: defined before hwy/highway.h, expanded after it.)
// OLSF_HWY_ENTRY declares a per-target entry point: external with dispatch (bench/ calls
// each target's copy), else internal so that it folds into its one caller and the static
// build's code stays what it was without the entry points (Cortex-M instruction counts).
#if defined(OLSF_HWY_DYNAMIC_DISPATCH)
#define OLSF_HWY_ENTRY
#define OLSF_HWY_EXPORT(F) HWY_EXPORT(F)
#define OLSF_HWY_CALL(F) HWY_DYNAMIC_DISPATCH(F)
#else
#define OLSF_HWY_ENTRY static inline
#define OLSF_HWY_EXPORT(F) static_assert(true, "")
#define OLSF_HWY_CALL(F) HWY_STATIC_DISPATCH(F)
#endif
