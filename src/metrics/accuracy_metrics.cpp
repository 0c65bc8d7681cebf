// SPDX-License-Identifier: MIT
// Per-sample matches of the accuracy metrics; formulas in mlp/metrics/accuracy_metrics.hpp.
#include "mlp/metrics/accuracy_metrics.hpp"

#include <algorithm>
#include <cmath>

#include "mlp/error.hpp"

namespace mlp::metrics {
namespace {

// First index of the largest value (numpy/TF argmax).
std::size_t argmax(const Scalar* v, std::size_t n) { return static_cast<std::size_t>(std::max_element(v, v + n) - v); }

// ops.in_top_k: class t is in the top k when fewer than k classes score strictly higher, so a tie
// at the k-th value counts as in.
bool in_top_k(const Scalar* pred, std::size_t cols, std::size_t t, std::size_t k) {
  std::size_t higher = 0;
  for (std::size_t j = 0; j < cols; ++j) higher += pred[j] > pred[t] ? 1 : 0;
  return higher < k;
}

}  // namespace

BinaryAccuracy::BinaryAccuracy(std::string name, double threshold)
    : MeanMetricWrapper(std::move(name)), threshold_(threshold) {
  if (!(threshold > 0 && threshold < 1)) {
    throw Error("binary_accuracy: threshold must be in (0, 1), got " + std::to_string(threshold));
  }
}

// v = mean_j [y_j = (p_j > threshold)]
double BinaryAccuracy::sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const {
  std::size_t hits = 0;
  for (std::size_t j = 0; j < cols; ++j) {
    const Scalar predicted = static_cast<double>(pred[j]) > threshold_ ? Scalar(1) : Scalar(0);
    hits += target[j] == predicted ? 1 : 0;
  }
  return static_cast<double>(hits) / static_cast<double>(cols);
}

// v = [argmax y = argmax p]
double CategoricalAccuracy::sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const {
  return argmax(target, cols) == argmax(pred, cols) ? 1.0 : 0.0;
}

// v = [y = argmax p], y compared as a number (a label of 2.5 never matches)
double SparseCategoricalAccuracy::sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const {
  return static_cast<double>(target[0]) == static_cast<double>(argmax(pred, cols)) ? 1.0 : 0.0;
}

double TopKCategoricalAccuracy::sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const {
  return in_top_k(pred, cols, argmax(target, cols), k_) ? 1.0 : 0.0;
}

// The label is cast to an integer (truncation, as Keras' cast to int32); out of range never matches.
double SparseTopKCategoricalAccuracy::sample_value(const Scalar* pred, const Scalar* target, std::size_t cols) const {
  const double label = std::trunc(static_cast<double>(target[0]));
  if (!(label >= 0 && label < static_cast<double>(cols))) return 0.0;
  return in_top_k(pred, cols, static_cast<std::size_t>(label), k_) ? 1.0 : 0.0;
}

}  // namespace mlp::metrics
