// SPDX-License-Identifier: MIT
#pragma once
// Metrics by their Keras names, stateful over an epoch as Keras' are: reset(), update() once per
// batch, result() at any time (the mean over every sample seen so far, sample-weighted).
//   accuracy / acc  resolved from the loss as Keras 2 did: binary_crossentropy or one output
//                   column -> binary_accuracy (threshold 0.5, element-wise, so multilabel outputs
//                   count every label); sparse_categorical_crossentropy ->
//                   sparse_categorical_accuracy; else categorical_accuracy (argmax match).
//                   (Keras 3 looks at shapes only and gives multilabel models argmax accuracy.)
//   binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
//   top_k_categorical_accuracy (k 5), sparse_top_k_categorical_accuracy (k 5)
//   precision, recall (threshold 0.5, over all label/prediction pairs), auc (ROC; Keras' 200
//   thresholds with trapezoidal interpolation)
//   mae / mean_absolute_error, mse / mean_squared_error, rmse / root_mean_squared_error
// The classes are in mlp/metrics/*.hpp (namespace mlp::metrics, as keras.metrics).
// Note: Keras 3 passes sample weights only to compile(weighted_metrics=...); the metrics of
// compile(metrics=...) are updated without them (CompileMetrics.update_state).
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mlp/matrix.hpp"

namespace mlp {

class Metric {
 public:
  virtual ~Metric() = default;
  /// The log key: the name the user asked for ("accuracy", "mae", "auc").
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  virtual void reset() = 0;
  /// Adds a batch. weights empty means all 1.
  virtual void update(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights) = 0;
  virtual double result() const = 0;
  /// The accumulators result() is computed from, all additive: the state of the union of two
  /// streams of batches is the element-wise sum of their states (counts, weighted sums,
  /// histograms). Data-parallel fit (mlp/process_group.hpp) sums them over the processes.
  virtual std::vector<double*> state() = 0;

 protected:
  explicit Metric(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

/// Builds a metric from its Keras name. `loss_name` and `output_cols` resolve "accuracy".
/// Throws mlp::Error listing the known names.
std::unique_ptr<Metric> make_metric(std::string_view name, std::string_view loss_name, std::size_t output_cols);

}  // namespace mlp
