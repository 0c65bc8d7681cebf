// SPDX-License-Identifier: MIT
#pragma once
// Subcommands of the `mlp` binary: each registers its options on the CLI11 app and returns a
// function that runs it and gives the exit code.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "mlp/io/toml.hpp"

namespace mlp::cli {

// Exit codes (docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  // an mlp::Error: bad input, named in the message
inline constexpr int kExitUsage = 2;  // bad command line

using Runner = std::function<int()>;

/// `mlp data fetch NAME`, `mlp data info NAME` and `mlp data show NAME`.
void add_data_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);
/// `mlp train CONFIG`.
void add_train_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);
/// `mlp lr-find CONFIG`: the learning-rate range test (lr_find_command.cpp).
void add_lr_find_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);
/// What `mlp train` does once the config is read and overridden: trains and writes `run_dir`
/// (empty: runs/<config stem>-<time>). `config_path` names the run and the plot.
int train_from_document(ConfigDocument doc, const std::string& config_path, const std::string& run_dir);
/// `mlp evaluate`, `mlp predict`, `mlp summary`.
void add_model_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);

}  // namespace mlp::cli
