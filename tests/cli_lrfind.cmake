# SPDX-License-Identifier: MIT
# mlp lr-find on the committed MNIST subset: the range test runs, stops at --steps or earlier when
# the loss diverges, writes lr_find.csv (header + one row per step) and lr_find.png, and prints
# its suggestion with the rule that gave it.
# Variables: CMD (the mlp binary), CONFIG (tests/configs/mnist_subset.toml), WORK (scratch dir).
file(REMOVE_RECURSE "${WORK}")
execute_process(COMMAND ${CMD} lr-find ${CONFIG} --run-dir ${WORK} --steps 100
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "mlp lr-find: exit code ${code}\n${out}\n${err}")
endif()
if(NOT out MATCHES "Suggested learning rate: [0-9]\\.[0-9]e-0[1-6] \\([a-z]")
  message(FATAL_ERROR "mlp lr-find printed no suggestion:\n${out}")
endif()
file(STRINGS ${WORK}/lr_find.csv lines)
list(LENGTH lines n)
list(GET lines 0 header)
list(GET lines 1 first)
if(NOT header STREQUAL "step,learning_rate,loss,smoothed_loss" OR n GREATER 101 OR n LESS 20
   OR NOT first MATCHES "^0,1e-05,[0-9.]+,[0-9.]+$")
  message(FATAL_ERROR "lr_find.csv: ${n} lines, header '${header}', first row '${first}'")
endif()
if(NOT EXISTS ${WORK}/lr_find.png)
  message(FATAL_ERROR "lr_find.png was not written:\n${out}\n${err}")
endif()
file(SIZE ${WORK}/lr_find.png png_size)
if(png_size LESS 2000)
  message(FATAL_ERROR "lr_find.png is only ${png_size} bytes")
endif()
