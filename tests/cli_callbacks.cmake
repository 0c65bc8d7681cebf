# SPDX-License-Identifier: MIT
# [[callbacks]] from a config: early stopping with the best weights restored, best-only checkpoints,
# a CSV log, ReduceLROnPlateau; and TerminateOnNaN on a diverging run: exit code 1, the epoch and
# batch named, no model written.
# Variables: CMD (the mlp binary), CONFIGS (tests/configs), EXAMPLES (examples/), WORK (scratch dir).
file(REMOVE_RECURSE "${WORK}")
execute_process(COMMAND ${CMD} train ${CONFIGS}/callbacks.toml --run-dir ${WORK}/a --set fit.verbose=2
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "train with callbacks: exit code ${code}\n${out}\n${err}")
endif()
file(READ ${WORK}/a/metrics.json metrics)
string(JSON epochs GET "${metrics}" epochs)
string(REGEX MATCH "Epoch ([0-9]+): early stopping" stopped "${out}")
string(REGEX MATCH "best epoch: ([0-9]+)" best "${out}")
set(best_epoch ${CMAKE_MATCH_1})
if(NOT stopped OR epochs GREATER_EQUAL 40 OR NOT best)
  message(FATAL_ERROR "expected early stopping before epoch 40 and a restore; ran ${epochs} epochs:\n${out}")
endif()
if(NOT out MATCHES "ReduceLROnPlateau reducing learning rate to")
  message(FATAL_ERROR "ReduceLROnPlateau never fired:\n${out}")
endif()
# Best-only checkpoints: one file per improvement, the last one is the best epoch.
file(GLOB checkpoints ${WORK}/a/checkpoints/epoch*.safetensors)
list(LENGTH checkpoints n)
list(SORT checkpoints)
list(GET checkpoints -1 last)
if(best_epoch LESS 10)
  set(best_epoch "0${best_epoch}")
endif()
if(n LESS 2 OR NOT last MATCHES "epoch${best_epoch}-[0-9]\\.[0-9][0-9][0-9][0-9]\\.safetensors$")
  message(FATAL_ERROR "checkpoints: ${checkpoints}; the best epoch was ${best_epoch}")
endif()
# The restored model is the best checkpoint: evaluating both on the test files gives the same line.
set(images ${CONFIGS}/../data/mnist-subset-t10k-images-idx3-ubyte.gz)
set(labels ${CONFIGS}/../data/mnist-subset-t10k-labels-idx1-ubyte.gz)
execute_process(COMMAND ${CMD} evaluate ${WORK}/a/model.safetensors ${images} --labels ${labels} OUTPUT_VARIABLE final)
execute_process(COMMAND ${CMD} evaluate ${last} ${images} --labels ${labels} OUTPUT_VARIABLE from_checkpoint
                RESULT_VARIABLE code ERROR_VARIABLE err)
if(NOT code EQUAL 0 OR NOT final STREQUAL from_checkpoint)
  message(FATAL_ERROR "restored model: '${final}', best checkpoint: '${from_checkpoint}' ${err}")
endif()
file(STRINGS ${WORK}/a/training.csv rows)
list(LENGTH rows rows_n)
list(GET rows 0 header)
math(EXPR expected_rows "${epochs} + 1")
if(NOT rows_n EQUAL expected_rows OR NOT header MATCHES "^epoch,accuracy,loss,val_accuracy,val_loss")
  message(FATAL_ERROR "training.csv: ${rows_n} lines, header '${header}'")
endif()

# Divergence: SGD with learning rate 1 on unscaled-target regression overflows within the first epoch.
execute_process(COMMAND ${CMD} train ${EXAMPLES}/housing_regression.toml --run-dir ${WORK}/nan --set fit.verbose=2
                        "--set" "compile.optimizer={ type = \"SGD\", learning_rate = 1.0 }"
                        "--set" "callbacks=[{ type = \"TerminateOnNaN\" }]"
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 1 OR NOT err MATCHES "mlp: error: training diverged: the loss became NaN or infinite in epoch 1 at batch [0-9]+; no model saved"
   OR EXISTS ${WORK}/nan/model.safetensors OR NOT EXISTS ${WORK}/nan/history.csv)
  message(FATAL_ERROR "diverging run: exit code ${code}\n${out}\n${err}")
endif()

# Divergence after good epochs (a weight set to NaN before batch 3 of epoch 3): exit 1 naming
# epoch 3, no model, and the checkpoint of epoch 2 survives and loads.
execute_process(COMMAND ${CMAKE_COMMAND} -E env MLP_FAULT_NAN_AT=3:3
                        ${CMD} train ${EXAMPLES}/housing_regression.toml --run-dir ${WORK}/late_nan --set fit.epochs=5
                        "--set" "callbacks=[{ type = \"TerminateOnNaN\" }]"
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 1 OR NOT err MATCHES "training diverged: the loss became NaN or infinite in epoch 3 at batch 3;"
   OR EXISTS ${WORK}/late_nan/model.safetensors)
  message(FATAL_ERROR "late divergence: exit code ${code}\n${out}\n${err}")
endif()
execute_process(COMMAND ${CMD} train --resume ${WORK}/late_nan --set fit.epochs=2
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0 OR NOT out MATCHES "late_nan/checkpoint.safetensors: 2 of 2 epochs done")
  message(FATAL_ERROR "the last good checkpoint did not survive the divergence: exit ${code}\n${out}\n${err}")
endif()
