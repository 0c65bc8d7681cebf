// SPDX-License-Identifier: MIT
// Layers: forward values computed by hand, training/inference behaviour, option validation.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "mlp/mlp.hpp"

namespace mlp {
namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Dense, ForwardHandComputed) {
  // x = [1 2], W = [[1 -1 0.5], [2 0 -1]], b = [0.5 0 1]
  // x·W + b = [1+4+0.5, -1+0+0, 0.5-2+1] = [5.5, -1, -0.5]; relu -> [5.5, 0, 0]
  Rng rng(1);
  Dense dense({.units = 3, .activation = "relu"});
  dense.build({2}, rng);
  dense.kernel().value = Matrix(2, 3, {1, -1, 0.5f, 2, 0, -1});
  dense.bias().value = Matrix(1, 3, {0.5f, 0, 1});
  const Matrix x(1, 2, {1, 2});
  Matrix y(1, 3);
  dense.forward(x, y, Mode::kInference);
  EXPECT_FLOAT_EQ(y[0], 5.5f);
  EXPECT_FLOAT_EQ(y[1], 0);
  EXPECT_FLOAT_EQ(y[2], 0);
  EXPECT_EQ(dense.count_params(), 9u);
}

TEST(Dense, DefaultsAreKeras) {
  Dense dense({.units = 4});
  EXPECT_EQ(dense.options().kernel_initializer.name, "glorot_uniform");
  EXPECT_EQ(dense.options().bias_initializer.name, "zeros");
  EXPECT_TRUE(dense.options().use_bias);
  EXPECT_EQ(error_of([] { Dense d({.units = 0}); }), "Dense: units must be positive, got 0");
  EXPECT_NE(error_of([] { Dense d({.units = 2, .activation = "relux"}); }).find("unknown activation 'relux'"),
            std::string::npos);
}

TEST(ActivationFunctions, ValuesAtHandPickedPoints) {
  const Matrix z(1, 3, {-1, 0, 2});
  Matrix y(1, 3);
  auto eval = [&](const char* name) {
    activation_forward(ActivationFunction::from_name(name), z, y);
    return std::vector<double>{y[0], y[1], y[2]};
  };
  const double e1 = std::exp(-1.0);
  auto near = [](const std::vector<double>& a, const std::vector<double>& b) {
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << i;
  };
  near(eval("relu"), {0, 0, 2});
  near(eval("leaky_relu"), {-0.2, 0, 2});  // Keras' function default slope 0.2
  near(eval("elu"), {e1 - 1, 0, 2});
  near(eval("selu"), {1.0507009873554805 * 1.6732632423543772 * (e1 - 1), 0, 1.0507009873554805 * 2});
  near(eval("softplus"), {std::log1p(e1), std::log(2.0), std::log1p(std::exp(2.0))});
  near(eval("softsign"), {-0.5, 0, 2.0 / 3});
  near(eval("sigmoid"), {1 / (1 + std::exp(1.0)), 0.5, 1 / (1 + std::exp(-2.0))});
  near(eval("hard_sigmoid"), {-1.0 / 6 + 0.5, 0.5, 2.0 / 6 + 0.5});
  near(eval("tanh"), {std::tanh(-1.0), 0, std::tanh(2.0)});
  near(eval("swish"), {-1 / (1 + std::exp(1.0)), 0, 2 / (1 + std::exp(-2.0))});
  near(eval("gelu"), {-0.15865525393145707, 0, 1.9544997361036416});
  const double s = std::exp(-1.0) + 1 + std::exp(2.0);
  near(eval("softmax"), {std::exp(-1.0) / s, 1 / s, std::exp(2.0) / s});
  // Stable at extremes.
  const Matrix big(1, 3, {-1e4f, 0, 1e4f});
  activation_forward(ActivationFunction::from_name("softmax"), big, y);
  EXPECT_FLOAT_EQ(y[2], 1);
  activation_forward(ActivationFunction::from_name("sigmoid"), big, y);
  EXPECT_FLOAT_EQ(y[0], 0);
  EXPECT_FLOAT_EQ(y[2], 1);
  activation_forward(ActivationFunction::from_name("softplus"), big, y);
  EXPECT_FLOAT_EQ(y[2], 1e4f);
  for (double v : y.values()) EXPECT_TRUE(std::isfinite(v));
}

TEST(Dropout, MasksAFractionAndScalesTheRest) {
  Rng init(1), noise(42);
  Dropout dropout({.rate = 0.45});
  dropout.build({1000}, init);
  dropout.attach_rng(&noise);
  Matrix x(20, 1000), y(20, 1000);
  x.fill(1);
  dropout.forward(x, y, Mode::kTrain);
  std::size_t zeros = 0;
  for (float v : y.values()) {
    if (v == 0) {
      ++zeros;
    } else {
      EXPECT_FLOAT_EQ(v, 1 / 0.55f);
    }
  }
  // 20,000 Bernoulli(0.45) draws: standard error 0.0035, so ±0.015 is over 4 sigma.
  EXPECT_NEAR(static_cast<double>(zeros) / 20000, 0.45, 0.015);
  // Backward applies the same mask.
  Matrix dy(20, 1000), dx(20, 1000);
  dy.fill(2);
  dropout.backward(x, y, dy, dx);
  for (std::size_t i = 0; i < dx.size(); ++i) EXPECT_FLOAT_EQ(dx[i], 2 * y[i]);
  // Inference is the identity.
  dropout.forward(x, y, Mode::kInference);
  for (float v : y.values()) EXPECT_EQ(v, 1);
}

TEST(Dropout, SameSeedSameMaskNextBatchDifferentMask) {
  Rng init(1), a(7), b(7);
  Dropout d1({.rate = 0.5}), d2({.rate = 0.5});
  d1.build({64}, init);
  d2.build({64}, init);
  d1.attach_rng(&a);
  d2.attach_rng(&b);
  Matrix x(4, 64), y1(4, 64), y2(4, 64), y3(4, 64);
  x.fill(1);
  d1.forward(x, y1, Mode::kTrain);
  d2.forward(x, y2, Mode::kTrain);
  d1.forward(x, y3, Mode::kTrain);
  for (std::size_t i = 0; i < y1.size(); ++i) EXPECT_EQ(y1[i], y2[i]);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < y1.size(); ++i) differ += y1[i] != y3[i];
  EXPECT_GT(differ, 50u);
}

TEST(Dropout, RejectsBadRatesAndNeedsAnRngToTrain) {
  EXPECT_EQ(error_of([] { Dropout d({.rate = 1.0}); }), "Dropout: rate must be in [0, 1), got 1.000000");
  EXPECT_EQ(error_of([] { Dropout d({.rate = -0.1}); }), "Dropout: rate must be in [0, 1), got -0.100000");
  EXPECT_EQ(error_of([] { AlphaDropout d({.rate = 1.5}); }), "AlphaDropout: rate must be in [0, 1), got 1.500000");
  Rng init(1);
  Dropout d({.rate = 0.5});
  d.build({2}, init);
  d.set_name("dropout_9");
  Matrix x(1, 2), y(1, 2);
  EXPECT_EQ(error_of([&] { d.forward(x, y, Mode::kTrain); }),
            "Dropout 'dropout_9': training needs an attached Rng (the model's)");
}

TEST(AlphaDropout, KeepsSeluStatistics) {
  Rng init(1), noise(3), data(4);
  AlphaDropout layer({.rate = 0.2});
  layer.build({500}, init);
  layer.attach_rng(&noise);
  Matrix x(100, 500), y(100, 500);
  for (auto& v : x.values()) v = static_cast<float>(data.normal());
  layer.forward(x, y, Mode::kTrain);
  double mean = 0, sq = 0;
  for (float v : y.values()) {
    mean += v;
    sq += static_cast<double>(v) * v;
  }
  mean /= static_cast<double>(y.size());
  const double var = sq / static_cast<double>(y.size()) - mean * mean;
  EXPECT_NEAR(mean, 0, 0.02);
  EXPECT_NEAR(var, 1, 0.03);
}

TEST(GaussianNoise, AddsNoiseOnlyInTraining) {
  Rng init(1), noise(5);
  GaussianNoise layer({.stddev = 0.5});
  layer.build({1000}, init);
  layer.attach_rng(&noise);
  Matrix x(10, 1000), y(10, 1000);
  layer.forward(x, y, Mode::kTrain);
  double sq = 0;
  for (float v : y.values()) sq += static_cast<double>(v) * v;
  EXPECT_NEAR(std::sqrt(sq / 10000), 0.5, 0.02);
  layer.forward(x, y, Mode::kInference);
  for (float v : y.values()) EXPECT_EQ(v, 0);
  EXPECT_NE(error_of([] { GaussianNoise g({.stddev = -1}); }).find("stddev must be"), std::string::npos);
}

TEST(LeakyReLU, DefaultSlopeIsKerasLayerDefault) {
  Rng init(1);
  LeakyReLU layer;
  layer.build({2}, init);
  const Matrix x(1, 2, {-2, 3});
  Matrix y(1, 2);
  layer.forward(x, y, Mode::kInference);
  EXPECT_FLOAT_EQ(y[0], -0.6f);
  EXPECT_FLOAT_EQ(y[1], 3);
}

TEST(BatchNormalization, TrainingNormalisesAndUpdatesMovingStatisticsAsKeras) {
  Rng init(1);
  BatchNormalization bn;
  bn.build({2}, init);
  EXPECT_EQ(bn.count_params(), 8u);
  EXPECT_EQ(bn.params().size(), 2u);
  EXPECT_EQ(bn.state().size(), 2u);
  // Column 0: [1, 3] -> mean 2, biased variance 1; column 1: [0, 0] -> mean 0, variance 0.
  const Matrix x(2, 2, {1, 0, 3, 0});
  Matrix y(2, 2);
  bn.forward(x, y, Mode::kTrain);
  const double inv = 1 / std::sqrt(1 + 1e-3);
  EXPECT_NEAR(y(0, 0), -inv, 1e-6);
  EXPECT_NEAR(y(1, 0), inv, 1e-6);
  EXPECT_NEAR(y(0, 1), 0, 1e-6);
  // moving = 0.99·moving + 0.01·batch: mean 0 -> 0.02, variance 1 -> 0.99 + 0.01·1 = 1 and
  // 0.99·1 + 0.01·0 = 0.99.
  EXPECT_NEAR(bn.moving_mean().value[0], 0.02, 1e-7);
  EXPECT_NEAR(bn.moving_variance().value[0], 1.0, 1e-7);
  EXPECT_NEAR(bn.moving_variance().value[1], 0.99, 1e-7);
  // Inference uses the moving statistics: (1 − 0.02)/√(1 + 1e-3).
  bn.forward(x, y, Mode::kInference);
  EXPECT_NEAR(y(0, 0), 0.98 * inv, 1e-6);
  // A batch of one sample in training stays finite.
  const Matrix one(1, 2, {5, -5});
  Matrix y1(1, 2);
  bn.forward(one, y1, Mode::kTrain);
  for (float v : y1.values()) EXPECT_TRUE(std::isfinite(v));
}

TEST(BatchNormalization, CountsAndValidation) {
  Rng init(1);
  BatchNormalization bn;
  bn.build({256}, init);
  EXPECT_EQ(bn.count_params(), 1024u);
  std::size_t state = 0;
  for (Param* p : bn.state()) state += p->value.size();
  EXPECT_EQ(state, 512u);
  EXPECT_EQ(error_of([] { BatchNormalization b({.momentum = 1.5}); }),
            "BatchNormalization: momentum must be in [0, 1], got 1.500000");
  BatchNormalization no_center({.center = false});
  no_center.build({3}, init);
  EXPECT_EQ(no_center.params().size(), 1u);
  EXPECT_EQ(no_center.count_params(), 9u);
}

TEST(FlattenAndInputLayer, Shapes) {
  Rng init(1);
  Flatten flatten;
  EXPECT_EQ(flatten.build({28, 28}, init), Shape{784});
  EXPECT_EQ(format_shape(flatten.output_shape()), "(None, 784)");
  InputLayer input({.shape = {28, 28}});
  EXPECT_EQ(input.build({28, 28}, init), (Shape{28, 28}));
  EXPECT_EQ(error_of([] { InputLayer i({.shape = {}}); }), "InputLayer: shape (None) must have positive dimensions");
}

}  // namespace
}  // namespace mlp
