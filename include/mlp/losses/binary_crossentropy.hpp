// SPDX-License-Identifier: MIT
#pragma once
// Keras' binary_crossentropy: independent Bernoulli outputs, averaged over the C columns.
//   pred (N,C): probabilities p, or logits z with from_logits      target (N,C): y in [0, 1]
// Per sample (ε = 1e-7):
//   probabilities:  q = clip(p, ε, 1 − ε),   l = mean_j −(y_j·log q_j + (1 − y_j)·log(1 − q_j))
//   from_logits:    l = mean_j max(z_j, 0) − z_j·y_j + log(1 + e^{−|z_j|})
//                   (tf.nn.sigmoid_cross_entropy_with_logits: finite at ±1e4)
// Gradients of L = Σ_i w_i·l_i / N, with s = w_i / N for the row:
//   probabilities:  dp_j = s/C·((1 − y_j)/(1 − q_j) − y_j/q_j) where ε ≤ p_j ≤ 1 − ε, else 0
//   from_logits:    dz_j = s/C·(sigmoid(z_j) − y_j)
//   fused sigmoid:  dz_j = s/C·(p_j − y_j)
#include "mlp/loss.hpp"

namespace mlp {

class BinaryCrossentropy : public Loss {
 public:
  struct Options {
    bool from_logits = false;
  };
  BinaryCrossentropy() = default;
  explicit BinaryCrossentropy(Options options) : options_(options) {}

  std::string_view name() const override { return "binary_crossentropy"; }
  void per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const override;
  void gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                MatrixView dpred) const override;
  /// True for a sigmoid output when the loss reads probabilities.
  bool fuses_with(const ActivationFunction& activation) const override;
  void gradient_wrt_logits(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                           MatrixView dz) const override;

 private:
  Options options_;
};

}  // namespace mlp
