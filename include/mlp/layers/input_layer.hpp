// SPDX-License-Identifier: MIT
#pragma once
// InputLayer: declares the shape of one sample, e.g. (28, 28), without the batch axis.
//   x, y (N, F), F = product of the shape;  y = x,  dx = dy
// Sequential builds itself from it and, as Keras 2 does, leaves it out of summary().
#include "mlp/layer.hpp"

namespace mlp {

class InputLayer : public Layer {
 public:
  struct Options {
    Shape shape;  ///< one sample's shape, every dimension positive
  };
  explicit InputLayer(Options options);
  std::string_view kind() const override { return "InputLayer"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  /// {"shape"} (Keras 3's get_config writes it as batch_shape = (None, *shape))
  nlohmann::json config() const override;
  const Options& options() const { return options_; }

 private:
  Options options_;
};

}  // namespace mlp
