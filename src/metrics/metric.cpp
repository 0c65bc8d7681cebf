// SPDX-License-Identifier: MIT
// make_metric: Keras names -> metric classes, and the resolution of "accuracy".
#include "mlp/metric.hpp"

#include <memory>
#include <string>

#include "mlp/error.hpp"
#include "mlp/metrics/accuracy_metrics.hpp"
#include "mlp/metrics/confusion_metrics.hpp"
#include "mlp/metrics/regression_metrics.hpp"

namespace mlp {
namespace {

enum class MetricKind {
  kAccuracy,
  kBinaryAccuracy,
  kCategoricalAccuracy,
  kSparseCategoricalAccuracy,
  kTopK,
  kSparseTopK,
  kPrecision,
  kRecall,
  kAuc,
  kMae,
  kMse,
  kRmse,
};

struct MetricName {
  std::string_view name;
  MetricKind kind;
};

constexpr MetricName kMetricNames[] = {
    {"accuracy", MetricKind::kAccuracy},
    {"acc", MetricKind::kAccuracy},
    {"binary_accuracy", MetricKind::kBinaryAccuracy},
    {"categorical_accuracy", MetricKind::kCategoricalAccuracy},
    {"sparse_categorical_accuracy", MetricKind::kSparseCategoricalAccuracy},
    {"top_k_categorical_accuracy", MetricKind::kTopK},
    {"sparse_top_k_categorical_accuracy", MetricKind::kSparseTopK},
    {"precision", MetricKind::kPrecision},
    {"recall", MetricKind::kRecall},
    {"auc", MetricKind::kAuc},
    {"mae", MetricKind::kMae},
    {"mean_absolute_error", MetricKind::kMae},
    {"mse", MetricKind::kMse},
    {"mean_squared_error", MetricKind::kMse},
    {"rmse", MetricKind::kRmse},
    {"root_mean_squared_error", MetricKind::kRmse},
};

bool is_sparse_loss(std::string_view loss_name) {
  return loss_name == "sparse_categorical_crossentropy" || loss_name == "SparseCategoricalCrossentropy";
}

bool is_binary_loss(std::string_view loss_name) {
  return loss_name == "binary_crossentropy" || loss_name == "BinaryCrossentropy";
}

// From the loss first, as Keras 2 did (training/compile_utils.py in tf.keras), then the shapes:
//   binary_crossentropy, or one output column -> binary_accuracy (element-wise: multilabel
//                                                outputs count every label)
//   sparse_categorical_crossentropy           -> sparse_categorical_accuracy
//   otherwise                                 -> categorical_accuracy
// Keras 3 decides from the shapes alone and so gives a multilabel model trained with
// binary_crossentropy categorical_accuracy (argmax), which is not what such a user means.
MetricKind resolve_accuracy(std::string_view loss_name, std::size_t output_cols) {
  if (is_binary_loss(loss_name) || output_cols == 1) return MetricKind::kBinaryAccuracy;
  if (is_sparse_loss(loss_name)) return MetricKind::kSparseCategoricalAccuracy;
  return MetricKind::kCategoricalAccuracy;
}

}  // namespace

std::unique_ptr<Metric> make_metric(std::string_view name, std::string_view loss_name, std::size_t output_cols) {
  for (const auto& entry : kMetricNames) {
    if (entry.name != name) continue;
    std::string key(name);  // the log key is the name the user asked for
    MetricKind kind = entry.kind;
    if (kind == MetricKind::kAccuracy) kind = resolve_accuracy(loss_name, output_cols);
    switch (kind) {
      case MetricKind::kAccuracy:  // resolved above
      case MetricKind::kBinaryAccuracy: return std::make_unique<metrics::BinaryAccuracy>(key);
      case MetricKind::kCategoricalAccuracy: return std::make_unique<metrics::CategoricalAccuracy>(key);
      case MetricKind::kSparseCategoricalAccuracy: return std::make_unique<metrics::SparseCategoricalAccuracy>(key);
      case MetricKind::kTopK: return std::make_unique<metrics::TopKCategoricalAccuracy>(key);
      case MetricKind::kSparseTopK: return std::make_unique<metrics::SparseTopKCategoricalAccuracy>(key);
      case MetricKind::kPrecision: return std::make_unique<metrics::Precision>(key);
      case MetricKind::kRecall: return std::make_unique<metrics::Recall>(key);
      case MetricKind::kAuc: return std::make_unique<metrics::AUC>(key);
      case MetricKind::kMae: return std::make_unique<metrics::MeanAbsoluteError>(key);
      case MetricKind::kMse: return std::make_unique<metrics::MeanSquaredError>(key);
      case MetricKind::kRmse: return std::make_unique<metrics::RootMeanSquaredError>(key);
    }
  }
  std::string known;
  for (const auto& entry : kMetricNames) known += (known.empty() ? "" : ", ") + std::string(entry.name);
  throw Error("unknown metric '" + std::string(name) + "'; known: " + known);
}

}  // namespace mlp
