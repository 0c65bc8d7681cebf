// SPDX-License-Identifier: MIT
#pragma once
// Losses by their Keras names. Each computes a per-sample loss l_i from a row of predictions and
// a row of targets; the reported value is Keras' "sum_over_batch_size" reduction
//     L = Σ_i w_i·l_i / N        (w_i = 1 without sample weights; N = rows in the batch)
// and gradient() writes dL/dpred for that L.
//   categorical_crossentropy   l = −Σ_j y_j·log p_j           p clipped to [1e-7, 1 − 1e-7] after
//                                                             p ← p/Σp (Keras); from_logits: log_softmax
//   sparse_categorical_crossentropy  target (N, 1) holds the class index
//   binary_crossentropy (bce)  l = mean_j −(y log p + (1−y) log(1−p)), p clipped likewise;
//                              from_logits: mean_j max(z,0) − z·y + log(1 + e^{−|z|})
//   mean_squared_error (mse)   l = mean_j (p−y)²      mean_absolute_error (mae)  l = mean_j |p−y|
//   huber (huber_loss, δ = 1)  l = mean_j (½d² if |d| ≤ δ else δ|d| − ½δ²)      d = p − y
//   log_cosh (logcosh)         l = mean_j log cosh d, evaluated as d + softplus(−2d) − log 2
// Fusion: with probabilities from a softmax (cross-entropy) or sigmoid (binary) output, the model
// asks gradient_wrt_logits() for dL/dz = (p − y)·w/N (scaled per loss), which is exact and stable
// where the chain through the clipped probabilities is not.
// The classes, with each formula's gradient, are in mlp/losses/*.hpp.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/activation.hpp"
#include "mlp/matrix.hpp"

namespace mlp {

struct LossOptions {
  std::string name = "categorical_crossentropy";
  bool from_logits = false;
  double delta = 1.0;  // huber
};

class Loss {
 public:
  virtual ~Loss() = default;
  virtual std::string_view name() const = 0;
  /// Per-sample losses l_i into out (size N). Throws mlp::Error on a target it cannot use
  /// (a sparse label out of range, a width mismatch), naming the row.
  virtual void per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const = 0;
  /// dpred = dL/dpred for L = Σ_i w_i·l_i / N. weights empty means all 1.
  virtual void gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                        MatrixView dpred) const = 0;
  /// True when gradient_wrt_logits() is valid for predictions made by `activation`.
  virtual bool fuses_with(const ActivationFunction& /*activation*/) const { return false; }
  /// dL/dz where pred = activation(z); only when fuses_with(activation).
  virtual void gradient_wrt_logits(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                                   MatrixView dz) const;
  /// Width the target must have for predictions of width `pred_cols` (1 for sparse).
  virtual std::size_t target_cols(std::size_t pred_cols) const { return pred_cols; }

  /// Σ_i w_i·l_i / N, using `scratch` (resized to N) for the per-sample values.
  double value(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
               std::vector<Scalar>& scratch) const;
};

/// Builds a loss from its Keras name or alias ("mse", "mae", "huber_loss", ...). Throws
/// mlp::Error listing the known names.
std::unique_ptr<Loss> make_loss(const LossOptions& options);

}  // namespace mlp
