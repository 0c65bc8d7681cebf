// SPDX-License-Identifier: MIT
#pragma once
// ReduceLROnPlateau: multiplies the learning rate by `factor` when a monitored quantity has not
// improved for `patience` epochs (keras.callbacks.ReduceLROnPlateau, Keras 3 semantics).
//
//   ReduceLROnPlateau plateau({.factor = 0.5, .patience = 2, .min_lr = 1e-5});
//
// At each epoch end: logs["learning_rate"] = the optimizer's current rate (before any change,
// as Keras). When the monitored value is present: in cooldown, the cooldown counter drops by one
// and wait resets; minimizing, an improvement is value < best - min_delta (maximizing:
// value > best + min_delta), which stores the best and resets wait; otherwise, outside cooldown,
// wait += 1 and once wait >= patience, if lr > min_lr (as float32), the rate becomes
// max(lr·factor, min_lr) through Optimizer::set_learning_rate, cooldown starts and wait resets.
// Direction: mode "min"/"max", or "auto": maximized when the monitor name contains "acc",
// minimized otherwise (Keras' rule for this callback, which differs from EarlyStopping's).
// factor >= 1 is an Error. Missing monitor key: a warning to `out` (if set), nothing else.
#include <iosfwd>
#include <string>

#include "mlp/callback.hpp"

namespace mlp {

class ReduceLROnPlateau : public Callback {
 public:
  struct Options {
    std::string monitor = "val_loss";
    double factor = 0.1;  // new_lr = lr * factor; must be < 1
    int patience = 10;
    int verbose = 0;  // 1: "Epoch 5: ReduceLROnPlateau reducing learning rate to 0.0001." to `out`
    std::string mode = "auto";
    double min_delta = 1e-4;
    int cooldown = 0;
    double min_lr = 0;
    std::ostream* out = nullptr;
  };
  ReduceLROnPlateau();
  explicit ReduceLROnPlateau(Options options);

  void on_train_begin(TrainContext& ctx) override;
  void on_epoch_end(TrainContext& ctx) override;
  /// best, wait and the cooldown counter (checkpoints; the rate itself is the optimizer's).
  void save_state(CallbackState& state) const override;
  void load_state(const CallbackState& state) override;

  double best() const { return best_; }
  int wait() const { return wait_; }
  int cooldown_counter() const { return cooldown_counter_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }
  const Options& options() const { return options_; }

 private:
  void reset();

  Options options_;
  bool maximize_ = false;
  double best_ = 0;
  int wait_ = 0;
  int cooldown_counter_ = 0;
};

}  // namespace mlp
