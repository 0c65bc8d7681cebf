// SPDX-License-Identifier: MIT
#pragma once
// Batch shape checks shared by the metric implementations (private to src/metrics).
#include <cstddef>
#include <span>

#include "mlp/metric.hpp"

namespace mlp::metric_detail {

/// Throws mlp::Error naming the metric unless target is (pred.rows(), target_cols) and weights is
/// empty or holds one weight per row.
void check_batch(const Metric& metric, ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                 std::size_t target_cols);

inline double weight_of(std::span<const Scalar> weights, std::size_t r) {
  return weights.empty() ? 1.0 : static_cast<double>(weights[r]);
}

}  // namespace mlp::metric_detail
