// SPDX-License-Identifier: MIT
#pragma once
// The model of an `mlp train` config, assembled for its data: built from [model] (or
// init_from's file), its inputs' widths from the data, compiled, checked against the labels.
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "mlp/io/toml.hpp"
#include "mlp/model.hpp"
#include "run_config.hpp"
#include "train_data.hpp"

namespace mlp::cli {

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

}  // namespace mlp::cli
