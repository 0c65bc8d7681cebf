// SPDX-License-Identifier: MIT
#pragma once
// TerminateOnNaN: stops training when the loss becomes NaN or ±Inf (keras.callbacks.TerminateOnNaN).
// Checked after every training batch on logs["loss"] (the running epoch mean, which turns
// non-finite with the first non-finite batch). Sets ctx.stop_training, so the epoch ends after
// this batch (validation and on_epoch_end still run, then on_train_end), and writes
// "Batch 12: Invalid loss, terminating training" (0-based batch, as Keras) to `out` if set.
#include <iosfwd>
#include <optional>

#include "mlp/callback.hpp"

namespace mlp {

class TerminateOnNaN : public Callback {
 public:
  struct Options {
    std::ostream* out = nullptr;
  };
  TerminateOnNaN();
  explicit TerminateOnNaN(Options options);

  void on_train_begin(TrainContext& ctx) override;
  void on_train_batch_end(TrainContext& ctx) override;

  /// Whether the last fit was terminated, and where (0-based epoch and batch within it).
  bool terminated() const { return epoch_.has_value(); }
  std::optional<int> epoch() const { return epoch_; }
  std::optional<std::size_t> batch() const { return batch_; }

 private:
  Options options_;
  std::optional<int> epoch_;
  std::optional<std::size_t> batch_;
};

}  // namespace mlp
