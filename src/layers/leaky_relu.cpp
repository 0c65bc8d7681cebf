// SPDX-License-Identifier: MIT
#include "mlp/layers/leaky_relu.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "layer_checks.hpp"

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

}  // namespace mlp
