# install() + exported CMake package (find_package(olsformer CONFIG) -> olsformer::olsformer)
# + pkg-config file. The installed package carries what the build chose: the backend the
# algorithms call (OLSF_BACKEND_*), the compiled backends (OLSF_HAVE_*) and
# OLSF_ATTENTION_MAX_DIM, so a consumer compiles exactly the ABI the libraries were built for.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Installed, the package also hands its users the instruction-set flags it was built with.
separate_arguments(_olsf_isa_flags UNIX_COMMAND "${CMAKE_CXX_FLAGS}")
target_compile_options(olsformer_headers INTERFACE $<INSTALL_INTERFACE:${_olsf_isa_flags}>)

set(OLSF_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/olsformer")

# The third-party INTERFACE targets are private, header-only link dependencies of the
# backend libraries: they are exported too (CMake needs every link item), empty once installed.
set(_olsf_export_targets olsformer olsformer_headers olsformer_c ${OLSF_BACKEND_TARGETS})
foreach(t olsf_third_party_hwy olsf_third_party_xsimd)
  if(TARGET ${t})
    list(APPEND _olsf_export_targets ${t})
  endif()
endforeach()
foreach(t ${OLSF_BACKEND_TARGETS})
  string(REPLACE "olsformer_" "" short ${t})
  set_target_properties(${t} PROPERTIES EXPORT_NAME backend_${short})
endforeach()
set_target_properties(olsformer_headers PROPERTIES EXPORT_NAME headers)

install(TARGETS ${_olsf_export_targets} EXPORT olsformerTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/olsformer DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${OLSF_C_CONFIG_DIR}/olsformer/c_config.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/olsformer)
install(EXPORT olsformerTargets NAMESPACE olsformer:: DESTINATION ${OLSF_INSTALL_CMAKEDIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/olsformerConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/olsformerConfig.cmake
                              INSTALL_DESTINATION ${OLSF_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/olsformerConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/olsformerConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/olsformerConfigVersion.cmake
        DESTINATION ${OLSF_INSTALL_CMAKEDIR})

# pkg-config: the same flags for builds without CMake. Backends before scalar (they call it).
set(OLSF_PC_CFLAGS "${CMAKE_CXX_FLAGS} -DOLSF_BACKEND_${_olsf_backend_upper} -DOLSF_ATTENTION_MAX_DIM=${OLSF_ATTENTION_MAX_DIM} -DOLSF_SIMD_BYTES_BUILT=${OLSF_SIMD_BYTES_BUILT}")
set(OLSF_PC_LIBS "")
foreach(t ${OLSF_BACKEND_TARGETS})
  string(REPLACE "olsformer_" "" short ${t})
  string(TOUPPER ${short} upper)
  string(APPEND OLSF_PC_CFLAGS " -DOLSF_HAVE_${upper}")
  if(NOT short STREQUAL "scalar")
    string(APPEND OLSF_PC_LIBS " -l${t}")
  endif()
endforeach()
string(APPEND OLSF_PC_LIBS " -lolsformer_scalar")
if(OLSF_HWY_DYNAMIC_DISPATCH)
  string(APPEND OLSF_PC_LIBS " -lhwy")  # Highway's run-time dispatch table lives in libhwy
endif()
set(OLSF_PC_UP "")
string(REPLACE "/" ";" _olsf_pc_parts "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
foreach(part ${_olsf_pc_parts})
  string(APPEND OLSF_PC_UP "/..")
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/olsformer.pc.in ${CMAKE_CURRENT_BINARY_DIR}/olsformer.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/olsformer.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
