// SPDX-License-Identifier: MIT
#pragma once
// AlphaDropout (Klambauer et al. 2017, Keras' formula): dropout that keeps SELU-normalised inputs
// at mean 0 and variance 1 by setting dropped units to SELU's negative saturation α' instead of 0.
//   x, y (N,F);  λ = 1.0507…, α = 1.6732… (SELU's constants),  α' = −λ·α
//   a = ((1 − rate)·(1 + rate·α'²))^−½      b = −a·α'·rate
//   Training:  k_i ~ Bernoulli(1 − rate) (kept when u_i >= rate)
//              y = a·(x ⊙ k + α'·(1 − k)) + b          dx = dy ⊙ a·k
//   Inference (or rate = 0): y = x,  dx = dy
// Same keyed, thread-independent randomness as Dropout (dropout.hpp).
#include <cstdint>
#include <optional>

#include "mlp/layer.hpp"

namespace mlp {

class AlphaDropout : public Layer {
 public:
  struct Options {
    double rate = 0;                    ///< fraction of inputs dropped, in [0, 1)
    std::optional<std::uint64_t> seed;  ///< own random stream (Keras' seed); else the model's
  };
  explicit AlphaDropout(Options options);
  std::string_view kind() const override { return "AlphaDropout"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  /// {"rate", "seed", "noise_shape": null}
  nlohmann::json config() const override;
  const Options& options() const { return options_; }

 private:
  Options options_;
  std::optional<Rng> seed_rng_;  // set when options_.seed is
  Matrix dscale_;                // (N,F) a·k of the latest training forward
  bool masked_ = false;          // whether the latest forward dropped anything
};

}  // namespace mlp
