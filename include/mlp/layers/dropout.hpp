// SPDX-License-Identifier: MIT
#pragma once
// Dropout (inverted; Srivastava et al. 2014, Keras' form). x, y (N,F)
//   Training:  m_i ~ Bernoulli(1 − rate) (kept when u_i >= rate),  y = x ⊙ m / (1 − rate)
//   Inference: y = x
//   Backward:  dx = dy ⊙ m / (1 − rate)  (training),  dx = dy  (inference)
// Randomness: one 64-bit key per training batch, drawn from the layer's own Rng when `seed` is
// set and from the model's training Rng otherwise; u_i is a 32-bit counter-based hash of (key, i)
// for the element's row-major index i (src/layers/layer_checks.hpp, KeepMask). Masks are therefore reproducible for a
// seed, independent of the number of threads, and generated in parallel.
#include <cstdint>
#include <optional>

#include "mlp/layer.hpp"

namespace mlp {

class Dropout : public Layer {
 public:
  struct Options {
    double rate = 0;                    ///< fraction of inputs dropped, in [0, 1)
    std::optional<std::uint64_t> seed;  ///< own random stream (Keras' seed); else the model's
  };
  explicit Dropout(Options options);
  std::string_view kind() const override { return "Dropout"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  /// {"rate", "seed", "noise_shape": null}
  nlohmann::json config() const override;
  const Options& options() const { return options_; }

 private:
  Options options_;
  std::optional<Rng> seed_rng_;  // set when options_.seed is
  Matrix scale_;                 // (N,F) m / (1 − rate) of the latest training forward
  bool masked_ = false;          // whether the latest forward applied a mask
};

}  // namespace mlp
