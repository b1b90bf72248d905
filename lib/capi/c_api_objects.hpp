// olsformer C API: the C++ objects behind the opaque C structs of olsformer.h. The build
// measures their size (cmake/CApi.cmake, check_type_size) to generate olsformer/c_config.h,
// so the C structs are exactly as large as the objects on every target.
#pragma once
#include <cstddef>
#include <cstdint>

#include "olsformer/modern_hopfield.hpp"
#include "olsformer/ols_transformer.hpp"

namespace olsf::c_api {

// A set tag tells an initialised object from raw storage (a call on storage that never
// went through *_init gets invalid_argument, not undefined behaviour, in the common case).
inline constexpr std::uint32_t kOlsTag = 0x4f4c5331u, kHopfieldTag = 0x484f5031u;

struct Ols {
  OlsTransformer<float, 16, 1, 64> model;
  std::size_t d = 0;
  std::uint32_t tag = 0;
};

struct Hopfield {
  ModernHopfield<float, 64, 64> memory;
  std::size_t d = 0;
  std::uint32_t tag = 0;
};

}  // namespace olsf::c_api

typedef olsf::c_api::Ols olsf_c_api_ols_t;
typedef olsf::c_api::Hopfield olsf_c_api_hopfield_t;
