// The build really targets the ISA its preset promises. The pitfall this guards against:
// `-mavx2 -mfma` alone gives Highway's 128-bit SSSE3 static target, not AVX2. The Highway
// backend may hold several targets (dynamic dispatch, lib/highway/highway_targets.hpp):
// OLSF_EXPECTED_HWY_TARGET lists them, best first ("AVX3 AVX2" on the host preset).
#include <gtest/gtest.h>

#include <hwy/highway.h>
#include <hwy/targets.h>

#include <cstdint>
#include <cstring>
#include <string>

#if defined(OLSF_HAVE_HIGHWAY)
#include "../lib/highway/highway_targets.hpp"
#endif
#include "olsformer/kernels.hpp"
#include "olsformer/simd_width.hpp"

#if !defined(OLSF_EXPECTED_HWY_TARGET)
TEST(Targets, ExpectedTargetIsConfigured) {
  GTEST_SKIP() << "configure with OLSF_EXPECTED_HWY_TARGET and OLSF_EXPECTED_F32_LANES (the presets do)";
}
#else
#if defined(OLSF_HAVE_HIGHWAY)
// Highway's target names of the bits of `targets`, best (lowest bit) first, e.g. "AVX3 AVX2".
std::string target_names(std::int64_t targets) {
  std::string out;
  for (; targets != 0; targets &= targets - 1) out += std::string(out.empty() ? "" : " ") + hwy::TargetName(targets & -targets);
  return out;
}

// Bytes per vector of a Highway target (what lanes_f32 must report when it runs).
std::size_t vector_bytes(std::int64_t target) {
  switch (target) {
    case HWY_AVX3: return 64;
    case HWY_AVX2: return 32;
    default: return target == HWY_SCALAR ? sizeof(float) : 16;
  }
}

TEST(Targets, HighwayCompiledTargetsAreTheExpectedOnes) {
  // The baseline is what the flags select (HWY_STATIC_TARGET in this TU, built with the
  // same flags); the expected list comes from the preset.
  EXPECT_EQ(target_names(olsf::highway::compiled_targets()), OLSF_EXPECTED_HWY_TARGET);
  EXPECT_NE(olsf::highway::compiled_targets() & HWY_STATIC_TARGET, 0);
  EXPECT_EQ(olsf::kSimdBytes, vector_bytes(HWY_STATIC_TARGET));
}

TEST(Targets, HighwayDispatchesToTheBestCompiledTargetTheCpuRuns) {
  // Two independent witnesses: libhwy's CPU detection intersected with what the library
  // compiled, and what the backend reports and uses (name, lane count).
  const std::int64_t usable = olsf::highway::compiled_targets() & hwy::SupportedTargets();
  ASSERT_NE(usable, 0);
  const std::int64_t best = usable & -usable;  // a lower bit is a better target
  EXPECT_EQ(olsf::highway::dispatched_target(), best);
  EXPECT_STREQ(olsf::highway::isa_name(), hwy::TargetName(best));
  EXPECT_EQ(olsf::highway::lanes_f32() * sizeof(float), vector_bytes(best));
  EXPECT_EQ(olsf::highway::lanes_f64() * sizeof(double), vector_bytes(best));
}

#if defined(__x86_64__) && defined(__GNUC__)
TEST(Targets, HighwayRunsAvx3WhereTheCpuHasAvx512) {
  // A third witness, the compiler's own CPUID: AVX3 is AVX-512 F, VL, DQ and BW.
  if (!(olsf::highway::compiled_targets() & HWY_AVX3)) GTEST_SKIP() << "AVX3 not compiled";
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
  EXPECT_EQ((hwy::SupportedTargets() & HWY_AVX3) != 0, avx512);
  EXPECT_EQ(olsf::highway::dispatched_target() == HWY_AVX3, avx512);
}
#endif
#endif

#if defined(OLSF_HAVE_XSIMD)
TEST(Targets, XsimdUsesTheSameVectorWidth) {
  EXPECT_EQ(olsf::xsimd::lanes_f32(), static_cast<std::size_t>(OLSF_EXPECTED_F32_LANES));
  EXPECT_EQ(olsf::xsimd::lanes_f64(), static_cast<std::size_t>(OLSF_EXPECTED_F32_LANES) / 2);
}
#endif

TEST(Targets, MatrixPaddingMatchesTheVectorWidth) {
  EXPECT_EQ(olsf::kSimdLanes<float>, static_cast<std::size_t>(OLSF_EXPECTED_F32_LANES));
}

#endif  // OLSF_EXPECTED_HWY_TARGET

TEST(Targets, ActiveBackendIsTheConfiguredOne) {
  EXPECT_STREQ(olsf::kernels::backend_name(), OLSF_BACKEND_NAME);
}
