# ctest helper: runs COMMAND with its output written to OUTPUT (stdout and stderr: QEMU
# prints semihosting text on stderr); fails if the command fails (a dump for a later
# comparison, e.g. tests/agreement).
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(WRITE ${OUTPUT} "${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${COMMAND} failed (${rc}): ${err}")
endif()
file(STRINGS ${OUTPUT} lines REGEX "^agree ")
list(LENGTH lines count)
message("${OUTPUT}: ${count} results")
if(count EQUAL 0)
  message(FATAL_ERROR "no results in ${OUTPUT}")
endif()
