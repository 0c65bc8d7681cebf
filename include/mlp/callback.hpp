// SPDX-License-Identifier: MIT
#pragma once
// Callback: no-op hooks called by Sequential::fit in Keras' order:
//   on_train_begin → per epoch { on_epoch_begin → per batch { on_train_batch_begin,
//   train step, on_train_batch_end, stop if requested } → validation (keys prefixed "val_") →
//   on_epoch_end(ctx with the epoch's logs) } → on_train_end.
// A callback can read ctx.logs, set ctx.stop_training, change the learning rate through
// ctx.model->optimizer() and read or write weights through ctx.model.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace mlp {

class Sequential;

/// Metric name → value, e.g. {"loss": 0.08, "accuracy": 0.97, "val_loss": 0.07}.
using Logs = std::map<std::string, double>;

struct TrainContext {
  Sequential* model = nullptr;
  int epoch = 0;            // 0-based, as Keras passes it to hooks
  int epochs = 0;           // the epoch count fit() was asked for
  std::size_t batch = 0;    // 0-based within the epoch
  std::size_t steps = 0;    // batches per epoch
  Logs logs;                // batch hooks: running epoch means; epoch end: the epoch's results
  bool stop_training = false;
};

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(TrainContext&) {}
  virtual void on_train_end(TrainContext&) {}
  virtual void on_epoch_begin(TrainContext&) {}
  virtual void on_epoch_end(TrainContext&) {}
  virtual void on_train_batch_begin(TrainContext&) {}
  virtual void on_train_batch_end(TrainContext&) {}
};

/// Per-epoch logs, recorded at each on_epoch_end: what fit() returns (keras.callbacks.History).
class History : public Callback {
 public:
  std::vector<int> epoch;                              // 0-based epoch numbers seen
  std::map<std::string, std::vector<double>> history;  // key → one value per epoch

  void on_train_begin(TrainContext&) override {}
  void on_epoch_end(TrainContext& ctx) override {
    epoch.push_back(ctx.epoch);
    for (const auto& [key, value] : ctx.logs) history[key].push_back(value);
  }
};

}  // namespace mlp
