# SPDX-License-Identifier: MIT
# mlp export --format onnx end to end: the reference model trained on the MNIST subset is exported,
# checked by python3-onnx's checker (tests/check_onnx_files.py) and run by OpenCV's DNN module
# (tests/onnx_opencv_check.cpp), whose classes and probabilities must equal what `mlp predict`
# wrote for the same 1,000 test images (to 1e-5), with the preprocessing in the graph and without
# it. The Wide & Deep example (two CSV inputs, standardised) exports too. Then the errors: exit
# codes and messages, and a failed write that leaves the old file.
# Variables: CMD (mlp), CHECK (onnx_opencv_check), PYTHON (Debian's python3 with python3-onnx),
# SCRIPTS (tests/), CONFIG (tests/configs/mnist_subset.toml), EXAMPLES, DATA (tests/data), WORK.
file(REMOVE_RECURSE "${WORK}")
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)
function(check_command)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "${ARGN}: exit code ${code}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

set(images ${DATA}/mnist-subset-t10k-images-idx3-ubyte.gz)
run(train ${CONFIG} --set fit.epochs=2 --set fit.verbose=0 --run-dir ${WORK}/run)
set(model ${WORK}/run/model.safetensors)
run(predict ${model} ${images} --out ${WORK}/predict.csv)

run(export --format onnx ${model} ${WORK}/model.onnx)
if(NOT out STREQUAL "wrote ${WORK}/model.onnx (ONNX opset 17, 1 input, 1 output)\nthe graph applies the model file's preprocessing: feed it raw values\n")
  message(FATAL_ERROR "export: ${out}")
endif()
check_command(${PYTHON} ${SCRIPTS}/check_onnx_files.py ${WORK}/model.onnx)
check_command(${CHECK} ${WORK}/model.onnx ${images} ${WORK}/predict.csv)

run(export --format onnx ${model} ${WORK}/model_raw.onnx --no-preprocessing --keep-batch-norm)
if(NOT out MATCHES "\nthe graph leaves the model file's preprocessing to the caller \\(docs/interop.md\\)\n$")
  message(FATAL_ERROR "export --no-preprocessing: ${out}")
endif()
check_command(${PYTHON} ${SCRIPTS}/check_onnx_files.py ${WORK}/model_raw.onnx)
check_command(${CHECK} ${WORK}/model_raw.onnx ${images} ${WORK}/predict.csv 255)
# The graph without preprocessing fed raw pixels is not the model: the check must catch it.
execute_process(COMMAND ${CHECK} ${WORK}/model_raw.onnx ${images} ${WORK}/predict.csv RESULT_VARIABLE code OUTPUT_QUIET)
if(NOT code EQUAL 1)
  message(FATAL_ERROR "onnx_opencv_check accepted raw pixels fed to a graph without preprocessing (exit ${code})")
endif()

run(train ${EXAMPLES}/housing_wide_deep.toml --set fit.epochs=1 --set fit.verbose=0 --run-dir ${WORK}/housing)
run(export --format onnx ${WORK}/housing/model.safetensors ${WORK}/housing.onnx)
if(NOT out MATCHES "\\(ONNX opset 17, 2 inputs, 2 outputs\\)\nthe graph applies")
  message(FATAL_ERROR "export wide & deep: ${out}")
endif()
check_command(${PYTHON} ${SCRIPTS}/check_onnx_files.py ${WORK}/housing.onnx)

# Errors: exit code 1 with the file named, 2 for the command line; the old file stays.
expect_error(2 "--format: keras2 not in {onnx,keras,h5}\nRun with --help for more information." export --format keras2 ${model} ${WORK}/x.onnx)
expect_error(2 "--format is required\nRun with --help for more information." export ${model} ${WORK}/x.onnx)
expect_error(1 "mlp: error: ${WORK}/none.safetensors: cannot open (No such file or directory)"
             export --format onnx ${WORK}/none.safetensors ${WORK}/x.onnx)
expect_error(1 "mlp: error: ${CONFIG}: not a safetensors file: header length 7309940765089865763 exceeds the 100 MB limit" export --format onnx ${CONFIG} ${WORK}/x.onnx)
file(SHA256 ${WORK}/model.onnx before)
# A write that fails (a 4-block file-size limit, like a full disk): exit 1, the old file unchanged.
execute_process(COMMAND sh -c "ulimit -f 4 && exec \"$0\" \"$@\"" ${CMD} export --format onnx ${model} ${WORK}/model.onnx
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(SHA256 ${WORK}/model.onnx after)
if(NOT code EQUAL 1 OR NOT err STREQUAL "mlp: error: ${WORK}/model.onnx: cannot write (File too large); the existing file, if any, is unchanged\n"
   OR NOT before STREQUAL after)
  message(FATAL_ERROR "export past the file-size limit: exit code ${code}, old file kept: ${before} ${after}\n${out}\n${err}")
endif()
file(GLOB leftovers ${WORK}/model.onnx.tmp*)
if(leftovers)
  message(FATAL_ERROR "a failed export left ${leftovers}")
endif()
expect_error(1 "mlp: error: ${model}/x.onnx: cannot write (Not a directory)"
             export --format onnx ${model} ${model}/x.onnx)
