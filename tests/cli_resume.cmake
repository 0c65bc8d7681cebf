# SPDX-License-Identifier: MIT
# mlp train --resume: a run killed by SIGKILL in the middle of an epoch and resumed from its last
# checkpoint ends with a model file and history byte-identical to the same run never interrupted.
# The config (tests/configs/callbacks.toml) has every stateful callback: early stopping with the
# best weights restored, best-only checkpoints, a CSV log and ReduceLROnPlateau, whose counters
# must survive the kill too. MLP_FAULT_KILL_AT=E:B makes the binary SIGKILL itself before batch B of
# epoch E (docs/cli.md), so the cut is at an exact point; MLP_FAULT_INTERRUPT_AT=E:B sends SIGINT.
# Variables: CMD (the mlp binary), CONFIGS (tests/configs), WORK (scratch dir).
file(REMOVE_RECURSE "${WORK}")
set(config ${CONFIGS}/callbacks.toml)

execute_process(COMMAND ${CMD} train ${config} --run-dir ${WORK}/straight --set fit.verbose=2
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "uninterrupted run: exit code ${code}\n${out}\n${err}")
endif()
file(READ ${WORK}/straight/metrics.json metrics)
string(JSON epochs GET "${metrics}" epochs)
if(epochs LESS 5)
  message(FATAL_ERROR "the run must last past the cut at epoch 4; it ran ${epochs} epochs")
endif()

# Killed before batch 20 of epoch 4 (of 63 batches): three checkpoints written, the fourth epoch cut.
execute_process(COMMAND ${CMAKE_COMMAND} -E env MLP_FAULT_KILL_AT=4:20
                        ${CMD} train ${config} --run-dir ${WORK}/killed --set fit.verbose=2
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(code EQUAL 0 OR EXISTS ${WORK}/killed/model.safetensors)
  message(FATAL_ERROR "the killed run should have died without a model: exit ${code}\n${out}\n${err}")
endif()
if(NOT EXISTS ${WORK}/killed/checkpoint.safetensors)
  message(FATAL_ERROR "the killed run left no checkpoint")
endif()

execute_process(COMMAND ${CMD} train --resume ${WORK}/killed
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "resume: exit code ${code}\n${out}\n${err}")
endif()
if(NOT out MATCHES "Resuming from [^\n]*killed/checkpoint.safetensors: 3 of 40 epochs done")
  message(FATAL_ERROR "resume did not report where it continued:\n${out}")
endif()
foreach(file model.safetensors history.csv training.csv)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/straight/${file} ${WORK}/killed/${file}
                  RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "${file} of the resumed run differs from the uninterrupted run's")
  endif()
endforeach()
# The best-only checkpoints written after the resume carry the same names and values.
file(GLOB a RELATIVE ${WORK}/straight/checkpoints ${WORK}/straight/checkpoints/*.safetensors)
file(GLOB b RELATIVE ${WORK}/killed/checkpoints ${WORK}/killed/checkpoints/*.safetensors)
if(NOT a STREQUAL b)
  message(FATAL_ERROR "best-only checkpoints differ: ${a} vs ${b}")
endif()

# Ctrl-C (SIGINT before batch 10 of epoch 3): training stops after that batch, exit code 130,
# no model, the checkpoint of epoch 2 kept; resuming ends byte-identical too.
execute_process(COMMAND ${CMAKE_COMMAND} -E env MLP_FAULT_INTERRUPT_AT=3:10
                        ${CMD} train ${config} --run-dir ${WORK}/interrupted --set fit.verbose=2
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 130 OR EXISTS ${WORK}/interrupted/model.safetensors)
  message(FATAL_ERROR "interrupted run: exit ${code} (expected 130, no model)\n${out}\n${err}")
endif()
if(NOT out MATCHES "Interrupted in epoch 3 after batch 10; [^\n]*interrupted/checkpoint.safetensors holds 2 finished epochs: continue with mlp train --resume [^\n]*interrupted\n")
  message(FATAL_ERROR "interrupted run: unexpected message\n${out}")
endif()
execute_process(COMMAND ${CMD} train --resume ${WORK}/interrupted RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/straight/model.safetensors
                        ${WORK}/interrupted/model.safetensors RESULT_VARIABLE differ)
if(NOT code EQUAL 0 OR differ)
  message(FATAL_ERROR "resume after Ctrl-C: exit ${code}, model differs: ${differ}\n${out}\n${err}")
endif()

# A finished run resumed with more epochs is the same as a longer run: the early stop holds.
execute_process(COMMAND ${CMD} train --resume ${WORK}/straight --set fit.epochs=60
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0 OR NOT out MATCHES "Resuming from [^\n]*: ${epochs} of 60 epochs done")
  message(FATAL_ERROR "resume of a finished run: exit ${code}\n${out}\n${err}")
endif()
file(READ ${WORK}/straight/metrics.json again)
string(JSON epochs_again GET "${again}" epochs)
if(NOT epochs_again EQUAL epochs)
  message(FATAL_ERROR "an early-stopped run trained on after --resume: ${epochs} then ${epochs_again} epochs")
endif()

# A fresh run into a used directory starts afresh (the old checkpoint is not continued).
execute_process(COMMAND ${CMD} train ${config} --run-dir ${WORK}/killed --set fit.epochs=1
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0 OR out MATCHES "Resuming")
  message(FATAL_ERROR "a fresh run into a used run directory resumed:\n${out}\n${err}")
endif()

# A full disk while training into a used run directory (simulated by a file-size limit: the
# checkpoint cannot be written): exit code 1 naming the file, the previous model intact.
file(COPY_FILE ${WORK}/straight/model.safetensors ${WORK}/previous_model.safetensors)
execute_process(COMMAND prlimit --fsize=200000 ${CMD} train ${config} --run-dir ${WORK}/straight
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 1 OR NOT err MATCHES "mlp: error: [^\n]*straight/[^\n]*\\.safetensors: cannot write \\(File too large\\); the existing file, if any, is unchanged")
  message(FATAL_ERROR "disk full: exit ${code}\n${out}\n${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/straight/model.safetensors
                        ${WORK}/previous_model.safetensors RESULT_VARIABLE differ)
file(GLOB leftovers ${WORK}/straight/*.tmp.*)
if(differ OR leftovers)
  message(FATAL_ERROR "disk full: the previous model changed (${differ}) or temporary files stayed: ${leftovers}")
endif()
