// SPDX-License-Identifier: MIT
// Loss values and gradients against hand-computed numbers. Expected values were computed in double
// with python3's math module from the formulas in mlp/losses/*.hpp (Keras 3's, see losses.py and
// backend/*/nn.py); cases marked "Keras docstring" reproduce the examples in Keras' own docs.
// Finite-difference checks of every gradient are in tests/f64/test_loss_gradients.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "mlp/activation.hpp"
#include "mlp/error.hpp"
#include "mlp/loss.hpp"
#include "mlp/losses/binary_crossentropy.hpp"
#include "mlp/losses/categorical_crossentropy.hpp"
#include "mlp/losses/regression_losses.hpp"

namespace mlp {
namespace {

constexpr double kTol = 1e-5;  // float build: values carry ~1e-7 relative rounding

std::unique_ptr<Loss> loss_named(const std::string& name, bool from_logits = false, double delta = 1.0) {
  return make_loss(LossOptions{.name = name, .from_logits = from_logits, .delta = delta});
}

std::vector<double> per_sample(const Loss& loss, const Matrix& pred, const Matrix& target) {
  std::vector<Scalar> out(pred.rows());
  loss.per_sample(pred, target, out);
  return {out.begin(), out.end()};
}

double value(const Loss& loss, const Matrix& pred, const Matrix& target, std::vector<Scalar> weights = {}) {
  std::vector<Scalar> scratch;
  return loss.value(pred, target, weights, scratch);
}

Matrix gradient(const Loss& loss, const Matrix& pred, const Matrix& target, std::vector<Scalar> weights = {}) {
  Matrix d(pred.rows(), pred.cols());
  loss.gradient(pred, target, weights, d);
  return d;
}

Matrix logits_gradient(const Loss& loss, const Matrix& pred, const Matrix& target, std::vector<Scalar> weights = {}) {
  Matrix d(pred.rows(), pred.cols());
  loss.gradient_wrt_logits(pred, target, weights, d);
  return d;
}

void expect_all_finite(const Matrix& m) {
  for (std::size_t i = 0; i < m.size(); ++i) EXPECT_TRUE(std::isfinite(m[i])) << "element " << i << " = " << m[i];
}

void expect_matrix_near(const Matrix& got, std::initializer_list<double> want, double tol = kTol) {
  ASSERT_EQ(got.size(), want.size());
  std::size_t i = 0;
  for (double w : want) {
    EXPECT_NEAR(got[i], w, tol) << "element " << i;
    ++i;
  }
}

// Keras docstring for categorical_crossentropy: y = [[0,1,0],[0,0,1]], p = [[.05,.95,0],[.1,.8,.1]]
//   l₁ = −log .95 = 0.0512933,  l₂ = −log .1 = 2.3025851
const Matrix kCceTarget(2, 3, {0, 1, 0, 0, 0, 1});
const Matrix kCcePred(2, 3, {0.05f, 0.95f, 0, 0.1f, 0.8f, 0.1f});

TEST(CategoricalCrossentropy, KerasDocstringValues) {
  const auto loss = loss_named("categorical_crossentropy");
  const auto l = per_sample(*loss, kCcePred, kCceTarget);
  EXPECT_NEAR(l[0], 0.0512932944, kTol);
  EXPECT_NEAR(l[1], 2.3025850930, kTol);
  // L = (l₁ + l₂)/2 = 1.1769392
  EXPECT_NEAR(value(*loss, kCcePred, kCceTarget), 1.1769391937, kTol);
}

TEST(CategoricalCrossentropy, SampleWeightsScaleBeforeDividingByBatchSize) {
  const auto loss = loss_named("categorical_crossentropy");
  // L = (0.3·0.0512933 + 0.7·2.3025851)/2 = 0.8135988 (sum_over_batch_size: divided by N, not Σw)
  EXPECT_NEAR(value(*loss, kCcePred, kCceTarget, {0.3f, 0.7f}), 0.8135987767, kTol);
  // Zero weights mask a row: L = 2·0.0512933/2
  EXPECT_NEAR(value(*loss, kCcePred, kCceTarget, {2, 0}), 0.0512932944, kTol);
}

TEST(CategoricalCrossentropy, RenormalisesPredictionsLikeKeras) {
  // p = [1, 2, 1] -> p/Σp = [.25, .5, .25]; y = e₂: l = −log .5 = 0.6931472
  const auto loss = loss_named("categorical_crossentropy");
  EXPECT_NEAR(value(*loss, Matrix(1, 3, {1, 2, 1}), Matrix(1, 3, {0, 1, 0})), 0.6931471806, kTol);
}

TEST(CategoricalCrossentropy, FromLogits) {
  // z = [1, 2, 3], y = e₃: l = log(e + e² + e³) − 3 = 0.4076060
  const auto loss = loss_named("categorical_crossentropy", true);
  EXPECT_NEAR(value(*loss, Matrix(1, 3, {1, 2, 3}), Matrix(1, 3, {0, 0, 1})), 0.4076059644, kTol);
  // dz = softmax(z) − y = [.0900306, .2447285, .6652410 − 1] (N = 1)
  expect_matrix_near(gradient(*loss, Matrix(1, 3, {1, 2, 3}), Matrix(1, 3, {0, 0, 1})),
                     {0.0900305732, 0.2447284711, 0.6652409558 - 1});
}

TEST(CategoricalCrossentropy, GradientThroughRenormalisation) {
  // p = [.2, .3, .5] (Σp = 1), y = e₂, N = 2 rows alike, weights [1, 3]:
  //   dp_j = (w/N)·(−y_j/p_j + Σ_k y_k) = (w/2)·[1, 1 − 1/.3, 1] = (w/2)·[1, −2.3333333, 1]
  const Matrix pred(2, 3, {0.2f, 0.3f, 0.5f, 0.2f, 0.3f, 0.5f});
  const Matrix target(2, 3, {0, 1, 0, 0, 1, 0});
  expect_matrix_near(gradient(*loss_named("categorical_crossentropy"), pred, target, {1, 3}),
                     {0.5, -1.1666667, 0.5, 1.5, -3.5, 1.5});
}

TEST(CategoricalCrossentropy, FusedSoftmaxGradientIsPMinusY) {
  const auto loss = loss_named("categorical_crossentropy");
  EXPECT_TRUE(loss->fuses_with(ActivationFunction::from_name("softmax")));
  EXPECT_FALSE(loss->fuses_with(ActivationFunction::from_name("sigmoid")));
  EXPECT_FALSE(loss_named("categorical_crossentropy", true)->fuses_with(ActivationFunction::from_name("softmax")));
  // dz = (p − y)·w/N, N = 2, w = [1, 0.5]
  //   row 1: ([.05, .95, 0] − [0, 1, 0])/2 = [.025, −.025, 0]
  //   row 2: ([.1, .8, .1] − [0, 0, 1])·.5/2 = [.025, .2, −.225]
  expect_matrix_near(logits_gradient(*loss, kCcePred, kCceTarget, {1, 0.5f}), {0.025, -0.025, 0, 0.025, 0.2, -0.225});
}

TEST(CategoricalCrossentropy, ExtremeInputsStayFinite) {
  // Logits ±1e4: l = logsumexp − z_y = 1e4 − (−1e4) = 2e4 exactly representable; dz finite.
  const auto logits = loss_named("categorical_crossentropy", true);
  const Matrix z(1, 3, {1e4f, -1e4f, 0});
  const Matrix y(1, 3, {0, 1, 0});
  EXPECT_NEAR(value(*logits, z, y), 2e4, 1e-2);
  const Matrix dz = gradient(*logits, z, y);
  expect_all_finite(dz);
  expect_matrix_near(dz, {1, -1, 0});
  // Probabilities 0 and 1: p_y = 0 clips to ε: l = −log ε = 16.118096; dp finite (0 where clipped).
  const auto probs = loss_named("categorical_crossentropy");
  const Matrix p(1, 3, {1, 0, 0});
  EXPECT_NEAR(value(*probs, p, y), 16.1180956, 1e-4);
  expect_all_finite(gradient(*probs, p, y));
  expect_all_finite(logits_gradient(*probs, p, y));
}

TEST(SparseCategoricalCrossentropy, MatchesOneHotValues) {
  // Keras docstring: labels [1, 2] with the predictions above -> [0.0513, 2.303]
  const auto loss = loss_named("sparse_categorical_crossentropy");
  EXPECT_EQ(loss->target_cols(3), 1u);
  const Matrix labels(2, 1, {1, 2});
  const auto l = per_sample(*loss, kCcePred, labels);
  EXPECT_NEAR(l[0], 0.0512932944, kTol);
  EXPECT_NEAR(l[1], 2.3025850930, kTol);
  EXPECT_NEAR(value(*loss, kCcePred, labels, {0.3f, 0.7f}), 0.8135987767, kTol);
  // Gradients equal the one-hot loss's exactly.
  const auto dense = loss_named("categorical_crossentropy");
  const Matrix a = gradient(*loss, kCcePred, labels, {1, 2});
  const Matrix b = gradient(*dense, kCcePred, kCceTarget, {1, 2});
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_FLOAT_EQ(a[i], b[i]);
  const Matrix fa = logits_gradient(*loss, kCcePred, labels);
  const Matrix fb = logits_gradient(*dense, kCcePred, kCceTarget);
  for (std::size_t i = 0; i < fa.size(); ++i) EXPECT_FLOAT_EQ(fa[i], fb[i]);
}

TEST(SparseCategoricalCrossentropy, FromLogitsExtreme) {
  const auto loss = loss_named("sparse_categorical_crossentropy", true);
  const Matrix z(2, 3, {1e4f, -1e4f, 0, -1e4f, -1e4f, 1e4f});
  const Matrix labels(2, 1, {1, 2});
  // Row 1: 2e4; row 2: correct class far ahead, l = log(1 + 2e^{−2e4}) = 0. L = 1e4.
  EXPECT_NEAR(value(*loss, z, labels), 1e4, 1e-2);
  expect_all_finite(gradient(*loss, z, labels));
}

TEST(SparseCategoricalCrossentropy, BadLabelsNameTheRowAndValue) {
  const auto loss = loss_named("sparse_categorical_crossentropy");
  std::vector<Scalar> out(2);
  for (Scalar bad : {Scalar(2.5), Scalar(3), Scalar(-1), std::numeric_limits<Scalar>::quiet_NaN()}) {
    const Matrix labels(2, 1, {0, bad});
    try {
      loss->per_sample(kCcePred, labels, out);
      ADD_FAILURE() << "label " << bad << " accepted";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("row 1"), std::string::npos) << msg;
      EXPECT_NE(msg.find("[0, 3)"), std::string::npos) << msg;
    }
  }
  try {
    loss->per_sample(kCcePred, Matrix(2, 1, {0, 2.5f}), out);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("2.5"), std::string::npos) << e.what();
  }
  Matrix d(2, 3);
  EXPECT_THROW(loss->gradient(kCcePred, Matrix(2, 1, {7, 0}), {}, d), Error);
  EXPECT_THROW(loss->gradient_wrt_logits(kCcePred, Matrix(2, 1, {0, -3}), {}, d), Error);
}

// Keras docstring for binary_crossentropy: y = [[0,1],[0,0]], p = [[.6,.4],[.4,.6]] -> [0.916, 0.714]
const Matrix kBceTarget(2, 2, {0, 1, 0, 0});
const Matrix kBcePred(2, 2, {0.6f, 0.4f, 0.4f, 0.6f});

TEST(BinaryCrossentropy, KerasDocstringValues) {
  const auto loss = loss_named("binary_crossentropy");
  // l₁ = (−log .4 − log .4)/2 = 0.9162907,  l₂ = (−log .6 − log .4)/2 = 0.7135582
  const auto l = per_sample(*loss, kBcePred, kBceTarget);
  EXPECT_NEAR(l[0], 0.9162907319, kTol);
  EXPECT_NEAR(l[1], 0.7135581778, kTol);
  EXPECT_NEAR(value(*loss, kBcePred, kBceTarget), 0.8149244548, kTol);
  // Weights [2, .5]: (2·0.9162907 + .5·0.7135582)/2 = 1.0946803
  EXPECT_NEAR(value(*loss, kBcePred, kBceTarget, {2, 0.5f}), 1.0946802763, kTol);
}

TEST(BinaryCrossentropy, ProbabilityGradient) {
  // dp = (w/N)/C·((1 − y)/(1 − p) − y/p), N = C = 2:
  //   row 1: ¼·[1/.4, −1/.4] = [.625, −.625];  row 2: ¼·[1/.6, 1/.4] = [.4166667, .625]
  expect_matrix_near(gradient(*loss_named("binary_crossentropy"), kBcePred, kBceTarget),
                     {0.625, -0.625, 0.4166667, 0.625});
}

TEST(BinaryCrossentropy, FromLogits) {
  // z = [−1, 2], y = [0, 1]: l = (log1p(e^{−1}) + log1p(e^{−2}))/2 = 0.2200948
  const auto loss = loss_named("bce", true);
  EXPECT_EQ(loss->name(), "binary_crossentropy");
  EXPECT_NEAR(value(*loss, Matrix(1, 2, {-1, 2}), Matrix(1, 2, {0, 1})), 0.2200948493, kTol);
  // dz = (σ(z) − y)/C = [.2689414/2, (.8807971 − 1)/2]
  expect_matrix_near(gradient(*loss, Matrix(1, 2, {-1, 2}), Matrix(1, 2, {0, 1})), {0.1344707, -0.0596015});
}

TEST(BinaryCrossentropy, FusedSigmoidGradient) {
  const auto loss = loss_named("binary_crossentropy");
  EXPECT_TRUE(loss->fuses_with(ActivationFunction::from_name("sigmoid")));
  EXPECT_FALSE(loss->fuses_with(ActivationFunction::from_name("softmax")));
  EXPECT_FALSE(loss_named("binary_crossentropy", true)->fuses_with(ActivationFunction::from_name("sigmoid")));
  // dz = (p − y)·w/(N·C), N = C = 2, w = [1, 2]: row 1 [.6, −.6]/4, row 2 [.4, .6]·2/4
  expect_matrix_near(logits_gradient(*loss, kBcePred, kBceTarget, {1, 2}), {0.15, -0.15, 0.2, 0.3});
}

TEST(BinaryCrossentropy, ExtremeInputsStayFinite) {
  const Matrix y(1, 4, {1, 0, 0, 1});
  // Logits ±1e4: l = mean(1e4 wrong, 0, 1e4 wrong, 0)... z = [−1e4, −1e4, 1e4, 1e4]:
  //   y=1,z=−1e4 -> 1e4;  y=0,z=−1e4 -> 0;  y=0,z=1e4 -> 1e4;  y=1,z=1e4 -> 0.  l = 2e4/4 = 5e3
  const auto logits = loss_named("binary_crossentropy", true);
  const Matrix z(1, 4, {-1e4f, -1e4f, 1e4f, 1e4f});
  EXPECT_NEAR(value(*logits, z, y), 5e3, 1e-2);
  expect_all_finite(gradient(*logits, z, y));
  // Probabilities 0 and 1 clip to [ε, 1 − ε]: wrong answers cost −log ε (≈ 16), never Inf.
  const auto probs = loss_named("binary_crossentropy");
  const Matrix p(1, 4, {0, 0, 1, 1});
  const double l = value(*probs, p, y);
  EXPECT_TRUE(std::isfinite(l));
  EXPECT_GT(l, 7.5);  // (2·≈16 + 2·≈0)/4
  EXPECT_LT(l, 8.5);
  expect_all_finite(gradient(*probs, p, y));
  expect_all_finite(logits_gradient(*probs, p, y));
}

// Keras docstrings for the regression losses use y = [[0,1],[0,0]] and p = [[1,1],[0,0]] or
// p = [[.6,.4],[.4,.6]].
TEST(RegressionLosses, MeanSquaredAndAbsoluteError) {
  const Matrix y(2, 2, {0, 1, 0, 0});
  const Matrix p(2, 2, {1, 1, 0, 0});
  // mse: l = [(1 + 0)/2, 0] -> L = .25;  with w = [3, 1]: 3·.5/2 = .75
  const auto mse = loss_named("mse");
  EXPECT_EQ(mse->name(), "mean_squared_error");
  EXPECT_NEAR(value(*mse, p, y), 0.25, kTol);
  EXPECT_NEAR(value(*mse, p, y, {3, 1}), 0.75, kTol);
  // dp = (w/N)·2d/C = ½·2·[1, 0]/2 = [.5, 0] in row 1
  expect_matrix_near(gradient(*mse, p, y), {0.5, 0, 0, 0});
  // mae: same values for |d| ∈ {0, 1}; dp = (w/N)·sign(d)/C = [.25, 0, 0, 0]
  const auto mae = loss_named("mae");
  EXPECT_EQ(mae->name(), "mean_absolute_error");
  EXPECT_NEAR(value(*mae, p, y), 0.25, kTol);
  expect_matrix_near(gradient(*mae, p, y), {0.25, 0, 0, 0});
  expect_matrix_near(gradient(*mae, Matrix(1, 2, {-2, 3}), Matrix(1, 2, {0, 1}), {4}), {-2, 2});
}

TEST(RegressionLosses, Huber) {
  // Keras docstring: 0.155 (all |d| ≤ 1: ½·mean(d²) per row = [.18, .13])
  const auto huber = loss_named("huber");
  EXPECT_NEAR(value(*huber, Matrix(2, 2, {0.6f, 0.4f, 0.4f, 0.6f}), Matrix(2, 2, {0, 1, 0, 0})), 0.155, kTol);
  // Linear part: d = 3, δ = 1: 1·3 − ½ = 2.5;  δ = 2: 2·3 − 2 = 4;  dp = clip(d, −δ, δ)
  EXPECT_NEAR(value(*huber, Matrix(1, 1, {3}), Matrix(1, 1, {0})), 2.5, kTol);
  const auto wide = loss_named("huber_loss", false, 2.0);
  EXPECT_EQ(wide->name(), "huber");
  EXPECT_NEAR(value(*wide, Matrix(1, 1, {3}), Matrix(1, 1, {0})), 4.0, kTol);
  expect_matrix_near(gradient(*wide, Matrix(1, 2, {3, -0.5f}), Matrix(1, 2, {0, 0})), {1.0, -0.25});
  EXPECT_THROW(loss_named("huber", false, 0.0), Error);
}

TEST(RegressionLosses, LogCosh) {
  // Keras docstring: 0.108 (l = [log cosh 1 / 2, 0] = [.1084452, 0])
  const auto lc = loss_named("logcosh");
  EXPECT_EQ(lc->name(), "log_cosh");
  EXPECT_NEAR(value(*lc, Matrix(2, 2, {1, 1, 0, 0}), Matrix(2, 2, {0, 1, 0, 0})), 0.1084452076, kTol);
  // Stable for huge errors: log cosh(±1e4) = 1e4 − log 2; dp = tanh(d)/(N·C) = ±1/2
  const Matrix p(1, 2, {1e4f, -1e4f});
  const Matrix y(1, 2, {0, 0});
  EXPECT_NEAR(value(*lc, p, y), 1e4 - std::log(2.0), 1e-2);
  expect_matrix_near(gradient(*lc, p, y), {0.5, -0.5});
}

TEST(LossShapes, WidthMismatchSaysBothWidths) {
  for (const char* name : {"categorical_crossentropy", "binary_crossentropy", "mse", "mae", "huber", "log_cosh"}) {
    const auto loss = loss_named(name);
    try {
      std::vector<Scalar> out(2);
      loss->per_sample(Matrix(2, 3), Matrix(2, 2), out);
      ADD_FAILURE() << name << " accepted a (2, 2) target for (2, 3) predictions";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("2 columns"), std::string::npos) << msg;
      EXPECT_NE(msg.find("have 3"), std::string::npos) << msg;
    }
  }
  // Sparse wants exactly one column.
  Matrix d(2, 3);
  EXPECT_THROW(loss_named("sparse_categorical_crossentropy")->gradient(kCcePred, kCceTarget, {}, d), Error);
  // Rows, weights and gradient shapes are checked too.
  const auto mse = loss_named("mse");
  EXPECT_THROW(mse->gradient(Matrix(2, 3), Matrix(3, 3), {}, d), Error);
  std::vector<Scalar> three_weights{1, 1, 1};
  EXPECT_THROW(mse->gradient(Matrix(2, 3), Matrix(2, 3), three_weights, d), Error);
  Matrix wrong(2, 2);
  EXPECT_THROW(mse->gradient(Matrix(2, 3), Matrix(2, 3), {}, wrong), Error);
  std::vector<Scalar> scratch;
  EXPECT_THROW(mse->value(Matrix(2, 3), Matrix(2, 3), three_weights, scratch), Error);
}

TEST(LossFactory, NamesAliasesAndErrors) {
  EXPECT_EQ(loss_named("CategoricalCrossentropy")->name(), "categorical_crossentropy");
  EXPECT_EQ(loss_named("mean_squared_error")->name(), "mean_squared_error");
  EXPECT_EQ(loss_named("log_cosh")->name(), "log_cosh");
  try {
    loss_named("hinge");
    ADD_FAILURE() << "unknown loss accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'hinge'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("sparse_categorical_crossentropy"), std::string::npos) << msg;
    EXPECT_NE(msg.find("log_cosh"), std::string::npos) << msg;
  }
  EXPECT_THROW(loss_named("mse", true), Error);  // from_logits belongs to the cross-entropies
  // A loss with no fusion refuses gradient_wrt_logits.
  Matrix d(1, 1);
  EXPECT_FALSE(loss_named("mse")->fuses_with(ActivationFunction::from_name("sigmoid")));
  EXPECT_THROW(loss_named("mse")->gradient_wrt_logits(Matrix(1, 1), Matrix(1, 1), {}, d), Error);
}

TEST(LossValue, EmptyBatchIsZero) {
  std::vector<Scalar> scratch;
  EXPECT_EQ(loss_named("mse")->value(Matrix(0, 2), Matrix(0, 2), {}, scratch), 0.0);
}

}  // namespace
}  // namespace mlp
