// SPDX-License-Identifier: MIT
#pragma once
// The [[callbacks]] tables of a `mlp train` config (docs/config.md): Keras' callbacks by class
// name with their Keras arguments. File paths (ModelCheckpoint's filepath, CSVLogger's filename)
// are relative to the run directory. LearningRateScheduler takes a function, so it is C++ only;
// a config uses a schedule as compile.optimizer.learning_rate instead.
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mlp/callback.hpp"
#include "mlp/callbacks/terminate_on_nan.hpp"
#include "mlp/config.hpp"

namespace mlp::cli {

struct ConfiguredCallbacks {
  std::vector<std::unique_ptr<Callback>> owned;
  TerminateOnNaN* terminate_on_nan = nullptr;  // set when the config asks for one
  std::vector<Callback*> pointers() const;
  /// Gives every ModelCheckpoint the model file's "extra" metadata (known once the data is loaded).
  void set_checkpoint_extra(const nlohmann::json& extra);
};

/// Builds the callbacks of `list` (the "callbacks" array; null or absent: none). Messages of
/// verbose callbacks go to `out`. Throws Error naming the path ("callbacks[1].patience: ...").
ConfiguredCallbacks callbacks_from_config(const nlohmann::json& list, const SourceMap* source,
                                          const std::string& run_dir, std::ostream* out);

/// The callback types a config can name.
const std::vector<std::string>& callback_types();

}  // namespace mlp::cli
