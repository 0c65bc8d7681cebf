// SPDX-License-Identifier: MIT
// Optimizer steps against hand-computed values. Every test starts from w = [1, −2] and feeds the
// gradients g₁ = [0.5, −1], g₂ = [0.2, 0.4], g₃ = [−0.3, 0.1]. The expected numbers were computed
// in double by tests/optimizer_reference.py, an independent transcription of Keras 3's update
// rules (python3, 9 significant digits; run it to print them); the first step of each is also
// worked out by hand in the comments. ctest optimizers.reference_numbers runs it with --check on
// this file: every literal below must agree with it within this file's own tolerance.
#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "mlp/error.hpp"
#include "mlp/optimizer.hpp"
#include "mlp/optimizers/adagrad.hpp"
#include "mlp/optimizers/adam.hpp"
#include "mlp/optimizers/adamw.hpp"
#include "mlp/optimizers/nadam.hpp"
#include "mlp/optimizers/rmsprop.hpp"
#include "mlp/optimizers/sgd.hpp"
#include "mlp/schedule.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {

const std::vector<std::vector<double>> kGradients = {{0.5, -1.0}, {0.2, 0.4}, {-0.3, 0.1}};

Param make_param(std::initializer_list<Scalar> values, std::string name = "kernel") {
  Param p;
  p.name = std::move(name);
  p.value = Matrix(1, values.size(), values);
  p.grad = Matrix(1, values.size());
  return p;
}

void set_grad(Param& p, const std::vector<double>& g) {
  ASSERT_EQ(p.grad.size(), g.size());
  for (std::size_t k = 0; k < g.size(); ++k) p.grad[k] = static_cast<Scalar>(g[k]);
}

// Relative tolerance 1e-6 (a few float ulps), with an absolute floor for values near 0.
void expect_values(const Matrix& actual, std::initializer_list<double> expected, const char* what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  std::size_t k = 0;
  for (const double e : expected) {
    EXPECT_NEAR(static_cast<double>(actual[k]), e, 1e-6 * std::abs(e) + 1e-9) << what << "[" << k << "]";
    ++k;
  }
}

// Runs optimizer step `t` (0-based) on p with kGradients[t].
void step_with(Optimizer& opt, Param& p, std::size_t t) {
  set_grad(p, kGradients[t]);
  opt.step();
}

bool message_contains(const Error& e, const std::string& text) {
  return std::string(e.what()).find(text) != std::string::npos;
}

// Expects `fn` to throw Error whose message names `argument`.
template <class Fn>
void expect_error_naming(Fn fn, const std::string& argument) {
  try {
    fn();
    ADD_FAILURE() << "no Error thrown; expected one naming " << argument;
  } catch (const Error& e) {
    EXPECT_TRUE(message_contains(e, argument)) << "message: " << e.what();
  }
}

// ---- SGD ------------------------------------------------------------------------------------

TEST(SGD, DefaultsAreKeras) {
  SGD opt;
  EXPECT_EQ(opt.name(), "SGD");
  EXPECT_DOUBLE_EQ(opt.learning_rate(), 0.01);
  EXPECT_DOUBLE_EQ(opt.momentum(), 0.0);
  EXPECT_FALSE(opt.nesterov());
  EXPECT_TRUE(opt.slot_names().empty());  // Keras creates no momentum slot when momentum is 0
}

TEST(SGD, PlainStepsAreWMinusLrG) {
  // w ← w − 0.1·g:  [1 − 0.05, −2 + 0.1] = [0.95, −1.9];  then − [0.02, 0.04] = [0.93, −1.94]
  Param p = make_param({1, -2});
  SGD opt({.learning_rate = 0.1});
  opt.build({&p});
  step_with(opt, p, 0);
  expect_values(p.value, {0.95, -1.9}, "w1");
  step_with(opt, p, 1);
  expect_values(p.value, {0.93, -1.94}, "w2");
  EXPECT_EQ(opt.iterations(), 2);
}

TEST(SGD, Momentum) {
  // v₁ = 0.9·0 − 0.1·[0.5, −1] = [−0.05, 0.1];  w₁ = w + v₁ = [0.95, −1.9]
  // v₂ = 0.9·v₁ − 0.1·[0.2, 0.4] = [−0.065, 0.05];  w₂ = [0.885, −1.85]
  // v₃ = 0.9·v₂ − 0.1·[−0.3, 0.1] = [−0.0285, 0.035];  w₃ = [0.8565, −1.815]
  Param p = make_param({1, -2});
  SGD opt({.learning_rate = 0.1, .momentum = 0.9});
  opt.build({&p});
  ASSERT_EQ(opt.slots().size(), 1u);
  step_with(opt, p, 0);
  expect_values(p.value, {0.95, -1.9}, "w1");
  expect_values(*opt.slots()[0], {-0.05, 0.1}, "v1");
  step_with(opt, p, 1);
  expect_values(p.value, {0.885, -1.85}, "w2");
  expect_values(*opt.slots()[0], {-0.065, 0.05}, "v2");
  step_with(opt, p, 2);
  expect_values(p.value, {0.8565, -1.815}, "w3");
  expect_values(*opt.slots()[0], {-0.0285, 0.035}, "v3");
}

TEST(SGD, Nesterov) {
  // v₁ = [−0.05, 0.1];  w₁ = w + 0.9·v₁ − 0.1·g₁ = [1 − 0.045 − 0.05, −2 + 0.09 + 0.1] = [0.905, −1.81]
  // v₂ = [−0.065, 0.05]; w₂ = w₁ + 0.9·v₂ − 0.1·g₂ = [0.905 − 0.0585 − 0.02, −1.81 + 0.045 − 0.04]
  Param p = make_param({1, -2});
  SGD opt({.learning_rate = 0.1, .momentum = 0.9, .nesterov = true});
  opt.build({&p});
  step_with(opt, p, 0);
  expect_values(p.value, {0.905, -1.81}, "w1");
  step_with(opt, p, 1);
  expect_values(p.value, {0.8265, -1.805}, "w2");
  step_with(opt, p, 2);
  expect_values(p.value, {0.83085, -1.7835}, "w3");
  expect_values(*opt.slots()[0], {-0.0285, 0.035}, "v3");
}

// ---- RMSprop --------------------------------------------------------------------------------

TEST(RMSprop, DefaultsAreKeras) {
  RMSprop opt;
  EXPECT_EQ(opt.name(), "RMSprop");
  EXPECT_DOUBLE_EQ(opt.learning_rate(), 0.001);
  EXPECT_DOUBLE_EQ(opt.rho(), 0.9);
  EXPECT_DOUBLE_EQ(opt.momentum(), 0.0);
  EXPECT_DOUBLE_EQ(opt.epsilon(), 1e-7);
  EXPECT_FALSE(opt.centered());
  EXPECT_EQ(opt.slot_names(), (std::vector<std::string_view>{"velocity"}));
}

TEST(RMSprop, PlainEpsilonInsideTheRoot) {
  // v₁ = 0.1·g₁² = [0.025, 0.1];  w₁ = w − 0.01·g₁/√(v₁ + 1e-7)
  //    = [1 − 0.005/0.158114199, −2 + 0.01/0.316228] = [0.968377287, −1.96837724]
  Param p = make_param({1, -2});
  RMSprop opt({.learning_rate = 0.01});
  opt.build({&p});
  step_with(opt, p, 0);
  expect_values(p.value, {0.968377287, -1.96837724}, "w1");
  expect_values(*opt.slots()[0], {0.025, 0.1}, "v1");
  step_with(opt, p, 1);
  expect_values(p.value, {0.956091407, -1.98066314}, "w2");
  expect_values(*opt.slots()[0], {0.0265, 0.106}, "v2");
  step_with(opt, p, 2);
  expect_values(p.value, {0.9726435, -1.98388392}, "w3");
}

TEST(RMSprop, Centered) {
  // ḡ₁ = 0.1·g₁ = [0.05, −0.1];  d = v₁ − ḡ₁² + ε = [0.0225001, 0.0900001]
  // w₁ = [1 − 0.005/0.15000033, −2 + 0.01/0.30000017] = [0.966666741, −1.96666669]
  Param p = make_param({1, -2});
  RMSprop opt({.learning_rate = 0.01, .centered = true});
  opt.build({&p});
  ASSERT_EQ(opt.slot_names(), (std::vector<std::string_view>{"velocity", "average_gradient"}));
  step_with(opt, p, 0);
  expect_values(p.value, {0.966666741, -1.96666669}, "w1");
  expect_values(*opt.slots()[1], {0.05, -0.1}, "average_gradient1");
  step_with(opt, p, 1);
  expect_values(p.value, {0.953266267, -1.97910008}, "w2");
  step_with(opt, p, 2);
  expect_values(p.value, {0.970026867, -1.98234152}, "w3");
  expect_values(*opt.slots()[1], {0.0285, -0.035}, "average_gradient3");
}

TEST(RMSprop, Momentum) {
  // μ₁ = Δ₁ = [0.0316227134, −0.0316227608] (the plain step);  w₁ as in the plain case
  // μ₂ = 0.5·μ₁ + Δ₂;  w₂ = w₁ − μ₂
  Param p = make_param({1, -2});
  RMSprop opt({.learning_rate = 0.01, .momentum = 0.5});
  opt.build({&p});
  ASSERT_EQ(opt.slot_names(), (std::vector<std::string_view>{"velocity", "momentum"}));
  step_with(opt, p, 0);
  expect_values(p.value, {0.968377287, -1.96837724}, "w1");
  expect_values(*opt.slots()[1], {0.0316227134, -0.0316227608}, "momentum1");
  step_with(opt, p, 1);
  expect_values(p.value, {0.940280051, -1.96485176}, "w2");
  expect_values(*opt.slots()[1], {0.0280972358, -0.00352548385}, "momentum2");
  step_with(opt, p, 2);
  expect_values(p.value, {0.942783525, -1.96630979}, "w3");
}

TEST(RMSprop, CenteredWithMomentum) {
  Param p = make_param({1, -2});
  RMSprop opt({.learning_rate = 0.01, .momentum = 0.5, .centered = true});
  opt.build({&p});
  ASSERT_EQ(opt.slot_names(), (std::vector<std::string_view>{"velocity", "momentum", "average_gradient"}));
  step_with(opt, p, 0);
  expect_values(p.value, {0.966666741, -1.96666669}, "w1");
  step_with(opt, p, 1);
  expect_values(p.value, {0.936599637, -1.96243342}, "w2");
  step_with(opt, p, 2);
  expect_values(p.value, {0.938326686, -1.96355823}, "w3");
  expect_values(*opt.slots()[1], {-0.00172704856, 0.00112480957}, "momentum3");
  expect_values(*opt.slots()[2], {0.0285, -0.035}, "average_gradient3");
}

// ---- Adam -----------------------------------------------------------------------------------

TEST(Adam, DefaultsAreKeras) {
  Adam opt;
  EXPECT_EQ(opt.name(), "Adam");
  EXPECT_DOUBLE_EQ(opt.learning_rate(), 0.001);
  EXPECT_DOUBLE_EQ(opt.beta_1(), 0.9);
  EXPECT_DOUBLE_EQ(opt.beta_2(), 0.999);
  EXPECT_DOUBLE_EQ(opt.epsilon(), 1e-7);
  EXPECT_FALSE(opt.amsgrad());
  EXPECT_DOUBLE_EQ(opt.options().weight_decay, 0.0);
}

TEST(Adam, BiasCorrectionInTheStepSize) {
  // t = 1:  m = 0.1·g₁ = [0.05, −0.1];  v = 0.001·g₁² = [0.00025, 0.001]
  //         α = 0.1·√(1 − 0.999)/(1 − 0.9) = √0.001 = 0.0316227766
  //         w₁ = w − α·m/(√v + 1e-7) = [1 − 0.0316227766·0.05/0.0158114883, ...] = [0.900000632, ...]
  Param p = make_param({1, -2});
  Adam opt({.learning_rate = 0.1});
  opt.build({&p});
  step_with(opt, p, 0);
  expect_values(p.value, {0.900000632, -1.90000032}, "w1");
  expect_values(*opt.slots()[0], {0.05, -0.1}, "m1");
  expect_values(*opt.slots()[1], {0.00025, 0.001}, "v1");
  step_with(opt, p, 1);  // α = 0.1·√(1 − 0.999²)/(1 − 0.9²) = 0.0235316725
  expect_values(p.value, {0.81014364, -1.86543983}, "w2");
  expect_values(*opt.slots()[0], {0.065, -0.05}, "m2");
  expect_values(*opt.slots()[1], {0.00028975, 0.001159}, "v2");
  step_with(opt, p, 2);  // α = 0.0202010597
  expect_values(p.value, {0.780588458, -1.84475038}, "w3");
  expect_values(*opt.slots()[1], {0.00037946025, 0.001167841}, "v3");
}

TEST(Adam, AmsgradKeepsTheLargestVelocity) {
  // β₂ = 0.5 so that v shrinks: v₁ = [0.125, 0.5], v₂ = [0.0825, 0.33] < v̂ = [0.125, 0.5].
  // Step 2 divides by √v̂ instead of √v₂, so w₂ differs from plain Adam's [0.796851446, −1.86032748].
  Param plain = make_param({1, -2});
  Param ams = make_param({1, -2});
  Adam plain_opt({.learning_rate = 0.1, .beta_2 = 0.5});
  Adam ams_opt({.learning_rate = 0.1, .beta_2 = 0.5, .amsgrad = true});
  plain_opt.build({&plain});
  ams_opt.build({&ams});
  ASSERT_EQ(ams_opt.slot_names(), (std::vector<std::string_view>{"momentum", "velocity", "velocity_hat"}));
  for (std::size_t t = 0; t < 3; ++t) {
    step_with(plain_opt, plain, t);
    step_with(ams_opt, ams, t);
    if (t == 0) {
      expect_values(plain.value, {0.900000028, -1.90000001}, "plain w1");
      expect_values(ams.value, {0.900000028, -1.90000001}, "amsgrad w1");
    }
  }
  expect_values(plain.value, {0.76335491, -1.83102676}, "plain w3");
  expect_values(ams.value, {0.788377405, -1.85068478}, "amsgrad w3");
  expect_values(*ams_opt.slots()[1], {0.08625, 0.17}, "v3");
  expect_values(*ams_opt.slots()[2], {0.125, 0.5}, "v_hat3");
}

// ---- AdamW ----------------------------------------------------------------------------------

TEST(AdamW, DefaultsAreKeras) {
  AdamW opt;
  EXPECT_EQ(opt.name(), "AdamW");
  EXPECT_DOUBLE_EQ(opt.learning_rate(), 0.001);
  EXPECT_DOUBLE_EQ(opt.options().weight_decay, 0.004);
  EXPECT_DOUBLE_EQ(opt.beta_1(), 0.9);
  EXPECT_DOUBLE_EQ(opt.beta_2(), 0.999);
  EXPECT_DOUBLE_EQ(opt.epsilon(), 1e-7);
}

TEST(AdamW, DecoupledDecayBeforeTheAdamUpdate) {
  // w ← w − w·0.1·0.1 = [0.99, −1.98], then Adam's step 1 subtracts [0.0999994, −0.0999997]:
  // w₁ = [0.890000632, −1.88000032]
  Param p = make_param({1, -2});
  AdamW opt({.learning_rate = 0.1, .weight_decay = 0.1});
  opt.build({&p});
  step_with(opt, p, 0);
  expect_values(p.value, {0.890000632, -1.88000032}, "w1");
  step_with(opt, p, 1);
  expect_values(p.value, {0.791243634, -1.82663983}, "w2");
  step_with(opt, p, 2);
  expect_values(p.value, {0.753776015, -1.78768398}, "w3");
}

// ---- Nadam ----------------------------------------------------------------------------------

TEST(Nadam, DefaultsAreKeras) {
  Nadam opt;
  EXPECT_EQ(opt.name(), "Nadam");
  EXPECT_DOUBLE_EQ(opt.learning_rate(), 0.001);
  EXPECT_DOUBLE_EQ(opt.beta_1(), 0.9);
  EXPECT_DOUBLE_EQ(opt.beta_2(), 0.999);
  EXPECT_DOUBLE_EQ(opt.epsilon(), 1e-7);
}

TEST(Nadam, MomentumScheduleAndRunningProduct) {
  // t = 1:  u₁ = 0.9·(1 − ½·0.96) = 0.468,  u₂ = 0.9·(1 − ½·0.9216) = 0.48528
  //         u_product = 0.468;  m = [0.05, −0.1];  v = [0.00025, 0.001]
  //         m̂ = 0.48528·m/(1 − 0.468·0.48528) + (1 − 0.468)·g/(1 − 0.468) = [0.531393902, ...]
  //         v̂ = v/(1 − 0.999) = [0.25, 1];  w₁ = w − 0.1·m̂/(√v̂ + 1e-7) = [0.893721241, −1.89372123]
  Param p = make_param({1, -2});
  Nadam opt({.learning_rate = 0.1});
  opt.build({&p});
  ASSERT_EQ(opt.scalar_state().size(), 1u);
  EXPECT_DOUBLE_EQ(*opt.scalar_state()[0], 1.0);
  step_with(opt, p, 0);
  expect_values(p.value, {0.893721241, -1.89372123}, "w1");
  EXPECT_NEAR(opt.u_product(), 0.468, 1e-12);
  step_with(opt, p, 1);
  expect_values(p.value, {0.849065888, -1.92498649}, "w2");
  EXPECT_NEAR(opt.u_product(), 0.22711104, 1e-12);  // 0.468·0.48528
  step_with(opt, p, 2);
  expect_values(p.value, {0.892058863, -1.93090761}, "w3");
  EXPECT_NEAR(*opt.scalar_state()[0], 0.113979945112, 1e-12);  // ·0.9·(1 − ½·0.96³)
  expect_values(*opt.slots()[0], {0.0285, -0.035}, "m3");
  expect_values(*opt.slots()[1], {0.00037946025, 0.001167841}, "v3");
}

TEST(Nadam, CheckpointedStateResumesExactly) {
  // Two steps, then copy iterations, slots and scalar_state() into a fresh optimizer on a copy of
  // the weights: the third step must match the uninterrupted run (and the hand value above).
  Param p = make_param({1, -2});
  Nadam opt({.learning_rate = 0.1});
  opt.build({&p});
  step_with(opt, p, 0);
  step_with(opt, p, 1);

  Param q = make_param({0, 0});
  copy(p.value, q.value);
  Nadam resumed({.learning_rate = 0.1});
  resumed.build({&q});
  resumed.set_iterations(opt.iterations());
  for (std::size_t i = 0; i < opt.slots().size(); ++i) copy(*opt.slots()[i], *resumed.slots()[i]);
  *resumed.scalar_state()[0] = *opt.scalar_state()[0];

  step_with(opt, p, 2);
  step_with(resumed, q, 2);
  expect_values(q.value, {0.892058863, -1.93090761}, "resumed w3");
  EXPECT_EQ(q.value[0], p.value[0]);
  EXPECT_EQ(q.value[1], p.value[1]);
}

// ---- Adagrad --------------------------------------------------------------------------------

TEST(Adagrad, DefaultsAreKeras) {
  Adagrad opt;
  EXPECT_EQ(opt.name(), "Adagrad");
  EXPECT_DOUBLE_EQ(opt.learning_rate(), 0.001);
  EXPECT_DOUBLE_EQ(opt.initial_accumulator_value(), 0.1);
  EXPECT_DOUBLE_EQ(opt.epsilon(), 1e-7);
}

TEST(Adagrad, AccumulatorStartsAtInitialValue) {
  // a₀ = 0.1;  a₁ = 0.1 + g₁² = [0.35, 1.1];  w₁ = w − 0.1·g₁/√(a₁ + 1e-7)
  //    = [1 − 0.05/0.591608, −2 + 0.1/1.0488089] = [0.915484587, −1.90465375]
  Param p = make_param({1, -2});
  Adagrad opt({.learning_rate = 0.1});
  opt.build({&p});
  expect_values(*opt.slots()[0], {0.1, 0.1}, "a0");
  step_with(opt, p, 0);
  expect_values(p.value, {0.915484587, -1.90465375}, "w1");
  expect_values(*opt.slots()[0], {0.35, 1.1}, "a1");
  step_with(opt, p, 1);
  expect_values(p.value, {0.88345896, -1.94028858}, "w2");
  step_with(opt, p, 2);
  expect_values(p.value, {0.926760226, -1.94916214}, "w3");
  expect_values(*opt.slots()[0], {0.48, 1.27}, "a3");
}

// ---- large parameters take the OpenMP path of the update loops ------------------------------

TEST(Parallel, LargeParametersGetTheSameElementwiseUpdate) {
  // 300×300 = 90,000 elements (above the parallel threshold), every one w = 1 with g₁ = 0.5 then
  // g₂ = 0.2: each must follow the first column of the small cases above.
  const auto run = [](Optimizer& opt, double expected_w1, double expected_w2) {
    Param p;
    p.name = "kernel";
    p.value = Matrix(300, 300);
    p.value.fill(1);
    p.grad = Matrix(300, 300);
    opt.build({&p});
    p.grad.fill(static_cast<Scalar>(0.5));
    opt.step();
    for (std::size_t k = 0; k < p.value.size(); ++k) {
      ASSERT_NEAR(static_cast<double>(p.value[k]), expected_w1, 1e-6 * expected_w1) << opt.name() << " " << k;
    }
    p.grad.fill(static_cast<Scalar>(0.2));
    opt.step();
    for (std::size_t k = 0; k < p.value.size(); ++k) {
      ASSERT_NEAR(static_cast<double>(p.value[k]), expected_w2, 1e-6 * expected_w2) << opt.name() << " " << k;
    }
  };
  SGD sgd({.learning_rate = 0.1, .momentum = 0.9, .nesterov = true});
  run(sgd, 0.905, 0.8265);
  RMSprop rmsprop({.learning_rate = 0.01, .momentum = 0.5, .centered = true});
  run(rmsprop, 0.966666741, 0.936599637);
  Adam adam({.learning_rate = 0.1, .beta_2 = 0.5, .amsgrad = true});
  run(adam, 0.900000028, 0.816201719);
  AdamW adamw({.learning_rate = 0.1, .weight_decay = 0.1});
  run(adamw, 0.890000632, 0.791243634);
  Nadam nadam({.learning_rate = 0.1});
  run(nadam, 0.893721241, 0.849065888);
  Adagrad adagrad({.learning_rate = 0.1});
  run(adagrad, 0.915484587, 0.88345896);
}

TEST(Parallel, EveryOptimizerGivesBitIdenticalUpdatesAtAnyThreadCount) {
  // One OpenMP region updates every parameter, each thread its slice of each: parameters smaller
  // than the thread count (a 1-element and a 2-element one) and large ones, random gradients,
  // three steps; values and every slot must equal the serial run's bit for bit.
  const auto run = [](const std::string& name, int threads) {
    test::ThreadCount scope(threads);
    std::vector<Param> params(4);
    const std::size_t rows[] = {1, 1, 300, 17}, cols[] = {1, 2, 300, 1031};
    const char* names[] = {"scalar", "pair", "kernel", "wide"};
    for (std::size_t i = 0; i < params.size(); ++i) {
      params[i].name = names[i];
      params[i].value = test::uniform_matrix(rows[i], cols[i], 10 + i);
      params[i].grad = Matrix(rows[i], cols[i]);
    }
    std::vector<Param*> bound;
    for (Param& p : params) bound.push_back(&p);
    auto opt = make_optimizer(name);
    opt->build(bound);
    for (std::uint64_t step = 0; step < 3; ++step) {
      for (std::size_t i = 0; i < params.size(); ++i) {
        params[i].grad = test::uniform_matrix(rows[i], cols[i], 100 * step + i);
      }
      opt->step();
    }
    std::vector<Matrix> state;
    for (const Param& p : params) state.push_back(p.value);
    for (Matrix* slot : opt->slots()) state.push_back(*slot);
    return state;
  };
  for (const char* name : {"sgd", "rmsprop", "adam", "adamw", "nadam", "adagrad"}) {
    SCOPED_TRACE(name);
    const std::vector<Matrix> serial = run(name, 1);
    for (int threads : {2, 3}) {
      const std::vector<Matrix> parallel = run(name, threads);
      ASSERT_EQ(parallel.size(), serial.size());
      for (std::size_t k = 0; k < serial.size(); ++k) {
        EXPECT_TRUE(test::same_values(serial[k], parallel[k])) << threads << " threads, state " << k;
      }
    }
    for (std::size_t i = 0; i < 4; ++i) {  // the update really moved every parameter
      const Matrix initial = test::uniform_matrix(serial[i].rows(), serial[i].cols(), 10 + i);
      EXPECT_FALSE(test::same_values(serial[i], initial)) << "parameter " << i;
    }
  }
}

// ---- ε placement: with ε = 0.01 the forms differ by far more than the tolerance ---------------

TEST(Epsilon, PlacementFollowsKeras) {
  // Adam: w − α·m/(√v + ε) = 1 − 0.0316227766·0.05/(0.0158113883 + 0.01) = 0.938742589
  //       (PyTorch's lr·m̂/(√v̂ + ε) would give 1 − 0.1·0.5/(0.5 + 0.01) = 0.901960784)
  // RMSprop: w − lr·g/√(v + ε) = 1 − 0.005/√0.035 = 0.973273876      (ε inside the root)
  // Adagrad: w − lr·g/√(a + ε) = 1 − 0.05/√(0.35 + 0.01) = 0.916666667 (ε inside the root)
  // Nadam:   w − lr·m̂/(√v̂ + ε) = 1 − 0.1·0.531393902/(0.5 + 0.01) = 0.895805117
  Param a = make_param({1, -2});
  Param r = make_param({1, -2});
  Param g = make_param({1, -2});
  Param n = make_param({1, -2});
  Adam adam({.learning_rate = 0.1, .epsilon = 0.01});
  RMSprop rmsprop({.learning_rate = 0.01, .epsilon = 0.01});
  Adagrad adagrad({.learning_rate = 0.1, .epsilon = 0.01});
  Nadam nadam({.learning_rate = 0.1, .epsilon = 0.01});
  adam.build({&a});
  rmsprop.build({&r});
  adagrad.build({&g});
  nadam.build({&n});
  step_with(adam, a, 0);
  step_with(rmsprop, r, 0);
  step_with(adagrad, g, 0);
  step_with(nadam, n, 0);
  expect_values(a.value, {0.938742589, -1.92402531}, "Adam");
  expect_values(r.value, {0.973273876, -1.96984887}, "RMSprop");
  expect_values(g.value, {0.916666667, -1.9050842}, "Adagrad");
  expect_values(n.value, {0.895805117, -1.89477348}, "Nadam");
}

// ---- base: clipping, weight decay, schedules, state -------------------------------------------

TEST(Clipping, ClipnormScalesEachGradientOnItsOwn) {
  // a: g = [3, 4], ‖g‖ = 5 > 1 → g·1/5 = [0.6, 0.8];  b: g = [0.5], ‖g‖ = 0.5 ≤ 1 → unchanged.
  Param a = make_param({0, 0}, "a");
  Param b = make_param({0}, "b");
  SGD opt({.learning_rate = 1.0, .clipnorm = 1.0});
  opt.build({&a, &b});
  set_grad(a, {3, 4});
  set_grad(b, {0.5});
  opt.step();
  expect_values(a.value, {-0.6, -0.8}, "a");
  expect_values(b.value, {-0.5}, "b");
}

TEST(Clipping, GlobalClipnormScalesAllGradientsTogether) {
  // ‖G‖ = √(3² + 4² + 12²) = 13;  c = 6.5 → every g·6.5/13 = g·0.5.
  Param a = make_param({0, 0}, "a");
  Param b = make_param({0}, "b");
  SGD opt({.learning_rate = 1.0, .global_clipnorm = 6.5});
  opt.build({&a, &b});
  set_grad(a, {3, 4});
  set_grad(b, {12});
  opt.step();
  expect_values(a.value, {-1.5, -2.0}, "a");
  expect_values(b.value, {-6.0}, "b");

  // Below the threshold nothing changes: ‖G‖ = 13 ≤ 20.
  SGD loose({.learning_rate = 1.0, .global_clipnorm = 20});
  Param c = make_param({0, 0}, "c");
  Param d = make_param({0}, "d");
  loose.build({&c, &d});
  set_grad(c, {3, 4});
  set_grad(d, {12});
  loose.step();
  expect_values(c.value, {-3, -4}, "c");
  expect_values(d.value, {-12}, "d");
}

TEST(Clipping, GlobalClipnormPoisonsNonFiniteGradientsLikeKeras) {
  Param a = make_param({0, 0});
  SGD opt({.learning_rate = 1.0, .global_clipnorm = 1.0});
  opt.build({&a});
  a.grad[0] = std::numeric_limits<Scalar>::infinity();
  a.grad[1] = 1;
  opt.step();
  EXPECT_TRUE(std::isnan(a.value[0]));
  EXPECT_TRUE(std::isnan(a.value[1]));
}

TEST(Clipping, ClipvalueClampsEachElement) {
  Param a = make_param({0, 0, 0});
  SGD opt({.learning_rate = 1.0, .clipvalue = 1.0});
  opt.build({&a});
  set_grad(a, {3, -4, 0.5});
  opt.step();
  expect_values(a.value, {-1, 1, -0.5}, "w");
}

TEST(Clipping, OnlyOneClippingArgument) {
  expect_error_naming([] { SGD({.clipnorm = 1, .clipvalue = 1}); }, "only one of clipnorm");
  expect_error_naming([] { Adam({.clipnorm = 1, .global_clipnorm = 1}); }, "global_clipnorm");
}

TEST(WeightDecay, AppliesToAnyOptimizerBeforeItsUpdate) {
  // w ← w − w·0.5·0.1 = [0.95, −1.9];  then SGD: − 0.1·g₁ → [0.9, −1.8]
  // w ← [0.855, −1.71] − 0.1·g₂ = [0.835, −1.75]
  Param p = make_param({1, -2});
  SGD opt({.learning_rate = 0.1, .weight_decay = 0.5});
  opt.build({&p});
  step_with(opt, p, 0);
  expect_values(p.value, {0.9, -1.8}, "w1");
  step_with(opt, p, 1);
  expect_values(p.value, {0.835, -1.75}, "w2");
}

TEST(Schedule, DrivesTheLearningRateAtIterationsBeforeTheStep) {
  // lr(step) = 0.1·0.5^step: the first update uses lr(0) = 0.1, the second lr(1) = 0.05, ...
  // w₁ = [1, −2] − 0.1·g₁ = [0.95, −1.9];  w₂ = w₁ − 0.05·g₂ = [0.94, −1.92]
  // w₃ = w₂ − 0.025·g₃ = [0.9475, −1.9225]
  auto schedule = std::make_shared<ExponentialDecay>(
      ExponentialDecay::Options{.initial_learning_rate = 0.1, .decay_steps = 1, .decay_rate = 0.5});
  Param p = make_param({1, -2});
  SGD opt({.schedule = schedule});
  opt.build({&p});
  EXPECT_DOUBLE_EQ(opt.learning_rate(), 0.1);
  step_with(opt, p, 0);
  EXPECT_DOUBLE_EQ(opt.learning_rate(), 0.05);
  expect_values(p.value, {0.95, -1.9}, "w1");
  step_with(opt, p, 1);
  expect_values(p.value, {0.94, -1.92}, "w2");
  step_with(opt, p, 2);
  expect_values(p.value, {0.9475, -1.9225}, "w3");
  EXPECT_DOUBLE_EQ(opt.learning_rate(), 0.0125);
}

TEST(Schedule, WeightDecayUsesTheScheduledRate) {
  // Step 2 runs at lr(1) = 0.05: w ← w₁·(1 − 0.5·0.05) − 0.05·g₂, w₁ = [0.9, −1.8] (as above)
  //   = [0.8775 − 0.01, −1.755 − 0.02] = [0.8675, −1.775]
  auto schedule = std::make_shared<ExponentialDecay>(
      ExponentialDecay::Options{.initial_learning_rate = 0.1, .decay_steps = 1, .decay_rate = 0.5});
  Param p = make_param({1, -2});
  SGD opt({.schedule = schedule, .weight_decay = 0.5});
  opt.build({&p});
  step_with(opt, p, 0);
  expect_values(p.value, {0.9, -1.8}, "w1");
  step_with(opt, p, 1);
  expect_values(p.value, {0.8675, -1.775}, "w2");
}

TEST(LearningRate, SetLearningRateDropsTheSchedule) {
  auto schedule = std::make_shared<PiecewiseConstantDecay>(
      PiecewiseConstantDecay::Options{.boundaries = {0}, .values = {0.1, 0.01}});
  Param p = make_param({1, -2});
  SGD opt({.schedule = schedule});
  opt.build({&p});
  step_with(opt, p, 0);  // lr(0) = 0.1 → [0.95, −1.9]
  EXPECT_DOUBLE_EQ(opt.learning_rate(), 0.01);
  opt.set_learning_rate(0.5);
  EXPECT_DOUBLE_EQ(opt.learning_rate(), 0.5);
  EXPECT_EQ(opt.options().schedule, nullptr);
  step_with(opt, p, 1);  // [0.95 − 0.1, −1.9 − 0.2]
  expect_values(p.value, {0.85, -2.1}, "w2");
  expect_error_naming([&] { opt.set_learning_rate(-1); }, "learning_rate");
}

TEST(State, SlotsAreInKerasOrderAndBuildResets) {
  // Keras orders optimizer variables by kind: every momentum, then every velocity.
  Param a = make_param({1, 2}, "a");
  Param b = make_param({3, 4, 5}, "b");
  Adam opt({.learning_rate = 0.1});
  opt.build({&a, &b});
  std::vector<Matrix*> slots = opt.slots();
  ASSERT_EQ(slots.size(), 4u);
  EXPECT_EQ(slots[0]->size(), 2u);  // momentum of a
  EXPECT_EQ(slots[1]->size(), 3u);  // momentum of b
  EXPECT_EQ(slots[2]->size(), 2u);  // velocity of a
  EXPECT_EQ(slots[3]->size(), 3u);  // velocity of b
  set_grad(a, {1, 1});
  set_grad(b, {2, 2, 2});
  opt.step();
  expect_values(*opt.slots()[1], {0.2, 0.2, 0.2}, "momentum of b");  // 0.1·g
  expect_values(*opt.slots()[2], {0.001, 0.001}, "velocity of a");   // 0.001·g²

  opt.build({&a});
  EXPECT_EQ(opt.iterations(), 0);
  ASSERT_EQ(opt.slots().size(), 2u);
  expect_values(*opt.slots()[0], {0, 0}, "momentum after rebuild");
}

TEST(State, StepChecksBuildAndShapes) {
  Adam opt;
  expect_error_naming([&] { opt.step(); }, "build");
  Param p = make_param({1, 2}, "kernel");
  opt.build({&p});
  p.grad = Matrix(2, 1);
  expect_error_naming([&] { opt.step(); }, "'kernel'");
}

TEST(Factory, MakeOptimizerByKerasName) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"sgd", "SGD"},     {"SGD", "SGD"},     {"rmsprop", "RMSprop"}, {"RMSprop", "RMSprop"},
      {"adam", "Adam"},   {"Adam", "Adam"},   {"adamw", "AdamW"},     {"AdamW", "AdamW"},
      {"nadam", "Nadam"}, {"NADAM", "Nadam"}, {"adagrad", "Adagrad"}, {"Adagrad", "Adagrad"}};
  for (const auto& [key, expected] : cases) {
    std::unique_ptr<Optimizer> opt = make_optimizer(key);
    ASSERT_NE(opt, nullptr) << key;
    EXPECT_EQ(opt->name(), expected) << key;
  }
  EXPECT_DOUBLE_EQ(make_optimizer("sgd")->learning_rate(), 0.01);
  EXPECT_DOUBLE_EQ(make_optimizer("adamw")->options().weight_decay, 0.004);
  expect_error_naming([] { make_optimizer("adamax"); }, "'adamax'");
}

TEST(Validation, ConstructorsNameTheBadArgument) {
  expect_error_naming([] { SGD({.learning_rate = -0.1}); }, "learning_rate");
  expect_error_naming([] { SGD({.learning_rate = std::nan("")}); }, "learning_rate");
  expect_error_naming([] { SGD({.momentum = 1.5}); }, "momentum");
  expect_error_naming([] { SGD({.momentum = -0.1}); }, "momentum");
  expect_error_naming([] { SGD({.weight_decay = -1}); }, "weight_decay");
  expect_error_naming([] { SGD({.clipnorm = -1}); }, "clipnorm");
  expect_error_naming([] { SGD({.clipvalue = -1}); }, "clipvalue");
  expect_error_naming([] { SGD({.global_clipnorm = -1}); }, "global_clipnorm");
  expect_error_naming([] { RMSprop({.rho = 1.0}); }, "rho");
  expect_error_naming([] { RMSprop({.rho = -0.1}); }, "rho");
  expect_error_naming([] { RMSprop({.momentum = 2}); }, "momentum");
  expect_error_naming([] { RMSprop({.epsilon = -1e-7}); }, "epsilon");
  expect_error_naming([] { Adam({.beta_1 = 1.0}); }, "beta_1");
  expect_error_naming([] { Adam({.beta_2 = -0.5}); }, "beta_2");
  expect_error_naming([] { Adam({.epsilon = -1}); }, "epsilon");
  expect_error_naming([] { AdamW({.weight_decay = -0.004}); }, "weight_decay");
  expect_error_naming([] { AdamW({.beta_2 = 1.0}); }, "beta_2");
  expect_error_naming([] { Nadam({.beta_1 = 1.2}); }, "beta_1");
  expect_error_naming([] { Nadam({.beta_2 = 1.0}); }, "beta_2");
  expect_error_naming([] { Adagrad({.initial_accumulator_value = -0.1}); }, "initial_accumulator_value");
  expect_error_naming([] { Adagrad({.epsilon = -1}); }, "epsilon");
  // Boundary values that Keras accepts are accepted.
  EXPECT_NO_THROW(SGD({.momentum = 1.0}));
  EXPECT_NO_THROW(Adam({.beta_1 = 0.0, .beta_2 = 0.0, .epsilon = 0.0}));
  EXPECT_NO_THROW(Adagrad({.initial_accumulator_value = 0.0}));
}

}  // namespace
}  // namespace mlp
