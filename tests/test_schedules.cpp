// SPDX-License-Identifier: MIT
// Learning-rate schedules at hand-computed steps, including the boundaries (Keras'
// learning_rate_schedule.py: PiecewiseConstantDecay intervals are closed on the right, CosineDecay
// clamps the step, the warm-up ends at warmup_steps).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "mlp/error.hpp"
#include "mlp/schedule.hpp"

namespace mlp {
namespace {

constexpr double kTol = 1e-12;

// Expects `fn` to throw Error whose message names `argument`.
template <class Fn>
void expect_error_naming(Fn fn, const std::string& argument) {
  try {
    fn();
    ADD_FAILURE() << "no Error thrown; expected one naming " << argument;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(argument), std::string::npos) << "message: " << e.what();
  }
}

TEST(ExponentialDecay, ContinuousExponent) {
  // 0.1·0.5^(step/10)
  ExponentialDecay s({.initial_learning_rate = 0.1, .decay_steps = 10, .decay_rate = 0.5});
  EXPECT_EQ(s.name(), "ExponentialDecay");
  EXPECT_NEAR(s(0), 0.1, kTol);
  EXPECT_NEAR(s(5), 0.0707106781187, kTol);  // 0.1·√0.5
  EXPECT_NEAR(s(10), 0.05, kTol);
  EXPECT_NEAR(s(25), 0.0176776695297, kTol);  // 0.1·0.5^2.5
}

TEST(ExponentialDecay, StaircaseFloorsTheExponent) {
  ExponentialDecay s({.initial_learning_rate = 0.1, .decay_steps = 10, .decay_rate = 0.5, .staircase = true});
  EXPECT_NEAR(s(0), 0.1, kTol);
  EXPECT_NEAR(s(5), 0.1, kTol);
  EXPECT_NEAR(s(9), 0.1, kTol);
  EXPECT_NEAR(s(10), 0.05, kTol);  // the first decay lands exactly on the boundary
  EXPECT_NEAR(s(19), 0.05, kTol);
  EXPECT_NEAR(s(25), 0.025, kTol);  // ⌊2.5⌋ = 2
}

TEST(ExponentialDecay, Validation) {
  expect_error_naming([] { ExponentialDecay({.decay_steps = 0}); }, "decay_steps");
  expect_error_naming([] { ExponentialDecay({.decay_steps = -5}); }, "decay_steps");
  expect_error_naming([] { ExponentialDecay({.decay_rate = 0}); }, "decay_rate");
  expect_error_naming([] { ExponentialDecay({.initial_learning_rate = -0.1}); }, "initial_learning_rate");
}

TEST(PiecewiseConstantDecay, IntervalsAreClosedOnTheRight) {
  // 1.0 for step ≤ 10, 0.5 for 10 < step ≤ 20, 0.1 after.
  PiecewiseConstantDecay s({.boundaries = {10, 20}, .values = {1.0, 0.5, 0.1}});
  EXPECT_EQ(s.name(), "PiecewiseConstantDecay");
  EXPECT_DOUBLE_EQ(s(0), 1.0);
  EXPECT_DOUBLE_EQ(s(10), 1.0);
  EXPECT_DOUBLE_EQ(s(11), 0.5);
  EXPECT_DOUBLE_EQ(s(20), 0.5);
  EXPECT_DOUBLE_EQ(s(21), 0.1);
  EXPECT_DOUBLE_EQ(s(1000000), 0.1);
}

TEST(PiecewiseConstantDecay, Validation) {
  expect_error_naming([] { PiecewiseConstantDecay({.boundaries = {10}, .values = {1.0}}); }, "values.size()");
  expect_error_naming([] { PiecewiseConstantDecay({.boundaries = {10}, .values = {1.0, 0.5, 0.1}}); }, "values.size()");
  expect_error_naming(
      [] {
        PiecewiseConstantDecay({.boundaries = {20, 10}, .values = {1.0, 0.5, 0.1}});
      },
      "boundaries[1]");
  expect_error_naming(
      [] {
        PiecewiseConstantDecay({.boundaries = {10, 10}, .values = {1.0, 0.5, 0.1}});
      },
      "strictly increasing");
  expect_error_naming([] { PiecewiseConstantDecay({.boundaries = {10}, .values = {1.0, -0.5}}); }, "values[1]");
}

TEST(CosineDecay, WithoutWarmup) {
  // 0.1·½(1 + cos(π·step/100)), the step clamped to 100.
  CosineDecay s({.initial_learning_rate = 0.1, .decay_steps = 100});
  EXPECT_EQ(s.name(), "CosineDecay");
  EXPECT_NEAR(s(0), 0.1, kTol);
  EXPECT_NEAR(s(25), 0.0853553390593, kTol);  // 0.05·(1 + √½)
  EXPECT_NEAR(s(50), 0.05, kTol);
  EXPECT_NEAR(s(100), 0.0, kTol);
  EXPECT_NEAR(s(250), 0.0, kTol);
}

TEST(CosineDecay, AlphaIsTheFloor) {
  // 0.1·((1 − 0.1)·½(1 + cos(π·step/100)) + 0.1)
  CosineDecay s({.initial_learning_rate = 0.1, .decay_steps = 100, .alpha = 0.1});
  EXPECT_NEAR(s(0), 0.1, kTol);
  EXPECT_NEAR(s(30), 0.0814503363532, kTol);
  EXPECT_NEAR(s(50), 0.055, kTol);  // 0.1·(0.45 + 0.1)
  EXPECT_NEAR(s(100), 0.01, kTol);
  EXPECT_NEAR(s(1000), 0.01, kTol);
}

TEST(CosineDecay, LinearWarmupThenCosineFromTheTarget) {
  // Warm-up from 0.02 to 0.1 over 10 steps: 0.02 + 0.08·step/10; then 0.1·½(1 + cos(π(step − 10)/100)).
  CosineDecay s({.initial_learning_rate = 0.02, .decay_steps = 100, .warmup_target = 0.1, .warmup_steps = 10});
  EXPECT_NEAR(s(0), 0.02, kTol);
  EXPECT_NEAR(s(5), 0.06, kTol);
  EXPECT_NEAR(s(9), 0.092, kTol);
  EXPECT_NEAR(s(10), 0.1, kTol);  // warm-up over: the decay starts at the target
  EXPECT_NEAR(s(35), 0.0853553390593, kTol);
  EXPECT_NEAR(s(60), 0.05, kTol);
  EXPECT_NEAR(s(110), 0.0, kTol);
  EXPECT_NEAR(s(5000), 0.0, kTol);
}

TEST(CosineDecay, WarmupTargetWithoutWarmupStepsStartsDecayAtTarget) {
  CosineDecay s({.initial_learning_rate = 0.0, .decay_steps = 100, .warmup_target = 0.1});
  EXPECT_NEAR(s(0), 0.1, kTol);
  EXPECT_NEAR(s(50), 0.05, kTol);
}

TEST(CosineDecay, Validation) {
  expect_error_naming([] { CosineDecay({.decay_steps = 0}); }, "decay_steps");
  expect_error_naming([] { CosineDecay({.alpha = 1.5}); }, "alpha");
  expect_error_naming([] { CosineDecay({.alpha = -0.1}); }, "alpha");
  expect_error_naming([] { CosineDecay({.warmup_target = 0.1, .warmup_steps = -1}); }, "warmup_steps");
  expect_error_naming([] { CosineDecay({.warmup_target = -0.1, .warmup_steps = 10}); }, "warmup_target");
  expect_error_naming([] { CosineDecay({.initial_learning_rate = -1}); }, "initial_learning_rate");
}

}  // namespace
}  // namespace mlp
