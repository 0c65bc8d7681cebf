// SPDX-License-Identifier: MIT
// Finite-difference gradient checks (double build) of every layer, activation and regularizer:
// backward()'s input and parameter gradients against central differences, max relative error
// <= 1e-6 (gradcheck.hpp).
#include <gtest/gtest.h>

#include <string>

#include "gradcheck.hpp"
#include "mlp/mlp.hpp"

namespace mlp {
namespace {

constexpr double kTolerance = 1e-6;

// Inputs whose entries stay at least 0.05 away from 0: activations with kinks (relu, leaky_relu)
// or corners (hard_sigmoid at ±3) are not differentiable there, and ±1e-6 steps must not cross one.
Matrix away_from_kinks(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  Rng rng(seed);
  Matrix m(rows, cols);
  for (auto& v : m.values()) {
    double z = 0;
    do {
      z = rng.normal();
    } while (std::abs(z) < 0.05 || std::abs(std::abs(z) - 3) < 0.05);
    v = z;
  }
  return m;
}

const char* const kActivations[] = {"linear", "relu", "leaky_relu", "elu", "selu", "softplus", "softsign",
                                    "sigmoid", "hard_sigmoid", "tanh", "softmax", "swish", "gelu"};

class DenseGradient : public ::testing::TestWithParam<const char*> {};

TEST_P(DenseGradient, MatchesFiniteDifferences) {
  Rng init(3);
  // Small weights keep pre-activations near the inputs' scale; relu-like kinks are then avoided by
  // checking the actual pre-activations below.
  Dense layer({.units = 3, .activation = GetParam(), .bias_initializer = Initializer::from_name("random_normal")});
  layer.build({4}, init);
  Matrix x = away_from_kinks(5, 4, 17);
  // Reject draws whose pre-activation sits on a kink: z = x·W + b.
  Matrix z(5, 3);
  gemm(x, layer.kernel().value, z);
  add_row_vector(z, layer.bias().value);
  for (double v : z.values()) ASSERT_GT(std::abs(v), 1e-3) << "pre-activation on a kink; change the seed";
  const auto result = gradcheck::check_layer(layer, x, Mode::kTrain);
  EXPECT_LT(result.input, kTolerance);
  EXPECT_LT(result.params, kTolerance);
}

INSTANTIATE_TEST_SUITE_P(EveryActivation, DenseGradient, ::testing::ValuesIn(kActivations),
                         [](const auto& p) { return std::string(p.param); });

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

TEST(DenseGradient, WithRegularizersAndWithoutBias) {
  for (const char* kind : {"l1", "l2", "l1_l2"}) {
    Rng init(7);
    const Regularizer r = Regularizer::from_name(kind);
    Dense layer({.units = 3, .activation = "tanh", .kernel_regularizer = r, .bias_regularizer = r,
                 .activity_regularizer = r});
    layer.build({4}, init);
    // Non-zero biases so that l1's sign(b) is defined (at 0 it is a kink).
    for (auto& b : layer.bias().value.values()) b = 0.3 + 0.1 * init.normal();
    const auto result = gradcheck::check_layer(layer, away_from_kinks(5, 4, 9), Mode::kTrain);
    EXPECT_LT(result.input, kTolerance) << kind;
    EXPECT_LT(result.params, kTolerance) << kind;
    EXPECT_GT(layer.regularization_loss(), 0) << kind;
  }
  Rng init(8);
  Dense no_bias({.units = 2, .activation = "sigmoid", .use_bias = false});
  no_bias.build({3}, init);
  EXPECT_EQ(no_bias.params().size(), 1u);
  const auto result = gradcheck::check_layer(no_bias, away_from_kinks(4, 3, 10), Mode::kTrain);
  EXPECT_LT(result.input, kTolerance);
  EXPECT_LT(result.params, kTolerance);
}

TEST(NoiseLayersGradient, DropoutAlphaDropoutAndGaussianNoiseInTraining) {
  Rng init(1);
  Dropout dropout({.rate = 0.4});
  dropout.build({8}, init);
  auto r = gradcheck::check_layer(dropout, away_from_kinks(6, 8, 2), Mode::kTrain);
  EXPECT_LT(r.input, kTolerance);

  AlphaDropout alpha({.rate = 0.3});
  alpha.build({8}, init);
  r = gradcheck::check_layer(alpha, away_from_kinks(6, 8, 3), Mode::kTrain);
  EXPECT_LT(r.input, kTolerance);

  GaussianNoise noise({.stddev = 0.5});
  noise.build({8}, init);
  r = gradcheck::check_layer(noise, away_from_kinks(6, 8, 4), Mode::kTrain);
  EXPECT_LT(r.input, kTolerance);
}

TEST(SimpleLayersGradient, LeakyReLUFlattenInputLayer) {
  Rng init(1);
  LeakyReLU leaky({.negative_slope = 0.3});
  leaky.build({5}, init);
  EXPECT_LT(gradcheck::check_layer(leaky, away_from_kinks(4, 5, 6), Mode::kTrain).input, kTolerance);
  Flatten flatten;
  flatten.build({2, 3}, init);
  EXPECT_LT(gradcheck::check_layer(flatten, away_from_kinks(4, 6, 7), Mode::kTrain).input, kTolerance);
}

TEST(BatchNormalizationGradient, TrainingAndInferenceMode) {
  for (const Mode mode : {Mode::kTrain, Mode::kInference}) {
    Rng init(5);
    BatchNormalization bn;
    bn.build({4}, init);
    // Non-trivial gamma/beta and moving statistics.
    for (std::size_t c = 0; c < 4; ++c) {
      bn.gamma().value[c] = 0.5 + 0.25 * static_cast<double>(c);
      bn.beta().value[c] = 0.1 * static_cast<double>(c);
      bn.moving_mean().value[c] = 0.2;
      bn.moving_variance().value[c] = 1.5;
    }
    const auto r = gradcheck::check_layer(bn, away_from_kinks(6, 4, 11), mode);
    EXPECT_LT(r.input, kTolerance) << (mode == Mode::kTrain ? "train" : "inference");
    EXPECT_LT(r.params, kTolerance) << (mode == Mode::kTrain ? "train" : "inference");
  }
}

}  // namespace
}  // namespace mlp
