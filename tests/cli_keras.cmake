# SPDX-License-Identifier: MIT
# Keras interop end to end: the reference model trained on the MNIST subset is exported as .keras
# and .h5, imported again (mlp import-keras, keeping the model file's preprocessing with
# --extra-from), and `mlp predict` must write the same CSV byte for byte; `mlp train --init-from`
# continues training the Keras file with mlp's optimizer; then the errors.
# Variables: CMD (mlp), CONFIG (tests/configs/mnist_subset.toml), DATA (tests/data), WORK.
file(REMOVE_RECURSE "${WORK}")
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

set(images ${DATA}/mnist-subset-t10k-images-idx3-ubyte.gz)
run(train ${CONFIG} --set fit.epochs=1 --set fit.verbose=0 --run-dir ${WORK}/run)
set(model ${WORK}/run/model.safetensors)
run(predict ${model} ${images} --out ${WORK}/predict.csv)
file(READ ${WORK}/predict.csv expected)

foreach(format keras h5)
  run(export --format ${format} ${model} ${WORK}/model.${format})
  run(import-keras ${WORK}/model.${format} --extra-from ${model} --out ${WORK}/back_${format}.safetensors)
  if(NOT out MATCHES "^read .*model.${format} \\((keras_zip|h5_full), Keras 3.11.3\\): 7 layers, 269322 parameters\nwrote ")
    message(FATAL_ERROR "import-keras: ${out}")
  endif()
  run(predict ${WORK}/back_${format}.safetensors ${images} --out ${WORK}/predict_${format}.csv)
  file(READ ${WORK}/predict_${format}.csv got)
  if(NOT got STREQUAL expected)
    message(FATAL_ERROR "predict after export --format ${format} and import-keras differs from the original model")
  endif()
endforeach()

# Training continues from the Keras file: the config's data and compile, the file's model.
run(train ${CONFIG} --init-from ${WORK}/model.keras --set fit.epochs=1 --set fit.verbose=0 --run-dir ${WORK}/init)
if(NOT EXISTS ${WORK}/init/model.safetensors)
  message(FATAL_ERROR "train --init-from wrote no model")
endif()
# It continued from the trained weights: its test accuracy after one more epoch beats the first run's.
file(READ ${WORK}/run/train.log first_log)
file(READ ${WORK}/init/train.log init_log)
string(REGEX MATCH "Test: loss: [0-9.]+ - accuracy: ([0-9.]+)" m "${first_log}")
set(first ${CMAKE_MATCH_1})
string(REGEX MATCH "Test: loss: [0-9.]+ - accuracy: ([0-9.]+)" m "${init_log}")
if(first STREQUAL "" OR NOT CMAKE_MATCH_1 GREATER first)
  message(FATAL_ERROR "train --init-from: test accuracy ${CMAKE_MATCH_1}, the first run's ${first}")
endif()

expect_error(1 "mlp: error: ${WORK}/run: not a regular file" import-keras ${WORK}/run --out ${WORK}/x.safetensors)
expect_error(1 "mlp: error: ${CONFIG}: not an HDF5 file (no HDF5 signature)" import-keras ${CONFIG} --out ${WORK}/x.safetensors)
expect_error(1 "mlp: error: ${CONFIG}:8: model: init_from gives the whole model; remove the other keys (layers)"
             train ${CONFIG} --set model.init_from=x.keras --run-dir ${WORK}/bad)
