# The `check` workflow: a super-build over the presets. Each preset is configured and
# built exactly as `cmake --preset <name>` would (same binary dir, build/<name>), one at
# a time so two cores are not oversubscribed; then one ctest run gathers every preset's
# tests (TEST_INCLUDE_FILES + subdirs), so the closing line counts all of them.
include(ExternalProject)

set(OLSF_CHECK_PRESETS host host-asan aarch64 cortex-m4 cortex-m7 cortex-m55
    CACHE STRING "Configure presets the check workflow builds and tests")

enable_testing()
foreach(preset IN LISTS OLSF_CHECK_PRESETS)
  set(bin "${PROJECT_SOURCE_DIR}/build/${preset}")
  ExternalProject_Add(check-${preset}
    SOURCE_DIR "${PROJECT_SOURCE_DIR}"
    BINARY_DIR "${bin}"
    CONFIGURE_COMMAND ${CMAKE_COMMAND} -S "${PROJECT_SOURCE_DIR}" --preset ${preset}
    BUILD_COMMAND ${CMAKE_COMMAND} --build "${bin}"
    INSTALL_COMMAND ""
    BUILD_ALWAYS TRUE
    USES_TERMINAL_CONFIGURE TRUE
    USES_TERMINAL_BUILD TRUE)
  file(WRITE "${CMAKE_BINARY_DIR}/tests-${preset}.cmake" "subdirs(\"${bin}\")\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${CMAKE_BINARY_DIR}/tests-${preset}.cmake")
endforeach()
