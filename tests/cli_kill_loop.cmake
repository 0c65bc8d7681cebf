# SPDX-License-Identifier: MIT
# SIGKILL at random moments of a training run that writes a checkpoint several times a second
# (5,000 images, batch 500, no validation; 100,000 epochs, more than 12 runs of under 3 s reach:
# with 400 a fast machine finished before the 11th kill): after every kill, whatever checkpoint
# and model are on disk load and evaluate cleanly (writes are atomic), the run resumes from it, and killed writers'
# temporary files do not pile up. The kill times are printed so that a failure can be replayed.
# Variables: CMD (the mlp binary), CONFIGS (tests/configs), DATA (tests/data), WORK (scratch dir).
file(REMOVE_RECURSE "${WORK}")
set(run ${WORK}/run)
set(images ${DATA}/mnist-subset-t10k-images-idx3-ubyte.gz)
set(labels ${DATA}/mnist-subset-t10k-labels-idx1-ubyte.gz)
set(times "")
foreach(i RANGE 1 12)
  string(RANDOM LENGTH 2 ALPHABET 0123456789 hundredths)
  math(EXPR whole "${i} % 3")
  set(t "${whole}.${hundredths}")
  if(t VERSION_LESS 0.3)
    set(t "0.3${hundredths}")
  endif()
  list(APPEND times ${t})
  if(EXISTS ${run}/checkpoint.safetensors)
    set(args train --resume ${run})
  else()
    set(args train ${CONFIGS}/mnist_subset.toml --run-dir ${run} --set fit.epochs=100000 --set fit.batch_size=500
        --set fit.validation_split=0 --set fit.verbose=0)
  endif()
  execute_process(COMMAND timeout -s KILL ${t} ${CMD} ${args} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(code EQUAL 0)
    message(FATAL_ERROR "kill ${i} after ${t} s: the run finished before it was killed (times ${times})")
  endif()
  foreach(f checkpoint.safetensors model.safetensors)
    if(EXISTS ${run}/${f})
      execute_process(COMMAND ${CMD} evaluate ${run}/${f} ${images} --labels ${labels}
                      RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
      if(NOT code EQUAL 0 OR NOT out MATCHES "accuracy: 0\\.[0-9]+")
        message(FATAL_ERROR "kill ${i} (times ${times}): ${f} does not load: exit ${code}\n${out}\n${err}")
      endif()
    endif()
  endforeach()
  file(GLOB temporaries ${run}/*.tmp.*)
  list(LENGTH temporaries n)
  if(n GREATER 2)
    message(FATAL_ERROR "kill ${i} (times ${times}): temporary files pile up: ${temporaries}")
  endif()
endforeach()
if(NOT EXISTS ${run}/checkpoint.safetensors)
  message(FATAL_ERROR "no checkpoint after 12 runs of up to 2.99 s (times ${times})")
endif()
message(STATUS "killed at ${times} s; every file on disk loaded")
