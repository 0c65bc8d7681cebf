// SPDX-License-Identifier: MIT
#pragma once
// LearningRateScheduler: sets the learning rate at the start of every epoch from
// schedule(epoch, current_lr) (keras.callbacks.LearningRateScheduler; epoch is 0-based).
//
//   LearningRateScheduler lrs({.schedule = [](int epoch, double lr) {
//     return epoch < 10 ? lr : lr * std::exp(-0.1); }});
//
// on_epoch_begin: lr = schedule(epoch, optimizer.learning_rate()), set through
// Optimizer::set_learning_rate (which drops a schedule the optimizer was built with). A result
// that is NaN, ±Inf or negative is an Error (Keras only checks that it is a float).
// on_epoch_end: logs["learning_rate"] = the optimizer's rate.
// verbose 1: "Epoch 3: LearningRateScheduler setting learning rate to 0.01." to `out`.
#include <functional>
#include <iosfwd>

#include "mlp/callback.hpp"

namespace mlp {

class LearningRateScheduler : public Callback {
 public:
  struct Options {
    std::function<double(int epoch, double lr)> schedule;
    int verbose = 0;
    std::ostream* out = nullptr;
  };
  explicit LearningRateScheduler(Options options);

  void on_epoch_begin(TrainContext& ctx) override;
  void on_epoch_end(TrainContext& ctx) override;

 private:
  Options options_;
};

}  // namespace mlp
