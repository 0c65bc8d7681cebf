// SPDX-License-Identifier: MIT
// ConfusionMatrix: exact counts from softmax outputs with one-hot or index labels, from one sigmoid
// column (threshold 0.5, as binary accuracy), ties going to the first class, and every bad input
// rejected with a message naming the problem.
#include <gtest/gtest.h>

#include <vector>

#include "mlp/matrix.hpp"
#include "mlp/metrics/confusion_matrix.hpp"
#include "test_util.hpp"

namespace mlp::metrics {
namespace {

using mlp::test::error_of;

Matrix from(std::size_t rows, std::size_t cols, const std::vector<Scalar>& values) {
  Matrix m(rows, cols);
  for (std::size_t i = 0; i < values.size(); ++i) m.data()[i] = values[i];
  return m;
}

TEST(ConfusionMatrix, SoftmaxWithOneHotLabels) {
  // 6 samples, 3 classes; predictions (argmax) 0, 1, 2, 1, 0, 0, labels 0, 1, 2, 0, 2, 1.
  const Matrix pred = from(6, 3,
                           {0.8f, 0.1f, 0.1f,    // → 0
                            0.2f, 0.7f, 0.1f,    // → 1
                            0.1f, 0.2f, 0.7f,    // → 2
                            0.3f, 0.6f, 0.1f,    // → 1
                            0.5f, 0.4f, 0.1f,    // → 0
                            0.4f, 0.4f, 0.2f});  // tie 0/1 → 0
  const Matrix target = from(6, 3,
                             {1, 0, 0,    // 0
                              0, 1, 0,    // 1
                              0, 0, 1,    // 2
                              1, 0, 0,    // 0
                              0, 0, 1,    // 2
                              0, 1, 0});  // 1
  const ConfusionMatrix cm = confusion_matrix(pred.cview(), target.cview());
  ASSERT_EQ(cm.classes(), 3u);
  // rows: true class, columns: predicted class
  const std::vector<std::size_t> expected = {1, 1, 0,  //
                                             1, 1, 0,  //
                                             1, 0, 1};
  EXPECT_EQ(cm.counts(), expected);
  EXPECT_EQ(cm.count(0, 1), 1u);
  EXPECT_EQ(cm.count(2, 0), 1u);
  EXPECT_EQ(cm.total(), 6u);
  EXPECT_EQ(cm.correct(), 3u);
  EXPECT_DOUBLE_EQ(cm.accuracy(), 0.5);
}

TEST(ConfusionMatrix, IndexLabelsAndMoreClassesThanOutputs) {
  const Matrix pred = from(4, 2, {0.9f, 0.1f, 0.3f, 0.7f, 0.6f, 0.4f, 0.2f, 0.8f});  // 0 1 0 1
  const Matrix target = from(4, 1, {0, 1, 1, 1});
  const ConfusionMatrix cm = confusion_matrix(pred.cview(), target.cview());
  EXPECT_EQ(cm.counts(), (std::vector<std::size_t>{1, 0, 1, 2}));
  // An explicit class count larger than the model's output: the extra rows and columns stay 0.
  const ConfusionMatrix wide = confusion_matrix(pred.cview(), target.cview(), 3);
  EXPECT_EQ(wide.counts(), (std::vector<std::size_t>{1, 0, 0, 1, 2, 0, 0, 0, 0}));
}

TEST(ConfusionMatrix, OneSigmoidColumnThresholdsAtOneHalf) {
  // 0.5 itself is class 0 (strictly above the threshold is positive, as binary accuracy).
  const Matrix pred = from(5, 1, {0.1f, 0.5f, 0.51f, 0.9f, 0.2f});
  const Matrix target = from(5, 1, {0, 1, 1, 0, 1});
  const ConfusionMatrix cm = confusion_matrix(pred.cview(), target.cview());
  ASSERT_EQ(cm.classes(), 2u);
  EXPECT_EQ(cm.counts(), (std::vector<std::size_t>{1, 1, 2, 1}));
  EXPECT_DOUBLE_EQ(cm.accuracy(), 0.4);
}

TEST(ConfusionMatrix, AddCountsAndEmptyAccuracy) {
  ConfusionMatrix cm(2);
  EXPECT_EQ(cm.accuracy(), 0.0);
  cm.add(1, 0, 5);
  cm.add(1, 1);
  EXPECT_EQ(cm.count(1, 0), 5u);
  EXPECT_EQ(cm.total(), 6u);
  EXPECT_EQ(cm.correct(), 1u);
}

TEST(ConfusionMatrix, BadInputNamesTheProblem) {
  EXPECT_EQ(error_of([] { ConfusionMatrix cm(0); }), "confusion matrix: needs at least one class");
  EXPECT_EQ(error_of([] { ConfusionMatrix(2).add(2, 0); }),
            "confusion matrix: class (2, 0) is outside a matrix of 2 classes");
  const Matrix pred = from(2, 3, {1, 0, 0, 0, 1, 0});
  EXPECT_EQ(error_of([&] {
              confusion_matrix(pred.cview(), from(3, 1, {0, 1, 2}).cview());
            }),
            "confusion matrix: 2 predictions but 3 labels");
  EXPECT_EQ(error_of([&] {
              confusion_matrix(pred.cview(), from(2, 2, {1, 0, 0, 1}).cview());
            }),
            "confusion matrix: labels have 2 columns; expected 1 (class indices) or 3 (one-hot)");
  EXPECT_EQ(error_of([&] {
              confusion_matrix(pred.cview(), from(2, 1, {0, 3}).cview());
            }),
            "confusion matrix: label 1 is 3.000000, not a class index in [0, 3)");
  EXPECT_EQ(error_of([&] {
              confusion_matrix(pred.cview(), from(2, 1, {0.5f, 1}).cview());
            }),
            "confusion matrix: label 0 is 0.500000, not a class index in [0, 3)");
  EXPECT_EQ(error_of([&] {
              confusion_matrix(pred.cview(), from(2, 1, {0, 1}).cview(), 2);
            }),
            "confusion matrix: 2 classes, but the predictions have 3");
  EXPECT_EQ(error_of([] { confusion_matrix(ConstMatrixView{}, ConstMatrixView{}); }),
            "confusion matrix: no predictions");
}

}  // namespace
}  // namespace mlp::metrics
