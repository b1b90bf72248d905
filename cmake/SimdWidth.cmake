# The vector width the libraries are compiled for (include/olsformer/simd_width.hpp): users
# compiling for another instruction set get a compile-time error instead of mismatched rows.
include(CheckCXXSourceCompiles)
foreach(bytes 64 32 16 0)
  set(CMAKE_REQUIRED_INCLUDES ${PROJECT_SOURCE_DIR}/include)
  check_cxx_source_compiles("#include \"olsformer/simd_width.hpp\"
static_assert(olsf::kSimdBytes == ${bytes}, \"\");
int main() { return 0; }" OLSF_SIMD_BYTES_IS_${bytes})
  unset(CMAKE_REQUIRED_INCLUDES)
  if(OLSF_SIMD_BYTES_IS_${bytes})
    set(OLSF_SIMD_BYTES_BUILT ${bytes})
    break()
  endif()
endforeach()
target_compile_definitions(olsformer_headers INTERFACE OLSF_SIMD_BYTES_BUILT=${OLSF_SIMD_BYTES_BUILT})
