// SPDX-License-Identifier: MIT
#pragma once
// Subcommands of the `mlp` binary: each registers its options on the CLI11 app and returns a
// function that runs it and gives the exit code.
#include <CLI/CLI.hpp>

#include <functional>

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
/// `mlp evaluate`, `mlp predict`, `mlp summary`.
void add_model_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);

}  // namespace mlp::cli
