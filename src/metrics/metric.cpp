// SPDX-License-Identifier: MIT
// make_metric: Keras names -> metric classes, and the resolution of "accuracy".
#include "mlp/metric.hpp"

#include <memory>
#include <string>
#include <utility>

#include "mlp/error.hpp"
#include "mlp/metrics/accuracy_metrics.hpp"
#include "mlp/metrics/confusion_metrics.hpp"
#include "mlp/metrics/regression_metrics.hpp"

namespace mlp {
namespace {

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
std::unique_ptr<Metric> accuracy(std::string key, std::string_view loss_name, std::size_t output_cols) {
  if (is_binary_loss(loss_name) || output_cols == 1) return std::make_unique<metrics::BinaryAccuracy>(std::move(key));
  if (is_sparse_loss(loss_name)) return std::make_unique<metrics::SparseCategoricalAccuracy>(std::move(key));
  return std::make_unique<metrics::CategoricalAccuracy>(std::move(key));
}

template <class M>
std::unique_ptr<Metric> make(std::string key, std::string_view /*loss_name*/, std::size_t /*output_cols*/) {
  return std::make_unique<M>(std::move(key));
}

struct MetricRow {
  std::string_view name;
  std::unique_ptr<Metric> (*make)(std::string key, std::string_view loss_name, std::size_t output_cols);
};

constexpr MetricRow kMetrics[] = {
    {"accuracy", &accuracy},
    {"acc", &accuracy},
    {"binary_accuracy", &make<metrics::BinaryAccuracy>},
    {"categorical_accuracy", &make<metrics::CategoricalAccuracy>},
    {"sparse_categorical_accuracy", &make<metrics::SparseCategoricalAccuracy>},
    {"top_k_categorical_accuracy", &make<metrics::TopKCategoricalAccuracy>},
    {"sparse_top_k_categorical_accuracy", &make<metrics::SparseTopKCategoricalAccuracy>},
    {"precision", &make<metrics::Precision>},
    {"recall", &make<metrics::Recall>},
    {"auc", &make<metrics::AUC>},
    {"mae", &make<metrics::MeanAbsoluteError>},
    {"mean_absolute_error", &make<metrics::MeanAbsoluteError>},
    {"mse", &make<metrics::MeanSquaredError>},
    {"mean_squared_error", &make<metrics::MeanSquaredError>},
    {"rmse", &make<metrics::RootMeanSquaredError>},
    {"root_mean_squared_error", &make<metrics::RootMeanSquaredError>},
};

}  // namespace

std::unique_ptr<Metric> make_metric(std::string_view name, std::string_view loss_name, std::size_t output_cols) {
  for (const MetricRow& row : kMetrics) {
    // The log key is the name the user asked for.
    if (row.name == name) return row.make(std::string(name), loss_name, output_cols);
  }
  std::string known;
  for (const MetricRow& row : kMetrics) known += (known.empty() ? "" : ", ") + std::string(row.name);
  throw Error("unknown metric '" + std::string(name) + "'; known: " + known);
}

}  // namespace mlp
