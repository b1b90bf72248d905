# Third-party headers from Debian's -dev packages.
#
# They live in /usr/include, which a cross compiler must never search: it would pick up
# the host's glibc headers. So each header-only dependency is exposed through a
# directory holding just a symlink to its own folder, on every build alike. Libraries
# with compiled parts (GoogleTest, Google Benchmark, Highway's target names) come from
# find_package; on a cross build their include path is pointed at the same symlinks.

set(OLSF_THIRD_PARTY_INCLUDE "${CMAKE_BINARY_DIR}/third_party_include")
set(OLSF_SYSTEM_INCLUDE "/usr/include" CACHE PATH "Where Debian's -dev packages put their headers")

function(olsf_expose_headers target)
  if(TARGET olsf_third_party_${target})
    return()  # exposed already (tests/ and bench/arm both ask for Eigen)
  endif()
  foreach(dir IN LISTS ARGN)
    if(NOT EXISTS "${OLSF_SYSTEM_INCLUDE}/${dir}")
      message(FATAL_ERROR "${OLSF_SYSTEM_INCLUDE}/${dir} not found: run toolchains/install-deps-debian.sh")
    endif()
    get_filename_component(leaf "${dir}" NAME)
    file(MAKE_DIRECTORY "${OLSF_THIRD_PARTY_INCLUDE}/${target}")
    file(CREATE_LINK "${OLSF_SYSTEM_INCLUDE}/${dir}" "${OLSF_THIRD_PARTY_INCLUDE}/${target}/${leaf}" SYMBOLIC)
  endforeach()
  add_library(olsf_third_party_${target} INTERFACE)
  # Build tree only: installed, these targets are empty link items of the static backends.
  target_include_directories(olsf_third_party_${target} SYSTEM INTERFACE $<BUILD_INTERFACE:${OLSF_THIRD_PARTY_INCLUDE}/${target}>)
endfunction()

olsf_expose_headers(hwy hwy)
if(OLSF_WITH_XSIMD)
  olsf_expose_headers(xsimd xsimd)
endif()

# For imported targets found by find_package on a cross build: replace /usr/include.
function(olsf_fix_cross_includes target subdir)
  if(CMAKE_CROSSCOMPILING AND TARGET ${target})
    olsf_expose_headers(${subdir} ${ARGN})
    set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES
                                               "${OLSF_THIRD_PARTY_INCLUDE}/${subdir}")
  endif()
endfunction()
