# SPDX-License-Identifier: MIT
# Data-parallel `mpirun -np N mlp train` (docs/scaling.md), one MODE per ctest test:
#   same_weights  N ranks with the same global batch end with the weights of one process up to
#                 float summation order (every tensor within ATOL, see docs/scaling.md) and the
#                 same test accuracy within 0.01; fit itself checks at the end that the N ranks'
#                 weights are bit-identical (an error otherwise). -np 1 is byte-identical to a
#                 plain run.
#   data_differs  rank 1's labels changed (MLP_FAULT_DATA=1, MLP_FAULT_RANK=1): a clear error, a
#                 non-zero exit, no model.
#   rank_dies     rank 1 SIGKILLs itself in epoch 2 (MLP_FAULT_KILL_AT=2:5, MLP_FAULT_RANK=1): the
#                 job ends with a non-zero exit, no hang (mpirun --timeout), no model; rank 0's
#                 checkpoint of epoch 1 is whole. Then --resume with another N (4, then 1 for
#                 the comparison) continues it to the weights of one process within ATOL.
# Variables: CMD (mlp), MPIEXEC, NP, MODE, CONFIGS (tests/configs), TESTS (tests/), PYTHON, WORK.
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)
file(REMOVE_RECURSE "${WORK}")
set(config ${CONFIGS}/mnist_subset.toml)
# Two epochs of the reference model on the committed MNIST subset, one thread per rank.
set(fit --set fit.epochs=2 --set fit.threads=1 --set fit.verbose=2)
set(mpirun ${MPIEXEC} --allow-run-as-root --oversubscribe --timeout 240 --mca btl self,vader)
# The sanitizer build (cmake/sanitizers_env.cmake set ASAN_OPTIONS): the ranks unwind each allocation
# with the slow unwinder, which follows stacks through OpenMPI's libraries (built without frame
# pointers), so that cmake/lsan.supp's OpenMPI entries can match what MPI_Finalize leaves allocated.
if(DEFINED ENV{ASAN_OPTIONS})
  set(ENV{ASAN_OPTIONS} "$ENV{ASAN_OPTIONS}:fast_unwind_on_malloc=0")
endif()
set(atol 1e-5)  # docs/scaling.md: float summation order; measured 1.2e-7 (2 ranks), 2.0e-7 (4 ranks)

function(must_succeed what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "${what}: exit code ${code}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

function(compare_models a b)
  execute_process(COMMAND ${PYTHON} ${TESTS}/compare_safetensors.py ${a} ${b} --atol ${atol}
                  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "${a} vs ${b}:\n${out}")
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "the weights differ beyond ${atol}:\n${out}\n${err}")
  endif()
endfunction()

function(test_accuracy run var)
  file(READ ${run}/metrics.json metrics)
  string(JSON acc GET "${metrics}" test accuracy)
  set(${var} ${acc} PARENT_SCOPE)
endfunction()

if(MODE STREQUAL "same_weights")
  must_succeed("one process" ${CMD} train ${config} --run-dir ${WORK}/one ${fit})
  must_succeed("mpirun -np 1" ${mpirun} -np 1 ${CMD} train ${config} --run-dir ${WORK}/np1 ${fit})
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/one/model.safetensors ${WORK}/np1/model.safetensors
                  RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "mpirun -np 1 should train exactly as one plain process")
  endif()
  must_succeed("mpirun -np ${NP}" ${mpirun} -np ${NP} ${CMD} train ${config} --run-dir ${WORK}/np${NP} ${fit})
  if(NOT out MATCHES "Data-parallel over ${NP} processes")
    message(FATAL_ERROR "no data-parallel run:\n${out}")
  endif()
  expect_count("Epoch [0-9]+/" 2 "${out}" "rank 0 alone should print the 2 epochs")
  compare_models(${WORK}/one/model.safetensors ${WORK}/np${NP}/model.safetensors)
  test_accuracy(${WORK}/one a1)
  test_accuracy(${WORK}/np${NP} aN)
  message(STATUS "test accuracy: 1 process ${a1}, ${NP} processes ${aN}")
  execute_process(COMMAND ${PYTHON} -c "import sys; sys.exit(0 if abs(${a1} - ${aN}) <= 0.01 else 1)"
                  RESULT_VARIABLE far)
  if(far)
    message(FATAL_ERROR "test accuracy: 1 process ${a1}, ${NP} processes ${aN}: more than 0.01 apart")
  endif()
  file(GLOB leftovers ${WORK}/np${NP}/*)
  foreach(f ${leftovers})
    if(f MATCHES "rank")
      message(FATAL_ERROR "a rank other than 0 wrote into the run directory: ${f}")
    endif()
  endforeach()
elseif(MODE STREQUAL "data_differs")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env MLP_FAULT_DATA=1 MLP_FAULT_RANK=1
                          ${mpirun} -np ${NP} ${CMD} train ${config} --run-dir ${WORK}/differs ${fit}
                  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(code EQUAL 0 OR EXISTS ${WORK}/differs/model.safetensors)
    message(FATAL_ERROR "different data on rank 1 should fail without a model: exit ${code}\n${out}\n${err}")
  endif()
  if(NOT err MATCHES "mlp: error: rank [0-9] of ${NP}: Sequential::fit: data-parallel over ${NP} processes: the training data of rank 1 differs from rank 0's")
    message(FATAL_ERROR "no clear message:\n${err}")
  endif()
elseif(MODE STREQUAL "rank_dies")
  set(fit3 --set fit.epochs=3 --set fit.threads=1 --set fit.verbose=2)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env MLP_FAULT_KILL_AT=2:5 MLP_FAULT_RANK=1
                          ${mpirun} -np ${NP} ${CMD} train ${config} --run-dir ${WORK}/dies ${fit3}
                  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(code EQUAL 0 OR EXISTS ${WORK}/dies/model.safetensors)
    message(FATAL_ERROR "a dead rank should end the job without a model: exit ${code}\n${out}\n${err}")
  endif()
  if(NOT EXISTS ${WORK}/dies/checkpoint.safetensors)
    message(FATAL_ERROR "rank 0 should have left the checkpoint of epoch 1:\n${out}\n${err}")
  endif()
  # The checkpoint does not depend on N: resume it with 4 ranks, and (the reference) with 1.
  file(COPY ${WORK}/dies/ DESTINATION ${WORK}/dies_np1)
  must_succeed("resume -np 4" ${mpirun} -np 4 ${CMD} train --resume ${WORK}/dies)
  if(NOT out MATCHES "Resuming from [^\n]*dies/checkpoint.safetensors: 1 of 3 epochs done"
     OR NOT out MATCHES "Data-parallel over 4 processes")
    message(FATAL_ERROR "resume with 4 ranks did not report where it continued:\n${out}")
  endif()
  must_succeed("resume, one process" ${CMD} train --resume ${WORK}/dies_np1)
  compare_models(${WORK}/dies_np1/model.safetensors ${WORK}/dies/model.safetensors)
  must_succeed("one process, 3 epochs" ${CMD} train ${config} --run-dir ${WORK}/one3 ${fit3})
  compare_models(${WORK}/one3/model.safetensors ${WORK}/dies/model.safetensors)
else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
