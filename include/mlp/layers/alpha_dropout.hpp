// SPDX-License-Identifier: MIT
#pragma once
// AlphaDropout (Klambauer et al. 2017, Keras' formula): keeps SELU-normalised activations at mean 0,
// variance 1. Training, with keep k_i ~ Bernoulli(1 − rate), α' = −λα (SELU's constants):
//   a = ((1 − rate)(1 + rate·α'²))^−½    b = −a·α'·rate
//   y = a·(x·k + α'·(1 − k)) + b          dx = dy·a·k
// Inference: y = x. Same keyed, thread-independent randomness as Dropout.
#include "mlp/layer.hpp"

namespace mlp {

class AlphaDropout : public Layer {
 public:
  struct Options {
    double rate = 0;  // in [0, 1)
  };
  explicit AlphaDropout(Options options);
  std::string_view kind() const override { return "AlphaDropout"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  nlohmann::json config() const override;

 private:
  Options options_;
  Matrix keep_;  // k of the latest training forward (1 or 0)
  bool masked_ = false;
};

}  // namespace mlp
