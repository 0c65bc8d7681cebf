// SPDX-License-Identifier: MIT
#pragma once
// Keras' accuracy metrics: the sample-weighted mean of a per-sample match (MeanMetricWrapper).
//   binary_accuracy       v = mean_j [y_j = (p_j > threshold)]          threshold 0.5; y compared
//                                                                       exactly, so soft labels never match
//   categorical_accuracy  v = [argmax_j y_j = argmax_j p_j]             first index wins a tie
//   sparse_categorical_accuracy  target (N,1): v = [y = argmax_j p_j]
//   top_k_categorical_accuracy   v = [#{j : p_j > p_t} < k], t = argmax_j y_j   (k = 5; ties at the
//                                 k-th value count as in the top k, as ops.in_top_k does)
//   sparse_top_k_categorical_accuracy  target (N,1): t = the label truncated to an integer; a label
//                                 outside [0, C) never matches
#include <cstddef>
#include <string>
#include <utility>

#include "mlp/metrics/reduction_metrics.hpp"

namespace mlp::metrics {

class BinaryAccuracy : public MeanMetricWrapper {
 public:
  /// Throws mlp::Error unless 0 < threshold < 1.
  explicit BinaryAccuracy(std::string name = "binary_accuracy", double threshold = 0.5);

 protected:
  double sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const override;

 private:
  double threshold_;
};

class CategoricalAccuracy : public MeanMetricWrapper {
 public:
  explicit CategoricalAccuracy(std::string name = "categorical_accuracy") : MeanMetricWrapper(std::move(name)) {}

 protected:
  double sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const override;
};

class SparseCategoricalAccuracy : public MeanMetricWrapper {
 public:
  explicit SparseCategoricalAccuracy(std::string name = "sparse_categorical_accuracy")
      : MeanMetricWrapper(std::move(name)) {}

 protected:
  double sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const override;
  std::size_t target_cols(std::size_t /*pred_cols*/) const override { return 1; }
};

class TopKCategoricalAccuracy : public MeanMetricWrapper {
 public:
  explicit TopKCategoricalAccuracy(std::string name = "top_k_categorical_accuracy", std::size_t k = 5)
      : MeanMetricWrapper(std::move(name)), k_(k) {}

 protected:
  double sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const override;

 private:
  std::size_t k_;
};

class SparseTopKCategoricalAccuracy : public MeanMetricWrapper {
 public:
  explicit SparseTopKCategoricalAccuracy(std::string name = "sparse_top_k_categorical_accuracy", std::size_t k = 5)
      : MeanMetricWrapper(std::move(name)), k_(k) {}

 protected:
  double sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const override;
  std::size_t target_cols(std::size_t /*pred_cols*/) const override { return 1; }

 private:
  std::size_t k_;
};

}  // namespace mlp::metrics
