# SPDX-License-Identifier: MIT
# mlp ensemble end to end: three models trained on the committed MNIST subset with different seeds,
# then their soft and hard voting ensembles on the subset's test files (a table with the three
# members and the ensemble line, and the same numbers as JSON); members that cannot vote together
# (different input shapes, differently preprocessed data) are refused with the member named.
# Variables: CMD (the mlp binary), CONFIG (tests/configs/mnist_subset.toml), EXAMPLES (examples/),
# DATA (tests/data), WORK (scratch dir).
file(REMOVE_RECURSE "${WORK}")
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

set(images ${DATA}/mnist-subset-t10k-images-idx3-ubyte.gz)
set(labels ${DATA}/mnist-subset-t10k-labels-idx1-ubyte.gz)
set(models "")
foreach(seed 1 2 3)
  run(train ${CONFIG} --run-dir ${WORK}/s${seed} --set fit.seed=${seed} --set fit.epochs=2 --set fit.threads=2)
  list(APPEND models ${WORK}/s${seed}/model.safetensors)
endforeach()

run(ensemble ${models} --data ${images} --labels ${labels} --out ${WORK}/soft.json)
set(number "[0-9]\\.[0-9][0-9][0-9][0-9]")
foreach(seed 1 2 3)
  if(NOT out MATCHES "\n[^\n]*/s${seed}/model\\.safetensors +${number} +${number}\n")
    message(FATAL_ERROR "no line for member s${seed}:\n${out}")
  endif()
endforeach()
if(NOT out MATCHES "^1000 samples of [^\n]*\nmodel +loss +accuracy\n" OR
   NOT out MATCHES "\nensemble \\(soft\\) +${number} +(${number})\n")
  message(FATAL_ERROR "ensemble table:\n${out}")
endif()
set(soft_accuracy ${CMAKE_MATCH_1})
file(READ ${WORK}/soft.json json)
string(JSON members LENGTH "${json}" members)
string(JSON ensemble_accuracy GET "${json}" ensemble accuracy)
string(JSON voting GET "${json}" voting)
if(NOT members EQUAL 3 OR NOT voting STREQUAL "soft" OR ensemble_accuracy LESS 0.85)
  message(FATAL_ERROR "soft.json: ${members} members, voting ${voting}, accuracy ${ensemble_accuracy}\n${json}")
endif()

# Hard voting has no probabilities, hence no loss; weights are accepted, one per model.
run(ensemble ${models} --data ${images} --labels ${labels} --voting hard --weights 1,1,2)
if(NOT out MATCHES "\nensemble \\(hard\\) +- +${number}\n")
  message(FATAL_ERROR "hard voting table:\n${out}")
endif()

# Different input shapes: a breast-cancer model (30 features) among MNIST models.
run(train ${EXAMPLES}/breast_cancer_binary.toml --run-dir ${WORK}/bc --set fit.epochs=1)
list(GET models 0 first)
expect_error(1 "mlp: error: VotingEnsemble: member 2 (${WORK}/bc/model.safetensors) takes inputs of shape (None, 30), member 1 (${first}) takes (None, 28, 28)"
             ensemble ${first} ${WORK}/bc/model.safetensors --data ${images} --labels ${labels})
# Same shapes, different preprocessing: the data cannot be read once for both.
run(train ${CONFIG} --run-dir ${WORK}/raw --set preprocess.divide_by=1 --set fit.epochs=1 --set data.train_samples=500)
expect_error(1 "mlp: error: ${WORK}/raw/model.safetensors: its \"preprocessing\" metadata differs from ${first}'s; the members of an ensemble must be trained on data read and preprocessed the same way"
             ensemble ${first} ${WORK}/raw/model.safetensors --data ${images} --labels ${labels})
# An IDX image file without labels.
expect_error(1 "mlp: error: ${images}: has no labels to evaluate against (give --labels FILE)"
             ensemble ${models} --data ${images})
