// SPDX-License-Identifier: MIT
#pragma once
// EarlyStopping: stops training when a monitored quantity has stopped improving
// (keras.callbacks.EarlyStopping, Keras 3 semantics).
//
//   EarlyStopping stop({.monitor = "val_loss", .patience = 3, .restore_best_weights = true});
//   model.fit(x, y, {.epochs = 100, .validation_split = 0.1}, {&stop});
//
// At each epoch end (epochs before start_from_epoch, and epochs whose logs lack `monitor`, are
// skipped): wait += 1; the value is an improvement when it beats the best so far by more than
// min_delta (the first monitored value always is). On an improvement the best and its weights are
// kept, and wait returns to 0 only if the value also beats `baseline` (when given). Otherwise,
// once wait >= patience (and epoch > 0), ctx.stop_training is set.
// Direction: mode "min"/"max", or "auto": loss is minimized, a compiled metric follows its
// direction (accuracy/precision/recall/auc up, mae/mse/rmse down), anything else is an Error
// (Keras raises ValueError).
// restore_best_weights: every layer's params() and state() are copied at the best epoch (at the
// first monitored epoch if none improved) and written back in on_train_end WHETHER OR NOT training
// was stopped early — Keras 3's behaviour (Keras 2 restored only when it stopped).
// Missing monitor key: a warning to `out` (if set), the epoch is skipped (Keras warns too).
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "mlp/callback.hpp"
#include "mlp/matrix.hpp"

namespace mlp {

class EarlyStopping : public Callback {
 public:
  struct Options {
    std::string monitor = "val_loss";
    double min_delta = 0;  // its absolute value is used
    int patience = 0;
    int verbose = 0;            // 1: "Epoch 7: early stopping" and the restore message, to `out`
    std::string mode = "auto";  // "auto", "min", "max"
    std::optional<double> baseline;
    bool restore_best_weights = false;
    int start_from_epoch = 0;
    std::ostream* out = nullptr;  // warnings and verbose messages
  };
  EarlyStopping();
  explicit EarlyStopping(Options options);

  void on_train_begin(TrainContext& ctx) override;
  void on_epoch_end(TrainContext& ctx) override;
  void on_train_end(TrainContext& ctx) override;
  /// wait, best, best epoch, the resolved direction and the best weights (checkpoints).
  void save_state(CallbackState& state) const override;
  void load_state(const CallbackState& state) override;

  /// The 0-based epoch at which training was stopped, 0 if it was not.
  int stopped_epoch() const { return stopped_epoch_; }
  /// The best monitored value of this run (empty before the first monitored epoch).
  std::optional<double> best() const { return best_; }
  /// The 0-based epoch of best().
  int best_epoch() const { return best_epoch_; }
  /// Epochs since the last improvement that beat the baseline.
  int wait() const { return wait_; }
  const Options& options() const { return options_; }

 private:
  bool is_improvement(double value, double reference) const;
  void snapshot(Model& model);

  Options options_;
  std::optional<bool> maximize_;  // resolved at the first epoch end, as Keras does
  int wait_ = 0;
  int stopped_epoch_ = 0;
  int best_epoch_ = 0;
  std::optional<double> best_;
  std::vector<Matrix> best_weights_;  // params() then state(), layer by layer
  bool have_best_weights_ = false;
};

}  // namespace mlp
