// SPDX-License-Identifier: MIT
#pragma once
// Subcommands of the `mlp` binary: each registers its options on the CLI11 app and returns a
// function that runs it and gives the exit code.
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "mlp/io/toml.hpp"
#include "mlp/sequential.hpp"

namespace mlp::cli {

// Exit codes (docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;          // an mlp::Error: bad input, named in the message
inline constexpr int kExitUsage = 2;          // bad command line
inline constexpr int kExitInterrupted = 130;  // stopped by Ctrl-C (128 + SIGINT, the shell's convention)

using Runner = std::function<int()>;

/// `mlp data fetch NAME`, `mlp data info NAME` and `mlp data show NAME`.
void add_data_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);
/// `mlp train CONFIG`.
void add_train_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);
/// `mlp lr-find CONFIG`: the learning-rate range test (lr_find_command.cpp).
void add_lr_find_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);
/// What `mlp train` does once the config is read and overridden: trains and writes `run_dir`
/// (empty: runs/<config stem>-<time>). `config_path` names the run and the plot. `resume`:
/// continue from run_dir's checkpoint (otherwise a checkpoint left there is removed first).
int train_from_document(ConfigDocument doc, const std::string& config_path, const std::string& run_dir,
                        bool resume = false);
/// `mlp evaluate`, `mlp predict`, `mlp summary`.
void add_model_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);
/// `mlp ensemble MODEL MODEL... --data DATA`: members and their voting ensemble (ensemble_command.cpp).
void add_ensemble_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);
/// A built model from a model file or a TOML config (the input shape from its data), as `mlp summary`
/// and `mlp plot-model` read their target.
std::unique_ptr<Model> model_from_file_or_config(const std::string& path);
/// `mlp plot-model MODEL|CONFIG`: the layer graph drawn by Graphviz (plot_model_command.cpp).
void add_plot_model_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);
/// `mlp export --format FORMAT MODEL OUT`: a model file in another format (export_command.cpp).
void add_export_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);
/// `mlp sweep CONFIG --grid KEY=[v1,...]... --seeds 1,2,3 --jobs J`: many trainings and their table
/// (sweep_command.cpp, docs/sweeps.md).
void add_sweep_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);
/// `mlp import-keras FILE [--architecture ARCH] --out MODEL` (import_keras_command.cpp).
void add_import_keras_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners);

}  // namespace mlp::cli
