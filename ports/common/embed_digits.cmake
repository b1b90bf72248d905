# Embeds tests/data/digits.csv (UCI digits, see tests/data/README.md) as a C++ header for
# firmware without a file system: olsf_embed_digits(<out.hpp>) writes, at configure time,
#   kDigitsCount and kDigitsData[kDigitsCount * 65] (64 pixels 0..16, then the class).
# The CSV rows are already comma-separated integers, so each row becomes one line.
function(olsf_embed_digits out)
  set(csv ${PROJECT_SOURCE_DIR}/tests/data/digits.csv)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${csv})
  file(STRINGS ${csv} rows)
  list(POP_FRONT rows)  # header: pixel_0_0 .. pixel_7_7, target
  list(LENGTH rows count)
  list(JOIN rows ",\n" body)
  file(WRITE ${out}.tmp
       "// Generated from tests/data/digits.csv by ports/common/embed_digits.cmake: do not edit.\n"
       "#pragma once\n#include <cstddef>\n\n"
       "inline constexpr std::size_t kDigitsCount = ${count};\n"
       "alignas(4) inline const unsigned char kDigitsData[kDigitsCount * 65] = {\n${body}};\n")
  file(COPY_FILE ${out}.tmp ${out} ONLY_IF_DIFFERENT)
endfunction()
