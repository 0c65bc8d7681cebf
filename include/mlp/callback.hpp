// SPDX-License-Identifier: MIT
#pragma once
// Callback: no-op hooks called by Model::fit (Sequential's too) in Keras' order:
//   on_train_begin → per epoch { on_epoch_begin → per batch { on_train_batch_begin,
//   train step, on_train_batch_end, stop if requested } → validation (keys prefixed "val_") →
//   on_epoch_end(ctx with the epoch's logs) } → on_train_end.
// A callback can read ctx.logs, set ctx.stop_training, change the learning rate through
// ctx.model->optimizer() and read or write weights through ctx.model.
//
// Checkpoints (mlp/checkpoint.hpp): a callback whose decisions depend on earlier epochs
// (EarlyStopping's patience counter, ReduceLROnPlateau's cooldown, CSVLogger's rows) implements
// save_state/load_state, so that a resumed run continues exactly where the saved one was.
// BackupAndRestore saves them at each epoch end; fit() gives them back after on_train_begin.
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlp {

class Model;
class Callback;
class History;
struct CallbackState;  // mlp/checkpoint.hpp
struct TrainingState;  // mlp/checkpoint.hpp

/// Metric name → value, e.g. {"loss": 0.08, "accuracy": 0.97, "val_loss": 0.07}.
using Logs = std::map<std::string, double>;

struct TrainContext {
  Model* model = nullptr;
  int epoch = 0;          // 0-based, as Keras passes it to hooks
  int epochs = 0;         // the epoch count fit() was asked for
  std::size_t batch = 0;  // 0-based within the epoch
  std::size_t steps = 0;  // batches per epoch
  Logs logs;              // batch hooks: running epoch means; epoch end: the epoch's results
  bool stop_training = false;
  /// Set by fit() at the epoch end when a callback stopped training before the epoch's last batch
  /// (TerminateOnNaN, an interrupt): the epoch's weights do not come from a whole epoch, so
  /// BackupAndRestore does not checkpoint it.
  bool epoch_cut_short = false;

  /// The epochs before this one (fit()'s History, which records an epoch after every other
  /// callback's on_epoch_end, as in Keras).
  const History* history = nullptr;
  /// The callbacks passed to fit(), in order (for checkpoints of their state).
  const std::vector<Callback*>* callbacks = nullptr;
  /// The order in which this epoch visits the training samples (fit() reshuffles it in place
  /// every epoch, so it is part of a checkpoint).
  const std::vector<std::size_t>* shuffle_order = nullptr;
  /// Set by a callback in on_train_begin (BackupAndRestore) to continue a saved run: once every
  /// on_train_begin has run, fit() restores the shuffle order, the history, the callbacks' states
  /// and starts at state->epoch (the model's weights, optimizer and generators are the callback's
  /// to restore).
  std::shared_ptr<const TrainingState> resume;
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

  /// Writes what this callback carries from epoch to epoch into `state` (its kind, JSON values,
  /// tensors). The default writes nothing: a stateless callback.
  virtual void save_state(CallbackState& state) const;
  /// Takes back what save_state wrote (called after on_train_begin when a run resumes). Throws
  /// Error when `state` was written by another kind of callback. A resumed run must have the
  /// callbacks with state of the saved one, of the same kinds in the same order.
  virtual void load_state(const CallbackState& state);
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
