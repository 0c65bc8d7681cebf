// SPDX-License-Identifier: MIT
// Regularizers: penalty and gradient by hand, Keras' defaults, and their part in a model's loss.
#include <gtest/gtest.h>

#include "mlp/mlp.hpp"

namespace mlp {
namespace {

TEST(Regularizer, PenaltyAndGradientByHand) {
  const Matrix w(1, 4, {1, -2, 0, 0.5f});
  // l1: 0.1·(1 + 2 + 0 + 0.5) = 0.35; l2: 0.2·(1 + 4 + 0 + 0.25) = 1.05
  const Regularizer r{.l1 = 0.1, .l2 = 0.2};
  EXPECT_NEAR(r.penalty(w), 0.35 + 1.05, 1e-6);
  Matrix g(1, 4);
  r.add_gradient(w, g);
  // 0.1·sign(w) + 0.4·w; sign(0) = 0
  EXPECT_NEAR(g[0], 0.1 + 0.4, 1e-6);
  EXPECT_NEAR(g[1], -0.1 - 0.8, 1e-6);
  EXPECT_NEAR(g[2], 0, 1e-7);
  EXPECT_NEAR(g[3], 0.1 + 0.2, 1e-6);
}

TEST(Regularizer, KerasDefaults) {
  EXPECT_EQ(Regularizer::from_name("l1").l1, 0.01);
  EXPECT_EQ(Regularizer::from_name("l1").l2, 0);
  EXPECT_EQ(Regularizer::from_name("l2").l2, 0.01);
  EXPECT_EQ(Regularizer::from_name("l1_l2").l1, 0.01);
  EXPECT_EQ(Regularizer::from_name("l1_l2").l2, 0.01);
  EXPECT_THROW(Regularizer::from_name("l3"), Error);
}

TEST(Regularizer, PenaltyIsPartOfTheReportedLoss) {
  // A model whose only weights are a fixed kernel: the loss with an l2 kernel regularizer exceeds
  // the loss without it by exactly l2·Σw².
  auto make = [](Regularizer r) {
    auto m = std::make_unique<Sequential>(ModelOptions{.seed = 1});
    m->add<InputLayer>({.shape = {2}});
    m->add<Dense>({.units = 1, .use_bias = false, .kernel_regularizer = r});
    m->compile({.optimizer = make_optimizer("sgd"), .loss = {.name = "mse"}});
    return m;
  };
  auto plain = make({});
  auto regularized = make({.l2 = 0.5});
  const Matrix x(2, 2, {1, 2, 3, 4}), y(2, 1, {1, 0});
  const double base = plain->evaluate(x, y).at("loss");
  const double with = regularized->evaluate(x, y).at("loss");
  const Matrix& w = regularized->params()[0]->value;
  EXPECT_NEAR(with - base, 0.5 * (w[0] * w[0] + w[1] * w[1]), 1e-6);
}

}  // namespace
}  // namespace mlp
