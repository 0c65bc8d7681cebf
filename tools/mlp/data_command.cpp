// SPDX-License-Identifier: MIT
// mlp data fetch NAME [--source DIR] [--data-dir DIR] [--offline]
// mlp data info NAME  (shapes, dtype, value range, label counts per split)
#include <fmt/core.h>

#include <algorithm>
#include <memory>
#include <string>

#include "commands.hpp"
#include "mlp/data/datasets.hpp"

namespace mlp::cli {
namespace {

struct DataArgs {
  std::string name;
  std::string source;
  std::string data_dir;
  bool offline = false;

  FetchOptions fetch_options() const {
    return {.cache_dir = data_dir,
            .source_dir = source,
            .network = !offline,
            .offline_routes = true,
            .report = [](const std::string& line) { fmt::print(stderr, "{}\n", line); }};
  }
};

void add_common(CLI::App* cmd, DataArgs& args) {
  cmd->add_option("name", args.name, "Data set: mnist or fashion-mnist")->required();
  cmd->add_option("--source", args.source, "Directory holding the official files, tried first");
  cmd->add_option("--data-dir", args.data_dir, "Cache directory (default: $MLP_DATA_DIR or ~/.cache/mlp/datasets)");
  cmd->add_flag("--offline", args.offline, "Do not try the HTTPS mirrors");
}

int run_fetch(const DataArgs& args) {
  const std::string dir = fetch_dataset(args.name, args.fetch_options());
  fmt::print("{}\n", dir);
  return kExitOk;
}

int run_info(const DataArgs& args) {
  const ImageDataset d = load_dataset(args.name, args.fetch_options());
  auto range = [](const Matrix& m) {
    const auto [lo, hi] = std::minmax_element(m.values().begin(), m.values().end());
    return fmt::format("{:g}..{:g}", *lo, *hi);
  };
  fmt::print("{}\n", args.name);
  fmt::print("  x_train: ({}, 28, 28) uint8, values {}\n", d.x_train.rows(), range(d.x_train));
  fmt::print("  y_train: ({},) uint8, {} classes\n", d.y_train.rows(), d.class_names.size());
  fmt::print("  x_test:  ({}, 28, 28) uint8, values {}\n", d.x_test.rows(), range(d.x_test));
  fmt::print("  y_test:  ({},) uint8\n", d.y_test.rows());
  fmt::print("\n  {:>5}  {:<12} {:>7} {:>7}\n", "label", "name", "train", "test");
  for (std::size_t c = 0; c < d.class_names.size(); ++c) {
    fmt::print("  {:>5}  {:<12} {:>7} {:>7}\n", c, d.class_names[c], d.train_label_counts[c], d.test_label_counts[c]);
  }
  return kExitOk;
}

}  // namespace

void add_data_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners) {
  CLI::App* data = app.add_subcommand("data", "Built-in data sets: fetch, info");
  data->require_subcommand(1);
  auto fetch_args = std::make_shared<DataArgs>();
  CLI::App* fetch = data->add_subcommand("fetch", "Download (or copy) and verify a built-in data set");
  add_common(fetch, *fetch_args);
  runners.emplace_back(fetch, [fetch_args] { return run_fetch(*fetch_args); });
  auto info_args = std::make_shared<DataArgs>();
  CLI::App* info = data->add_subcommand("info", "Shapes, value range and label counts of a data set");
  add_common(info, *info_args);
  runners.emplace_back(info, [info_args] { return run_info(*info_args); });
}

}  // namespace mlp::cli
