// SPDX-License-Identifier: MIT
// onnx_options_from_extra: the preprocessing `mlp predict` applies (tools/mlp/eval_data.cpp),
// read from the "extra" metadata `mlp train` writes (docs/file_format.md), as export options.
// predict applies Preprocessing::scaling over the columns of the whole data (the CSV's encoded
// features, or an image's pixels) and then hands each input of a graph its columns
// ("model_inputs"[j].features); an input here gets the same entries of the same scaling.
#include <nlohmann/json.hpp>

#include "mlp/config.hpp"
#include "mlp/data/preprocessing.hpp"
#include "mlp/error.hpp"
#include "mlp/interop/onnx.hpp"

namespace mlp {
namespace {

ColumnScaling select(const ColumnScaling& all, const std::vector<std::size_t>& columns, const std::string& input) {
  ColumnScaling out;
  for (std::size_t c : columns) {
    if (c >= all.scale.size()) {
      throw Error("the model file's input '" + input + "' reads column " + std::to_string(c) +
                  ", the preprocessing has " + std::to_string(all.scale.size()) + " columns");
    }
    out.scale.push_back(all.scale[c]);
    out.shift.push_back(all.shift[c]);
  }
  return out;
}

OnnxExportOptions from_extra(const Model& model, const nlohmann::json& extra) {
  OnnxExportOptions options;
  if (!extra.is_object() || !extra.contains("preprocessing")) return options;
  const Preprocessing p = Preprocessing::from_json(ConfigObject(extra.at("preprocessing"), "preprocessing"));
  options.output_scale = p.target_divide_by;
  const nlohmann::json input = extra.value("input", nlohmann::json::object());
  const auto& shapes = model.input_shapes();
  if (input.contains("model_inputs")) {
    const nlohmann::json& list = input.at("model_inputs");
    if (list.size() != shapes.size()) {
      throw Error("the model file's extra metadata lists " + std::to_string(list.size()) +
                  " model inputs, the model has " + std::to_string(shapes.size()));
    }
    // The columns of x: the fitted width, or (divide_by only) enough for every column read.
    std::size_t width = p.mean.size();
    for (const auto& entry : list) {
      for (std::size_t c : entry.at("features").get<std::vector<std::size_t>>()) {
        if (!p.standardizes()) width = std::max(width, c + 1);
      }
    }
    const ColumnScaling all = p.scaling(width);
    for (std::size_t j = 0; j < shapes.size(); ++j) {
      const std::string name = list[j].at("name").get<std::string>();
      const std::string layer = model.layers()[model.input_layers().at(j)]->name();
      if (name != layer) {
        throw Error("the model file's extra metadata names input " + std::to_string(j) + " '" + name +
                    "', the model's input is '" + layer + "'");
      }
      options.input_scaling.push_back(select(all, list[j].at("features").get<std::vector<std::size_t>>(), name));
    }
  } else {
    for (const Shape& shape : shapes) {
      const std::size_t f = features(shape);
      if (p.standardizes() && p.mean.size() != f) {
        throw Error("the model file's standardisation has " + std::to_string(p.mean.size()) +
                    " features, the model's input " + format_shape(shape) + " has " + std::to_string(f));
      }
      options.input_scaling.push_back(p.scaling(f));
    }
  }
  if (extra.contains("labels")) {
    const nlohmann::json& labels = extra.at("labels");
    if (labels.contains("task")) options.metadata["task"] = labels.at("task").get<std::string>();
    if (labels.contains("class_names")) options.metadata["class_names"] = labels.at("class_names").dump();
  }
  return options;
}

}  // namespace

OnnxExportOptions onnx_options_from_extra(const Model& model, const nlohmann::json& extra) {
  try {
    return from_extra(model, extra);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed \"extra\" metadata (") + e.what() + ")");
  }
}

}  // namespace mlp
