// SPDX-License-Identifier: MIT
#pragma once
// Activation layer: y = f(x) for one of activation.hpp's functions.  x (N,F)  y (N,F)
// Backward: dx = dy ⊙ f'(x) (softmax: its Jacobian), or dx = dy when the loss fused f.
#include <string>

#include "mlp/activation.hpp"
#include "mlp/layer.hpp"

namespace mlp {

class Activation : public Layer {
 public:
  struct Options {
    std::string activation = "linear";
  };
  explicit Activation(Options options);
  std::string_view kind() const override { return "Activation"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  nlohmann::json config() const override;
  const ActivationFunction* output_activation() const override { return &function_; }

 private:
  Options options_;
  ActivationFunction function_;
};

}  // namespace mlp
