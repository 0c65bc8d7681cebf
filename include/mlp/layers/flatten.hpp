// SPDX-License-Identifier: MIT
#pragma once
// Flatten: (None, d1, d2, …) → (None, d1·d2·…). Data is already stored flat, (N, F) with
// F = d1·d2·… in row-major (channels_last) order, so forward (y = x) and backward (dx = dy) are
// copies; only the logical shape changes.
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
  /// {"data_format": "channels_last"}
  nlohmann::json config() const override;
};

}  // namespace mlp
