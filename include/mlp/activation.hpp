// SPDX-License-Identifier: MIT
#pragma once
// Activation functions by their Keras names, applied row-wise to (N, F) matrices. Used by Dense
// (fused with the bias add) and by the Activation layer. Formulas follow Keras 3 (keras.activations):
//   linear      y = z
//   relu        y = max(z, 0)
//   leaky_relu  y = z > 0 ? z : alpha·z                        alpha = negative_slope, default 0.2
//   elu         y = z > 0 ? z : alpha·(eᶻ − 1)                 alpha default 1
//   selu        y = λ·(z > 0 ? z : α·(eᶻ − 1))                  λ = 1.0507…, α = 1.6732…
//   softplus    y = log(1 + eᶻ)
//   softsign    y = z / (1 + |z|)
//   sigmoid     y = 1 / (1 + e⁻ᶻ)
//   hard_sigmoid y = clip(z/6 + 1/2, 0, 1)                     (Keras 3; Keras 2 used 0.2·z + 0.5)
//   tanh        y = tanh z
//   softmax     y_j = e^{z_j} / Σ_k e^{z_k} over each row
//   swish/silu  y = z·sigmoid(z)
//   gelu        y = z·Φ(z) = z/2·(1 + erf(z/√2))                (exact form, Keras' default)
#include <string>
#include <string_view>

#include "mlp/matrix.hpp"

namespace mlp {

enum class ActivationKind {
  kLinear,
  kRelu,
  kLeakyRelu,
  kElu,
  kSelu,
  kSoftplus,
  kSoftsign,
  kSigmoid,
  kHardSigmoid,
  kTanh,
  kSoftmax,
  kSwish,
  kGelu,
};

struct ActivationFunction {
  ActivationKind kind = ActivationKind::kLinear;
  double alpha = 0;  // leaky_relu's negative_slope, elu's alpha; ignored by the others

  /// Parses a Keras name ("relu", "silu" = "swish", ...), with that activation's default alpha.
  /// Throws mlp::Error listing the known names.
  static ActivationFunction from_name(std::string_view name);
  /// The Keras name ("swish" for swish/silu).
  std::string name() const;
  /// True when backward() needs the pre-activation z (not only the output y).
  bool needs_input() const;
};

/// y = f(z). y may alias z.
void activation_forward(const ActivationFunction& act, ConstMatrixView z, MatrixView y);
/// y ← f(y + bias) in one pass over y, the Dense layer's fused epilogue; bias (1, F) may be
/// empty (no bias). When z is not empty it receives the pre-activation y + bias.
void bias_activation_forward(const ActivationFunction& act, ConstMatrixView bias, MatrixView y, MatrixView z);
/// dz = dy ⊙ f'(z), with softmax's Jacobian for softmax. z is read only where needs_input();
/// dz may alias dy.
void activation_backward(const ActivationFunction& act, ConstMatrixView z, ConstMatrixView y, ConstMatrixView dy,
                         MatrixView dz);

}  // namespace mlp
