// SPDX-License-Identifier: MIT
#include "mlp/layers/flatten.hpp"

#include <memory>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "mlp/config.hpp"

namespace mlp {

Flatten::Flatten(Options /*options*/) {}

Shape Flatten::build(const Shape& input_shape, Rng& /*rng*/) {
  const Shape output{features(input_shape)};
  set_built(input_shape, output);
  return output;
}

void Flatten::forward(ConstMatrixView x, MatrixView y, Mode /*mode*/) { copy(x, y); }

void Flatten::backward(ConstMatrixView, ConstMatrixView, ConstMatrixView dy, MatrixView dx) {
  if (!dx.empty()) copy(dy, dx);
}

nlohmann::json Flatten::config() const { return {{"data_format", "channels_last"}}; }

// ---- config reader (the table is src/registry/layers.cpp) ---------------------------------------

namespace {

std::unique_ptr<Layer> from_config(ConfigObject& c) {
  registry::fixed_key(c, "data_format", "channels_last");
  return std::make_unique<Flatten>();
}

}  // namespace

registry::LayerRow flatten_row() { return {"Flatten", &from_config}; }

}  // namespace mlp
