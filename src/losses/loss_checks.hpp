// SPDX-License-Identifier: MIT
#pragma once
// Shape checks and small helpers shared by the loss implementations (private to src/losses).
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "mlp/loss.hpp"
#include "mlp/matrix.hpp"

namespace mlp::loss_detail {

/// Keras' backend.epsilon(): the clipping margin of the cross-entropies.
inline constexpr double kEpsilon = 1e-7;
/// The clipping bounds [ε, 1 − ε], rounded to Scalar as Keras clips in the model's dtype
/// (1 − 1e-7 is 0.99999988 in float).
inline constexpr double kClipLow = static_cast<double>(static_cast<Scalar>(kEpsilon));
inline constexpr double kClipHigh = static_cast<double>(static_cast<Scalar>(1.0 - kEpsilon));

/// Throws mlp::Error unless target has pred's rows and loss.target_cols(pred.cols()) columns.
void check_target(const Loss& loss, ConstMatrixView pred, ConstMatrixView target);
/// check_target, plus out.size() == pred.rows().
void check_per_sample(const Loss& loss, ConstMatrixView pred, ConstMatrixView target, std::size_t out_size);
/// check_target, plus weights.size() ∈ {0, N} and grad shaped like pred.
void check_gradient(const Loss& loss, ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                    ConstMatrixView grad, const char* grad_name);

/// The row's share of L = Σ_i w_i·l_i / N:  s = w_i / N (w_i = 1 without weights).
inline double row_scale(std::span<const Scalar> weights, std::size_t r, std::size_t n) {
  const double w = weights.empty() ? 1.0 : static_cast<double>(weights[r]);
  return w / static_cast<double>(n);
}

/// The class index held by target(r, 0); throws mlp::Error naming the loss, the row and the value
/// unless it is an integer in [0, classes).
std::size_t class_index(std::string_view loss, ConstMatrixView target, std::size_t r, std::size_t classes);

/// A number as a short string ("2.5", "1e+04").
std::string format_number(double v);

}  // namespace mlp::loss_detail
