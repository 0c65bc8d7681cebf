# SPDX-License-Identifier: MIT
# End to end on the committed MNIST subset: mlp train writes a complete run directory whose model
# reaches a real accuracy; evaluate reproduces train's test numbers from the saved file; predict
# reads IDX and a PNG photo; the resolved config.toml retrains bit-identically.
# Variables: CMD (the mlp binary), CONFIG (tests/configs/mnist_subset.toml), WORK (scratch dir),
# DATA (tests/data), SCRIPTS (tests/), PYTHON (python3, may be empty).
file(REMOVE_RECURSE "${WORK}")
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

run(train ${CONFIG} --run-dir ${WORK}/a --set fit.verbose=2 --set fit.threads=2)
foreach(f config.toml model.safetensors checkpoint.safetensors history.csv metrics.json train.log learning_curves.png weights.png)
  if(NOT EXISTS ${WORK}/a/${f})
    message(FATAL_ERROR "the run directory lacks ${f}")
  endif()
endforeach()
file(READ ${WORK}/a/metrics.json metrics)
string(JSON accuracy GET "${metrics}" test accuracy)
string(JSON epochs GET "${metrics}" epochs)
if(accuracy LESS 0.90 OR NOT epochs EQUAL 12)
  message(FATAL_ERROR "test accuracy ${accuracy} after ${epochs} epochs; expected >= 0.90 after 12")
endif()
file(STRINGS ${WORK}/a/history.csv history)
list(LENGTH history rows)
list(GET history 0 header)
if(NOT rows EQUAL 13 OR NOT header STREQUAL "epoch,accuracy,loss,val_accuracy,val_loss")
  message(FATAL_ERROR "history.csv: ${rows} lines, header '${header}'")
endif()

# evaluate: the saved model and its preprocessing give train's test line exactly.
run(evaluate ${WORK}/a/model.safetensors ${DATA}/mnist-subset-t10k-images-idx3-ubyte.gz
    --labels ${DATA}/mnist-subset-t10k-labels-idx1-ubyte.gz)
string(REGEX MATCH "loss: [0-9.]+ - accuracy: [0-9.]+" evaluated "${out}")
file(READ ${WORK}/a/train.log log)
string(FIND "${log}" "Test: ${evaluated}" at)
if(evaluated STREQUAL "" OR at EQUAL -1 OR NOT out MATCHES "^1000 samples")
  message(FATAL_ERROR "evaluate printed '${out}', train.log has no 'Test: ${evaluated}'")
endif()

# predict: the first test image is a 7, from the IDX file and from a photo of it.
run(predict ${WORK}/a/model.safetensors ${DATA}/mnist-subset-t10k-images-idx3-ubyte.gz --top 3)
if(NOT out MATCHES "^index 0: 7 \\(0\\.[0-9]+\\)   top-3: 7 ")
  message(FATAL_ERROR "predict on IDX printed: ${out}")
endif()
run(predict ${WORK}/a/model.safetensors ${DATA}/digit7_photo.png)
if(NOT out MATCHES "digit7_photo.png: 7 \\(")
  message(FATAL_ERROR "predict on the PNG photo printed: ${out}")
endif()
run(predict ${WORK}/a/model.safetensors ${DATA}/mnist-subset-t10k-images-idx3-ubyte.gz --out ${WORK}/pred.csv)
file(STRINGS ${WORK}/pred.csv lines)
list(LENGTH lines n)
if(NOT n EQUAL 1001)
  message(FATAL_ERROR "pred.csv has ${n} lines, expected a header and 1000 rows")
endif()
# An independent reader (Python's standard library, from the safetensors spec) opens the model.
if(PYTHON)
  execute_process(COMMAND ${PYTHON} ${SCRIPTS}/read_safetensors.py ${WORK}/a/model.safetensors
                  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0 OR NOT out MATCHES "dense_1/kernel F32 \\[784, 256\\]"
     OR NOT out MATCHES "layers: Flatten Dense Dropout Dense Dropout Dense")
    message(FATAL_ERROR "read_safetensors.py: ${code}\n${out}\n${err}")
  endif()
endif()
run(summary ${WORK}/a/model.safetensors)
if(NOT out MATCHES "Total params: 269,322")
  message(FATAL_ERROR "summary of the model file: ${out}")
endif()

# The run directory's config retrains to the same history (same seed, same thread count).
run(train ${WORK}/a/config.toml --run-dir ${WORK}/b)
file(READ ${WORK}/a/history.csv first)
file(READ ${WORK}/b/history.csv second)
if(NOT first STREQUAL second)
  message(FATAL_ERROR "retraining from config.toml differs:\n${first}\n${second}")
endif()
