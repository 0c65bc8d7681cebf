// SPDX-License-Identifier: MIT
#include "mlp/layers/leaky_relu.hpp"

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "layer_checks.hpp"
#include "mlp/config.hpp"

namespace mlp {

LeakyReLU::LeakyReLU() : LeakyReLU(Options{}) {}

LeakyReLU::LeakyReLU(Options options)
    : options_(options), function_{ActivationKind::kLeakyRelu, options.negative_slope} {
  layer_detail::check_option(std::isfinite(options_.negative_slope) && options_.negative_slope >= 0, "LeakyReLU",
                             "negative_slope", "a finite number >= 0", options_.negative_slope);
}

Shape LeakyReLU::build(const Shape& input_shape, Rng& /*rng*/) {
  set_built(input_shape, input_shape);
  return input_shape;
}

void LeakyReLU::forward(ConstMatrixView x, MatrixView y, Mode /*mode*/) { activation_forward(function_, x, y); }

// dx = dy·(x > 0 ? 1 : negative_slope)
void LeakyReLU::backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) {
  if (!dx.empty()) activation_backward(function_, x, y, dy, dx);
}

nlohmann::json LeakyReLU::config() const { return {{"negative_slope", options_.negative_slope}}; }

// ---- config reader (the table is src/registry/layers.cpp) ---------------------------------------

namespace {

std::unique_ptr<Layer> from_config(ConfigObject& c) {
  LeakyReLU::Options o;
  if (c.has("negative_slope") && c.has("alpha")) {
    throw c.error("alpha", "give negative_slope or Keras 2's alpha, not both");
  }
  o.negative_slope = c.get_double("negative_slope", c.get_double("alpha", o.negative_slope));
  return std::make_unique<LeakyReLU>(o);
}

}  // namespace

registry::LayerRow leaky_relu_row() { return {"LeakyReLU", &from_config}; }

}  // namespace mlp
