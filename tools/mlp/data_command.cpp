// SPDX-License-Identifier: MIT
// mlp data fetch NAME [--source DIR] [--data-dir DIR] [--offline]
// mlp data info NAME  (shapes, dtype, value range, label counts per split)
// mlp data show NAME --out FILE.png [--grid RxC] [--split train|test] [--seed N]  (a grid of samples)
#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "commands.hpp"
#include "mlp/data/datasets.hpp"
#include "mlp/error.hpp"
#include "mlp/plot/plots.hpp"
#include "mlp/random.hpp"

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
  auto range = [](const ByteMatrix& m) {
    const auto [lo, hi] = std::minmax_element(m.values().begin(), m.values().end());
    return fmt::format("{}..{}", int{*lo}, int{*hi});
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

constexpr std::size_t kMaxGridSide = 20;

// "RxC" with 1 ≤ R, C ≤ kMaxGridSide: digits, one lowercase 'x', digits, nothing else.
std::optional<std::pair<std::size_t, std::size_t>> parse_grid(const std::string& text) {
  const std::size_t x = text.find('x');
  if (x == std::string::npos) return std::nullopt;
  auto side = [](std::string_view digits) -> std::optional<std::size_t> {
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value < 1 || value > kMaxGridSide) {
      return std::nullopt;
    }
    return value;
  };
  const auto rows = side(std::string_view(text).substr(0, x));
  const auto cols = side(std::string_view(text).substr(x + 1));
  if (!rows || !cols) return std::nullopt;
  return std::pair{*rows, *cols};
}

struct ShowArgs {
  DataArgs data;
  std::string out;
  std::string grid = "5x5";
  std::string split = "train";
  std::uint64_t seed = 0;
};

int run_show(const ShowArgs& args) {
  const auto [rows, cols] = *parse_grid(args.grid);  // checked when the command line was parsed
  const ImageDataset d = load_dataset(args.data.name, args.data.fetch_options());
  const bool train = args.split == "train";
  const ByteMatrix& x = train ? d.x_train : d.x_test;
  const Matrix& y = train ? d.y_train : d.y_test;
  const std::size_t count = rows * cols;
  constexpr std::size_t kSide = 28;
  if (x.cols() != kSide * kSide) throw Error(args.data.name + ": expected 28x28 images");
  if (count > x.rows()) {
    throw Error(
        fmt::format("--grid {}: {} samples asked for, the {} split has {}", args.grid, count, args.split, x.rows()));
  }
  // A seeded partial Fisher-Yates shuffle: `count` distinct samples, the same for the same seed.
  std::vector<std::size_t> order(x.rows());
  std::iota(order.begin(), order.end(), std::size_t{0});
  Rng rng(args.seed);
  rng.choose_first(order, count);

  std::vector<GrayImageSample> samples;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t r = order[i];
    GrayImageSample sample{.image = {.width = kSide, .height = kSide}, .caption = {}};
    sample.image.pixels.reserve(kSide * kSide);
    sample.image.pixels.assign(x.row(r), x.row(r) + x.cols());
    const Scalar* label = y.row(r);
    sample.caption = d.class_names[static_cast<std::size_t>(std::max_element(label, label + y.cols()) - label)];
    samples.push_back(std::move(sample));
  }
  plot_image_grid(args.out, samples, rows, cols, fmt::format("{} {} (seed {})", args.data.name, args.split, args.seed));
  fmt::print("wrote {} ({} samples of {} {})\n", args.out, count, args.data.name, args.split);
  return kExitOk;
}

}  // namespace

void add_data_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners) {
  CLI::App* data = app.add_subcommand("data", "Built-in data sets: fetch, info, show");
  data->require_subcommand(1);
  auto fetch_args = std::make_shared<DataArgs>();
  CLI::App* fetch = data->add_subcommand("fetch", "Download (or copy) and verify a built-in data set");
  add_common(fetch, *fetch_args);
  runners.emplace_back(fetch, [fetch_args] { return run_fetch(*fetch_args); });
  auto info_args = std::make_shared<DataArgs>();
  CLI::App* info = data->add_subcommand("info", "Shapes, value range and label counts of a data set");
  add_common(info, *info_args);
  runners.emplace_back(info, [info_args] { return run_info(*info_args); });
  auto show_args = std::make_shared<ShowArgs>();
  CLI::App* show = data->add_subcommand("show", "Draw random samples of a data set with their class names (PNG)");
  add_common(show, show_args->data);
  show->add_option("--out", show_args->out, "PNG file to write")->required();
  show->add_option("--grid", show_args->grid, "Rows x columns of samples, each 1 to 20 (default 5x5)")
      ->check(CLI::Validator(
          [](std::string& text) {
            return parse_grid(text)
                       ? std::string()
                       : fmt::format("expected ROWSxCOLS with 1 to {} rows and columns (e.g. 5x5), got '{}'",
                                     kMaxGridSide, text);
          },
          "RxC"));
  show->add_option("--split", show_args->split, "train or test (default train)")
      ->check(CLI::IsMember({"train", "test"}));
  show->add_option("--seed", show_args->seed, "Seed of the random choice of samples (default 0)");
  runners.emplace_back(show, [show_args] { return run_show(*show_args); });
}

}  // namespace mlp::cli
