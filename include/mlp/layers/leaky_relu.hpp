// SPDX-License-Identifier: MIT
#pragma once
// LeakyReLU layer: y = x > 0 ? x : negative_slope·x; dx = dy·(x > 0 ? 1 : negative_slope).
// Keras 3's layer default negative_slope = 0.3 (Keras 2 called the argument alpha; the
// leaky_relu *activation function* defaults to 0.2).
#include "mlp/activation.hpp"
#include "mlp/layer.hpp"

namespace mlp {

class LeakyReLU : public Layer {
 public:
  struct Options {
    double negative_slope = 0.3;
  };
  LeakyReLU();  // Keras' defaults
  explicit LeakyReLU(Options options);
  std::string_view kind() const override { return "LeakyReLU"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  nlohmann::json config() const override;

 private:
  Options options_;
  ActivationFunction function_;
};

}  // namespace mlp
