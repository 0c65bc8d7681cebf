// SPDX-License-Identifier: MIT
#include "mlp/metrics/confusion_matrix.hpp"

#include <cmath>
#include <numeric>
#include <string>

#include "mlp/error.hpp"

namespace mlp::metrics {
namespace {

// The first largest column of a row (numpy / Keras argmax).
std::size_t argmax(const Scalar* row, std::size_t cols) {
  std::size_t best = 0;
  for (std::size_t j = 1; j < cols; ++j) {
    if (row[j] > row[best]) best = j;
  }
  return best;
}

}  // namespace

ConfusionMatrix::ConfusionMatrix(std::size_t classes) : classes_(classes), counts_(classes * classes, 0) {
  if (classes == 0) throw Error("confusion matrix: needs at least one class");
}

void ConfusionMatrix::add(std::size_t true_class, std::size_t predicted_class, std::size_t count) {
  if (true_class >= classes_ || predicted_class >= classes_) {
    throw Error("confusion matrix: class (" + std::to_string(true_class) + ", " + std::to_string(predicted_class) +
                ") is outside a matrix of " + std::to_string(classes_) + " classes");
  }
  counts_[true_class * classes_ + predicted_class] += count;
}

std::size_t ConfusionMatrix::total() const { return std::accumulate(counts_.begin(), counts_.end(), std::size_t{0}); }

std::size_t ConfusionMatrix::correct() const {
  std::size_t sum = 0;
  for (std::size_t c = 0; c < classes_; ++c) sum += count(c, c);
  return sum;
}

double ConfusionMatrix::accuracy() const {
  const std::size_t n = total();
  return n == 0 ? 0.0 : static_cast<double>(correct()) / static_cast<double>(n);
}

ConfusionMatrix confusion_matrix(ConstMatrixView pred, ConstMatrixView target, std::size_t classes) {
  if (pred.rows() != target.rows()) {
    throw Error("confusion matrix: " + std::to_string(pred.rows()) + " predictions but " +
                std::to_string(target.rows()) + " labels");
  }
  if (pred.rows() == 0 || pred.cols() == 0) throw Error("confusion matrix: no predictions");
  const bool sigmoid = pred.cols() == 1;
  const std::size_t model_classes = sigmoid ? 2 : pred.cols();
  if (classes == 0) classes = model_classes;
  if (classes < model_classes) {
    throw Error("confusion matrix: " + std::to_string(classes) + " classes, but the predictions have " +
                std::to_string(model_classes));
  }
  if (target.cols() != 1 && target.cols() != pred.cols()) {
    throw Error("confusion matrix: labels have " + std::to_string(target.cols()) +
                " columns; expected 1 (class indices) or " + std::to_string(pred.cols()) + " (one-hot)");
  }
  ConfusionMatrix cm(classes);
  for (std::size_t i = 0; i < pred.rows(); ++i) {
    std::size_t truth = 0;
    if (target.cols() == 1) {
      const double v = target(i, 0);
      if (!(v >= 0 && v < static_cast<double>(classes)) || v != std::floor(v)) {
        throw Error("confusion matrix: label " + std::to_string(i) + " is " + std::to_string(v) +
                    ", not a class index in [0, " + std::to_string(classes) + ")");
      }
      truth = static_cast<std::size_t>(v);
    } else {
      truth = argmax(target.row(i), target.cols());
    }
    const std::size_t predicted =
        sigmoid ? (static_cast<double>(pred(i, 0)) > 0.5 ? 1 : 0) : argmax(pred.row(i), pred.cols());
    cm.add(truth, predicted);
  }
  return cm;
}

}  // namespace mlp::metrics
