// SPDX-License-Identifier: MIT
#pragma once
// The data of an `mlp train` config, loaded from its source (a built-in data set, IDX files or
// CSV files), labelled for the loss and preprocessed; and what a saved model needs to read new
// data the same way (the "extra" metadata of the model file).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labels.hpp"
#include "mlp/data/preprocessing.hpp"
#include "mlp/input.hpp"
#include "mlp/matrix.hpp"
#include "mlp/shape.hpp"
#include "run_config.hpp"

namespace mlp::cli {

/// A data set's inputs as the CLI holds them: floats with the preprocessing applied (CSV), or
/// the raw bytes of images with the preprocessing as their scaling, decoded batch by batch (a
/// quarter of the memory: 47 MB for MNIST's training images instead of 188 MB).
struct InputData {
  Matrix floats;
  ByteMatrix bytes;
  ColumnScaling scaling;  // of bytes
  bool is_bytes = false;

  std::size_t rows() const { return is_bytes ? bytes.rows() : floats.rows(); }
  std::size_t cols() const { return is_bytes ? bytes.cols() : floats.cols(); }
  /// What the model reads (valid while this object lives and is not changed).
  InputView view() const { return is_bytes ? InputView(bytes, scaling) : InputView(floats); }
  /// Keeps the first n rows (all when n is 0 or not smaller).
  void keep_first(std::size_t n);
  /// Applies `p`: in place to floats, as the scaling of bytes.
  void apply(const Preprocessing& p);
};

/// Data ready for fit: preprocessing applied (fitted on x_train when it standardises).
struct LoadedData {
  InputData x_train, x_test;  // x_test empty when there is no test set
  Matrix y_train, y_test;
  Shape input_shape;
  bool images = false;  // from a data set or IDX files (else CSV)
  /// Functional model with CSV data: per model input, the columns of x feeding it (a one-hot
  /// column counts once per category). Empty: the model's one input takes all of x.
  std::vector<std::vector<std::size_t>> input_columns;
  Preprocessing preprocessing;
  nlohmann::json input;  // how to read new inputs, as the model file keeps it: {"kind": "image"|"csv", ...}
  LabelInfo labels;
  std::string description;  // one line for the log: "mnist: 60000 train, 10000 test, 10 classes"
};

/// Loads and preprocesses the data of a config, labels in label_format(task, loss_name).
LoadedData load_training_data(const TrainConfig& config, const std::string& loss_name);

/// The "extra" metadata a saved model carries: {"input", "labels", "preprocessing"}.
nlohmann::json model_extra(const LoadedData& data);

}  // namespace mlp::cli
