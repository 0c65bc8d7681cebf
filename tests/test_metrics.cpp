// SPDX-License-Identifier: MIT
// Metric results against hand-computed numbers; cases marked "Keras docstring" reproduce the
// examples in Keras 3's metric docs (accuracy_metrics.py, confusion_metrics.py, regression_metrics.py).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mlp/error.hpp"
#include "mlp/metric.hpp"
#include "mlp/metrics/accuracy_metrics.hpp"
#include "mlp/metrics/confusion_metrics.hpp"
#include "mlp/metrics/regression_metrics.hpp"

namespace mlp {
namespace {

constexpr double kTol = 1e-6;

double run(Metric& m, const Matrix& pred, const Matrix& target, std::vector<Scalar> weights = {}) {
  m.reset();
  m.update(pred, target, weights);
  return m.result();
}

TEST(BinaryAccuracy, KerasDocstring) {
  // y = [1, 1, 0, 0], p = [.98, 1, 0, .6]: matches [1, 1, 1, 0] -> .75; w = [1, 0, 0, 1] -> 1/2
  metrics::BinaryAccuracy m;
  const Matrix y(4, 1, {1, 1, 0, 0});
  const Matrix p(4, 1, {0.98f, 1, 0, 0.6f});
  EXPECT_NEAR(run(m, p, y), 0.75, kTol);
  EXPECT_NEAR(run(m, p, y, {1, 0, 0, 1}), 0.5, kTol);
}

TEST(BinaryAccuracy, MultiLabelCountsEachColumnAndThresholdIsStrict) {
  // Row 1: p = [.5, .7, .2] -> [0, 1, 0] vs y [1, 1, 0]: 2/3.  Row 2: p = [.9, .1, .51] -> [1, 0, 1]
  // vs y [1, 0, 1]: 1.  Mean (2/3 + 1)/2 = 5/6; with w = [3, 1]: (3·2/3 + 1)/4 = 3/4.
  metrics::BinaryAccuracy m;
  const Matrix y(2, 3, {1, 1, 0, 1, 0, 1});
  const Matrix p(2, 3, {0.5f, 0.7f, 0.2f, 0.9f, 0.1f, 0.51f});
  EXPECT_NEAR(run(m, p, y), 5.0 / 6.0, kTol);
  EXPECT_NEAR(run(m, p, y, {3, 1}), 0.75, kTol);
  EXPECT_THROW(metrics::BinaryAccuracy("binary_accuracy", 1.0), Error);
}

TEST(CategoricalAccuracy, KerasDocstring) {
  // argmax y = [2, 1], argmax p = [1, 1] -> [0, 1]: .5; w = [.7, .3] -> .3
  metrics::CategoricalAccuracy m;
  const Matrix y(2, 3, {0, 0, 1, 0, 1, 0});
  const Matrix p(2, 3, {0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0});
  EXPECT_NEAR(run(m, p, y), 0.5, kTol);
  EXPECT_NEAR(run(m, p, y, {0.7f, 0.3f}), 0.3, kTol);
}

TEST(SparseCategoricalAccuracy, KerasDocstring) {
  // labels [2, 1], argmax p = [1, 1]: .5; w = [.7, .3] -> .3
  metrics::SparseCategoricalAccuracy m;
  const Matrix y(2, 1, {2, 1});
  const Matrix p(2, 3, {0.1f, 0.6f, 0.3f, 0.05f, 0.95f, 0});
  EXPECT_NEAR(run(m, p, y), 0.5, kTol);
  EXPECT_NEAR(run(m, p, y, {0.7f, 0.3f}), 0.3, kTol);
  EXPECT_THROW(m.update(p, Matrix(2, 3), {}), Error);  // sparse targets are one column
}

TEST(TopKCategoricalAccuracy, KerasDocstringWithK1) {
  metrics::TopKCategoricalAccuracy m("top_k_categorical_accuracy", 1);
  const Matrix y(2, 3, {0, 0, 1, 0, 1, 0});
  const Matrix p(2, 3, {0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0});
  EXPECT_NEAR(run(m, p, y), 0.5, kTol);
  EXPECT_NEAR(run(m, p, y, {0.7f, 0.3f}), 0.3, kTol);
}

TEST(TopKCategoricalAccuracy, DefaultK5AndTies) {
  // 7 classes, scores 7, 6, 5, 4, 3, 2, 1 for classes 0..6: class 4 is 5th (in), class 5 is 6th (out).
  metrics::TopKCategoricalAccuracy m;
  const Matrix p(2, 7, {7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1});
  const Matrix y(2, 7, {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0});
  EXPECT_NEAR(run(m, p, y), 0.5, kTol);
  // A tie at the 5th value counts as in the top 5 (ops.in_top_k): class 5 scores 3 like class 4.
  const Matrix tied(1, 7, {7, 6, 5, 4, 3, 3, 1});
  EXPECT_NEAR(run(m, tied, Matrix(1, 7, {0, 0, 0, 0, 0, 1, 0})), 1.0, kTol);
  // Fewer than k classes: always in.
  EXPECT_NEAR(run(m, Matrix(1, 3, {0.1f, 0.2f, 0.7f}), Matrix(1, 3, {1, 0, 0})), 1.0, kTol);
}

TEST(SparseTopKCategoricalAccuracy, KerasDocstringWithK1) {
  metrics::SparseTopKCategoricalAccuracy m("sparse_top_k_categorical_accuracy", 1);
  const Matrix y(2, 1, {2, 1});
  const Matrix p(2, 3, {0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0});
  EXPECT_NEAR(run(m, p, y), 0.5, kTol);
  EXPECT_NEAR(run(m, p, y, {0.7f, 0.3f}), 0.3, kTol);
  // k = 2: both in; an out-of-range label never matches.
  metrics::SparseTopKCategoricalAccuracy k2("k2", 2);
  EXPECT_NEAR(run(k2, p, y), 1.0, kTol);
  EXPECT_NEAR(run(k2, p, Matrix(2, 1, {2, 5})), 0.5, kTol);
}

TEST(Precision, KerasDocstringAndCounts) {
  // y = [0, 1, 1, 1], p = [1, 0, 1, 1]: TP = 2 (items 3, 4), FP = 1 (item 1) -> 2/3
  metrics::Precision m;
  const Matrix y(4, 1, {0, 1, 1, 1});
  const Matrix p(4, 1, {1, 0, 1, 1});
  EXPECT_NEAR(run(m, p, y), 2.0 / 3.0, kTol);
  EXPECT_DOUBLE_EQ(m.true_positives(), 2);
  EXPECT_DOUBLE_EQ(m.false_positives(), 1);
  // w = [0, 0, 1, 0]: only item 3 counts, a TP -> 1
  EXPECT_NEAR(run(m, p, y, {0, 0, 1, 0}), 1.0, kTol);
  // No predicted positives: 0, not NaN (divide_no_nan).
  EXPECT_EQ(run(m, Matrix(2, 1, {0.5f, 0.1f}), Matrix(2, 1, {1, 0})), 0.0);
}

TEST(Recall, KerasDocstringAndCounts) {
  // TP = 2, FN = 1 (item 2) -> 2/3; w = [0, 0, 1, 0] -> 1
  metrics::Recall m;
  const Matrix y(4, 1, {0, 1, 1, 1});
  const Matrix p(4, 1, {1, 0, 1, 1});
  EXPECT_NEAR(run(m, p, y), 2.0 / 3.0, kTol);
  EXPECT_DOUBLE_EQ(m.true_positives(), 2);
  EXPECT_DOUBLE_EQ(m.false_negatives(), 1);
  EXPECT_NEAR(run(m, p, y, {0, 0, 1, 0}), 1.0, kTol);
}

TEST(PrecisionRecall, MultiColumnWeightedCountsAccumulateOverBatches) {
  // Batch 1 (w = [2, 1]):  row 1 y [1, 0, 1], p [.9, .6, .4] -> TP 2 (col 1), FP 2 (col 2), FN 2 (col 3)
  //                        row 2 y [0, 1, 1], p [.2, .7, .8] -> TP 2, FP 0, FN 0
  // Batch 2 (no weights):  row 1 y [1, 1, 0], p [.5, .1, .3] -> TP 0, FP 0, FN 2 (.5 is not > .5)
  // Totals: TP 4, FP 2, FN 4 -> precision 4/6, recall 4/8.
  metrics::Precision precision;
  metrics::Recall recall;
  const Matrix y1(2, 3, {1, 0, 1, 0, 1, 1});
  const Matrix p1(2, 3, {0.9f, 0.6f, 0.4f, 0.2f, 0.7f, 0.8f});
  const Matrix y2(1, 3, {1, 1, 0});
  const Matrix p2(1, 3, {0.5f, 0.1f, 0.3f});
  const std::vector<Scalar> w1{2, 1};
  for (Metric* m : std::initializer_list<Metric*>{&precision, &recall}) {
    m->reset();
    m->update(p1, y1, w1);
    m->update(p2, y2, {});
  }
  EXPECT_DOUBLE_EQ(precision.true_positives(), 4);
  EXPECT_DOUBLE_EQ(precision.false_positives(), 2);
  EXPECT_DOUBLE_EQ(recall.false_negatives(), 4);
  EXPECT_NEAR(precision.result(), 4.0 / 6.0, kTol);
  EXPECT_NEAR(recall.result(), 0.5, kTol);
  precision.reset();
  EXPECT_EQ(precision.result(), 0.0);
}

TEST(AUC, KerasDocstringWithThreeThresholds) {
  // Thresholds [−ε, .5, 1 + ε]; y = [0, 0, 1, 1], p = [0, .5, .3, .9]:
  //   TP = [2, 1, 0], FP = [2, 0, 0] -> TPR = [1, .5, 0], FPR = [1, 0, 0]
  //   AUC = (1 − 0)·(1 + .5)/2 + (0 − 0)·(.5 + 0)/2 = .75
  metrics::AUC m("auc", 3);
  const Matrix y(4, 1, {0, 0, 1, 1});
  const Matrix p(4, 1, {0, 0.5f, 0.3f, 0.9f});
  EXPECT_NEAR(run(m, p, y), 0.75, kTol);
  // w = [1, 0, 0, 1]: one negative at 0, one positive at .9 -> TPR = [1, 1, 0], FPR = [1, 0, 0]: 1
  EXPECT_NEAR(run(m, p, y, {1, 0, 0, 1}), 1.0, kTol);
  EXPECT_THROW(metrics::AUC("auc", 1), Error);
}

TEST(AUC, HandComputedWith200Thresholds) {
  // Scores .1 (neg), .4 (neg), .35 (pos), .8 (pos) fall in distinct buckets of width 1/199, so the
  // 200-threshold ROC is exact: pairs (pos > neg) = (.35 > .1) + (.8 > .1) + (.8 > .4) = 3 of 4.
  metrics::AUC m;
  EXPECT_EQ(m.num_thresholds(), 200u);
  EXPECT_NEAR(run(m, Matrix(4, 1, {0.1f, 0.4f, 0.35f, 0.8f}), Matrix(4, 1, {0, 0, 1, 1})), 0.75, kTol);
}

// Exact weighted ROC AUC (Mann–Whitney): Σ_{pos i, neg j} w_i·w_j·([p_i > p_j] + ½[p_i = p_j]) / (W⁺·W⁻).
double brute_force_auc(const std::vector<Scalar>& p, const std::vector<int>& y, const std::vector<Scalar>& w) {
  double num = 0, pos = 0, neg = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    (y[i] ? pos : neg) += w[i];
    if (!y[i]) continue;
    for (std::size_t j = 0; j < p.size(); ++j) {
      if (y[j]) continue;
      const double s = p[i] > p[j] ? 1.0 : (p[i] == p[j] ? 0.5 : 0.0);
      num += static_cast<double>(w[i]) * static_cast<double>(w[j]) * s;
    }
  }
  return num / (pos * neg);
}

TEST(AUC, EqualsExactRocAucWhenScoresSitInDistinctBuckets) {
  // 300 scores on the grid (k + ½)/199, k ∈ [0, 199): each bucket (k/199, (k+1)/199] holds one grid
  // value, so 200 thresholds see every distinct score and the trapezoids (ties count ½) are exact.
  // Labels lean positive with k; weights in {.5, 1, 1.5, 2}; fed in three uneven batches.
  std::uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return (state >> 8) & 0xffffu;
  };
  const std::size_t n = 300;
  std::vector<Scalar> p(n), w(n);
  std::vector<int> y(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t k = next() % 199;
    p[i] = static_cast<Scalar>((k + 0.5) / 199.0);
    y[i] = next() % 199 < (k + 60) * 2 / 3 ? 1 : 0;
    w[i] = static_cast<Scalar>(0.5 * (1 + next() % 4));
  }
  const double exact = brute_force_auc(p, y, w);
  ASSERT_GT(exact, 0.6);  // the data has signal and both classes
  ASSERT_LT(exact, 0.95);

  metrics::AUC m;
  Matrix pred(n, 1), target(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    pred[i] = p[i];
    target[i] = static_cast<Scalar>(y[i]);
  }
  const std::size_t cuts[] = {0, 37, 201, n};
  for (int b = 0; b < 3; ++b) {
    const std::size_t begin = cuts[b], count = cuts[b + 1] - cuts[b];
    m.update(pred.view().row_range(begin, count), target.view().row_range(begin, count),
             std::span<const Scalar>(w).subspan(begin, count));
  }
  EXPECT_NEAR(m.result(), exact, 1e-9);
  // Unweighted, one batch.
  const std::vector<Scalar> ones(n, 1);
  EXPECT_NEAR(run(m, pred, target), brute_force_auc(p, y, ones), 1e-9);
  m.reset();
  EXPECT_EQ(m.result(), 0.0);
}

TEST(RegressionMetrics, KerasDocstrings) {
  // y = [[0,1],[0,0]], p = [[1,1],[0,0]]: per-sample mse [.5, 0], mae [.5, 0]
  const Matrix y(2, 2, {0, 1, 0, 0});
  const Matrix p(2, 2, {1, 1, 0, 0});
  metrics::MeanSquaredError mse;
  metrics::MeanAbsoluteError mae;
  metrics::RootMeanSquaredError rmse;
  EXPECT_NEAR(run(mse, p, y), 0.25, kTol);
  EXPECT_NEAR(run(mse, p, y, {1, 0}), 0.5, kTol);
  EXPECT_NEAR(run(mae, p, y), 0.25, kTol);
  EXPECT_NEAR(run(mae, p, y, {1, 0}), 0.5, kTol);
  // rmse = √.25 = .5;  w = [1, 0]: √.5 = .7071068
  EXPECT_NEAR(run(rmse, p, y), 0.5, kTol);
  EXPECT_NEAR(run(rmse, p, y, {1, 0}), 0.7071067812, kTol);
}

TEST(RegressionMetrics, StatefulOverBatches) {
  // Batch 1: d = [1, −3] -> mse 5, mae 2 (w = 1);  batch 2: d = [2, 2] (w = 3) -> mse 4, mae 2;
  //          d = [0, 0] (w = 0).
  // mse = (1·5 + 3·4 + 0)/(1 + 3 + 0) = 17/4;  rmse = √4.25 (not the mean of per-batch roots)
  metrics::MeanSquaredError mse;
  metrics::RootMeanSquaredError rmse;
  metrics::MeanAbsoluteError mae;
  for (Metric* m : std::initializer_list<Metric*>{&mse, &rmse, &mae}) {
    m->reset();
    m->update(Matrix(1, 2, {1, -3}), Matrix(1, 2, {0, 0}), {});
    const std::vector<Scalar> w{3, 0};
    m->update(Matrix(2, 2, {2, 2, 5, 5}), Matrix(2, 2, {0, 0, 5, 5}), w);
  }
  EXPECT_NEAR(mse.result(), 4.25, kTol);
  EXPECT_NEAR(rmse.result(), std::sqrt(4.25), kTol);
  EXPECT_NEAR(mae.result(), 2.0, kTol);
  mse.reset();
  EXPECT_EQ(mse.result(), 0.0);  // no samples yet: 0, not NaN
}

TEST(MakeMetric, ResolvesAccuracyFromTheLossThenTheShapes) {
  auto binary = make_metric("accuracy", "binary_crossentropy", 1);
  EXPECT_NE(dynamic_cast<metrics::BinaryAccuracy*>(binary.get()), nullptr);
  EXPECT_EQ(binary->name(), "accuracy");
  // One output column decides, whatever the loss.
  EXPECT_NE(dynamic_cast<metrics::BinaryAccuracy*>(make_metric("acc", "mse", 1).get()), nullptr);
  auto categorical = make_metric("accuracy", "categorical_crossentropy", 10);
  EXPECT_NE(dynamic_cast<metrics::CategoricalAccuracy*>(categorical.get()), nullptr);
  auto sparse = make_metric("acc", "sparse_categorical_crossentropy", 10);
  EXPECT_NE(dynamic_cast<metrics::SparseCategoricalAccuracy*>(sparse.get()), nullptr);
  EXPECT_EQ(sparse->name(), "acc");
  // binary_crossentropy over 3 columns (multilabel) gets element-wise binary accuracy, as Keras 2
  // resolved it from the loss (Keras 3 would give argmax accuracy).
  EXPECT_NE(dynamic_cast<metrics::BinaryAccuracy*>(make_metric("accuracy", "binary_crossentropy", 3).get()), nullptr);
}

TEST(MakeMetric, NamesAndUnknowns) {
  struct Case {
    const char* name;
    double expected;  // result on p = [[.8, .3]], y = [[1, 0]]
  };
  // binary: both right -> 1; categorical: argmax match -> 1; precision/recall 1; auc 1;
  // mae (.2 + .3)/2 = .25; mse (.04 + .09)/2 = .065; rmse √.065
  const Case cases[] = {
      {"binary_accuracy", 1},
      {"categorical_accuracy", 1},
      {"top_k_categorical_accuracy", 1},
      {"precision", 1},
      {"recall", 1},
      {"auc", 1},
      {"mae", 0.25},
      {"mean_absolute_error", 0.25},
      {"mse", 0.065},
      {"mean_squared_error", 0.065},
      {"rmse", std::sqrt(0.065)},
      {"root_mean_squared_error", std::sqrt(0.065)},
  };
  const Matrix p(1, 2, {0.8f, 0.3f});
  const Matrix y(1, 2, {1, 0});
  for (const auto& c : cases) {
    auto m = make_metric(c.name, "binary_crossentropy", 2);
    EXPECT_EQ(m->name(), c.name);
    m->update(p, y, {});
    EXPECT_NEAR(m->result(), c.expected, kTol) << c.name;
  }
  auto sparse_top = make_metric("sparse_top_k_categorical_accuracy", "sparse_categorical_crossentropy", 2);
  sparse_top->update(p, Matrix(1, 1, {1}), {});
  EXPECT_NEAR(sparse_top->result(), 1.0, kTol);
  try {
    make_metric("f1_score", "mse", 1);
    ADD_FAILURE() << "unknown metric accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'f1_score'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("auc"), std::string::npos) << msg;
    EXPECT_NE(msg.find("sparse_top_k_categorical_accuracy"), std::string::npos) << msg;
  }
}

TEST(MetricShapes, MismatchesThrow) {
  auto m = make_metric("mse", "mse", 3);
  EXPECT_THROW(m->update(Matrix(2, 3), Matrix(2, 2), {}), Error);
  EXPECT_THROW(m->update(Matrix(2, 3), Matrix(3, 3), {}), Error);
  const std::vector<Scalar> w{1, 2, 3};
  EXPECT_THROW(m->update(Matrix(2, 3), Matrix(2, 3), w), Error);
  auto auc = make_metric("auc", "binary_crossentropy", 1);
  EXPECT_THROW(auc->update(Matrix(2, 1), Matrix(2, 2), {}), Error);
}

}  // namespace
}  // namespace mlp
