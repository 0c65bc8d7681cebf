// SPDX-License-Identifier: MIT
// The `mlp` command line: data, train, lr-find, evaluate, predict, summary, ensemble, plot-model, export, sweep. Each
// subcommand lives in its own file and registers itself through commands.hpp. Exit codes: 0 success, 1 an error in the
// input (the message names the file, line, key or layer), 2 a bad command line.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <string>

#include "commands.hpp"
#include "distributed.hpp"
#include "mlp/error.hpp"
#include "mlp/ops.hpp"
#include "mlp/signal_stack.hpp"

int main(int argc, char** argv) {
  using mlp::cli::kExitError;
  using mlp::cli::kExitOk;
  using mlp::cli::kExitUsage;
  // A file-size limit (ulimit -f) then fails the write with EFBIG, reported like a full disk,
  // instead of killing the process in the middle of it.
  std::signal(SIGXFSZ, SIG_IGN);
  // Ctrl-C's handlers (SA_ONSTACK) run here, not on the stack of a GEMM they interrupt
  // (include/mlp/signal_stack.hpp).
  const mlp::SignalStack signal_stack;
  CLI::App app{"mlp: build, train, evaluate and ship multilayer perceptrons"};
  app.set_version_flag("--version", fmt::format("mlp {} (GEMM: {})", MLP_VERSION, mlp::gemm_backend()));
  app.require_subcommand(0, 1);
  app.footer(
      "Exit codes: 0 success, 1 bad input (the message names the file, line, key or layer), "
      "2 bad command line.\nDocs: docs/guide.md (C++), docs/cli.md, docs/config.md.");

  std::vector<std::pair<CLI::App*, mlp::cli::Runner>> runners;
  mlp::cli::add_data_commands(app, runners);
  mlp::cli::add_train_command(app, runners);
  mlp::cli::add_lr_find_command(app, runners);
  mlp::cli::add_model_commands(app, runners);
  mlp::cli::add_ensemble_command(app, runners);
  mlp::cli::add_plot_model_command(app, runners);
  mlp::cli::add_export_command(app, runners);
  mlp::cli::add_sweep_command(app, runners);
  mlp::cli::add_import_keras_command(app, runners);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  // Under mpirun (mlp train, docs/scaling.md) an error on one process ends every process.
  using mlp::cli::finish_distributed;
  using mlp::cli::rank_prefix;
  try {
    for (const auto& [command, run] : runners) {
      if (command->parsed()) return finish_distributed(run(), false);
    }
    fmt::print("{}", app.help());
    return kExitOk;
  } catch (const mlp::Error& e) {
    fmt::print(stderr, "mlp: error: {}{}\n", rank_prefix(), e.what());
    return finish_distributed(kExitError, true);
  } catch (const std::exception& e) {
    // Anything else is a bug or an exhausted resource; still a clean message and a non-zero exit.
    fmt::print(stderr, "mlp: internal error: {}{}\n", rank_prefix(), e.what());
    return finish_distributed(kExitError, true);
  }
}
