// SPDX-License-Identifier: MIT
#pragma once
// BackupAndRestore: fault tolerance for long runs (keras.callbacks.BackupAndRestore, save_freq
// "epoch"). At the end of every epoch it writes a checkpoint (mlp/checkpoint.hpp: the model, the
// optimizer's state, the generators, the sample order, the history and every other callback's
// state) to `path`, atomically. When fit() starts and `path` exists, it restores all of that and
// fit() goes on with the next epoch, so that a run killed at any point (even by SIGKILL) and
// started again with the same code, data, seed and thread count ends with bit-identical weights.
//
//   BackupAndRestore backup({.path = "run/checkpoint.safetensors"});
//   model.fit(x, y, {.epochs = 20}, {&early_stopping, &backup});   // put it LAST
//
// Put it last in the callback list: its on_epoch_end must see what the other callbacks decided
// for that epoch (EarlyStopping's stop, ReduceLROnPlateau's new rate). An epoch whose logs hold
// a non-finite value (a diverged loss) or that was cut short (ctx.epoch_cut_short: an interrupt,
// TerminateOnNaN) is not saved, so the last good, whole-epoch checkpoint survives.
// delete_checkpoint (Keras' default true) removes the file when training ends normally (not after
// an unsaved, diverged epoch); the CLI
// keeps it, so that a finished run can be continued with more epochs.
// Keras writes its backup in its own directory format and restores it from on_train_begin; the
// restored state here is also the callbacks' (Keras restores weights, optimizer and epoch only).
#include <nlohmann/json.hpp>
#include <string>

#include "mlp/callback.hpp"

namespace mlp {

class BackupAndRestore : public Callback {
 public:
  struct Options {
    std::string path;
    bool delete_checkpoint = true;
    /// Stored as the checkpoint's "extra" metadata (as ModelCheckpoint's).
    nlohmann::json extra = nlohmann::json::object();
    /// Restore from `path` when it exists, but never write or delete it: the processes other
    /// than rank 0 of a data-parallel run (mlp/process_group.hpp), where rank 0 writes.
    bool restore_only = false;
  };
  explicit BackupAndRestore(Options options);

  void on_train_begin(TrainContext& ctx) override;
  void on_epoch_end(TrainContext& ctx) override;
  void on_train_end(TrainContext& ctx) override;

  /// The epoch count of the checkpoint fit() resumed from, or -1 when it started afresh.
  int resumed_from() const { return resumed_from_; }
  void set_extra(nlohmann::json extra) { options_.extra = std::move(extra); }

 private:
  Options options_;
  int resumed_from_ = -1;
  bool last_epoch_saved_ = true;
};

}  // namespace mlp
