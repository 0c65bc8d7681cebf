# SPDX-License-Identifier: MIT
# mlp evaluate --plots and mlp plot-model end to end: a model trained for one epoch on the MNIST
# subset gets DIR/confusion_matrix.png and DIR/weights.png; the binary and regression tabular
# examples get a two-class matrix and the predicted-vs-true scatter; plot-model draws the graph of
# the model file and of the config (shapes from the data), and writes the DOT text it laid out.
# Variables: CMD (the mlp binary), CONFIG (tests/configs/mnist_subset.toml), EXAMPLES (examples/),
# DATA (tests/data), WORK (scratch dir).
file(REMOVE_RECURSE "${WORK}")
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)
# A PNG (its 8-byte signature) of at least min_bytes.
function(expect_png path min_bytes)
  if(NOT EXISTS ${path})
    message(FATAL_ERROR "${path} was not written")
  endif()
  file(READ ${path} signature LIMIT 8 HEX)
  file(SIZE ${path} size)
  if(NOT signature STREQUAL "89504e470d0a1a0a" OR size LESS ${min_bytes})
    message(FATAL_ERROR "${path}: not a PNG of at least ${min_bytes} bytes (signature ${signature}, ${size} bytes)")
  endif()
endfunction()

run(train ${CONFIG} --set fit.epochs=1 --set fit.verbose=0 --run-dir ${WORK}/run)
set(model ${WORK}/run/model.safetensors)
run(evaluate ${model} ${DATA}/mnist-subset-t10k-images-idx3-ubyte.gz
    --labels ${DATA}/mnist-subset-t10k-labels-idx1-ubyte.gz --plots ${WORK}/plots)
if(NOT out MATCHES "^1000 samples - loss: [0-9.]+ - accuracy: [0-9.]+\nwrote [^\n]*/plots/confusion_matrix\\.png\nwrote [^\n]*/plots/weights\\.png\n$")
  message(FATAL_ERROR "evaluate --plots: ${out}")
endif()
expect_png(${WORK}/plots/confusion_matrix.png 20000)
expect_png(${WORK}/plots/weights.png 20000)
# A plots directory that cannot be made (under a file): exit code 1 and the directory named.
execute_process(COMMAND ${CMD} evaluate ${model} ${DATA}/mnist-subset-t10k-images-idx3-ubyte.gz
                        --labels ${DATA}/mnist-subset-t10k-labels-idx1-ubyte.gz --plots ${model}/plots
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 1 OR NOT err STREQUAL "mlp: error: ${model}/plots: cannot create the plots directory (Not a directory)\n")
  message(FATAL_ERROR "evaluate --plots under a file: exit code ${code}\n${out}\n${err}")
endif()

# Binary (one sigmoid unit): a 2×2 matrix; regression: predicted vs true instead.
run(train ${EXAMPLES}/breast_cancer_binary.toml --run-dir ${WORK}/cancer --set fit.epochs=2 --set fit.verbose=0)
run(evaluate ${WORK}/cancer/model.safetensors ${DATA}/tabular/breast_cancer.csv --plots ${WORK}/cancer_plots)
expect_png(${WORK}/cancer_plots/confusion_matrix.png 10000)
run(train ${EXAMPLES}/housing_regression.toml --run-dir ${WORK}/housing --set fit.epochs=2 --set fit.verbose=0)
run(evaluate ${WORK}/housing/model.safetensors ${DATA}/tabular/california_housing.csv --plots ${WORK}/housing_plots)
if(NOT out MATCHES "wrote [^\n]*/housing_plots/predicted_vs_true\\.png\n" OR EXISTS ${WORK}/housing_plots/confusion_matrix.png)
  message(FATAL_ERROR "evaluate --plots of a regression model: ${out}")
endif()
expect_png(${WORK}/housing_plots/predicted_vs_true.png 10000)
expect_png(${WORK}/housing_plots/weights.png 10000)

# plot-model: the model file with shapes and the DOT text, then the config (built on the data).
file(MAKE_DIRECTORY ${WORK}/graph)
run(plot-model ${model} --show-shapes --out ${WORK}/graph/model.png --dot ${WORK}/graph/model.dot)
if(NOT out MATCHES "^wrote [^\n]*/graph/model\\.png \\(6 layers of sequential_1\\)\nwrote [^\n]*/graph/model\\.dot\n$")
  message(FATAL_ERROR "plot-model: ${out}")
endif()
expect_png(${WORK}/graph/model.png 5000)
file(READ ${WORK}/graph/model.dot dot)
string(FIND "${dot}" "n2 [label=\"dense_1: Dense|{input:|output:}|{(None, 784)|(None, 256)}\"];" at)
if(at EQUAL -1 OR NOT dot MATCHES "n0 -> n1;\n  n1 -> n2;\n.*n5 -> n6;\n}\n$")
  message(FATAL_ERROR "model.dot:\n${dot}")
endif()
run(plot-model ${CONFIG} --out ${WORK}/graph/config.png --rankdir LR)
expect_png(${WORK}/graph/config.png 3000)
