# SPDX-License-Identifier: MIT
# End to end on the committed tabular sets, through the example configs: binary classification
# (breast cancer) and regression with a text column and missing values (California housing).
# Variables: CMD (the mlp binary), EXAMPLES (examples/), DATA (tests/data), WORK (scratch dir).
file(REMOVE_RECURSE "${WORK}")
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

# Binary: one sigmoid unit, binary cross-entropy, accuracy and AUC on a seeded 20% test split.
run(train ${EXAMPLES}/breast_cancer_binary.toml --run-dir ${WORK}/cancer --set fit.verbose=0)
file(READ ${WORK}/cancer/metrics.json metrics)
string(JSON accuracy GET "${metrics}" test accuracy)
string(JSON auc GET "${metrics}" test auc)
if(accuracy LESS 0.93 OR auc LESS 0.97)
  message(FATAL_ERROR "breast cancer: test accuracy ${accuracy}, auc ${auc}; expected >= 0.93 and >= 0.97")
endif()
run(evaluate ${WORK}/cancer/model.safetensors ${DATA}/tabular/breast_cancer.csv)
if(NOT out MATCHES "^569 samples - loss: [0-9.]+ - accuracy: 0\\.9[0-9]+ - auc: 0\\.9")
  message(FATAL_ERROR "evaluate on breast_cancer.csv: ${out}")
endif()
run(predict ${WORK}/cancer/model.safetensors ${DATA}/tabular/breast_cancer.csv)
if(NOT out MATCHES "^row 1: 0 \\([01]\\.[0-9]+\\)\nrow 2: 0 ")  # the first two rows are malignant
  message(FATAL_ERROR "predict on breast_cancer.csv: ${out}")
endif()

# Regression: one-hot ocean_proximity, median-imputed total_bedrooms, standardized, target / 1e5.
run(train ${EXAMPLES}/housing_regression.toml --run-dir ${WORK}/housing --set fit.epochs=10 --set fit.verbose=0)
file(READ ${WORK}/housing/metrics.json metrics)
string(JSON rmse GET "${metrics}" test rmse)
if(rmse GREATER 0.75)  # predicting the mean gives 1.15 (in $100,000)
  message(FATAL_ERROR "housing: test RMSE ${rmse} (x $100,000); expected <= 0.75")
endif()
run(predict ${WORK}/housing/model.safetensors ${DATA}/tabular/california_housing.csv --out ${WORK}/values.csv)
file(STRINGS ${WORK}/values.csv lines)
list(LENGTH lines n)
list(GET lines 1 first)
if(NOT n EQUAL 20641 OR NOT first MATCHES "^\"row 1\",[1-9][0-9][0-9][0-9][0-9][0-9]")  # dollars, not $100k
  message(FATAL_ERROR "values.csv: ${n} lines, first row '${first}'")
endif()
run(summary ${EXAMPLES}/housing_regression.toml)
if(NOT out MATCHES "dense_1 \\(Dense\\) +\\(None, 30\\) +420")  # 13 inputs after one-hot: 13*30+30
  message(FATAL_ERROR "summary of the housing config: ${out}")
endif()
