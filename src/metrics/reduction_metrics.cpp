// SPDX-License-Identifier: MIT
#include "mlp/metrics/reduction_metrics.hpp"

#include <string>

#include "metric_checks.hpp"
#include "mlp/error.hpp"

namespace mlp {
namespace metric_detail {

void check_batch(const Metric& metric, ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                 std::size_t target_cols) {
  if (pred.cols() == 0) throw Error("metric '" + metric.name() + "': predictions have no columns");
  if (target.cols() != target_cols) {
    throw Error("metric '" + metric.name() + "': target has " + std::to_string(target.cols()) +
                " columns but predictions have " + std::to_string(pred.cols()) + ", so the target needs " +
                std::to_string(target_cols));
  }
  if (target.rows() != pred.rows()) {
    throw Error("metric '" + metric.name() + "': target has " + std::to_string(target.rows()) +
                " rows but predictions have " + std::to_string(pred.rows()));
  }
  if (!weights.empty() && weights.size() != pred.rows()) {
    throw Error("metric '" + metric.name() + "': " + std::to_string(weights.size()) + " sample weights for " +
                std::to_string(pred.rows()) + " rows");
  }
}

}  // namespace metric_detail

namespace metrics {

void MeanMetricWrapper::reset() {
  total_ = 0;
  count_ = 0;
}

// total += Σ_i w_i·v_i,  count += Σ_i w_i
void MeanMetricWrapper::update(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights) {
  metric_detail::check_batch(*this, pred, target, weights, target_cols(pred.cols()));
  for (std::size_t r = 0; r < pred.rows(); ++r) {
    const double w = metric_detail::weight_of(weights, r);
    total_ += w * sample_value(pred.row(r), target.row(r), pred.cols());
    count_ += w;
  }
}

double MeanMetricWrapper::result() const { return mean(); }

}  // namespace metrics
}  // namespace mlp
