// SPDX-License-Identifier: MIT
#pragma once
// TOML configuration files (toml++), turned into JSON so that one strict reader (config.hpp)
// serves configs and model files alike. Tables become objects, arrays of tables arrays of
// objects, integers stay integers; dates and times are refused (no setting takes one). The line
// of every key is kept, so errors point into the file: "mnist.toml:14: model.layers[2].units: ...".
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "mlp/config.hpp"

namespace mlp {

struct ConfigDocument {
  nlohmann::json root = nlohmann::json::object();
  SourceMap source;
};

/// Parses TOML text; `source` names it in errors ("<source>:<line>:<column>: <reason>").
ConfigDocument parse_toml(std::string_view text, const std::string& source);
/// Reads and parses a TOML file; errors name the path.
ConfigDocument read_toml(const std::string& path);

/// Applies a command-line override "fit.epochs=3", "model.layers[1].units=128",
/// "compile.optimizer.learning_rate=1e-4". The value is read as a TOML value (3, 1e-4, true,
/// "text", [1, 2], {type = "Adam"}); anything that does not parse as one is taken as a string, so
/// compile.loss=mse works unquoted. Intermediate tables are created; an array index must exist.
/// Throws Error naming the assignment.
void apply_override(ConfigDocument& doc, std::string_view assignment);

/// The document as TOML text (null values are left out: TOML has none).
std::string to_toml(const nlohmann::json& root);

}  // namespace mlp
