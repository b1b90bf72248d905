# The `check` workflow: a super-build over the presets. Each preset is configured and
# built exactly as `cmake --preset <name>` would (same binary dir, build/<name>), one at
# a time so two cores are not oversubscribed; then one ctest run gathers every preset's
# tests (TEST_INCLUDE_FILES + subdirs), so the closing line counts all of them.
include(ExternalProject)

set(OLSF_CHECK_PRESETS host host-asan fuzz aarch64 cortex-m4 cortex-m7 cortex-m55
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

# Cross-ISA agreement (issue #8): every ISA in the run dumped its results for the same
# inputs (tests/agreement); compare them pairwise within the bounds the cases state.
# host-asan and fuzz are the host ISA again and dump nothing.
find_program(OLSF_CHECK_PYTHON3 python3 REQUIRED)
set(_olsf_dumps "")
set(_olsf_dump_tests "")
foreach(preset IN LISTS OLSF_CHECK_PRESETS)
  if(NOT preset MATCHES "asan|fuzz")
    list(APPEND _olsf_dumps "${PROJECT_SOURCE_DIR}/build/${preset}/agreement.txt")
    list(APPEND _olsf_dump_tests "${preset}:agreement-dump")
  endif()
endforeach()
list(LENGTH _olsf_dumps _olsf_dump_count)
if(_olsf_dump_count GREATER 1)
  add_test(NAME check:cross-isa-agreement
           COMMAND ${OLSF_CHECK_PYTHON3} ${PROJECT_SOURCE_DIR}/tests/agreement/compare.py ${_olsf_dumps})
  set_tests_properties(check:cross-isa-agreement PROPERTIES DEPENDS "${_olsf_dump_tests}")
endif()
