// SPDX-License-Identifier: MIT
#include "mlp/callbacks/backup_and_restore.hpp"

#include <cmath>
#include <filesystem>
#include <memory>

#include "mlp/checkpoint.hpp"
#include "mlp/error.hpp"

namespace mlp {

BackupAndRestore::BackupAndRestore(Options options) : options_(std::move(options)) {
  if (options_.path.empty()) throw Error("BackupAndRestore: path is empty");
}

void BackupAndRestore::on_train_begin(TrainContext& ctx) {
  resumed_from_ = -1;
  last_epoch_saved_ = true;
  std::error_code ec;
  if (!std::filesystem::exists(options_.path, ec)) return;
  auto state = std::make_shared<TrainingState>(restore_checkpoint(options_.path, *ctx.model));
  resumed_from_ = state->epoch;
  ctx.resume = std::move(state);
}

void BackupAndRestore::on_epoch_end(TrainContext& ctx) {
  if (options_.restore_only) return;
  if (ctx.epoch_cut_short) {
    last_epoch_saved_ = false;  // a resumed run repeats the whole epoch from the last checkpoint
    return;
  }
  for (const auto& [key, value] : ctx.logs) {
    if (!std::isfinite(value)) {
      last_epoch_saved_ = false;  // keep the last good checkpoint
      return;
    }
  }
  last_epoch_saved_ = true;
  TrainingState state;
  state.epoch = ctx.epoch + 1;
  state.stopped = ctx.stop_training;
  if (ctx.shuffle_order != nullptr) state.shuffle_order = *ctx.shuffle_order;
  if (ctx.history != nullptr) {
    state.history.epoch = ctx.history->epoch;
    state.history.history = ctx.history->history;
  }
  state.history.on_epoch_end(ctx);  // History itself records this epoch after us
  if (ctx.callbacks != nullptr) {
    for (const Callback* c : *ctx.callbacks) {
      CallbackState cs;
      c->save_state(cs);
      if (!cs.kind.empty()) state.callbacks.push_back(std::move(cs));
    }
  }
  save_checkpoint(options_.path, *ctx.model, state, options_.extra);
}

void BackupAndRestore::on_train_end(TrainContext&) {
  if (options_.restore_only || !options_.delete_checkpoint || !last_epoch_saved_) return;
  std::error_code ec;
  std::filesystem::remove(options_.path, ec);
}

}  // namespace mlp
