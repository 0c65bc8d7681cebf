// SPDX-License-Identifier: MIT
#pragma once
// Dropout (inverted): training y = x ⊙ m / (1 − rate), m_i ~ Bernoulli(1 − rate); inference y = x.
// Backward: dx = dy ⊙ m / (1 − rate).   x, y (N,F)
// The mask of element i comes from hash_uniform(key, i) with one key per batch drawn from the
// model's training Rng: reproducible for a seed and independent of the thread count.
#include <vector>

#include "mlp/layer.hpp"

namespace mlp {

class Dropout : public Layer {
 public:
  struct Options {
    double rate = 0;  // fraction of inputs dropped, in [0, 1)
  };
  explicit Dropout(Options options);
  std::string_view kind() const override { return "Dropout"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  nlohmann::json config() const override;
  const Options& options() const { return options_; }

 private:
  Options options_;
  Matrix scale_;         // m / (1 − rate) of the latest training forward
  bool masked_ = false;  // whether the latest forward applied a mask
};

}  // namespace mlp
