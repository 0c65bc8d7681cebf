// SPDX-License-Identifier: MIT
// The `mlp` command line: `--version`, `summary`, `data fetch|info`; train, evaluate and predict
// build on it.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <string>

#include "commands.hpp"
#include "mlp/error.hpp"
#include "mlp/models/reference.hpp"
#include "mlp/ops.hpp"
#include "mlp/sequential.hpp"

namespace {
using mlp::cli::kExitError;
using mlp::cli::kExitOk;
using mlp::cli::kExitUsage;

int run_summary(const std::string& example) {
  if (example != "mnist_mlp") {
    fmt::print(stderr, "mlp summary: unknown built-in example '{}'; known: mnist_mlp\n", example);
    return kExitUsage;
  }
  mlp::Sequential model;
  mlp::add_reference_mnist_layers(model);
  mlp::compile_reference_mnist(model);
  fmt::print("{}", model.summary());
  return kExitOk;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mlp: build, train, evaluate and ship multilayer perceptrons"};
  app.set_version_flag("--version", fmt::format("mlp {} (GEMM: {})", MLP_VERSION, mlp::gemm_backend()));
  app.require_subcommand(0, 1);

  std::string example = "mnist_mlp";
  CLI::App* summary = app.add_subcommand("summary", "Print a model's summary as Keras does");
  summary->add_option("--example", example, "Built-in example model")->capture_default_str();
  std::vector<std::pair<CLI::App*, mlp::cli::Runner>> runners;
  mlp::cli::add_data_commands(app, runners);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  try {
    if (summary->parsed()) return run_summary(example);
    for (const auto& [command, run] : runners) {
      if (command->parsed()) return run();
    }
    fmt::print("{}", app.help());
    return kExitOk;
  } catch (const mlp::Error& e) {
    fmt::print(stderr, "mlp: error: {}\n", e.what());
    return kExitError;
  }
}
