// SPDX-License-Identifier: MIT
#include "mlp/layers/input_layer.hpp"

#include <memory>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "mlp/config.hpp"
#include "mlp/error.hpp"

namespace mlp {

InputLayer::InputLayer(Options options) : options_(std::move(options)) {
  if (options_.shape.empty() || features(options_.shape) == 0) {
    throw Error("InputLayer: shape " + format_shape(options_.shape) + " must have positive dimensions");
  }
}

Shape InputLayer::build(const Shape& input_shape, Rng& /*rng*/) {
  if (input_shape != options_.shape) {
    throw Error("InputLayer '" + name() + "': declared shape " + format_shape(options_.shape) +
                " but the model is built for " + format_shape(input_shape));
  }
  set_built(input_shape, input_shape);
  return input_shape;
}

void InputLayer::forward(ConstMatrixView x, MatrixView y, Mode /*mode*/) { copy(x, y); }

void InputLayer::backward(ConstMatrixView, ConstMatrixView, ConstMatrixView dy, MatrixView dx) {
  if (!dx.empty()) copy(dy, dx);
}

nlohmann::json InputLayer::config() const { return {{"shape", options_.shape}}; }

// ---- config reader (the table is src/registry/layers.cpp) ---------------------------------------

namespace {

std::unique_ptr<Layer> from_config(ConfigObject& c) {
  InputLayer::Options o;
  o.shape = c.get_sizes("shape");
  registry::require(c, "shape", "one sample's shape, e.g. [28, 28]");
  return std::make_unique<InputLayer>(o);
}

}  // namespace

registry::LayerRow input_layer_row() { return {"InputLayer", &from_config}; }

}  // namespace mlp
