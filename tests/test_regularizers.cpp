// SPDX-License-Identifier: MIT
// Regularizers: penalty and gradient by hand, Keras' defaults for the string identifiers, and
// their part in a model's loss.
#include <gtest/gtest.h>

#include "mlp/mlp.hpp"

namespace mlp {
namespace {

TEST(Regularizer, PenaltyAndGradientByHand) {
  const Matrix w(2, 2, {1, -2, 0, 0.5f});
  // l1: 0.1·(1 + 2 + 0 + 0.5) = 0.35; l2: 0.2·(1 + 4 + 0 + 0.25) = 1.05
  const Regularizer r{.l1 = 0.1, .l2 = 0.2};
  EXPECT_NEAR(r.penalty(w), 0.35 + 1.05, 1e-6);
  Matrix g(2, 2);
  r.add_gradient(w, g);
  // 0.1·sign(w) + 2·0.2·w; sign(0) = 0
  EXPECT_NEAR(g[0], 0.1 + 0.4, 1e-6);
  EXPECT_NEAR(g[1], -0.1 - 0.8, 1e-6);
  EXPECT_EQ(g[2], 0);
  EXPECT_NEAR(g[3], 0.1 + 0.2, 1e-6);
}

TEST(Regularizer, GradientAccumulatesAndScales) {
  // dw += scale·(l1·sign(w) + 2·l2·w): Dense's activity regularizer uses scale = 1/N.
  const Matrix w(1, 3, {2, -1, 0});
  Matrix g(1, 3, {1, 1, 1});
  const Regularizer r{.l1 = 0.5, .l2 = 0.25};
  r.add_gradient(w, g, 0.5);
  EXPECT_NEAR(g[0], 1 + 0.5 * (0.5 + 0.5 * 2), 1e-6);
  EXPECT_NEAR(g[1], 1 + 0.5 * (-0.5 - 0.5), 1e-6);
  EXPECT_NEAR(g[2], 1, 1e-7);
  Matrix wrong(3, 1);
  try {
    r.add_gradient(w, wrong);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Regularizer::add_gradient: w is (1, 3) but dw is (3, 1)");
  }
}

TEST(Regularizer, InactiveDoesNothing) {
  const Matrix w(1, 2, {3, -4});
  Matrix g(1, 2, {7, 8});
  const Regularizer none;
  EXPECT_FALSE(none.active());
  EXPECT_EQ(none.penalty(w), 0);
  none.add_gradient(w, g);
  EXPECT_EQ(g[0], 7);
  EXPECT_EQ(g[1], 8);
}

TEST(Regularizer, KerasDefaults) {
  // Keras: "l1" = L1(l1=0.01), "l2" = L2(l2=0.01), "l1_l2" = l1 0.01 and l2 0.01 (L1L2's docstring).
  EXPECT_EQ(Regularizer::from_name("l1").l1, 0.01);
  EXPECT_EQ(Regularizer::from_name("l1").l2, 0);
  EXPECT_EQ(Regularizer::from_name("l2").l1, 0);
  EXPECT_EQ(Regularizer::from_name("l2").l2, 0.01);
  EXPECT_EQ(Regularizer::from_name("l1_l2").l1, 0.01);
  EXPECT_EQ(Regularizer::from_name("l1_l2").l2, 0.01);
  const Matrix w(1, 2, {1, -3});
  EXPECT_NEAR(Regularizer::from_name("l1_l2").penalty(w), 0.01 * 4 + 0.01 * 10, 1e-9);
  try {
    Regularizer::from_name("l3");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown regularizer 'l3'; known: l1, l2, l1_l2");
  }
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
