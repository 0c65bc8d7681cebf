# SPDX-License-Identifier: MIT
# Runs CMD with ARGS and checks its exit code (EXPECT_CODE) and that stderr contains EXPECT_STDERR.
# ARGS is a CMake list; '|' separates arguments too (easier to pass through add_test).
string(REPLACE "|" ";" ARGS "${ARGS}")
execute_process(COMMAND ${CMD} ${ARGS} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL EXPECT_CODE)
  message(FATAL_ERROR "exit code ${code}, expected ${EXPECT_CODE}\nstdout: ${out}\nstderr: ${err}")
endif()
string(FIND "${err}" "${EXPECT_STDERR}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "stderr does not contain '${EXPECT_STDERR}':\n${err}")
endif()
