// SPDX-License-Identifier: MIT
#pragma once
// Keras' categorical_crossentropy and sparse_categorical_crossentropy.
//   pred (N,C): probabilities p, or logits z with from_logits
//   target (N,C): one-hot or soft labels y            sparse: target (N,1) holds the class index c,
//                                                     read as the one-hot row y_j = [j = c]
// Per sample (ε = 1e-7, Keras' backend.epsilon()):
//   probabilities:  p̂ = p / Σ_k p_k,   q = clip(p̂, ε, 1 − ε),   l = −Σ_j y_j·log q_j
//   from_logits:    l = −Σ_j y_j·(z_j − logsumexp(z))             (max subtracted: finite at ±1e4)
// Gradients of L = Σ_i w_i·l_i / N, with s = w_i / N for the row:
//   probabilities:  g_j = −y_j / q_j where ε ≤ p̂_j ≤ 1 − ε, else 0 (clip passes no gradient)
//                   dp_j = s·(g_j − Σ_k g_k·p̂_k) / Σ_k p_k           (through the renormalisation)
//   from_logits:    dz_j = s·(softmax(z)_j·Σ_k y_k − y_j)
//   fused softmax:  dz_j = s·(p_j·Σ_k y_k − y_j)       = s·(p − y)_j for a one-hot target
#include "mlp/loss.hpp"

namespace mlp {

class CategoricalCrossentropy : public Loss {
 public:
  struct Options {
    bool from_logits = false;
  };
  CategoricalCrossentropy() = default;
  explicit CategoricalCrossentropy(Options options) : options_(options) {}

  std::string_view name() const override { return "categorical_crossentropy"; }
  void per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const override;
  void gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                MatrixView dpred) const override;
  /// True for a softmax output when the loss reads probabilities.
  bool fuses_with(const ActivationFunction& activation) const override;
  void gradient_wrt_logits(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                           MatrixView dz) const override;

 private:
  Options options_;
};

/// Targets are class indices, one per row: a value that is not an integer in [0, C) throws
/// mlp::Error naming the row and the value.
class SparseCategoricalCrossentropy : public Loss {
 public:
  struct Options {
    bool from_logits = false;
  };
  SparseCategoricalCrossentropy() = default;
  explicit SparseCategoricalCrossentropy(Options options) : options_(options) {}

  std::string_view name() const override { return "sparse_categorical_crossentropy"; }
  void per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const override;
  void gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                MatrixView dpred) const override;
  /// True for a softmax output when the loss reads probabilities.
  bool fuses_with(const ActivationFunction& activation) const override;
  void gradient_wrt_logits(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                           MatrixView dz) const override;
  std::size_t target_cols(std::size_t /*pred_cols*/) const override { return 1; }

 private:
  Options options_;
};

}  // namespace mlp
