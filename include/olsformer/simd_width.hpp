// olsformer: the vector width of the compilation target, known at compile time.
// Matrix rows are padded to a whole number of vectors of this width so that every
// row starts aligned and kernels never need a scalar tail inside a padded row.
#pragma once
#include <cstddef>

namespace olsf {

#if defined(__AVX512F__)
inline constexpr std::size_t kSimdBytes = 64;
#elif defined(__AVX__)
inline constexpr std::size_t kSimdBytes = 32;
#elif defined(__ARM_NEON) || defined(__SSE2__) || defined(__ARM_FEATURE_MVE)
inline constexpr std::size_t kSimdBytes = 16;
#else
inline constexpr std::size_t kSimdBytes = 0;  // scalar target (Cortex-M0..M7)
#endif

// Matrix padding and the kernels' vector loads must agree on this width: a program built
// for another instruction set than the compiled libraries would pad rows differently.
// The build and the installed package define OLSF_SIMD_BYTES_BUILT (cmake/Install.cmake).
#if defined(OLSF_SIMD_BYTES_BUILT)
static_assert(kSimdBytes == OLSF_SIMD_BYTES_BUILT,
              "olsformer: compile with the instruction-set flags the library was built with "
              "(the CMake package sets them; pkg-config --cflags olsformer lists them)");
#endif

// Elements of T per vector register; 1 on scalar targets (no padding).
template <typename T>
inline constexpr std::size_t kSimdLanes = kSimdBytes >= sizeof(T) ? kSimdBytes / sizeof(T) : 1;

// Storage alignment: a whole vector, at least the type's own alignment.
template <typename T>
inline constexpr std::size_t kSimdAlign = kSimdBytes > alignof(T) ? kSimdBytes : alignof(T);

// Row stride (in elements) for `cols` columns: rounded up to whole vectors.
template <typename T>
constexpr std::size_t padded_stride(std::size_t cols) noexcept {
  return (cols + kSimdLanes<T> - 1) / kSimdLanes<T> * kSimdLanes<T>;
}

}  // namespace olsf
