# SPDX-License-Identifier: MIT
# A run directory on a read-only file system: `mlp train` into a directory that already holds a
# model exits 1 with an error naming the file and the reason, and every file there is unchanged.
# Root ignores permission bits, so chmod cannot make a read-only disk for the test (CI runs as
# root): the directory is bind-mounted read-only in a private mount namespace (unshare -m). Where
# the machine allows no mount namespace the test says so and ctest reports it skipped.
# Variables: CMD (the mlp binary), CONFIGS (tests/configs), WORK (scratch dir).
file(REMOVE_RECURSE "${WORK}")
set(config ${CONFIGS}/callbacks.toml)
set(run ${WORK}/run)
execute_process(COMMAND ${CMD} train ${config} --run-dir ${run} --set fit.epochs=2
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "first run: exit ${code}\n${out}\n${err}")
endif()
file(GLOB_RECURSE before RELATIVE ${run} ${run}/*)
foreach(f IN LISTS before)
  file(SHA256 ${run}/${f} hash_${f})
endforeach()

set(remount "mount --bind '${run}' '${run}' && mount -o remount,bind,ro '${run}'")
execute_process(COMMAND unshare -m sh -c "${remount} && ! touch '${run}/probe' 2>/dev/null"
                RESULT_VARIABLE probe OUTPUT_QUIET ERROR_QUIET)
if(NOT probe EQUAL 0)
  message("SKIPPED: no private mount namespace here (unshare -m / mount --bind failed), so no read-only disk to test on")
  return()
endif()
execute_process(COMMAND unshare -m sh -c "${remount} && exec \"$0\" \"$@\"" ${CMD} train ${config}
                        --run-dir ${run} --set fit.epochs=2
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 1 OR NOT err MATCHES "^mlp: error: [^\n]*/run/[^\n]+: [^\n]*\\(Read-only file system\\)")
  message(FATAL_ERROR "read-only run directory: exit ${code}\n${out}\n${err}")
endif()
file(GLOB_RECURSE after RELATIVE ${run} ${run}/*)
if(NOT before STREQUAL after)
  message(FATAL_ERROR "the run directory's files changed:\nbefore ${before}\nafter  ${after}")
endif()
foreach(f IN LISTS after)
  file(SHA256 ${run}/${f} hash)
  if(NOT hash STREQUAL hash_${f})
    message(FATAL_ERROR "${f} changed on a read-only disk")
  endif()
endforeach()
message("read-only run directory: ${err}")
