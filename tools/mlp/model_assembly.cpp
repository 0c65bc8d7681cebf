// SPDX-License-Identifier: MIT
#include "model_assembly.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>

#include "mlp/error.hpp"
#include "mlp/interop/keras.hpp"
#include "mlp/model_file.hpp"
#include "mlp/sequential.hpp"
#include "mlp/serialize.hpp"

namespace mlp::cli {
namespace {

namespace fs = std::filesystem;

// A classifier must have one output unit per class of its data (one sigmoid unit for a binary
// task): a label the model cannot express is an error naming the labels, before any training.
void check_classes_fit_model(const TrainConfig& config, const LoadedData& data, const Model& model) {
  if (data.labels.task != Task::kClassification) return;
  const bool binary = data.labels.format == LabelFormat::kBinary;
  const std::size_t classes = data.labels.class_names.size();
  const std::size_t needed = binary ? 1 : classes;
  for (const Shape& shape : model.output_shapes()) {  // every output learns the same labels
    const std::size_t outputs = features(shape);
    if (outputs == needed) continue;
    const std::string file = !config.data.train_labels.empty() ? config.data.train_labels : config.data.train;
    const std::string source =
        file.empty() ? config.data.dataset : (fs::path(config.base_dir) / file).lexically_normal().string();
    throw Error(fmt::format("{}: the labels have {} classes{}, but the model's output {} has {} unit{}; {}", source,
                            classes, binary ? " (binary: one sigmoid unit)" : "", format_shape(shape), outputs,
                            outputs == 1 ? "" : "s",
                            classes > outputs ? "a label the model cannot predict (out of range)"
                                              : "set the last layer's units to the class count"));
  }
}

// The sample width of input i of a graph: its columns' width once the data is read; before, the
// number of its columns when none is categorical (one-hot widths come from the data).
std::optional<std::size_t> input_width(const TrainConfig& config, const LoadedData* data, std::size_t i) {
  if (data != nullptr) {
    return data->input_columns.empty() ? features(data->input_shape) : data->input_columns[i].size();
  }
  const auto& columns = config.inputs[i].columns;
  if (columns.empty()) return std::nullopt;
  for (const auto& c : columns) {
    const auto& categorical = config.data.csv.categorical;
    if (std::find(categorical.begin(), categorical.end(), c) != categorical.end()) return std::nullopt;
  }
  return columns.size();
}

}  // namespace

std::unique_ptr<Model> model_from_train_config(const ConfigDocument& doc, const TrainConfig& config,
                                               const LoadedData* data) {
  if (!config.init_from.empty()) {
    // A Keras file by content (load_keras tells the layouts apart), else an mlp model file.
    std::ifstream in(config.init_from, std::ios::binary);
    char magic[8] = {};
    in.read(magic, sizeof magic);
    const bool keras = std::string_view(magic, 4) == "PK\x03\x04" || std::string_view(magic, 4) == "\x89HDF";
    if (keras) return load_keras(config.init_from, config.init_architecture).model;
    return std::move(load_model(config.init_from).model);
  }
  if (!config.functional) return sequential_from_config(ConfigObject(config.model, "model", &doc.source));
  nlohmann::json model = config.model;
  nlohmann::json& inputs = model["inputs"];
  for (std::size_t i = 0; i < config.inputs.size(); ++i) {
    const ModelInputConfig& input = config.inputs[i];
    if (!input.has_shape) {
      // Image data feeds its one input whole, in the images' shape.
      const bool images = data != nullptr ? data->images : !config.data.dataset.empty();
      const std::optional<std::size_t> width = input_width(config, data, i);
      if (images) {
        inputs[i]["shape"] = data != nullptr ? data->input_shape : Shape{28, 28};
      } else if (width) {
        inputs[i]["shape"] = Shape{*width};
      } else {
        return nullptr;  // known once the data is read
      }
    } else if (data != nullptr && inputs[i]["shape"].is_array()) {
      const Shape shape = inputs[i]["shape"].get<Shape>();
      const std::size_t width = *input_width(config, data, i);
      if (features(shape) != width) {
        throw Error(input.shape_where + format_shape(shape) + " takes " + std::to_string(features(shape)) +
                    " values per sample, but its data has " + std::to_string(width) +
                    (input.columns.empty() ? std::string() : " (a one-hot column counts once per category)"));
      }
    }
  }
  return model_from_config(ConfigObject(model, "model", &doc.source));
}

nlohmann::json resolved_model_config(const Model& model, const TrainConfig& config) {
  nlohmann::json out = model_config(model);
  if (!model.functional()) return out;
  for (std::size_t i = 0; i < config.inputs.size() && i < out["inputs"].size(); ++i) {
    if (!config.inputs[i].columns.empty()) out["inputs"][i]["columns"] = config.inputs[i].columns;
  }
  return out;
}
Inputs model_inputs(const InputData& data, const std::vector<std::vector<std::size_t>>& columns,
                    std::vector<Matrix>& storage) {
  if (columns.empty()) return {data.view()};
  if (data.is_bytes) throw Error("internal: input columns select CSV columns, this data is images");
  const Matrix& x = data.floats;
  storage.clear();
  for (const auto& cols : columns) {
    Matrix part(x.rows(), cols.size());
    for (std::size_t r = 0; r < x.rows(); ++r) {
      const Scalar* from = x.row(r);
      Scalar* to = part.row(r);
      for (std::size_t j = 0; j < cols.size(); ++j) to[j] = from[cols[j]];
    }
    storage.push_back(std::move(part));
  }
  return Inputs(storage.begin(), storage.end());
}

Tensors model_targets(const Model& model, const Matrix& y) {
  return Tensors(std::max<std::size_t>(model.num_outputs(), 1), ConstMatrixView(y));
}

void fit_model_to_data(Model& model, CompileOptions compile, const ConfigDocument& doc, const TrainConfig& config,
                       const LoadedData& data) {
  if (model.functional()) {
    // Built by model_from_train_config for the data's widths.
  } else if (!model.built()) {
    try {
      model.build(data.input_shape);
    } catch (const Error& e) {
      throw Error(doc.source.locate("model") + "model: " + e.what());
    }
  } else if (model.input_shape() != data.input_shape) {
    throw Error(doc.source.locate("model.input_shape") + "model.input_shape: " + format_shape(model.input_shape()) +
                " does not match the data's " + format_shape(data.input_shape));
  }
  model.compile(std::move(compile));
  check_classes_fit_model(config, data, model);
}

}  // namespace mlp::cli
