// SPDX-License-Identifier: MIT
#pragma once
// BatchNormalization (Ioffe & Szegedy 2015) over the last axis (Keras' axis=-1), Keras' defaults
// and semantics. For a flat input (None, F) the C = F channels are normalised over the N rows; for
// (None, …, C) each channel is normalised over the N·G positions, G = F/C.
//   x, y (N,F) seen as (M,C), M = N·G   gamma, beta, moving_mean, moving_variance (1,C)
// Training (Mode::kTrain and trainable()):
//   μ = mean_m x,  σ² = mean_m (x − μ)²  (the biased variance, as Keras' ops.moments)
//   x̂ = (x − μ)/√(σ² + ε),  y = gamma·x̂ + beta
//   moving_mean ← moving_mean·momentum + μ·(1 − momentum),  the same for moving_variance with σ²
// Inference (or trainable() false: Keras runs a frozen BatchNormalization in inference mode):
//   the same with μ, σ² = moving_mean, moving_variance; nothing is updated.
// Backward:  dbeta = Σ_m dy + R'(beta),  dgamma = Σ_m dy·x̂ + R'(gamma)
//   training:  dx = gamma/√(σ²+ε) · (dy − mean_m(dy) − x̂·mean_m(dy·x̂))
//   inference: dx = gamma/√(moving_variance + ε) · dy
// gamma and beta (when scale/center) are params(); the moving statistics are state(): saved,
// never trained, counted in Keras' "Non-trainable params". Statistics accumulate in double.
#include <vector>

#include "mlp/initializer.hpp"
#include "mlp/layer.hpp"
#include "mlp/regularizer.hpp"

namespace mlp {

class BatchNormalization : public Layer {
 public:
  struct Options {
    double momentum = 0.99;  ///< in [0, 1]
    double epsilon = 1e-3;   ///< finite, > 0
    bool center = true;      ///< add beta
    bool scale = true;       ///< multiply by gamma
    Initializer beta_initializer = Initializer::from_name("zeros");
    Initializer gamma_initializer = Initializer::from_name("ones");
    Initializer moving_mean_initializer = Initializer::from_name("zeros");
    Initializer moving_variance_initializer = Initializer::from_name("ones");
    Regularizer beta_regularizer;
    Regularizer gamma_regularizer;
  };
  BatchNormalization();  // Keras' defaults
  explicit BatchNormalization(Options options);
  std::string_view kind() const override { return "BatchNormalization"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  /// gamma (if scale), beta (if center).
  std::vector<Param*> params() override;
  /// moving_mean, moving_variance.
  std::vector<Param*> state() override;
  /// {"axis": -1, "momentum", "epsilon", "center", "scale", the four initializers' names,
  ///  "beta_regularizer", "gamma_regularizer"}
  nlohmann::json config() const override;
  double regularization_loss() const override;
  const Options& options() const { return options_; }

  Param& gamma() { return gamma_; }
  Param& beta() { return beta_; }
  Param& moving_mean() { return moving_mean_; }
  Param& moving_variance() { return moving_variance_; }

 private:
  Options options_;
  Param gamma_, beta_, moving_mean_, moving_variance_;
  std::size_t channels_ = 0;                // C
  Matrix x_hat_;                            // (N,F) x̂ of the latest forward
  std::vector<double> mean_, inv_std_;      // (C) μ and 1/√(σ² + ε) of the latest forward
  std::vector<double> sum_dy_, sum_dy_xh_;  // (C) backward scratch
  bool batch_statistics_ = false;           // whether the latest forward used μ, σ² of its batch
};

}  // namespace mlp
