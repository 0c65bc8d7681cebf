// SPDX-License-Identifier: MIT
// Layers: forward values computed by hand, training/inference behaviour, keyed randomness
// (reproducible, thread-count independent), option validation, parameter counts and configs.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mlp/mlp.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {

using test::error_of;
using test::normal_matrix;
using test::same_values;
using test::ThreadCount;

// ---- Dense and the activation functions --------------------------------------------------------

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

// ---- Activation, InputLayer, Flatten, LeakyReLU -----------------------------------------------

TEST(Activation, ForwardBackwardAndFusion) {
  Rng init(1);
  Activation layer({.activation = "tanh"});
  EXPECT_EQ(layer.build({3}, init), Shape{3});
  EXPECT_EQ(layer.kind(), "Activation");
  EXPECT_EQ(layer.output_activation()->kind, ActivationKind::kTanh);
  const Matrix x(1, 3, {-1, 0, 2}), dy(1, 3, {1, 2, 3});
  Matrix y(1, 3), dx(1, 3);
  layer.forward(x, y, Mode::kInference);
  EXPECT_NEAR(y[0], std::tanh(-1.0), 1e-6);
  EXPECT_NEAR(y[2], std::tanh(2.0), 1e-6);
  layer.backward(x, y, dy, dx);  // dx = dy·(1 − tanh²)
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(dx[i], dy[i] * (1 - y[i] * y[i]), 1e-6) << i;
  // Fused with the loss: dy is already the gradient w.r.t. the pre-activation.
  layer.set_fused_output_activation(true);
  layer.backward(x, y, dy, dx);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(dx[i], dy[i]);
  EXPECT_EQ(layer.config(), nlohmann::json({{"activation", "tanh"}}));
  EXPECT_EQ(Activation({.activation = "silu"}).config()["activation"], "swish");
  const std::string unknown = error_of([] { Activation a({.activation = "rellu"}); });
  EXPECT_EQ(unknown.rfind("Activation: unknown activation 'rellu'; known: linear, relu", 0), 0u) << unknown;
}

TEST(InputLayer, DeclaresTheShapeAndCopies) {
  Rng init(1);
  InputLayer input({.shape = {28, 28}});
  EXPECT_EQ(input.build({28, 28}, init), (Shape{28, 28}));
  EXPECT_EQ(input.count_params(), 0u);
  const Matrix x = normal_matrix(2, 784, 3);
  Matrix y(2, 784), dx(2, 784);
  input.forward(x, y, Mode::kTrain);
  EXPECT_TRUE(same_values(x, y));
  input.backward(x, y, y, dx);
  EXPECT_TRUE(same_values(x, dx));
  EXPECT_EQ(input.config(), nlohmann::json({{"shape", {28, 28}}}));
  EXPECT_EQ(error_of([] { InputLayer i({.shape = {}}); }), "InputLayer: shape (None) must have positive dimensions");
  EXPECT_EQ(error_of([] {
              InputLayer i({.shape = {3, 0}});
            }),
            "InputLayer: shape (None, 3, 0) must have positive dimensions");
  InputLayer other({.shape = {4}});
  other.set_name("input_1");
  EXPECT_EQ(error_of([&] { other.build({5}, init); }),
            "InputLayer 'input_1': declared shape (None, 4) but the model is built for (None, 5)");
}

TEST(Flatten, ShapesAndCopies) {
  Rng init(1);
  Flatten flatten;
  EXPECT_EQ(flatten.build({28, 28}, init), Shape{784});
  EXPECT_EQ(format_shape(flatten.output_shape()), "(None, 784)");
  EXPECT_EQ(flatten.build({2, 3, 4}, init), Shape{24});
  EXPECT_EQ(flatten.build({7}, init), Shape{7});
  const Matrix x = normal_matrix(3, 7, 4);
  Matrix y(3, 7), dx(3, 7);
  flatten.forward(x, y, Mode::kInference);
  EXPECT_TRUE(same_values(x, y));
  flatten.backward(x, y, x, dx);
  EXPECT_TRUE(same_values(x, dx));
  EXPECT_EQ(flatten.config(), nlohmann::json({{"data_format", "channels_last"}}));
}

TEST(LeakyReLU, KerasLayerDefaultForwardBackward) {
  Rng init(1);
  LeakyReLU layer;
  layer.build({3}, init);
  const Matrix x(1, 3, {-2, 3, 0}), dy(1, 3, {1, 1, 1});
  Matrix y(1, 3), dx(1, 3);
  layer.forward(x, y, Mode::kInference);
  EXPECT_FLOAT_EQ(y[0], -0.6f);  // negative_slope 0.3, Keras 3's layer default
  EXPECT_FLOAT_EQ(y[1], 3);
  EXPECT_FLOAT_EQ(y[2], 0);
  layer.backward(x, y, dy, dx);
  EXPECT_FLOAT_EQ(dx[0], 0.3f);
  EXPECT_FLOAT_EQ(dx[1], 1);
  LeakyReLU half({.negative_slope = 0.5});
  EXPECT_EQ(half.config(), nlohmann::json({{"negative_slope", 0.5}}));
  EXPECT_EQ(error_of([] { LeakyReLU l({.negative_slope = -0.1}); }),
            "LeakyReLU: negative_slope must be a finite number >= 0, got -0.1");
  EXPECT_EQ(error_of([] { LeakyReLU l({.negative_slope = INFINITY}); }),
            "LeakyReLU: negative_slope must be a finite number >= 0, got inf");
}

// ---- Dropout ----------------------------------------------------------------------------------

TEST(Dropout, MasksAFractionAndScalesTheRest) {
  Rng init(1), noise(42);
  Dropout dropout({.rate = 0.45});
  dropout.build({1000}, init);
  dropout.attach_rng(&noise);
  Matrix x(20, 1000), y(20, 1000);
  x.fill(1);
  dropout.forward(x, y, Mode::kTrain);
  std::size_t zeros = 0;
  for (Scalar v : y.values()) {
    if (v == 0) {
      ++zeros;
    } else {
      EXPECT_FLOAT_EQ(v, 1 / 0.55f);
    }
  }
  // 20,000 Bernoulli(0.45) draws: standard error 0.0035, so ±0.015 is over 4 sigma.
  EXPECT_NEAR(static_cast<double>(zeros) / 20000, 0.45, 0.015);
  // Backward applies the same mask and scale.
  Matrix dy(20, 1000), dx(20, 1000);
  dy.fill(2);
  dropout.backward(x, y, dy, dx);
  for (std::size_t i = 0; i < dx.size(); ++i) EXPECT_FLOAT_EQ(dx[i], 2 * y[i]);
  // Inference is the identity, forward and backward.
  dropout.forward(x, y, Mode::kInference);
  for (Scalar v : y.values()) EXPECT_EQ(v, 1);
  dropout.backward(x, y, dy, dx);
  for (Scalar v : dx.values()) EXPECT_EQ(v, 2);
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
  d1.forward(x, y3, Mode::kTrain);  // a new key
  EXPECT_TRUE(same_values(y1, y2));
  std::size_t differ = 0;
  for (std::size_t i = 0; i < y1.size(); ++i) differ += y1[i] != y3[i];
  EXPECT_GT(differ, 50u);
}

TEST(Dropout, MaskDoesNotDependOnTheThreadCount) {
  // 64 × 1024 elements: above parallel_for's threshold, so the threads really split the rows.
  Rng init(1);
  Dropout d({.rate = 0.3});
  d.build({1024}, init);
  const Matrix x = normal_matrix(64, 1024, 2);
  Matrix serial(64, 1024), parallel(64, 1024);
  {
    ThreadCount one(1);
    Rng noise(9);
    d.attach_rng(&noise);
    d.forward(x, serial, Mode::kTrain);
  }
  {
    ThreadCount four(4);
    Rng noise(9);
    d.attach_rng(&noise);
    d.forward(x, parallel, Mode::kTrain);
  }
  EXPECT_TRUE(same_values(serial, parallel));
}

TEST(Dropout, MaskIsUnbiasedAndUncorrelatedAcrossElementsRowsAndBatches) {
  // The mask comes from a 32-bit counter hash of (batch key, element index). For three rates,
  // over 8 batches of 64 × 500: the dropped fraction, and how often two elements are both dropped
  // (neighbours in a row, neighbours in a column, the same element in consecutive batches), which
  // must be rate² if the draws are independent. 256,000 draws per rate: the standard error of
  // each fraction is below 0.001, so ±0.006 is over 6 sigma, and a mask with the same draw for
  // every key (or a shifted copy) would give rate instead of rate² for the batch pairs.
  Rng init(1);
  for (double rate : {0.1, 0.45, 0.8}) {
    SCOPED_TRACE(rate);
    Dropout d({.rate = rate});
    d.build({500}, init);
    Rng noise(3);
    d.attach_rng(&noise);
    Matrix x(64, 500), y(64, 500), previous(64, 500);
    x.fill(1);
    double dropped = 0, row_pairs = 0, column_pairs = 0, batch_pairs = 0;
    double n_row = 0, n_column = 0, n_batch = 0;
    for (int batch = 0; batch < 8; ++batch) {
      d.forward(x, y, Mode::kTrain);
      for (std::size_t r = 0; r < 64; ++r) {
        for (std::size_t c = 0; c < 500; ++c) {
          const bool off = y(r, c) == 0;
          dropped += off;
          if (c + 1 < 500) {
            row_pairs += off && y(r, c + 1) == 0;
            ++n_row;
          }
          if (r + 1 < 64) {
            column_pairs += off && y(r + 1, c) == 0;
            ++n_column;
          }
          if (batch > 0) {
            batch_pairs += off && previous(r, c) == 0;
            ++n_batch;
          }
        }
      }
      previous = y;
    }
    EXPECT_NEAR(dropped / (8 * 64 * 500), rate, 0.006);
    EXPECT_NEAR(row_pairs / n_row, rate * rate, 0.006);
    EXPECT_NEAR(column_pairs / n_column, rate * rate, 0.006);
    EXPECT_NEAR(batch_pairs / n_batch, rate * rate, 0.006);
  }
}

TEST(Dropout, RatesNearTheEndsOfTheRange) {
  // rate 1e-6 keeps (nearly) everything; rate 0.999 drops all but about 0.1%.
  Rng init(1), noise(5);
  Matrix x(100, 1000), y(100, 1000);
  x.fill(1);
  Dropout low({.rate = 1e-6}), high({.rate = 0.999});
  low.build({1000}, init);
  high.build({1000}, init);
  low.attach_rng(&noise);
  high.attach_rng(&noise);
  low.forward(x, y, Mode::kTrain);
  double kept = 0;
  for (Scalar v : y.values()) kept += v != 0;
  EXPECT_GE(kept, 100000 - 5);
  high.forward(x, y, Mode::kTrain);
  kept = 0;
  for (Scalar v : y.values()) kept += v != 0;
  EXPECT_NEAR(kept / 100000, 0.001, 0.0005);  // 100 expected, standard deviation 10
}

TEST(Dropout, SeedOptionGivesTheLayerItsOwnStream) {
  Rng init(1);
  Dropout a({.rate = 0.5, .seed = 5}), b({.rate = 0.5, .seed = 5}), c({.rate = 0.5, .seed = 6});
  for (Dropout* d : {&a, &b, &c}) d->build({128}, init);
  Rng model(3);
  const Rng::State before = model.state();
  b.attach_rng(&model);  // ignored: the seed wins
  Matrix x(2, 128), ya(2, 128), yb(2, 128), yc(2, 128);
  x.fill(1);
  a.forward(x, ya, Mode::kTrain);
  b.forward(x, yb, Mode::kTrain);
  c.forward(x, yc, Mode::kTrain);
  EXPECT_TRUE(same_values(ya, yb));
  EXPECT_FALSE(same_values(ya, yc));
  EXPECT_EQ(model.state().s, before.s);
  EXPECT_EQ(a.config(), nlohmann::json({{"rate", 0.5}, {"seed", 5}, {"noise_shape", nullptr}}));
  EXPECT_EQ(Dropout({.rate = 0.25}).config()["seed"], nullptr);
}

TEST(Dropout, RateZeroAndBatchOfOne) {
  Rng init(1);
  Dropout none({.rate = 0});
  none.build({3}, init);
  const Matrix x(1, 3, {1, 2, 3});
  Matrix y(1, 3);
  none.forward(x, y, Mode::kTrain);  // no Rng needed: nothing is drawn
  EXPECT_TRUE(same_values(x, y));
  Rng noise(1);
  Dropout d({.rate = 0.5});
  d.build({3}, init);
  d.attach_rng(&noise);
  d.forward(x, y, Mode::kTrain);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(y[i] == 0 || y[i] == 2 * x[i]) << i;
}

TEST(Dropout, RejectsBadRatesAndNeedsAnRngToTrain) {
  EXPECT_EQ(error_of([] { Dropout d({.rate = 1.0}); }), "Dropout: rate must be in [0, 1), got 1");
  EXPECT_EQ(error_of([] { Dropout d({.rate = -0.1}); }), "Dropout: rate must be in [0, 1), got -0.1");
  EXPECT_EQ(error_of([] { Dropout d({.rate = NAN}); }), "Dropout: rate must be in [0, 1), got nan");
  Rng init(1);
  Dropout d({.rate = 0.5});
  d.build({2}, init);
  d.set_name("dropout_9");
  Matrix x(1, 2), y(1, 2);
  EXPECT_EQ(error_of([&] { d.forward(x, y, Mode::kTrain); }),
            "Dropout 'dropout_9': training needs the model's Rng (attach_rng) or a seed option");
  d.forward(x, y, Mode::kInference);  // inference needs none
}

// ---- AlphaDropout -----------------------------------------------------------------------------

TEST(AlphaDropout, KerasAffineTransformByHand) {
  // rate 0.5: α' = −1.7580993408473766, a = ((1 − 0.5)(1 + 0.5·α'²))^−½ = 0.886404894665932,
  // b = −a·α'·0.5 = 0.7791939305180317. Kept: a·x + b; dropped: a·α' + b = −0.7791939305180317.
  constexpr double a = 0.886404894665932, b = 0.7791939305180317, dropped = -0.7791939305180317;
  Rng init(1), noise(2);
  AlphaDropout layer({.rate = 0.5});
  layer.build({400}, init);
  layer.attach_rng(&noise);
  const Matrix x = normal_matrix(10, 400, 3);
  Matrix y(10, 400), dy(10, 400), dx(10, 400);
  dy.fill(1);
  layer.forward(x, y, Mode::kTrain);
  layer.backward(x, y, dy, dx);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (dx[i] != 0) {
      ++kept;
      EXPECT_NEAR(y[i], a * x[i] + b, 1e-5) << i;
      EXPECT_NEAR(dx[i], a, 1e-6) << i;
    } else {
      EXPECT_NEAR(y[i], dropped, 1e-6) << i;
    }
  }
  EXPECT_NEAR(static_cast<double>(kept) / 4000, 0.5, 0.03);  // 4000 draws: SE 0.008
  layer.forward(x, y, Mode::kInference);
  EXPECT_TRUE(same_values(x, y));
  EXPECT_EQ(error_of([] { AlphaDropout d({.rate = 1.5}); }), "AlphaDropout: rate must be in [0, 1), got 1.5");
  EXPECT_EQ(error_of([] { AlphaDropout d({.rate = 1}); }), "AlphaDropout: rate must be in [0, 1), got 1");
  EXPECT_EQ(layer.config(), nlohmann::json({{"rate", 0.5}, {"seed", nullptr}, {"noise_shape", nullptr}}));
}

TEST(AlphaDropout, KeepsSeluStatistics) {
  // For x ~ N(0, 1) (the fixed point of SELU networks) the output keeps mean 0 and variance 1.
  Rng init(1), noise(3);
  AlphaDropout layer({.rate = 0.2});
  layer.build({500}, init);
  layer.attach_rng(&noise);
  const Matrix x = normal_matrix(100, 500, 4);
  Matrix y(100, 500);
  layer.forward(x, y, Mode::kTrain);
  double mean = 0, sq = 0;
  for (Scalar v : y.values()) {
    mean += v;
    sq += static_cast<double>(v) * v;
  }
  mean /= static_cast<double>(y.size());
  const double var = sq / static_cast<double>(y.size()) - mean * mean;
  EXPECT_NEAR(mean, 0, 0.02);
  EXPECT_NEAR(var, 1, 0.03);
}

TEST(AlphaDropout, MaskDoesNotDependOnTheThreadCount) {
  Rng init(1);
  AlphaDropout d({.rate = 0.1});
  d.build({1024}, init);
  const Matrix x = normal_matrix(64, 1024, 2);
  Matrix serial(64, 1024), parallel(64, 1024);
  for (auto [threads, out] : {std::pair<int, Matrix*>{1, &serial}, {4, &parallel}}) {
    ThreadCount count(threads);
    Rng noise(9);
    d.attach_rng(&noise);
    d.forward(x, *out, Mode::kTrain);
  }
  EXPECT_TRUE(same_values(serial, parallel));
}

// ---- GaussianNoise ----------------------------------------------------------------------------

TEST(GaussianNoise, AddsNoiseOnlyInTraining) {
  Rng init(1), noise(5);
  GaussianNoise layer({.stddev = 0.5});
  layer.build({1000}, init);
  layer.attach_rng(&noise);
  Matrix x(10, 1000), y(10, 1000);
  x.fill(2);
  layer.forward(x, y, Mode::kTrain);
  double mean = 0, sq = 0;
  for (Scalar v : y.values()) {
    mean += v - 2.0;
    sq += (v - 2.0) * (v - 2.0);
  }
  const double n = 10000;
  mean /= n;
  EXPECT_NEAR(mean, 0, 5 * 0.5 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(sq / n - mean * mean), 0.5, 5 * 0.5 / std::sqrt(2 * n));
  Matrix dy(10, 1000), dx(10, 1000);
  dy.fill(3);
  layer.backward(x, y, dy, dx);  // dx = dy
  EXPECT_TRUE(same_values(dy, dx));
  layer.forward(x, y, Mode::kInference);
  for (Scalar v : y.values()) EXPECT_EQ(v, 2);
}

TEST(GaussianNoise, ReproducibleThreadIndependentAndValidated) {
  Rng init(1);
  GaussianNoise layer({.stddev = 0.1});
  layer.build({1024}, init);
  const Matrix x = normal_matrix(64, 1024, 6);
  Matrix serial(64, 1024), parallel(64, 1024), next(64, 1024);
  {
    ThreadCount one(1);
    Rng noise(9);
    layer.attach_rng(&noise);
    layer.forward(x, serial, Mode::kTrain);
  }
  {
    ThreadCount four(4);
    Rng noise(9);
    layer.attach_rng(&noise);
    layer.forward(x, parallel, Mode::kTrain);
    layer.forward(x, next, Mode::kTrain);
  }
  EXPECT_TRUE(same_values(serial, parallel));
  EXPECT_FALSE(same_values(parallel, next));
  EXPECT_EQ(error_of([] { GaussianNoise g({.stddev = -1}); }),
            "GaussianNoise: stddev must be in [0, 1] (as in Keras), got -1");
  EXPECT_EQ(error_of([] { GaussianNoise g({.stddev = 1.5}); }),
            "GaussianNoise: stddev must be in [0, 1] (as in Keras), got 1.5");
  EXPECT_EQ(GaussianNoise({.stddev = 0.1, .seed = 3}).config(), nlohmann::json({{"stddev", 0.1}, {"seed", 3}}));
}

// ---- BatchNormalization -----------------------------------------------------------------------

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
  const double inv = 1 / std::sqrt(1 + 1e-3);  // 0.9995003746877732
  EXPECT_NEAR(y(0, 0), -inv, 1e-6);
  EXPECT_NEAR(y(1, 0), inv, 1e-6);
  EXPECT_NEAR(y(0, 1), 0, 1e-6);
  // moving = 0.99·moving + 0.01·batch: mean 0 -> 0.02 and 0; variance 0.99·1 + 0.01·1 = 1 and
  // 0.99·1 + 0.01·0 = 0.99.
  EXPECT_NEAR(bn.moving_mean().value[0], 0.02, 1e-7);
  EXPECT_NEAR(bn.moving_mean().value[1], 0, 1e-7);
  EXPECT_NEAR(bn.moving_variance().value[0], 1.0, 1e-7);
  EXPECT_NEAR(bn.moving_variance().value[1], 0.99, 1e-7);
  // Inference uses the moving statistics and updates nothing:
  //   column 0: (x − 0.02)/√(1 + 1e-3);  column 1: 0/√(0.99 + 1e-3).
  bn.forward(x, y, Mode::kInference);
  EXPECT_NEAR(y(0, 0), 0.98 * inv, 1e-6);
  EXPECT_NEAR(y(1, 0), 2.98 * inv, 1e-6);
  EXPECT_NEAR(y(1, 1), 0, 1e-6);
  EXPECT_NEAR(bn.moving_mean().value[0], 0.02, 1e-7);
  // A second training step: mean 0.99·0.02 + 0.01·2 = 0.0398.
  bn.forward(x, y, Mode::kTrain);
  EXPECT_NEAR(bn.moving_mean().value[0], 0.0398, 1e-7);
}

TEST(BatchNormalization, GammaBetaAndInferenceBackwardByHand) {
  Rng init(1);
  BatchNormalization bn;
  bn.build({1}, init);
  bn.gamma().value[0] = 2;
  bn.beta().value[0] = 0.5;
  bn.moving_mean().value[0] = 1;
  bn.moving_variance().value[0] = Scalar(4 - 1e-3);  // √(var + ε) = 2
  const Matrix x(3, 1, {1, 3, 5}), dy(3, 1, {1, -1, 2});
  Matrix y(3, 1), dx(3, 1);
  bn.forward(x, y, Mode::kInference);  // y = 2·(x − 1)/2 + 0.5 = x − 0.5
  EXPECT_NEAR(y[0], 0.5, 1e-6);
  EXPECT_NEAR(y[1], 2.5, 1e-6);
  EXPECT_NEAR(y[2], 4.5, 1e-6);
  bn.backward(x, y, dy, dx);  // dx = dy·gamma/2 = dy; dbeta = Σdy = 2; dgamma = Σdy·x̂ = 0 − 1 + 4 = 3
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(dx[i], dy[i], 1e-6);
  EXPECT_NEAR(bn.beta().grad[0], 2, 1e-6);
  EXPECT_NEAR(bn.gamma().grad[0], 3, 1e-6);
}

TEST(BatchNormalization, FrozenLayerRunsInInferenceModeAsKeras) {
  // Keras: `if training and self.trainable` uses batch statistics; a non-trainable layer
  // normalises with the moving statistics even in fit() and leaves them unchanged.
  Rng init(1);
  BatchNormalization bn;
  bn.build({2}, init);
  bn.set_trainable(false);
  const Matrix x(2, 2, {1, 0, 3, 0});
  Matrix y(2, 2);
  bn.forward(x, y, Mode::kTrain);
  const double inv = 1 / std::sqrt(1 + 1e-3);
  EXPECT_NEAR(y(0, 0), inv, 1e-6);
  EXPECT_NEAR(y(1, 0), 3 * inv, 1e-6);
  EXPECT_EQ(bn.moving_mean().value[0], 0);
  EXPECT_EQ(bn.moving_variance().value[0], 1);
}

TEST(BatchNormalization, BatchOfOneStaysFinite) {
  Rng init(1);
  BatchNormalization bn;
  bn.build({2}, init);
  const Matrix one(1, 2, {5, -5}), dy(1, 2, {1, 2});
  Matrix y(1, 2), dx(1, 2);
  bn.forward(one, y, Mode::kTrain);  // variance 0: x̂ = 0, y = beta
  bn.backward(one, y, dy, dx);
  for (Scalar v : y.values()) EXPECT_EQ(v, 0);
  for (Scalar v : dx.values()) EXPECT_EQ(v, 0);
  EXPECT_NEAR(bn.moving_mean().value[0], 0.05, 1e-7);
  EXPECT_NEAR(bn.moving_variance().value[0], 0.99, 1e-7);
}

TEST(BatchNormalization, LastAxisOfARank2Sample) {
  // Input (None, 2, 3): 3 channels, each normalised over N·2 = 4 positions.
  // Channel 0 sees 1, 3, 5, 7: mean 4, biased variance (9 + 1 + 1 + 9)/4 = 5; likewise the others.
  Rng init(1);
  BatchNormalization bn;
  EXPECT_EQ(bn.build({2, 3}, init), (Shape{2, 3}));
  EXPECT_EQ(bn.count_params(), 12u);
  const Matrix x(2, 6, {1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9});
  Matrix y(2, 6);
  bn.forward(x, y, Mode::kTrain);
  const double inv = 1 / std::sqrt(5 + 1e-3);
  const double expected[] = {-3, -3, -3, -1, -1, -1, 1, 1, 1, 3, 3, 3};
  for (std::size_t i = 0; i < 12; ++i) EXPECT_NEAR(y[i], expected[i] * inv, 1e-6) << i;
  for (std::size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(bn.moving_mean().value[c], 0.01 * static_cast<double>(4 + c), 1e-6);
    EXPECT_NEAR(bn.moving_variance().value[c], 0.99 + 0.05, 1e-6);
  }
}

TEST(BatchNormalization, CountsConfigAndValidation) {
  Rng init(1);
  BatchNormalization bn;
  bn.build({256}, init);
  EXPECT_EQ(bn.count_params(), 1024u);
  std::size_t state = 0;
  for (Param* p : bn.state()) state += p->value.size();
  EXPECT_EQ(state, 512u);
  EXPECT_EQ(bn.params()[0]->name, "gamma");
  EXPECT_EQ(bn.state()[1]->name, "moving_variance");
  for (Scalar v : bn.gamma().value.values()) EXPECT_EQ(v, 1);
  for (Scalar v : bn.moving_variance().value.values()) EXPECT_EQ(v, 1);
  EXPECT_EQ(bn.config(), nlohmann::json({{"axis", -1},
                                         {"momentum", 0.99},
                                         {"epsilon", 1e-3},
                                         {"center", true},
                                         {"scale", true},
                                         {"beta_initializer", "zeros"},
                                         {"gamma_initializer", "ones"},
                                         {"moving_mean_initializer", "zeros"},
                                         {"moving_variance_initializer", "ones"},
                                         {"beta_regularizer", nullptr},
                                         {"gamma_regularizer", nullptr}}));
  EXPECT_EQ(error_of([] { BatchNormalization b({.momentum = 1.5}); }),
            "BatchNormalization: momentum must be in [0, 1], got 1.5");
  EXPECT_EQ(error_of([] { BatchNormalization b({.epsilon = 0}); }),
            "BatchNormalization: epsilon must be a finite number > 0, got 0");
  BatchNormalization no_center({.center = false});
  no_center.build({3}, init);
  EXPECT_EQ(no_center.params().size(), 1u);
  EXPECT_EQ(no_center.count_params(), 9u);
  BatchNormalization neither({.center = false, .scale = false});
  neither.build({3}, init);
  EXPECT_TRUE(neither.params().empty());
  BatchNormalization wrong;
  wrong.set_name("bn");
  EXPECT_EQ(error_of([&] { wrong.build({}, init); }),
            "BatchNormalization 'bn': needs an input with a feature axis, got (None)");
}

TEST(BatchNormalization, RegularizersAddToTheLoss) {
  Rng init(1);
  BatchNormalization bn({.gamma_regularizer = Regularizer::from_name("l2")});
  bn.build({4}, init);
  EXPECT_NEAR(bn.regularization_loss(), 0.01 * 4, 1e-9);  // gamma = 1: 0.01·Σ1²
  EXPECT_EQ(bn.config()["gamma_regularizer"], nlohmann::json({{"l1", 0.0}, {"l2", 0.01}}));
}

TEST(BatchNormalization, StatisticsDoNotDependOnTheThreadCount) {
  Rng init(1);
  BatchNormalization bn;
  bn.build({512}, init);
  const Matrix x = normal_matrix(128, 512, 8), dy = normal_matrix(128, 512, 9);
  Matrix y1(128, 512), y4(128, 512), dx1(128, 512), dx4(128, 512);
  {
    ThreadCount one(1);
    bn.forward(x, y1, Mode::kTrain);
    bn.backward(x, y1, dy, dx1);
  }
  const Matrix gamma_grad = bn.gamma().grad;
  {
    ThreadCount four(4);
    bn.forward(x, y4, Mode::kTrain);
    bn.backward(x, y4, dy, dx4);
  }
  EXPECT_TRUE(same_values(y1, y4));
  EXPECT_TRUE(same_values(dx1, dx4));
  EXPECT_TRUE(same_values(gamma_grad, bn.gamma().grad));
}

}  // namespace
}  // namespace mlp
