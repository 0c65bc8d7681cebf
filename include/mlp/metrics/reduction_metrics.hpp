// SPDX-License-Identifier: MIT
#pragma once
// MeanMetricWrapper: Keras' base for metrics that average a per-sample value v_i over every sample
// seen since reset(), sample-weighted:
//     total += Σ_i w_i·v_i,   count += Σ_i w_i,   result = total / count   (0 while count = 0)
// A subclass supplies v_i from one prediction row and one target row.
#include <cstddef>

#include "mlp/metric.hpp"

namespace mlp::metrics {

class MeanMetricWrapper : public Metric {
 public:
  void reset() override;
  /// Throws mlp::Error when target's width is not target_cols(pred.cols()), the row counts differ, or
  /// weights is neither empty nor one per row.
  void update(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights) override;
  double result() const override;
  std::vector<double*> state() override { return {&total_, &count_}; }

 protected:
  using Metric::Metric;
  /// v_i for one sample. pred has pred_cols values, target target_cols(pred_cols).
  virtual double sample_value(const Scalar* pred, const Scalar* target, std::size_t pred_cols) const = 0;
  /// Width the target must have (1 for the sparse metrics).
  virtual std::size_t target_cols(std::size_t pred_cols) const { return pred_cols; }
  /// Σ w_i·v_i / Σ w_i without the final transform (RootMeanSquaredError takes its square root).
  double mean() const { return count_ > 0 ? total_ / count_ : 0.0; }

 private:
  double total_ = 0;
  double count_ = 0;
};

}  // namespace mlp::metrics
