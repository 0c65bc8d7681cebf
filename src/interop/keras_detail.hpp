// SPDX-License-Identifier: MIT
#pragma once
// Shared by keras_config.cpp (Keras JSON → mlp config), keras_import.cpp and keras_export.cpp.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mlp::keras_detail {

struct KerasLayer {
  std::string name;        // the configured name ("dense_8")
  std::string class_name;  // the Keras class ("Dense")
};

struct KerasArchitecture {
  nlohmann::json config;           // mlp's flat model config (serialize.hpp), for model_from_config
  std::vector<KerasLayer> layers;  // every layer of the Keras config, in config order
  /// BatchNormalization layers whose axis was given as the positive index 1: the last axis only of a
  /// (batch, features) input, which build_model checks once the shapes are known.
  std::vector<std::string> axis_one_layers;
};

/// A Keras model config ({"class_name": "Sequential"|"Functional"|"Model", "config": ...}, the
/// to_json()/model_config/config.json form) in mlp's form. Unknown keys are ignored; an unsupported
/// layer or a value mlp cannot represent is an Error naming `source` and the layer.
KerasArchitecture convert_architecture(const nlohmann::json& keras, const std::string& source);

/// Keras' to_snake_case of a class name: BatchNormalization → batch_normalization, LeakyReLU → leaky_re_lu.
std::string snake_case(const std::string& class_name);

}  // namespace mlp::keras_detail
