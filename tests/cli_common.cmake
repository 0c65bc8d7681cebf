# SPDX-License-Identifier: MIT
# Helpers for the CLI test scripts (cmake -P), included by each: the caller sets CMD (the mlp
# binary).
#   run(ARGS...)                  runs mlp; fails the test on a non-zero exit, printing both
#                                 streams; leaves stdout in `out` in the caller's scope
#   expect_error(CODE MESSAGE ARGS...)  runs mlp and fails unless it exits with CODE and the
#                                 stripped stderr is exactly MESSAGE
#   expect_count(REGEX N TEXT WHAT)  fails unless REGEX matches exactly N times in TEXT (WHAT
#                                 names the check in the failure message)
function(run)
  execute_process(COMMAND ${CMD} ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "mlp ${ARGN}: exit code ${code}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

function(expect_error code message)
  execute_process(COMMAND ${CMD} ${ARGN} RESULT_VARIABLE got OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(STRIP "${err}" err)
  if(NOT got EQUAL code OR NOT err STREQUAL message)
    message(FATAL_ERROR "mlp ${ARGN}: exit code ${got} (expected ${code}), stderr:\n${err}\nexpected:\n${message}")
  endif()
endfunction()

function(expect_count regex n text what)
  string(REGEX MATCHALL "${regex}" found "${text}")
  list(LENGTH found got)
  if(NOT got EQUAL n)
    message(FATAL_ERROR "${what}: expected ${n} matches of '${regex}', got ${got}:\n${text}")
  endif()
endfunction()
