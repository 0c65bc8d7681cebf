// SPDX-License-Identifier: MIT
#pragma once
// ProgbarLogger: Keras' console output, written to a stream the caller gives (the library never
// prints on its own). verbose 1: a progress bar redrawn with '\r' after every batch
//   "  94/469 [====>.........................] - ETA: 3s - loss: 0.4312 - accuracy: 0.8721"
// and a final line with the epoch's time and validation metrics; verbose 2: one line per epoch
//   "Epoch 3/20 - 2s - loss: 0.1012 - accuracy: 0.9688 - val_loss: 0.0841 - val_accuracy: 0.9751"
#include <chrono>
#include <iosfwd>

#include "mlp/callback.hpp"

namespace mlp {

class ProgbarLogger : public Callback {
 public:
  ProgbarLogger(std::ostream& out, int verbose) : out_(out), verbose_(verbose) {}
  void on_epoch_begin(TrainContext& ctx) override;
  void on_train_batch_end(TrainContext& ctx) override;
  void on_epoch_end(TrainContext& ctx) override;

 private:
  std::ostream& out_;
  int verbose_;
  std::chrono::steady_clock::time_point epoch_start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace mlp
