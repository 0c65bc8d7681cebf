// SPDX-License-Identifier: MIT
#pragma once
// Names → objects and back: the one explicit list that maps Keras class names to our layers,
// optimizers, schedules, losses, initializers and regularizers (no static-init registration).
// The same flat form serves the TOML config a person writes and the JSON a model file stores:
//
//   {"type": "Dense", "name": "dense_1", "units": 256, "activation": "relu",
//    "kernel_initializer": "he_normal", "kernel_regularizer": {"l2": 1e-4}}
//   optimizer: "adam" or {"type": "Adam", "learning_rate": 1e-3, "beta_1": 0.9, ...}
//   learning_rate: 1e-3 or {"type": "ExponentialDecay", "initial_learning_rate": 0.1, ...}
//   loss: "mse" or {"type": "huber", "delta": 2.0}
//   initializer: "he_normal" or {"type": "random_normal", "mean": 0, "stddev": 0.1}
//   regularizer: "l2" (Keras' default factor) or {"l1": 0, "l2": 1e-4}
//
// Every key of a layer is one of its Keras arguments (plus "type", "name", "trainable"); an
// unknown key, a wrong type or a value the constructor refuses is an Error naming the path
// ("model.layers[2] (Dense): units must be positive, got 0").
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/config.hpp"
#include "mlp/initializer.hpp"
#include "mlp/layer.hpp"
#include "mlp/loss.hpp"
#include "mlp/optimizer.hpp"
#include "mlp/regularizer.hpp"
#include "mlp/schedule.hpp"
#include "mlp/sequential.hpp"

namespace mlp {

/// Keras class names of every layer, optimizer and schedule this build knows.
const std::vector<std::string>& layer_types();
const std::vector<std::string>& optimizer_types();
const std::vector<std::string>& schedule_types();

/// A layer from its flat config ("type" required). Reads every key and calls finish().
std::unique_ptr<Layer> layer_from_config(ConfigObject config);
/// {"type", "name", its config(), and "trainable": false when frozen}.
nlohmann::json layer_config(const Layer& layer);

/// `parent[key]` as an initializer (string or table); `fallback` when absent.
Initializer initializer_from_config(ConfigObject& parent, std::string_view key, std::string_view fallback);
/// `parent[key]` as a regularizer (absent or null: none).
Regularizer regularizer_from_config(ConfigObject& parent, std::string_view key);

/// `parent[key]` as an optimizer (string or table); Keras' default RMSprop when absent.
std::unique_ptr<Optimizer> optimizer_from_config(ConfigObject& parent, std::string_view key);
/// {"type": "Adam", "learning_rate": ..., every argument of that optimizer}.
nlohmann::json optimizer_config(const Optimizer& optimizer);
std::shared_ptr<const LearningRateSchedule> schedule_from_config(ConfigObject config);
nlohmann::json schedule_config(const LearningRateSchedule& schedule);

/// `parent[key]` as a loss (string or table); categorical_crossentropy when absent.
LossOptions loss_from_config(ConfigObject& parent, std::string_view key);
nlohmann::json loss_config(const LossOptions& loss);

/// A Sequential from {"name", "seed", "input_shape", "layers": [...]}, built when the input shape
/// is known (from "input_shape" or a first InputLayer).
std::unique_ptr<Sequential> sequential_from_config(ConfigObject config);
/// The inverse: {"type": "Sequential", "name", "input_shape" (when built), "layers"}.
nlohmann::json sequential_config(const Sequential& model);

/// A Sequential (as above) or a graph (Keras' functional API) from
///   {"type": "Functional", "name", "seed",
///    "inputs": [{"name": "wide", "shape": [5]}, ...],
///    "layers": [{"type": "Dense", "name": "hidden1", "units": 30, "inputs": ["deep"]},
///               {"type": "Concatenate", "name": "concat", "inputs": ["wide", "hidden2"]}, ...],
///    "outputs": ["output", "aux_output"]}
/// (a config with "inputs" and no "type" is functional). Layers may be listed in any order and
/// must be named; "inputs" omitted means the layer listed before. Unknown names, cycles, duplicate
/// names, a layer or input that leads to no output, and shapes a layer refuses (a Concatenate of
/// (None, 5) and (None, 2, 3)) are Errors naming the layer's path.
std::unique_ptr<Model> model_from_config(ConfigObject config);
/// The inverse of model_from_config, for either kind.
nlohmann::json model_config(const Model& model);

/// CompileOptions from {"optimizer", "loss", "metrics", "weighted_metrics"}.
CompileOptions compile_options_from_config(ConfigObject config);
/// The compile settings of a compiled model, in the form compile_options_from_config reads.
nlohmann::json compile_config(Model& model);

}  // namespace mlp
