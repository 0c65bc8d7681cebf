// SPDX-License-Identifier: MIT
#pragma once
// Dense: y = f(x·W + b)     x (N,I)  W (I,O)  b (1,O)  y (N,O)   (Keras' kernel is (in, out))
// Backward:  dz = dy ⊙ f'(z)  (dz = dy when the loss fused f)
//            dW = xᵀ·dz + R'(W)   db = Σ_rows dz + R'(b)   dx = dz·Wᵀ
// The activity regularizer adds R(y)/N to the loss and R'(y)/N to dy (tf.keras' convention of a
// per-sample activity penalty), in training and inference alike.
#include <cstddef>
#include <optional>
#include <string>

#include "mlp/activation.hpp"
#include "mlp/initializer.hpp"
#include "mlp/layer.hpp"
#include "mlp/regularizer.hpp"

namespace mlp {

class Dense : public Layer {
 public:
  struct Options {
    std::size_t units = 0;
    std::string activation = "linear";
    bool use_bias = true;
    Initializer kernel_initializer = Initializer::from_name("glorot_uniform");
    Initializer bias_initializer = Initializer::from_name("zeros");
    Regularizer kernel_regularizer;
    Regularizer bias_regularizer;
    Regularizer activity_regularizer;
  };
  explicit Dense(Options options);

  std::string_view kind() const override { return "Dense"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  std::vector<Param*> params() override;
  nlohmann::json config() const override;
  double regularization_loss() const override;
  const ActivationFunction* output_activation() const override { return &activation_; }
  void gemm_products(std::size_t rows, bool backward, std::vector<GemmShape>& out) const override;

  const Options& options() const { return options_; }
  Param& kernel() { return kernel_; }
  Param& bias() { return bias_; }

 private:
  Options options_;
  ActivationFunction activation_;
  Param kernel_, bias_;
  Matrix z_;   // pre-activation, kept only when the activation's derivative needs it
  Matrix dz_;  // backward scratch
  double activity_penalty_ = 0;
};

}  // namespace mlp
