// SPDX-License-Identifier: MIT
#include "mlp/layers/activation.hpp"

#include <nlohmann/json.hpp>

namespace mlp {

Activation::Activation(Options options)
    : options_(std::move(options)), function_(ActivationFunction::from_name(options_.activation)) {}

Shape Activation::build(const Shape& input_shape, Rng& /*rng*/) {
  set_built(input_shape, input_shape);
  return input_shape;
}

void Activation::forward(ConstMatrixView x, MatrixView y, Mode /*mode*/) { activation_forward(function_, x, y); }

void Activation::backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) {
  if (dx.empty()) return;
  if (fused_output_activation_) {
    copy(dy, dx);
  } else {
    activation_backward(function_, x, y, dy, dx);
  }
}

nlohmann::json Activation::config() const { return {{"activation", function_.name()}}; }

}  // namespace mlp
