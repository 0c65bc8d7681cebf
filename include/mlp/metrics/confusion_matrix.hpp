// SPDX-License-Identifier: MIT
#pragma once
// ConfusionMatrix: how many samples of each true class were predicted as each class (scikit-learn's
// confusion_matrix: rows are true labels, columns predicted labels).
//   counts[t][p] = #{i : label_i = t and prediction_i = p},   accuracy = Σ_c counts[c][c] / N
// confusion_matrix() reads model outputs and labels in the forms the losses take:
//   pred (N, C), C ≥ 2 (softmax):    predicted class = argmax_j pred[i][j] (the first on ties)
//   pred (N, 1)        (one sigmoid): predicted class = 1 when pred[i][0] > 0.5, else 0 (C = 2),
//                                     the threshold of binary accuracy
//   target (N, C) one-hot: true class = argmax; target (N, 1): the class index (0/1 for a sigmoid)
#include <cstddef>
#include <vector>

#include "mlp/matrix.hpp"

namespace mlp::metrics {

class ConfusionMatrix {
 public:
  /// An all-zero matrix. Throws mlp::Error when classes is 0.
  explicit ConfusionMatrix(std::size_t classes);

  /// Counts `count` samples of class true_class predicted as predicted_class. Throws mlp::Error
  /// when either class is ≥ classes().
  void add(std::size_t true_class, std::size_t predicted_class, std::size_t count = 1);

  std::size_t classes() const { return classes_; }
  /// Samples of true class t predicted as p.
  std::size_t count(std::size_t true_class, std::size_t predicted_class) const {
    return counts_[true_class * classes_ + predicted_class];
  }
  /// Every count, row by row (true class major).
  const std::vector<std::size_t>& counts() const { return counts_; }
  /// All samples, and those on the diagonal.
  std::size_t total() const;
  std::size_t correct() const;
  /// correct() / total(); 0 when there are no samples.
  double accuracy() const;

 private:
  std::size_t classes_;
  std::vector<std::size_t> counts_;
};

/// The confusion matrix of predictions `pred` against labels `target`, read as described at the top
/// of this header. `classes` 0: C of pred (2 for one sigmoid column). Throws mlp::Error when the
/// row counts differ, there are no rows, target has neither 1 nor pred's column count, a class
/// index in target is not a whole number in [0, classes), or classes is smaller than pred's C.
ConfusionMatrix confusion_matrix(ConstMatrixView pred, ConstMatrixView target, std::size_t classes = 0);

}  // namespace mlp::metrics
