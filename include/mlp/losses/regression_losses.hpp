// SPDX-License-Identifier: MIT
#pragma once
// Keras' regression losses: an element-wise penalty ρ of d = p − y, averaged over the C columns.
//   pred (N,C)  target (N,C)      l_i = mean_j ρ(d_ij)
//   dpred_ij = (w_i / N)·ρ'(d_ij) / C
//   mean_squared_error   ρ = d²                                   ρ' = 2d
//   mean_absolute_error  ρ = |d|                                  ρ' = sign(d)  (0 at d = 0)
//   huber                ρ = ½d² if |d| ≤ δ else δ·|d| − ½δ²      ρ' = clip(d, −δ, δ)
//   log_cosh             ρ = d + softplus(−2d) − log 2 (= log cosh d without overflow)
//                                                                 ρ' = tanh d
#include "mlp/loss.hpp"

namespace mlp {

class MeanSquaredError : public Loss {
 public:
  std::string_view name() const override { return "mean_squared_error"; }
  void per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const override;
  void gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                MatrixView dpred) const override;
};

class MeanAbsoluteError : public Loss {
 public:
  std::string_view name() const override { return "mean_absolute_error"; }
  void per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const override;
  void gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                MatrixView dpred) const override;
};

class Huber : public Loss {
 public:
  struct Options {
    double delta = 1.0;  // where the penalty turns from quadratic to linear; must be > 0
  };
  Huber() = default;
  /// Throws mlp::Error unless delta > 0.
  explicit Huber(Options options);

  std::string_view name() const override { return "huber"; }
  void per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const override;
  void gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                MatrixView dpred) const override;
  double delta() const { return options_.delta; }

 private:
  Options options_;
};

class LogCosh : public Loss {
 public:
  std::string_view name() const override { return "log_cosh"; }
  void per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const override;
  void gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                MatrixView dpred) const override;
};

}  // namespace mlp
