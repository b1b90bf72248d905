# The C API (include/olsformer/olsformer.h, lib/capi): a static library `olsformer_c`
# (olsformer::c_api). Its opaque structs take their sizes from the C++ objects, measured
# here without running anything (CheckTypeSize reads them out of a compiled object), so
# cross builds get their own target's sizes.
include(CheckTypeSize)
set(CMAKE_REQUIRED_INCLUDES ${PROJECT_SOURCE_DIR}/include)
set(CMAKE_REQUIRED_DEFINITIONS -DOLSF_ATTENTION_MAX_DIM=${OLSF_ATTENTION_MAX_DIM} -DOLSF_BACKEND_${_olsf_backend_upper}
    -DOLSF_SIMD_BYTES_BUILT=${OLSF_SIMD_BYTES_BUILT})
foreach(t ${OLSF_BACKEND_TARGETS})
  string(REPLACE "olsformer_" "" short ${t})
  string(TOUPPER ${short} upper)
  list(APPEND CMAKE_REQUIRED_DEFINITIONS -DOLSF_HAVE_${upper})
endforeach()
set(CMAKE_EXTRA_INCLUDE_FILES ${PROJECT_SOURCE_DIR}/lib/capi/c_api_objects.hpp)
check_type_size(olsf_c_api_ols_t OLSF_C_OLS_BYTES LANGUAGE CXX)
check_type_size(olsf_c_api_hopfield_t OLSF_C_HOPFIELD_BYTES LANGUAGE CXX)
unset(CMAKE_EXTRA_INCLUDE_FILES)
unset(CMAKE_REQUIRED_DEFINITIONS)
unset(CMAKE_REQUIRED_INCLUDES)
if(NOT OLSF_C_OLS_BYTES OR NOT OLSF_C_HOPFIELD_BYTES)
  message(FATAL_ERROR "could not measure the C API's objects (see CMakeFiles/CMakeConfigureLog or CMakeError.log)")
endif()
# Every member is aligned to at most a vector (kSimdAlign) or a double / size_t.
if(OLSF_SIMD_BYTES_BUILT GREATER 8)
  set(OLSF_C_ALIGN ${OLSF_SIMD_BYTES_BUILT})
else()
  set(OLSF_C_ALIGN 8)
endif()
set(OLSF_C_CONFIG_DIR ${CMAKE_BINARY_DIR}/c_config_include)
configure_file(${CMAKE_CURRENT_LIST_DIR}/c_config.h.in ${OLSF_C_CONFIG_DIR}/olsformer/c_config.h @ONLY)

add_library(olsformer_c STATIC ${PROJECT_SOURCE_DIR}/lib/capi/olsformer_c.cpp)
add_library(olsformer::c_api ALIAS olsformer_c)
set_target_properties(olsformer_c PROPERTIES EXPORT_NAME c_api)
target_link_libraries(olsformer_c PUBLIC olsformer)
target_include_directories(olsformer_c PUBLIC $<BUILD_INTERFACE:${OLSF_C_CONFIG_DIR}>)
target_compile_options(olsformer_c PRIVATE ${OLSF_LIBRARY_FLAGS})
