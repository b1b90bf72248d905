// The build really targets the ISA its preset promises. The pitfall this guards against:
// `-mavx2 -mfma` alone gives Highway's 128-bit SSSE3 static target, not AVX2.
#include <gtest/gtest.h>

#include <hwy/highway.h>
#include <hwy/targets.h>

#include <cstring>

#include "olsformer/kernels.hpp"
#include "olsformer/simd_width.hpp"

#if !defined(OLSF_EXPECTED_HWY_TARGET)
TEST(Targets, ExpectedTargetIsConfigured) {
  GTEST_SKIP() << "configure with OLSF_EXPECTED_HWY_TARGET and OLSF_EXPECTED_F32_LANES (the presets do)";
}
#else
#if defined(OLSF_HAVE_HIGHWAY)
TEST(Targets, HighwayStaticTargetIsTheExpectedOne) {
  // Two independent witnesses: Highway's own name for the target this TU compiles for,
  // and what the library's backend reports and uses (lane count).
  EXPECT_STREQ(hwy::TargetName(HWY_STATIC_TARGET), OLSF_EXPECTED_HWY_TARGET);
  EXPECT_STREQ(olsf::highway::isa_name(), OLSF_EXPECTED_HWY_TARGET);
  EXPECT_EQ(olsf::highway::lanes_f32(), static_cast<std::size_t>(OLSF_EXPECTED_F32_LANES));
  EXPECT_EQ(olsf::highway::lanes_f64(), static_cast<std::size_t>(OLSF_EXPECTED_F32_LANES) / 2);
}
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
