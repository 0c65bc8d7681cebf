# SPDX-License-Identifier: MIT
# mlp sweep end to end (docs/sweeps.md): a dry run lists the plan and writes nothing; a real grid
# sweep × 2 seeds on the committed MNIST subset, killed (SIGKILL, MLP_FAULT_KILL_SWEEP_AFTER) after
# two finished runs and run again with the same arguments, skips those two and ends with the full
# results table; run a third time it starts nothing; a rows-file sweep of a regression config on the
# committed California-housing data reports the regression metrics.
# Variables: CMD (the mlp binary), CONFIGS (tests/configs), EXAMPLES (examples/), WORK (scratch dir).
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)
file(REMOVE_RECURSE "${WORK}")
set(grid sweep ${CONFIGS}/mnist_subset.toml --grid fit.batch_size=[64,128] --seeds 1,2
    --set fit.epochs=2 --set data.train_samples=2000 --set fit.validation_split=0 --out ${WORK}/mnist)

function(run expect_ok)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(expect_ok AND NOT code EQUAL 0)
    message(FATAL_ERROR "${ARGN}: exit code ${code}\n${out}\n${err}")
  endif()
  set(code "${code}" PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
endfunction()

# The dry run: 2 configurations × 2 seeds, each with its mlp train command; nothing written.
run(TRUE ${CMD} ${grid} --jobs 2 --dry-run)
if(NOT out MATCHES "2 configurations × 2 seeds = 4 runs \\(0 finished before\\), 2 at a time, [0-9]+ threads each")
  message(FATAL_ERROR "dry run: no plan line:\n${out}")
endif()
expect_count("planned  fit.batch_size=[0-9]+ seed [12]: mlp train [^\n]*--set fit.seed=[12]" 4 "${out}"
             "dry run: 4 planned runs")
if(EXISTS ${WORK}/mnist)
  message(FATAL_ERROR "dry run: wrote ${WORK}/mnist")
endif()

# Killed after two runs have finished (one at a time, so nothing else was running).
run(FALSE ${CMAKE_COMMAND} -E env MLP_FAULT_KILL_SWEEP_AFTER=2 ${CMD} ${grid} --jobs 1)
file(GLOB_RECURSE markers ${WORK}/mnist/runs/*/completed.json)
list(LENGTH markers n)
if(code EQUAL 0 OR NOT n EQUAL 2 OR EXISTS ${WORK}/mnist/results.csv)
  message(FATAL_ERROR "the killed sweep should have died with 2 runs finished and no table: exit ${code}, "
                      "${n} finished\n${out}")
endif()

# Run again with the same arguments: the two finished runs are skipped, the other two run.
run(TRUE ${CMD} ${grid} --jobs 2)
if(NOT out MATCHES "4 runs \\(2 finished before\\)")
  message(FATAL_ERROR "the resumed sweep did not skip the finished runs:\n${out}")
endif()
expect_count("start  fit" 2 "${out}" "the resumed sweep should start 2 runs")
file(STRINGS ${WORK}/mnist/results.csv rows)
list(LENGTH rows n)
if(NOT n EQUAL 3)
  message(FATAL_ERROR "results.csv: expected a header and 2 rows:\n${rows}")
endif()
list(GET rows 0 header)
string(REPLACE "," ";" header "${header}")
list(FIND header test_accuracy_mean acc_col)
list(FIND header seeds seeds_col)
if(acc_col EQUAL -1 OR seeds_col EQUAL -1)
  message(FATAL_ERROR "results.csv: no test_accuracy_mean or seeds column: ${header}")
endif()
foreach(i 1 2)
  list(GET rows ${i} row)
  string(REGEX REPLACE "\"[^\"]*\"" "name" row "${row}")  # the quoted configuration name has commas
  string(REPLACE "," ";" row "${row}")
  list(GET row ${acc_col} acc)
  list(GET row ${seeds_col} seeds)
  # 2 epochs on 2,000 images reach about 0.8; a broken trainer stays near 0.1.
  if(NOT seeds EQUAL 2 OR acc LESS 0.7)
    message(FATAL_ERROR "results.csv row ${i}: ${seeds} seeds, test accuracy ${acc}")
  endif()
endforeach()
file(READ ${WORK}/mnist/results.md md)
if(NOT md MATCHES "\\| 1 \\| fit.batch_size=64 \\| 64 \\| 2/2 \\| [0-9.]+ ± [0-9.]+ \\|")
  message(FATAL_ERROR "results.md: unexpected first row:\n${md}")
endif()
if(NOT EXISTS ${WORK}/mnist/results.png AND out MATCHES "results.png not drawn: gnuplot not found")
  message(STATUS "no gnuplot: results.png not checked")
elseif(NOT EXISTS ${WORK}/mnist/results.png)
  message(FATAL_ERROR "results.png missing:\n${out}")
endif()

# A third time: everything is finished, nothing starts, the same table.
run(TRUE ${CMD} ${grid} --jobs 2)
if(NOT out MATCHES "4 runs \\(4 finished before\\)" OR out MATCHES "start  fit")
  message(FATAL_ERROR "a finished sweep should start nothing:\n${out}")
endif()
file(READ ${WORK}/mnist/results.md md_again)
if(NOT md STREQUAL md_again)
  message(FATAL_ERROR "results.md changed on a sweep with nothing to run")
endif()

# Named rows of a regression config: the table holds the regression metrics.
run(TRUE ${CMD} sweep ${EXAMPLES}/housing_regression.toml --rows ${CONFIGS}/sweep_rows.toml --set fit.epochs=2
    --jobs 2 --out ${WORK}/housing)
file(STRINGS ${WORK}/housing/results.csv rows)
list(LENGTH rows n)
list(GET rows 0 header)
if(NOT n EQUAL 3 OR NOT header MATCHES "test_mae_mean,test_mae_spread" OR NOT header MATCHES "test_rmse_mean")
  message(FATAL_ERROR "housing results.csv: expected 2 rows with test_mae and test_rmse:\n${rows}")
endif()
list(GET rows 2 row)
if(NOT row MATCHES "^2,64 tanh sgd momentum,\"model.layers\\[0\\].units=64; ")
  message(FATAL_ERROR "housing results.csv: the second row is not the named one: ${row}")
endif()
