// SPDX-License-Identifier: MIT
#pragma once
// Flatten: (None, d1, d2, …) → (None, d1·d2·…). The data is already stored flat (N, F), so forward
// and backward are copies; only the logical shape changes.
#include "mlp/layer.hpp"

namespace mlp {

class Flatten : public Layer {
 public:
  struct Options {};
  explicit Flatten(Options options = {});
  std::string_view kind() const override { return "Flatten"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
};

}  // namespace mlp
