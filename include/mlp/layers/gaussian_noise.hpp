// SPDX-License-Identifier: MIT
#pragma once
// GaussianNoise: additive zero-centred noise, a regulariser active in training only.  x, y (N,F)
//   Training:  y = x + stddev·ε,  ε_i ~ N(0, 1)      Inference (or stddev = 0): y = x
//   Backward:  dx = dy (the noise does not depend on x)
// ε_i is Box–Muller on the keyed uniforms 2i and 2i + 1 of the batch's key (one key per training
// batch, from the layer's seed or the model's Rng; see dropout.hpp): reproducible for a seed,
// independent of the number of threads.
// Keras 3 accepts stddev in [0, 1] only (its constructor raises otherwise); so do we.
#include <cstdint>
#include <optional>

#include "mlp/layer.hpp"

namespace mlp {

class GaussianNoise : public Layer {
 public:
  struct Options {
    double stddev = 0;                  ///< standard deviation of the noise, in [0, 1]
    std::optional<std::uint64_t> seed;  ///< own random stream (Keras' seed); else the model's
  };
  explicit GaussianNoise(Options options);
  std::string_view kind() const override { return "GaussianNoise"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  /// {"stddev", "seed"}
  nlohmann::json config() const override;
  const Options& options() const { return options_; }

 private:
  Options options_;
  std::optional<Rng> seed_rng_;  // set when options_.seed is
};

}  // namespace mlp
