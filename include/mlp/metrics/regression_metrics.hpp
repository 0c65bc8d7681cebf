// SPDX-License-Identifier: MIT
#pragma once
// Keras' regression metrics, d = p − y over the C columns of a sample:
//   mean_squared_error       v = mean_j d²,   result = Σ w_i·v_i / Σ w_i
//   mean_absolute_error      v = mean_j |d|,  result likewise
//   root_mean_squared_error  result = √(Σ w_i·mean_j d² / Σ w_i)   (root of the running mean,
//                            not a mean of per-batch roots)
// As in Keras, these live in mlp::metrics beside the losses of the same name (mlp::MeanSquaredError).
#include <cstddef>
#include <string>
#include <utility>

#include "mlp/metrics/reduction_metrics.hpp"

namespace mlp::metrics {

class MeanSquaredError : public MeanMetricWrapper {
 public:
  explicit MeanSquaredError(std::string name = "mean_squared_error") : MeanMetricWrapper(std::move(name)) {}

 protected:
  double sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const override;
};

class MeanAbsoluteError : public MeanMetricWrapper {
 public:
  explicit MeanAbsoluteError(std::string name = "mean_absolute_error") : MeanMetricWrapper(std::move(name)) {}

 protected:
  double sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const override;
};

class RootMeanSquaredError : public MeanMetricWrapper {
 public:
  explicit RootMeanSquaredError(std::string name = "root_mean_squared_error") : MeanMetricWrapper(std::move(name)) {}
  double result() const override;

 protected:
  double sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const override;
};

}  // namespace mlp::metrics
