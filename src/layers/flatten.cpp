// SPDX-License-Identifier: MIT
#include "mlp/layers/flatten.hpp"

#include <nlohmann/json.hpp>

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

}  // namespace mlp
