// SPDX-License-Identifier: MIT
#pragma once
// Learning-rate schedules (keras.optimizers.schedules), evaluated at the optimizer's step count
// before the update (0 for the first batch), as Keras does. Formulas as in Keras 3's
// learning_rate_schedule.py, computed in double:
//   ExponentialDecay        lr = initial · rate^(step / decay_steps)   (⌊step / decay_steps⌋ if staircase)
//   PiecewiseConstantDecay  values[0] while step <= boundaries[0], values[i] while
//                           boundaries[i-1] < step <= boundaries[i], values.back() after
//   CosineDecay             without warm-up: s = min(step, decay_steps),
//                             lr = initial·((1 − alpha)·½(1 + cos(π s / decay_steps)) + alpha)
//                           with warm-up (warmup_target set): s = min(step, warmup_steps + decay_steps);
//                             s < warmup_steps:  lr = initial + (warmup_target − initial)·s / warmup_steps
//                             otherwise the cosine above on s − warmup_steps, from warmup_target
//                           (Loshchilov & Hutter 2017, SGDR; linear warm-up from Goyal et al. 2017)
// Constructors validate the options and throw Error naming the argument.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlp {

/// A learning rate as a function of the optimizer's step count (keras LearningRateSchedule).
class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule() = default;
  /// The learning rate for the update that follows `step` finished steps.
  virtual double operator()(std::int64_t step) const = 0;
  /// Keras class name: "ExponentialDecay", ...
  virtual std::string name() const = 0;
};

/// initial · rate^(step / decay_steps). Throws Error unless decay_steps > 0, decay_rate > 0 and
/// initial_learning_rate >= 0.
class ExponentialDecay : public LearningRateSchedule {
 public:
  struct Options {
    double initial_learning_rate = 0.01;
    std::int64_t decay_steps = 1000;
    double decay_rate = 0.96;
    bool staircase = false;  // integer division of the exponent: decay at discrete intervals
  };
  explicit ExponentialDecay(Options options);
  double operator()(std::int64_t step) const override;
  std::string name() const override { return "ExponentialDecay"; }
  const Options& options() const { return options_; }

 private:
  Options options_;
};

/// values[i] on the i-th interval of the boundaries (right-closed). Throws Error unless
/// values.size() == boundaries.size() + 1, boundaries are strictly increasing and values >= 0.
class PiecewiseConstantDecay : public LearningRateSchedule {
 public:
  struct Options {
    std::vector<std::int64_t> boundaries = {};  // strictly increasing step counts
    std::vector<double> values = {};            // one more than boundaries
  };
  explicit PiecewiseConstantDecay(Options options);
  double operator()(std::int64_t step) const override;
  std::string name() const override { return "PiecewiseConstantDecay"; }
  const Options& options() const { return options_; }

 private:
  Options options_;
};

/// Cosine decay to alpha·(start rate) over decay_steps, after an optional linear warm-up. Throws
/// Error unless decay_steps > 0, warmup_steps >= 0, 0 <= alpha <= 1 and the rates are >= 0.
class CosineDecay : public LearningRateSchedule {
 public:
  struct Options {
    double initial_learning_rate = 0.01;
    std::int64_t decay_steps = 1000;
    double alpha = 0;                                    // final rate as a fraction of the rate the decay starts from
    std::optional<double> warmup_target = std::nullopt;  // unset: no warm-up (Keras' None)
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
