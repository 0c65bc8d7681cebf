// SPDX-License-Identifier: MIT
#pragma once
// The `mlp train` config (docs/config.md): [data], [preprocess], [model], [compile], [fit], read
// strictly into typed structs (unknown keys and bad values are errors naming the line). The data
// it names is loaded by train_data.hpp, the model assembled by model_assembly.hpp.
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "labels.hpp"
#include "mlp/io/csv.hpp"
#include "mlp/io/image.hpp"
#include "mlp/io/toml.hpp"

namespace mlp::cli {

struct DataConfig {
  std::string dataset;                                               // built-in: "mnist", "fashion-mnist"
  std::string train_images, train_labels, test_images, test_labels;  // IDX files
  std::string train, test;                                           // CSV files
  CsvOptions csv;
  Task task = Task::kClassification;
  double test_split = 0;  // CSV without a test file
  std::uint64_t split_seed = 42;
  std::size_t train_samples = 0, test_samples = 0;             // 0: all; else the first N
  std::map<std::string, std::vector<std::size_t>> multilabel;  // label name → classes counted as 1
  ImageStyle image_style = ImageStyle::kMnistDigit;            // how a PNG/JPEG becomes a sample
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
  nlohmann::json model;     // for model_from_config, with the seed filled in (and, for a graph, input shapes)
  bool functional = false;  // [model] is a graph ([[model.inputs]], Keras' functional API)
  std::vector<ModelInputConfig> inputs;  // functional: one per [[model.inputs]], in order
  nlohmann::json compile;                // for compile_options_from_config
  FitConfig fit;
  nlohmann::json callbacks;  // the [[callbacks]] array (null when absent), see callbacks_config.hpp
  std::string base_dir;      // relative data paths are relative to the config file's directory
  // [model] init_from = "model.keras" (or `mlp train --init-from`): the model, architecture and
  // weights, comes from this file (a Keras file, load_keras, or an mlp model file) instead of
  // [[model.layers]]; init_architecture for a weights-only Keras file.
  std::string init_from, init_architecture;
};

/// Reads and validates every section (unknown keys and bad values are errors naming the line).
TrainConfig parse_train_config(const ConfigDocument& doc);

/// "mnist_digit", "fashion_item", "resize": an image style as configs and model files name it.
std::string_view image_style_name(ImageStyle style);
/// The style of a name; false when the name is none of them.
bool parse_image_style(std::string_view name, ImageStyle& style);

}  // namespace mlp::cli
