// SPDX-License-Identifier: MIT
#pragma once
// GaussianNoise: training y = x + stddev·ε, ε ~ N(0, 1) per element; inference y = x. dx = dy.
// ε comes from Box–Muller on two keyed uniforms (hash_uniform), one key per batch.
#include "mlp/layer.hpp"

namespace mlp {

class GaussianNoise : public Layer {
 public:
  struct Options {
    double stddev = 0;  // >= 0
  };
  explicit GaussianNoise(Options options);
  std::string_view kind() const override { return "GaussianNoise"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  nlohmann::json config() const override;

 private:
  Options options_;
};

}  // namespace mlp
