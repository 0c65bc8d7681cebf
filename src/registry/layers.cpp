// SPDX-License-Identifier: MIT
// The layer table: one row per layer (Keras class name, config reader), each made next to its
// class in src/layers/<name>.cpp; a layer's config is written by the virtual Layer::config(). The
// order is the order layer_types() and the error messages list the names in. Adding a layer: its
// class files with its row function, and its declaration and row here. Also the helpers the
// readers share.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/config.hpp"
#include "mlp/serialize.hpp"
#include "registry.hpp"

namespace mlp {

registry::LayerRow input_layer_row();
registry::LayerRow flatten_row();
registry::LayerRow dense_row();
registry::LayerRow activation_row();
registry::LayerRow dropout_row();
registry::LayerRow alpha_dropout_row();
registry::LayerRow gaussian_noise_row();
registry::LayerRow leaky_relu_row();
registry::LayerRow batch_normalization_row();
registry::LayerRow concatenate_row();  // these four: src/layers/merge.cpp
registry::LayerRow add_row();
registry::LayerRow average_row();
registry::LayerRow multiply_row();

namespace registry {

std::span<const LayerRow> layers() {
  static const LayerRow kRows[] = {
      input_layer_row(),   flatten_row(),        dense_row(),      activation_row(),          dropout_row(),
      alpha_dropout_row(), gaussian_noise_row(), leaky_relu_row(), batch_normalization_row(), concatenate_row(),
      add_row(),           average_row(),        multiply_row(),
  };
  return kRows;
}

std::optional<std::uint64_t> read_seed(ConfigObject& c) {
  const auto* v = c.find("seed");
  if (v == nullptr || v->is_null()) return std::nullopt;
  const auto seed = c.get_int("seed");
  if (*seed < 0) throw c.error("seed", "expected a non-negative integer, got " + std::to_string(*seed));
  return static_cast<std::uint64_t>(*seed);
}

void require(ConfigObject& c, std::string_view key, const std::string& what) {
  if (c.has(key)) return;
  c.finish();
  throw c.error(key, "required (" + what + ")");
}

void fixed_key(ConfigObject& c, std::string_view key, const nlohmann::json& only) {
  const auto* v = c.find(key);
  if (v != nullptr && *v != only) {
    throw c.error(key, "only " + only.dump() + " is supported, got " + describe_json_type(*v));
  }
}

}  // namespace registry

const std::vector<std::string>& layer_types() {
  static const std::vector<std::string> kTypes = registry::names(registry::layers());
  return kTypes;
}

}  // namespace mlp
