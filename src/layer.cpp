// SPDX-License-Identifier: MIT
#include "mlp/layer.hpp"

#include <nlohmann/json.hpp>

#include "mlp/error.hpp"

namespace mlp {

nlohmann::json Layer::config() const { return nlohmann::json::object(); }

std::size_t Layer::count_params() {
  std::size_t n = 0;
  for (const Param* p : params()) n += p->value.size();
  for (const Param* p : state()) n += p->value.size();
  return n;
}

Shape Layer::build_inputs(std::span<const Shape> input_shapes, Rng& rng) {
  if (input_shapes.size() != 1) {
    throw Error(std::string(kind()) + " '" + name() + "' takes one input, got " + std::to_string(input_shapes.size()));
  }
  return build(input_shapes[0], rng);
}

void Layer::forward_inputs(std::span<const ConstMatrixView> xs, MatrixView y, Mode mode) { forward(xs[0], y, mode); }

void Layer::backward_inputs(std::span<const ConstMatrixView> xs, ConstMatrixView y, ConstMatrixView dy,
                            std::span<const MatrixView> dxs) {
  backward(xs[0], y, dy, dxs[0]);
}

}  // namespace mlp
