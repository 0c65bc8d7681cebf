// SPDX-License-Identifier: MIT
#pragma once
// The name → class tables, one per family, that serialize.cpp and serialize_compile.cpp look
// names up in. A row holds a class's Keras name, its config reader and (optimizers, schedules)
// its config writer; a layer writes its config through the virtual Layer::config(). Each class's
// row is made in the class's own .cpp (sgd_row() in src/optimizers/sgd.cpp, dense_row() in
// src/layers/dense.cpp), and the family's table lists those rows in one place:
// src/registry/layers.cpp, src/registry/optimizers.cpp, and the schedule table in
// src/schedule.cpp. The table's order is the order error messages list the names in.
// No static-initialisation self-registration (a static library's linker would drop it): a class
// is known because its row is written in its family's table. Adding an optimizer: its class
// files with its row function, and its declaration and row in src/registry/optimizers.cpp (a
// layer likewise in src/registry/layers.cpp).
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../serialize_detail.hpp"
#include "mlp/config.hpp"

namespace mlp {

class ConfigObject;
class Layer;
class Optimizer;
class LearningRateSchedule;

namespace registry {

/// A layer from its flat config (every key but type, name and trainable); the caller finishes it.
using LayerFromConfig = std::unique_ptr<Layer> (*)(ConfigObject&);
/// An optimizer from its flat config; the caller finishes it.
using OptimizerFromConfig = std::unique_ptr<Optimizer> (*)(ConfigObject&);
/// Writes the optimizer's own arguments (not the six base ones) into `out`.
using OptimizerConfig = void (*)(const Optimizer&, nlohmann::json& out);
/// A schedule from its flat config; the caller finishes it.
using ScheduleFromConfig = std::shared_ptr<const LearningRateSchedule> (*)(ConfigObject&);
/// Writes the schedule's arguments (not "type") into `out`.
using ScheduleConfig = void (*)(const LearningRateSchedule&, nlohmann::json& out);

struct LayerRow {
  std::string_view name;  // Keras class name, what Layer::kind() returns
  LayerFromConfig from_config;
};
struct OptimizerRow {
  std::string_view name;  // Keras class name, what Optimizer::name() returns
  OptimizerFromConfig from_config;
  OptimizerConfig config;
};
struct ScheduleRow {
  std::string_view name;  // Keras class name, what LearningRateSchedule::name() returns
  ScheduleFromConfig from_config;
  ScheduleConfig config;
};

std::span<const LayerRow> layers();          // src/registry/layers.cpp
std::span<const OptimizerRow> optimizers();  // src/registry/optimizers.cpp
std::span<const ScheduleRow> schedules();    // src/schedule.cpp

/// The row whose name equals `name` ignoring case ("dense" finds Dense), or null.
template <class Row>
const Row* find(std::span<const Row> rows, std::string_view name) {
  const std::string key = serialize_detail::lower(name);
  for (const Row& row : rows) {
    if (serialize_detail::lower(row.name) == key) return &row;
  }
  return nullptr;
}

/// The row named exactly `name`, or null.
template <class Row>
const Row* find_exact(std::span<const Row> rows, std::string_view name) {
  for (const Row& row : rows) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

/// The table's names in its order.
template <class Row>
std::vector<std::string> names(std::span<const Row> rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const Row& row : rows) out.emplace_back(row.name);
  return out;
}

// ---- helpers the layers' readers share (src/registry/layers.cpp) ---------------------------------
/// Fails unless `c` has `key`, checked after every other key was read (finish() first), so that a
/// misspelt key ("unit = 256") is reported as the unknown key it is, with the allowed keys listed.
void require(ConfigObject& c, std::string_view key, const std::string& what);
/// Keras writes keys whose value we support only at one setting (axis = -1, noise_shape = null):
/// accepted at that value so Keras-shaped configs load, refused otherwise.
void fixed_key(ConfigObject& c, std::string_view key, const nlohmann::json& only);
/// "seed": absent or null → nullopt; else a non-negative integer.
std::optional<std::uint64_t> read_seed(ConfigObject& c);

/// The config reader of Dropout and AlphaDropout (the same keys: rate, noise_shape null, seed).
template <class DropoutLayer>
std::unique_ptr<Layer> dropout_from_config(ConfigObject& c) {
  const double rate = c.get_double("rate", 0);
  fixed_key(c, "noise_shape", nullptr);
  const auto seed = read_seed(c);
  require(c, "rate", "the fraction of inputs to drop, in [0, 1)");
  return std::make_unique<DropoutLayer>(typename DropoutLayer::Options{.rate = rate, .seed = seed});
}

}  // namespace registry
}  // namespace mlp
