// SPDX-License-Identifier: MIT
#include "mlp/metrics/regression_metrics.hpp"

#include <cmath>

namespace mlp::metrics {
namespace {

// mean_j d²
double mean_squared(const Scalar* pred, const Scalar* target, std::size_t cols) {
  double s = 0;
  for (std::size_t j = 0; j < cols; ++j) {
    const double d = static_cast<double>(pred[j]) - static_cast<double>(target[j]);
    s += d * d;
  }
  return s / static_cast<double>(cols);
}

}  // namespace

double MeanSquaredError::sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const {
  return mean_squared(pred, target, cols);
}

// mean_j |d|
double MeanAbsoluteError::sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const {
  double s = 0;
  for (std::size_t j = 0; j < cols; ++j) s += std::abs(static_cast<double>(pred[j]) - static_cast<double>(target[j]));
  return s / static_cast<double>(cols);
}

double RootMeanSquaredError::sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const {
  return mean_squared(pred, target, cols);
}

double RootMeanSquaredError::result() const { return std::sqrt(mean()); }

}  // namespace mlp::metrics
