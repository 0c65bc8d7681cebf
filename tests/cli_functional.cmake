# SPDX-License-Identifier: MIT
# A functional model (Keras' functional API) through the command line: the Wide & Deep example on
# California housing (two inputs fed by named CSV columns, a main and an auxiliary output) is
# trained briefly, then evaluated and predicted from its model file, summarized, drawn, and killed
# and resumed (bit-identical to the run never interrupted, as tests/cli_resume.cmake checks for a
# Sequential); an ensemble of graphs is refused; a graph with one input trains on IDX images.
# Variables: CMD (the mlp binary), EXAMPLES (examples/), DATA (tests/data), WORK (scratch dir).
file(REMOVE_RECURSE "${WORK}")
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)
set(config ${EXAMPLES}/housing_wide_deep.toml)
set(csv ${DATA}/tabular/california_housing.csv)
set(quick --set fit.epochs=3 --set fit.verbose=2)

run(train ${config} --run-dir ${WORK}/straight ${quick})
if(NOT out MATCHES "input \\(None, 13\\) for inputs wide_input \\(None, 5\\), deep_input \\(None, 6\\)")
  message(FATAL_ERROR "train: the data line does not give the inputs' widths:\n${out}")
endif()
if(NOT out MATCHES "Connected to" OR NOT out MATCHES "concat \\(Concatenate\\) +\\(None, 35\\)")
  message(FATAL_ERROR "train: not the functional summary:\n${out}")
endif()
# Per-output losses and metrics appear in metrics.json and history.csv.
file(READ ${WORK}/straight/metrics.json metrics)
string(JSON rmse GET "${metrics}" test output_rmse)
string(JSON aux_rmse GET "${metrics}" test aux_output_rmse)
string(JSON val_rmse GET "${metrics}" validation output_rmse)
if(rmse GREATER 0.9 OR val_rmse GREATER 0.9 OR aux_rmse GREATER 1.2)  # the training mean gives 1.15
  message(FATAL_ERROR "wide & deep after 3 epochs: test RMSE ${rmse} (aux ${aux_rmse}), validation ${val_rmse}")
endif()
file(STRINGS ${WORK}/straight/history.csv history)
list(GET history 0 columns)
if(NOT columns STREQUAL "epoch,aux_output_loss,aux_output_rmse,loss,output_loss,output_rmse,val_aux_output_loss,val_aux_output_rmse,val_loss,val_output_loss,val_output_rmse")
  message(FATAL_ERROR "history.csv columns: ${columns}")
endif()
# The resolved config keeps which columns feed which input, so that it reruns the same model.
file(READ ${WORK}/straight/config.toml resolved)
if(NOT resolved MATCHES "columns = \\[ *'?\"?median_income")
  message(FATAL_ERROR "config.toml lost the inputs' columns:\n${resolved}")
endif()

# evaluate and predict read each input's columns from the model file.
run(evaluate ${WORK}/straight/model.safetensors ${csv})
if(NOT out MATCHES "^20640 samples - loss: [0-9.]+ - aux_output_loss: [0-9.]+ - aux_output_rmse: [0-9.]+ - output_loss: [0-9.]+ - output_rmse: [0-9.]+\n$")
  message(FATAL_ERROR "evaluate: ${out}")
endif()
run(predict ${WORK}/straight/model.safetensors ${csv} --out ${WORK}/values.csv)
file(STRINGS ${WORK}/values.csv lines)
list(LENGTH lines n)
list(GET lines 0 header)
list(GET lines 1 first)
if(NOT n EQUAL 20641 OR NOT header STREQUAL "sample,\"output\",\"aux_output\""
   OR NOT first MATCHES "^\"row 1\",[1-9][0-9][0-9][0-9][0-9][0-9][0-9.e+]*,[1-9][0-9][0-9][0-9][0-9][0-9][0-9.e+]*$")
  message(FATAL_ERROR "values.csv: ${n} lines, header '${header}', first row '${first}'")
endif()
run(predict ${WORK}/straight/model.safetensors ${csv})
if(NOT out MATCHES "^row 1: output: [0-9.e+]+, aux_output: [0-9.e+]+\n")
  message(FATAL_ERROR "predict to the console: ${out}")
endif()

# summary and plot-model of the config (widths from the data) and of the model file.
run(summary ${config})
if(NOT out MATCHES "hidden1 \\(Dense\\) +\\(None, 30\\) +210 +deep_input")  # 6 * 30 + 30
  message(FATAL_ERROR "summary of the config: ${out}")
endif()
run(plot-model ${WORK}/straight/model.safetensors --out ${WORK}/model.png --dot ${WORK}/model.dot)
file(READ ${WORK}/model.dot dot)
if(NOT dot MATCHES "wide_input" OR NOT dot MATCHES "aux_output")
  message(FATAL_ERROR "model.dot: ${dot}")
endif()

# Killed before batch 50 of epoch 2, resumed: byte-identical to the run never interrupted.
execute_process(COMMAND ${CMAKE_COMMAND} -E env MLP_FAULT_KILL_AT=2:50
                        ${CMD} train ${config} --run-dir ${WORK}/killed ${quick}
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(code EQUAL 0 OR EXISTS ${WORK}/killed/model.safetensors OR NOT EXISTS ${WORK}/killed/checkpoint.safetensors)
  message(FATAL_ERROR "the killed run should have died with a checkpoint and no model: exit ${code}\n${out}\n${err}")
endif()
run(train --resume ${WORK}/killed)
if(NOT out MATCHES "Resuming from [^\n]*killed/checkpoint.safetensors: 1 of 3 epochs done")
  message(FATAL_ERROR "resume did not report where it continued:\n${out}")
endif()
foreach(file model.safetensors history.csv)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/straight/${file} ${WORK}/killed/${file}
                  RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "${file} of the resumed run differs from the uninterrupted run's")
  endif()
endforeach()

# An ensemble takes models with one input and one output: a graph member is refused.
execute_process(COMMAND ${CMD} ensemble ${WORK}/straight/model.safetensors ${WORK}/killed/model.safetensors --data ${csv}
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 1 OR NOT err MATCHES "straight/model.safetensors: has 2 inputs and 2 outputs; an ensemble member takes one input")
  message(FATAL_ERROR "ensemble of graphs: exit ${code}\n${out}\n${err}")
endif()

# Image data feeds a graph with one input, whole (IDX files have no named columns); each output
# learns the labels, and predict gives each output's class.
file(WRITE ${WORK}/images.toml "[data]
train_images = \"${DATA}/mnist-subset-train-images-idx3-ubyte.gz\"
train_labels = \"${DATA}/mnist-subset-train-labels-idx1-ubyte.gz\"
test_images = \"${DATA}/mnist-subset-t10k-images-idx3-ubyte.gz\"
test_labels = \"${DATA}/mnist-subset-t10k-labels-idx1-ubyte.gz\"
train_samples = 1000
[model]
outputs = [\"digit\", \"digit_aux\"]
inputs = [{ name = \"pixels\" }]
layers = [{ type = \"Flatten\", name = \"flat\", inputs = [\"pixels\"] },
          { type = \"Dense\", name = \"hidden\", units = 32, activation = \"relu\" },
          { type = \"Dense\", name = \"digit\", units = 10, activation = \"softmax\" },
          { type = \"Dense\", name = \"digit_aux\", units = 10, activation = \"softmax\", inputs = [\"hidden\"] }]
[compile]
optimizer = \"adam\"
metrics = [\"accuracy\"]
[fit]
epochs = 2
verbose = 2
")
run(train ${WORK}/images.toml --run-dir ${WORK}/images)
if(NOT out MATCHES "Test: loss: [0-9.]+ - digit_accuracy: 0\\.[5-9]")
  message(FATAL_ERROR "graph on images: ${out}")
endif()
run(predict ${WORK}/images/model.safetensors ${DATA}/mnist-subset-t10k-images-idx3-ubyte.gz)
if(NOT out MATCHES "^index 0: digit: [0-9], digit_aux: [0-9]\n")
  message(FATAL_ERROR "predict of a graph on images: ${out}")
endif()
