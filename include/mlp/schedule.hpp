// SPDX-License-Identifier: MIT
#pragma once
// Learning-rate schedules (keras.optimizers.schedules), evaluated at the optimizer's step count
// before the update (0 for the first batch), as Keras does.
//   ExponentialDecay        lr = initial · rate^(step / decay_steps)   (floor of the exponent if staircase)
//   PiecewiseConstantDecay  values[0] while step <= boundaries[0], values[i] while
//                           boundaries[i-1] < step <= boundaries[i], values.back() after
//   CosineDecay             s = min(step, decay_steps); lr = initial·((1 − alpha)·½(1 + cos(π s / decay_steps)) + alpha)
//                           with an optional linear warm-up from initial to warmup_target over
//                           warmup_steps, after which the cosine starts from warmup_target
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlp {

class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule() = default;
  virtual double operator()(std::int64_t step) const = 0;
  virtual std::string name() const = 0;
};

class ExponentialDecay : public LearningRateSchedule {
 public:
  struct Options {
    double initial_learning_rate = 0.01;
    std::int64_t decay_steps = 1000;
    double decay_rate = 0.96;
    bool staircase = false;
  };
  explicit ExponentialDecay(Options options);
  double operator()(std::int64_t step) const override;
  std::string name() const override { return "ExponentialDecay"; }
  const Options& options() const { return options_; }

 private:
  Options options_;
};

class PiecewiseConstantDecay : public LearningRateSchedule {
 public:
  struct Options {
    std::vector<std::int64_t> boundaries;
    std::vector<double> values;  // one more than boundaries
  };
  explicit PiecewiseConstantDecay(Options options);
  double operator()(std::int64_t step) const override;
  std::string name() const override { return "PiecewiseConstantDecay"; }
  const Options& options() const { return options_; }

 private:
  Options options_;
};

class CosineDecay : public LearningRateSchedule {
 public:
  struct Options {
    double initial_learning_rate = 0.01;
    std::int64_t decay_steps = 1000;
    double alpha = 0;
    double warmup_target = -1;  // < 0: no warm-up
    std::int64_t warmup_steps = 0;
  };
  explicit CosineDecay(Options options);
  double operator()(std::int64_t step) const override;
  std::string name() const override { return "CosineDecay"; }
  const Options& options() const { return options_; }

 private:
  Options options_;
};

}  // namespace mlp
