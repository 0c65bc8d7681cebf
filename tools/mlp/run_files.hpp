// SPDX-License-Identifier: MIT
#pragma once
// The files and lines of a run directory (docs/cli.md): its default name, the log lines of
// loss and metrics, history.csv, and atomic text writes.
#include <map>
#include <string>

#include "mlp/callback.hpp"

namespace mlp::cli {

/// The checkpoint of a run directory (BackupAndRestore), which --resume continues from.
inline constexpr const char* kCheckpointFile = "checkpoint.safetensors";

/// "loss: 0.0612 - accuracy: 0.9821": the loss first, as Keras prints it.
std::string format_logs(const std::map<std::string, double>& logs);
/// write_file_atomic of a text.
void write_text(const std::string& path, const std::string& text);
/// runs/<config name><suffix>-<date>-<time>: the default run directory.
std::string default_run_dir(const std::string& config, const std::string& suffix = "");
/// history.csv: "epoch" then the history's keys in sorted order, one row per epoch, numbers with
/// 9 significant digits; a key that appeared only in later epochs leaves its earlier cells empty.
std::string history_csv(const History& history);

}  // namespace mlp::cli
