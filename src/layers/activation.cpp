// SPDX-License-Identifier: MIT
#include "mlp/layers/activation.hpp"

#include <memory>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "mlp/config.hpp"
#include "mlp/error.hpp"

namespace mlp {
namespace {
ActivationFunction parse(const std::string& name) {
  try {
    return ActivationFunction::from_name(name);
  } catch (const Error& e) {
    throw Error(std::string("Activation: ") + e.what());
  }
}
}  // namespace

Activation::Activation(Options options) : options_(std::move(options)), function_(parse(options_.activation)) {}

Shape Activation::build(const Shape& input_shape, Rng& /*rng*/) {
  set_built(input_shape, input_shape);
  return input_shape;
}

// y = f(x)
void Activation::forward(ConstMatrixView x, MatrixView y, Mode /*mode*/) { activation_forward(function_, x, y); }

// dx = dy ⊙ f'(x), or dx = dy when the loss already applied f' (fused softmax/sigmoid).
void Activation::backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) {
  if (dx.empty()) return;
  if (fused_output_activation_) {
    copy(dy, dx);
  } else {
    activation_backward(function_, x, y, dy, dx);
  }
}

nlohmann::json Activation::config() const { return {{"activation", function_.name()}}; }

// ---- config reader (the table is src/registry/layers.cpp) ---------------------------------------

namespace {

std::unique_ptr<Layer> from_config(ConfigObject& c) {
  Activation::Options o{.activation = c.get_string("activation", "")};
  registry::require(c, "activation", "e.g. \"relu\"");
  return std::make_unique<Activation>(o);
}

}  // namespace

registry::LayerRow activation_row() { return {"Activation", &from_config}; }

}  // namespace mlp
