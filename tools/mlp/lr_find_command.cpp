// SPDX-License-Identifier: MIT
// mlp lr-find CONFIG.toml [--set key=value ...] [--run-dir DIR] [--start 1e-5] [--end 10]
//                         [--steps 300] [--then-train]
// The learning-rate range test (mlp/lr_finder.hpp) on the model and training data of a config, as
// `mlp train` reads them ([fit] batch_size and seed; the validation split is not used: every
// training sample takes part). Writes to the run directory:
//   lr_find.csv   step,learning_rate,loss,smoothed_loss (one row per recorded step)
//   lr_find.png   the loss and smoothed loss against the learning rate (log x), the suggestion marked
// With --then-train, a fresh model (same seed, so the finder's training is discarded) is trained
// exactly as `mlp train` would, with compile.optimizer.learning_rate set to the suggestion, into
// the same run directory.
#include <fmt/core.h>

#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "mlp/error.hpp"
#include "mlp/lr_finder.hpp"
#include "mlp/ops.hpp"
#include "mlp/plot/plots.hpp"
#include "mlp/serialize.hpp"
#include "model_assembly.hpp"
#include "run_config.hpp"
#include "run_files.hpp"
#include "train_data.hpp"

namespace mlp::cli {
namespace {

namespace fs = std::filesystem;

struct LrFindArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string run_dir;
  double start = 1e-5;
  double end = 10;
  std::size_t steps = 300;
  bool then_train = false;
};

std::string lr_find_csv(const LrFinderResult& r) {
  std::string out = "step,learning_rate,loss,smoothed_loss\n";
  for (std::size_t i = 0; i < r.lr.size(); ++i) {
    out += fmt::format("{},{:.9g},{:.9g},{:.9g}\n", i, r.lr[i], r.loss[i], r.smoothed[i]);
  }
  return out;
}

// compile.optimizer = "adam" (or absent: RMSprop, Keras' default) becomes a table
// {type = "adam"} so that a learning_rate can be set inside it; a schedule would replace the
// learning rate, so it is removed.
void set_learning_rate(ConfigDocument& doc, double lr) {
  nlohmann::json& compile = doc.root["compile"];
  if (compile.is_null()) compile = nlohmann::json::object();
  if (compile.is_object()) {
    nlohmann::json& optimizer = compile["optimizer"];
    if (optimizer.is_null()) optimizer = nlohmann::json{{"type", "RMSprop"}};
    if (optimizer.is_string()) optimizer = nlohmann::json{{"type", optimizer.get<std::string>()}};
    if (optimizer.is_object() && optimizer.contains("schedule")) {
      fmt::print("note: compile.optimizer.schedule is replaced by the constant suggested learning rate\n");
      optimizer.erase("schedule");
    }
  }
  apply_override(doc, fmt::format("compile.optimizer.learning_rate={:.6e}", lr));
}

int run_lr_find(const LrFindArgs& args) {
  ConfigDocument doc = read_toml(args.config);
  for (const auto& o : args.overrides) apply_override(doc, o);
  const TrainConfig config = parse_train_config(doc);
  if (config.fit.threads > 0) set_num_threads(config.fit.threads);

  if (config.functional) {
    // find_learning_rate trains on one x and one y.
    throw Error(doc.source.locate("model.inputs") +
                "model.inputs: lr-find takes a Sequential model; this config's "
                "model is a graph (use mlp train, with a learning rate found on a Sequential of the same data)");
  }
  auto model = sequential_from_config(ConfigObject(config.model, "model", &doc.source));
  CompileOptions compile = compile_options_from_config(ConfigObject(config.compile, "compile", &doc.source));
  const std::string run_dir = args.run_dir.empty() ? default_run_dir(args.config, "-lrfind") : args.run_dir;
  LoadedData data = load_training_data(config, compile.loss.name);
  fit_model_to_data(*model, std::move(compile), doc, config, data);

  std::error_code ec;
  fs::create_directories(run_dir, ec);
  if (ec) throw Error(run_dir + ": cannot create the run directory (" + ec.message() + ")");

  fmt::print("{}\n", data.description);
  fmt::print("Learning-rate range test: {} to {:g} over at most {} batches of {}\n", args.start, args.end, args.steps,
             config.fit.batch_size);
  std::cout.flush();
  const LrFinderResult result = find_learning_rate(*model, data.x_train.view(), data.y_train,
                                                   {.start_lr = args.start,
                                                    .end_lr = args.end,
                                                    .steps = args.steps,
                                                    .batch_size = config.fit.batch_size,
                                                    .seed = config.fit.seed});

  write_text((fs::path(run_dir) / "lr_find.csv").string(), lr_find_csv(result));
  const std::string label = fmt::format("suggested {:.1e}", result.suggested_lr);
  try {
    LinePlot plot{.title = "Learning-rate range test (" + fs::path(args.config).stem().string() + ")",
                  .x_label = "learning rate",
                  .y_label = "training loss",
                  .series = {{"loss", result.lr, result.loss}, {"smoothed loss", result.lr, result.smoothed}},
                  .log_x = true,
                  .marker = XMarker{result.suggested_lr, label}};
    plot_lines((fs::path(run_dir) / "lr_find.png").string(), plot);
  } catch (const Error& e) {
    fmt::print(stderr, "mlp: warning: lr_find.png not drawn: {}\n", e.what());
  }
  fmt::print("{} steps{}; minimum smoothed loss {:.4f} at learning rate {:.1e}\n", result.lr.size(),
             result.diverged ? fmt::format(", stopped at learning rate {:.1e} (the loss diverged)", result.lr.back())
                             : std::string(),
             *std::min_element(result.smoothed.begin(), result.smoothed.end()), result.min_loss_lr);
  fmt::print("Suggested learning rate: {:.1e} ({})\n", result.suggested_lr, result.rule);
  fmt::print("Run directory: {} (lr_find.csv, lr_find.png)\n", run_dir);
  if (!args.then_train) return kExitOk;

  // A fresh model from the same config and seed: the weights the finder trained are discarded.
  fmt::print("Training a fresh model with learning_rate = {:.6e}\n", result.suggested_lr);
  std::cout.flush();
  set_learning_rate(doc, result.suggested_lr);
  return train_from_document(std::move(doc), args.config, run_dir);
}

}  // namespace

void add_lr_find_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners) {
  auto args = std::make_shared<LrFindArgs>();
  CLI::App* cmd = app.add_subcommand(
      "lr-find", "Learning-rate range test: train briefly with a growing learning rate and suggest one (docs/cli.md)");
  cmd->add_option("config", args->config, "The config file (see examples/*.toml)")->required();
  cmd->add_option("--set", args->overrides, "Override a setting, as in mlp train (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  cmd->add_option("--run-dir", args->run_dir, "Where to write the results (default: runs/<config>-lrfind-<time>)");
  cmd->add_option("--start", args->start, "The first learning rate")->capture_default_str();
  cmd->add_option("--end", args->end, "The last learning rate")->capture_default_str();
  cmd->add_option("--steps", args->steps, "At most this many batches (stops early when the loss diverges)")
      ->capture_default_str();
  cmd->add_flag("--then-train", args->then_train,
                "Then train a fresh model with the suggested learning rate, as mlp train does");
  runners.emplace_back(cmd, [args] { return run_lr_find(*args); });
}

}  // namespace mlp::cli
