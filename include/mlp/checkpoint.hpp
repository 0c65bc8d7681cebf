// SPDX-License-Identifier: MIT
#pragma once
// Checkpoints: a model file (mlp/model_file.hpp) that also holds everything training needs to
// continue exactly where it was, so that a run killed at any point and resumed from its last
// checkpoint ends with bit-identical weights to a run that was never interrupted (same seed,
// same thread count):
//   tensors   "optimizer/<slot>/<layer>/<param>"  the optimizer's slots (Adam: momentum, velocity)
//             "callbacks/<i>/<name>"              tensors of callback i's state (EarlyStopping's
//                                                 best weights)
//   metadata  "checkpoint": JSON {"epoch": epochs finished, "stopped": stop_training was set,
//             "optimizer": {"name", "iterations", "learning_rate", "has_schedule", "scalars"},
//             "rng": {"init", "noise", "shuffle"}: each generator's complete state,
//             "shuffle_order": [the sample order of the last epoch], "history": {"epoch": [...],
//             "<key>": [...]}, "callbacks": [{"kind", "values"}]}
// Doubles that may be infinite or NaN (a monitor's initial best) are written by encode_double as
// strings ("inf", "-inf", "nan"); every other number is written exactly (JSON with 17 digits,
// 64-bit integers as integers).
// load_model() reads a checkpoint like any model file (mlp evaluate/predict take it).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "mlp/callback.hpp"
#include "mlp/io/safetensors.hpp"
#include "mlp/sequential.hpp"

namespace mlp {

/// What a callback saves between epochs: its kind (checked on load), JSON values and tensors.
struct CallbackState {
  std::string kind;  // empty: the callback has no state
  nlohmann::json values = nlohmann::json::object();
  std::vector<Tensor> tensors;  // names are the callback's own; the file prefixes them
};

/// Where training stands after an epoch.
struct TrainingState {
  int epoch = 0;         // epochs finished: the 0-based index of the next one
  bool stopped = false;  // a callback asked to stop (EarlyStopping): a resumed run trains no more
  std::vector<std::size_t> shuffle_order;
  History history;
  std::vector<CallbackState> callbacks;  // the callbacks with state, in fit()'s order
};

/// Saves the model (weights, architecture, compile settings, `extra`) with the optimizer's
/// state, the model's generators and `state`, atomically. The model must be compiled and its
/// optimizer built (it is once fit() has started).
void save_checkpoint(const std::string& path, Model& model, const TrainingState& state,
                     const nlohmann::json& extra = nlohmann::json::object());

/// Loads the checkpoint at `path` INTO `model`, which must have the same architecture and
/// optimizer and be ready to train (inside fit(), from on_train_begin): weights, optimizer slots,
/// iterations and learning rate, generators. Returns the training state for fit() to continue
/// from. Throws Error naming the file when it is not a checkpoint, was written for another
/// architecture or optimizer, or is corrupt; the model is unchanged then.
TrainingState restore_checkpoint(const std::string& path, Model& model);
/// restore_checkpoint on the bytes of a checkpoint already in memory; `source` names them in errors.
TrainingState restore_checkpoint_from_bytes(std::span<const std::uint8_t> bytes, const std::string& source,
                                            Model& model);

/// The epoch count a checkpoint file has finished (without loading the model): what
/// `mlp train --resume` reports. Throws Error when `path` is not a checkpoint.
int checkpoint_epoch(const std::string& path);

/// A double as JSON that keeps non-finite values: "inf", "-inf", "nan" as strings.
nlohmann::json encode_double(double value);
/// The inverse of encode_double. Throws Error naming `what` on anything else.
double decode_double(const nlohmann::json& value, const std::string& what);

}  // namespace mlp
