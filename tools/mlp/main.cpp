// SPDX-License-Identifier: MIT
// The `mlp` command line. This first version knows `--version` and `summary`; the data, train,
// evaluate and predict commands build on it.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <string>

#include "mlp/error.hpp"
#include "mlp/models/reference.hpp"
#include "mlp/ops.hpp"
#include "mlp/sequential.hpp"

namespace {
constexpr int kExitOk = 0;
constexpr int kExitError = 1;  // an mlp::Error: bad input, named in the message
constexpr int kExitUsage = 2;  // bad command line (CLI11)

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  try {
    if (summary->parsed()) return run_summary(example);
    fmt::print("{}", app.help());
    return kExitOk;
  } catch (const mlp::Error& e) {
    fmt::print(stderr, "mlp: error: {}\n", e.what());
    return kExitError;
  }
}
