// SPDX-License-Identifier: MIT
#pragma once
// LeakyReLU layer: y = x >= 0 ? x : negative_slope·x;  dx = dy·(x > 0 ? 1 : negative_slope).
//   x, y (N,F)
// Keras 3's layer defaults to negative_slope = 0.3 (Keras 2 named the argument `alpha`, which
// Keras 3 still accepts with a deprecation warning; here it is negative_slope only). The
// leaky_relu *activation function* (activation.hpp) defaults to 0.2 instead.
#include "mlp/activation.hpp"
#include "mlp/layer.hpp"

namespace mlp {

class LeakyReLU : public Layer {
 public:
  struct Options {
    double negative_slope = 0.3;  ///< finite, >= 0 (Keras 2: alpha)
  };
  LeakyReLU();  // Keras' defaults
  explicit LeakyReLU(Options options);
  std::string_view kind() const override { return "LeakyReLU"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  /// {"negative_slope"}
  nlohmann::json config() const override;
  const Options& options() const { return options_; }

 private:
  Options options_;
  ActivationFunction function_;
};

}  // namespace mlp
