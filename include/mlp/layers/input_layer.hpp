// SPDX-License-Identifier: MIT
#pragma once
// InputLayer: declares the shape of one sample, e.g. (28, 28). y = x. Sequential builds itself
// from it and, as Keras 2 does, leaves it out of summary().
#include "mlp/layer.hpp"

namespace mlp {

class InputLayer : public Layer {
 public:
  struct Options {
    Shape shape;
  };
  explicit InputLayer(Options options);
  std::string_view kind() const override { return "InputLayer"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  nlohmann::json config() const override;
  const Options& options() const { return options_; }

 private:
  Options options_;
};

}  // namespace mlp
