// SPDX-License-Identifier: MIT
#pragma once
// Activation layer: y = f(x), f one of activation.hpp's functions by its Keras name.  x, y (N,F)
// Backward: dx = dy ⊙ f'(x) (softmax: dx_j = y_j·(dy_j − Σ_k dy_k·y_k)), or dx = dy when the loss
// fused f (set_fused_output_activation: softmax/sigmoid with cross-entropy).
#include <string>

#include "mlp/activation.hpp"
#include "mlp/layer.hpp"

namespace mlp {

class Activation : public Layer {
 public:
  struct Options {
    std::string activation = "linear";  ///< Keras name: "relu", "softmax", "silu", ...
  };
  /// Throws mlp::Error naming the layer and listing the known names for an unknown activation.
  explicit Activation(Options options);
  std::string_view kind() const override { return "Activation"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  /// {"activation"}
  nlohmann::json config() const override;
  const ActivationFunction* output_activation() const override { return &function_; }
  const Options& options() const { return options_; }

 private:
  Options options_;
  ActivationFunction function_;
};

}  // namespace mlp
