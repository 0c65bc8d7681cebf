// SPDX-License-Identifier: MIT
#pragma once
// BatchNormalization (Ioffe & Szegedy 2015) over the batch axis, Keras' defaults and semantics.
//   x (N,F)  gamma, beta, moving_mean, moving_variance (1,F)
// Training:  μ = mean_n x, σ² = mean_n (x − μ)² (biased, as Keras), x̂ = (x − μ)/√(σ² + ε),
//            y = gamma·x̂ + beta; moving ← moving·momentum + batch·(1 − momentum) for μ and σ².
// Inference: the same with the moving statistics.
// Backward (training): dβ = Σ dy, dγ = Σ dy·x̂,
//            dx = gamma/√(σ²+ε) · (dy − mean(dy) − x̂·mean(dy·x̂))
// Backward (inference): dx = dy·gamma/√(moving_variance + ε).
// gamma/beta are trainable params(); the moving statistics are state(): saved, never trained,
// counted in Keras' "Non-trainable params".
#include "mlp/initializer.hpp"
#include "mlp/layer.hpp"

namespace mlp {

class BatchNormalization : public Layer {
 public:
  struct Options {
    double momentum = 0.99;
    double epsilon = 1e-3;
    bool center = true;  // use beta
    bool scale = true;   // use gamma
    Initializer beta_initializer = Initializer::from_name("zeros");
    Initializer gamma_initializer = Initializer::from_name("ones");
    Initializer moving_mean_initializer = Initializer::from_name("zeros");
    Initializer moving_variance_initializer = Initializer::from_name("ones");
  };
  BatchNormalization();  // Keras' defaults
  explicit BatchNormalization(Options options);
  std::string_view kind() const override { return "BatchNormalization"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  std::vector<Param*> params() override;
  std::vector<Param*> state() override;
  nlohmann::json config() const override;

  Param& gamma() { return gamma_; }
  Param& beta() { return beta_; }
  Param& moving_mean() { return moving_mean_; }
  Param& moving_variance() { return moving_variance_; }

 private:
  Options options_;
  Param gamma_, beta_, moving_mean_, moving_variance_;
  Matrix x_hat_;     // (N,F) normalised input of the latest forward
  Matrix inv_std_;   // (1,F) 1/√(σ² + ε) used by the latest forward
  Mode last_mode_ = Mode::kInference;
};

}  // namespace mlp
