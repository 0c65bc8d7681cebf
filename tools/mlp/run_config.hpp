// SPDX-License-Identifier: MIT
#pragma once
// The `mlp train` config (docs/config.md): [data], [preprocess], [model], [compile], [fit], read
// strictly, and the data it names, loaded and preprocessed. What a saved model needs to read new
// data the same way (the "extra" metadata of the model file) is built here too.
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mlp/data/preprocessing.hpp"
#include "mlp/io/csv.hpp"
#include "mlp/io/toml.hpp"
#include "mlp/matrix.hpp"
#include "mlp/sequential.hpp"
#include "mlp/shape.hpp"

namespace mlp::cli {

struct DataConfig {
  std::string dataset;                              // built-in: "mnist", "fashion-mnist"
  std::string train_images, train_labels, test_images, test_labels;  // IDX files
  std::string train, test;                          // CSV files
  CsvOptions csv;
  std::string task = "classification";              // classification | multilabel | regression
  double test_split = 0;                            // CSV without a test file
  std::uint64_t split_seed = 42;
  std::size_t train_samples = 0, test_samples = 0;  // 0: all; else the first N
  std::map<std::string, std::vector<std::size_t>> multilabel;  // label name → classes counted as 1
  std::string image_style;                          // "mnist_digit" | "fashion_item" | "resize"
};

struct PreprocessConfig {
  std::optional<double> divide_by;  // default: 255 for images, 1 for CSV
  double target_divide_by = 1;      // regression targets
  bool standardize = false;
};

struct FitConfig {
  std::size_t batch_size = 32;
  int epochs = 1;
  double validation_split = 0;
  bool shuffle = true;
  std::uint64_t seed = 0;
  std::optional<int> verbose;  // default: 1 on a terminal, 2 otherwise
  std::map<std::size_t, double> class_weight;
  int threads = 0;  // 0: OpenMP's default
};

/// One input of a functional model (`[[model.inputs]]`) as the command line sees it: the CSV
/// columns that feed it (empty: the whole of x, for a model with one input).
struct ModelInputConfig {
  std::string name;
  std::vector<std::string> columns;
  bool has_shape = false;     // the config gives its shape; otherwise the columns' width is used
  std::string columns_where;  // "file:line: model.inputs[i].columns: ", to start an error message
  std::string shape_where;    // "file:line: model.inputs[i].shape: "
};

struct TrainConfig {
  DataConfig data;
  PreprocessConfig preprocess;
  nlohmann::json model;    // for model_from_config, with the seed filled in (and, for a graph, input shapes)
  bool functional = false;  // [model] is a graph ([[model.inputs]], Keras' functional API)
  std::vector<ModelInputConfig> inputs;  // functional: one per [[model.inputs]], in order
  nlohmann::json compile;  // for compile_options_from_config
  FitConfig fit;
  nlohmann::json callbacks;  // the [[callbacks]] array (null when absent), see callbacks_config.hpp
  std::string base_dir;    // relative data paths are relative to the config file's directory
  // [model] init_from = "model.keras" (or `mlp train --init-from`): the model, architecture and
  // weights, comes from this file (a Keras file, load_keras, or an mlp model file) instead of
  // [[model.layers]]; init_architecture for a weights-only Keras file.
  std::string init_from, init_architecture;
};

/// Reads and validates every section (unknown keys and bad values are errors naming the line).
TrainConfig parse_train_config(const ConfigDocument& doc);

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
  /// Functional model with CSV data: per model input, the columns of x feeding it (a one-hot
  /// column counts once per category). Empty: the model's one input takes all of x.
  std::vector<std::vector<std::size_t>> input_columns;
  Preprocessing preprocessing;
  nlohmann::json input;   // how to read new inputs: {"kind": "image"|"csv", ...}
  nlohmann::json labels;  // {"task", "class_names", "format"}
  std::string description;  // one line for the log: "mnist: 60000 train, 10000 test, 10 classes"
};

/// How class labels are given to the loss: "one_hot" (N, classes); "index" (N, 1) class indices
/// for sparse_categorical_crossentropy; "binary" (N, 1) 0/1 for a two-class problem trained with
/// binary_crossentropy on one sigmoid unit; "multilabel" (N, labels) 0/1; "values" regression.
std::string label_format(const std::string& task, const std::string& loss_name);
/// One-hot class labels (N, classes) in the given format (one_hot, index or binary).
Matrix encode_labels(const Matrix& one_hot, const std::string& format);

/// Loads and preprocesses the data of a config, labels in label_format(task, loss_name).
LoadedData load_training_data(const TrainConfig& config, const std::string& loss_name);

/// The model of a config: a Sequential, or a graph whose inputs without a "shape" get the width of
/// their columns. Before the data is read (`data` null) a graph's widths are known only when no
/// input takes a categorical column or all of the data; otherwise this returns null (the config
/// is then checked once the data is read).
std::unique_ptr<Model> model_from_train_config(const ConfigDocument& doc, const TrainConfig& config,
                                               const LoadedData* data);
/// The resolved [model] of a run's config.toml: model_config(model), with each input's columns.
nlohmann::json resolved_model_config(const Model& model, const TrainConfig& config);

/// The model's inputs from x: a view of x itself for a model with one input that takes all of x
/// (`columns` empty), else one matrix per input gathered into `storage` (CSV floats only).
Inputs model_inputs(const InputData& x, const std::vector<std::vector<std::size_t>>& columns,
                    std::vector<Matrix>& storage);
/// The targets of every output: y for each (every output learns the data's target).
Tensors model_targets(const Model& model, const Matrix& y);

/// Builds `model` for the data's input shape (or checks the input_shape the config gives),
/// compiles it, and checks that a classifier has one output unit per class of the data (one
/// sigmoid unit for binary labels). Errors name the config line, or the labels file.
void fit_model_to_data(Model& model, CompileOptions compile, const ConfigDocument& doc, const TrainConfig& config,
                       const LoadedData& data);

/// Class labels (one-hot, N × classes) as derived 0/1 labels: column j is 1 when the class is in
/// the j-th list of `labels` (the [data] multilabel table, in name order).
Matrix to_multilabel(const Matrix& one_hot, const std::map<std::string, std::vector<std::size_t>>& labels);

/// "loss: 0.0612 - accuracy: 0.9821": the loss first, as Keras prints it.
std::string format_logs(const std::map<std::string, double>& logs);
/// write_file_atomic of a text.
void write_text(const std::string& path, const std::string& text);
/// runs/<config name><suffix>-<date>-<time>: the default run directory.
std::string default_run_dir(const std::string& config, const std::string& suffix = "");

/// The "extra" metadata a saved model carries: {"input", "labels", "preprocessing"}.
nlohmann::json model_extra(const LoadedData& data);

/// Data for `mlp evaluate` / `mlp predict`, read the way the model's extra metadata says.
struct EvalData {
  InputData x;
  Matrix y;  // y empty (0 columns) when the input has no labels
  std::vector<std::vector<std::size_t>> input_columns;  // as LoadedData::input_columns
  std::vector<std::string> sample_names;  // one per row: "image.png", "line 12", "index 5"
};
/// `source`: a built-in data set name (its test split), a CSV file, an IDX image file (with
/// `labels_path` optional), or image files (PNG/JPEG). Applies the saved preprocessing.
EvalData load_eval_data(const nlohmann::json& extra, const std::vector<std::string>& sources,
                        const std::string& labels_path);

}  // namespace mlp::cli
