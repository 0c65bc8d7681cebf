// SPDX-License-Identifier: MIT
// Finite-difference gradient checks (double build) of every layer, activation and regularizer:
// backward()'s input and parameter gradients against central differences, max relative error
// <= 1e-6 (gradcheck.hpp). Inputs are resampled away from the points where a derivative jumps
// (0 for relu, leaky_relu, selu and l1; ±3 for hard_sigmoid), which a ±1e-6 step must not cross.
#include <gtest/gtest.h>

#include <string>

#include "gradcheck.hpp"
#include "mlp/mlp.hpp"

namespace mlp {
namespace {

constexpr double kTolerance = 1e-6;
constexpr double kMargin = 1e-3;  // minimum distance of a pre-activation from a kink

bool near_kink(double z) { return std::abs(z) < kMargin || std::abs(std::abs(z) - 3) < kMargin; }

// Standard normal entries, each redrawn until it is away from every kink.
Matrix away_from_kinks(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  Rng rng(seed);
  Matrix m(rows, cols);
  for (auto& v : m.values()) {
    do {
      v = rng.normal();
    } while (near_kink(v));
  }
  return m;
}

// An input for `dense` whose every pre-activation z = x·W + b is away from the kinks: each row of
// x is redrawn until its row of z is.
Matrix dense_input(Dense& dense, std::size_t rows, std::uint64_t seed) {
  const std::size_t in = dense.kernel().value.rows(), out = dense.kernel().value.cols();
  Rng rng(seed);
  Matrix x(rows, in);
  for (std::size_t r = 0; r < rows; ++r) {
    bool clear = false;
    while (!clear) {
      for (std::size_t i = 0; i < in; ++i) x(r, i) = rng.normal();
      clear = true;
      for (std::size_t o = 0; o < out; ++o) {
        double z = dense.options().use_bias ? dense.bias().value[o] : 0.0;
        for (std::size_t i = 0; i < in; ++i) z += x(r, i) * dense.kernel().value(i, o);
        clear = clear && !near_kink(z);
      }
    }
  }
  return x;
}

// Moves weights off 0, where l1's sign(w) jumps.
void away_from_zero(Matrix& w) {
  for (auto& v : w.values()) {
    if (std::abs(v) < kMargin) v = v < 0 ? -0.1 : 0.1;
  }
}

const char* const kActivations[] = {"linear",  "relu",         "leaky_relu", "elu",     "selu",  "softplus", "softsign",
                                    "sigmoid", "hard_sigmoid", "tanh",       "softmax", "swish", "gelu"};

// ---- Dense ------------------------------------------------------------------------------------

class DenseGradient : public ::testing::TestWithParam<const char*> {};

TEST_P(DenseGradient, MatchesFiniteDifferences) {
  Rng init(3);
  // Random biases so that the bias gradient is checked away from b = 0.
  Dense layer({.units = 3, .activation = GetParam(), .bias_initializer = Initializer::from_name("random_normal")});
  layer.build({4}, init);
  const Matrix x = dense_input(layer, 5, 17);
  const auto result = gradcheck::check_layer(layer, x, Mode::kTrain);
  EXPECT_LT(result.input, kTolerance);
  EXPECT_LT(result.params, kTolerance);
}

INSTANTIATE_TEST_SUITE_P(EveryActivation, DenseGradient, ::testing::ValuesIn(kActivations),
                         [](const auto& p) { return std::string(p.param); });

TEST(DenseRegularizedGradient, KernelBiasAndActivityRegularizers) {
  for (const char* activation : {"tanh", "relu"}) {
    for (const char* kind : {"l1", "l2", "l1_l2"}) {
      Rng init(7);
      const Regularizer r = Regularizer::from_name(kind);
      Dense layer({.units = 3,
                   .activation = activation,
                   .kernel_regularizer = r,
                   .bias_regularizer = r,
                   .activity_regularizer = r});
      layer.build({4}, init);
      // Non-zero biases so that l1's sign(b) is defined (at 0 it is a kink).
      for (auto& b : layer.bias().value.values()) b = 0.3 + 0.1 * init.normal();
      away_from_zero(layer.kernel().value);
      away_from_zero(layer.bias().value);
      const Matrix x = dense_input(layer, 5, 9);
      const auto result = gradcheck::check_layer(layer, x, Mode::kTrain);
      EXPECT_LT(result.input, kTolerance) << activation << " " << kind;
      EXPECT_LT(result.params, kTolerance) << activation << " " << kind;
      EXPECT_GT(layer.regularization_loss(), 0) << activation << " " << kind;
    }
  }
}

TEST(DenseRegularizedGradient, WithoutBias) {
  Rng init(8);
  Dense no_bias(
      {.units = 2, .activation = "sigmoid", .use_bias = false, .kernel_regularizer = Regularizer::from_name("l2")});
  no_bias.build({3}, init);
  EXPECT_EQ(no_bias.params().size(), 1u);
  const auto result = gradcheck::check_layer(no_bias, dense_input(no_bias, 4, 10), Mode::kTrain);
  EXPECT_LT(result.input, kTolerance);
  EXPECT_LT(result.params, kTolerance);
}

// ---- Activation, LeakyReLU, Flatten, InputLayer -----------------------------------------------

class ActivationLayerGradient : public ::testing::TestWithParam<const char*> {};

TEST_P(ActivationLayerGradient, MatchesFiniteDifferences) {
  Rng init(1);
  Activation layer({.activation = GetParam()});
  layer.build({6}, init);
  const auto result = gradcheck::check_layer(layer, away_from_kinks(4, 6, 5), Mode::kTrain);
  EXPECT_LT(result.input, kTolerance);
}

INSTANTIATE_TEST_SUITE_P(EveryActivation, ActivationLayerGradient, ::testing::ValuesIn(kActivations),
                         [](const auto& p) { return std::string(p.param); });

TEST(ActivationLayerGradient, FusedWithTheLossPassesDyThrough) {
  Rng init(1), rng(2);
  Activation softmax({.activation = "softmax"});
  softmax.build({4}, init);
  softmax.set_fused_output_activation(true);
  const Matrix x = gradcheck::random_matrix(3, 4, rng), dy = gradcheck::random_matrix(3, 4, rng);
  Matrix y(3, 4), dx(3, 4);
  softmax.forward(x, y, Mode::kTrain);
  softmax.backward(x, y, dy, dx);
  for (std::size_t i = 0; i < dx.size(); ++i) EXPECT_EQ(dx[i], dy[i]);
}

TEST(SimpleLayersGradient, LeakyReLUFlattenInputLayer) {
  Rng init(1);
  for (const double slope : {0.3, 0.01, 0.0}) {
    LeakyReLU leaky({.negative_slope = slope});
    leaky.build({5}, init);
    EXPECT_LT(gradcheck::check_layer(leaky, away_from_kinks(4, 5, 6), Mode::kTrain).input, kTolerance) << slope;
  }
  Flatten flatten;
  flatten.build({2, 3}, init);
  EXPECT_LT(gradcheck::check_layer(flatten, away_from_kinks(4, 6, 7), Mode::kTrain).input, kTolerance);
  InputLayer input({.shape = {2, 3}});
  input.build({2, 3}, init);
  EXPECT_LT(gradcheck::check_layer(input, away_from_kinks(4, 6, 8), Mode::kTrain).input, kTolerance);
}

// ---- Dropout, AlphaDropout, GaussianNoise (masks and noise frozen by gradcheck) ---------------

TEST(NoiseLayersGradient, DropoutAlphaDropoutAndGaussianNoise) {
  for (const Mode mode : {Mode::kTrain, Mode::kInference}) {
    const char* m = mode == Mode::kTrain ? "train" : "inference";
    Rng init(1);
    Dropout dropout({.rate = 0.4});
    dropout.build({8}, init);
    EXPECT_LT(gradcheck::check_layer(dropout, away_from_kinks(6, 8, 2), mode).input, kTolerance) << m;

    AlphaDropout alpha({.rate = 0.3});
    alpha.build({8}, init);
    EXPECT_LT(gradcheck::check_layer(alpha, away_from_kinks(6, 8, 3), mode).input, kTolerance) << m;

    GaussianNoise noise({.stddev = 0.5});
    noise.build({8}, init);
    EXPECT_LT(gradcheck::check_layer(noise, away_from_kinks(6, 8, 4), mode).input, kTolerance) << m;
  }
}

// ---- BatchNormalization -----------------------------------------------------------------------

// gamma, beta and the moving statistics set away from their defaults (and from 0, for l1).
void perturb(BatchNormalization& bn) {
  const std::size_t c = bn.moving_mean().value.size();
  for (std::size_t i = 0; i < c; ++i) {
    const auto k = static_cast<double>(i);
    if (bn.options().scale) bn.gamma().value[i] = 0.5 + 0.25 * k;
    if (bn.options().center) bn.beta().value[i] = 0.1 * (k + 1);
    bn.moving_mean().value[i] = 0.2 - 0.1 * k;
    bn.moving_variance().value[i] = 1.5 + 0.5 * k;
  }
}

TEST(BatchNormalizationGradient, TrainingAndInferenceMode) {
  for (const Mode mode : {Mode::kTrain, Mode::kInference}) {
    const char* m = mode == Mode::kTrain ? "train" : "inference";
    for (const auto& [center, scale] : {std::pair{true, true}, {false, true}, {true, false}, {false, false}}) {
      Rng init(5);
      BatchNormalization bn({.center = center, .scale = scale});
      bn.build({4}, init);
      perturb(bn);
      const auto r = gradcheck::check_layer(bn, away_from_kinks(6, 4, 11), mode);
      EXPECT_LT(r.input, kTolerance) << m << " center " << center << " scale " << scale;
      EXPECT_LT(r.params, kTolerance) << m << " center " << center << " scale " << scale;
    }
  }
}

TEST(BatchNormalizationGradient, SmallBatchesRank2SamplesFrozenAndRegularized) {
  // Batches of 1-3 samples make the normalized output nearly flat in some input directions, so
  // the finite differences lose digits: the same check measured 1.08e-6 in the -O1 sanitizer
  // build against < 1e-6 at -O3. A wrong gradient is off by far more (1e-1 and up).
  constexpr double kSmallBatchTolerance = 1e-5;
  for (const std::size_t n : {1u, 2u, 3u}) {
    Rng init(5);
    BatchNormalization bn;
    bn.build({3}, init);
    perturb(bn);
    const auto r = gradcheck::check_layer(bn, away_from_kinks(n, 3, 21), Mode::kTrain);
    EXPECT_LT(r.input, kSmallBatchTolerance) << "N = " << n;
    EXPECT_LT(r.params, kSmallBatchTolerance) << "N = " << n;
  }
  {
    Rng init(6);
    BatchNormalization bn;  // (None, 2, 3): 3 channels over N·2 positions
    bn.build({2, 3}, init);
    perturb(bn);
    const auto r = gradcheck::check_layer(bn, away_from_kinks(4, 6, 13), Mode::kTrain);
    EXPECT_LT(r.input, kSmallBatchTolerance) << "rank 2";
    EXPECT_LT(r.params, kSmallBatchTolerance) << "rank 2";
  }
  {
    Rng init(7);
    BatchNormalization bn;  // frozen: inference mode (moving statistics) inside fit()
    bn.build({4}, init);
    perturb(bn);
    bn.set_trainable(false);
    const auto r = gradcheck::check_layer(bn, away_from_kinks(5, 4, 14), Mode::kTrain);
    EXPECT_LT(r.input, kSmallBatchTolerance) << "frozen";
    EXPECT_LT(r.params, kSmallBatchTolerance) << "frozen";
  }
  for (const char* kind : {"l1", "l2", "l1_l2"}) {
    Rng init(8);
    const Regularizer reg = Regularizer::from_name(kind);
    BatchNormalization bn({.beta_regularizer = reg, .gamma_regularizer = reg});
    bn.build({4}, init);
    perturb(bn);
    const auto r = gradcheck::check_layer(bn, away_from_kinks(5, 4, 15), Mode::kTrain);
    EXPECT_LT(r.input, kSmallBatchTolerance) << kind;
    EXPECT_LT(r.params, kSmallBatchTolerance) << kind;
    EXPECT_GT(bn.regularization_loss(), 0) << kind;
  }
}

}  // namespace
}  // namespace mlp
