// SPDX-License-Identifier: MIT
// mlp train CONFIG.toml [--set key=value ...] [--run-dir DIR]
// mlp train --resume RUN_DIR [--set key=value ...]
// The command line: reads the config (or the run directory's, for --resume), applies --set and
// --init-from, and hands it to train_from_document (train_run.cpp), which trains and writes the
// run directory.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "distributed.hpp"
#include "mlp/error.hpp"
#include "mlp/io/toml.hpp"
#include "run_files.hpp"

namespace mlp::cli {
namespace {

namespace fs = std::filesystem;

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string run_dir;
  std::string resume;
  std::string init_from;     // --init-from: the model (architecture and weights) from this file
  std::string architecture;  // --architecture: for a weights-only Keras file
};

int run_train(const TrainArgs& args) {
  process_group();  // under mpirun, MPI starts here: an error from now on ends every rank
  if (!args.resume.empty()) {
    // The run directory holds everything: its resolved config and its checkpoint.
    const std::string config = (fs::path(args.resume) / "config.toml").string();
    const std::string checkpoint = (fs::path(args.resume) / kCheckpointFile).string();
    if (!fs::is_directory(args.resume)) throw Error(args.resume + ": no such run directory");
    if (!fs::exists(config)) throw Error(config + ": missing; --resume needs a run directory written by mlp train");
    if (!fs::exists(checkpoint)) {
      throw Error(checkpoint + ": missing; the run saved no checkpoint (it ended before its first epoch did)");
    }
    ConfigDocument doc = read_toml(config);
    for (const auto& o : args.overrides) apply_override(doc, o);
    return train_from_document(std::move(doc), config, args.resume, true);
  }
  ConfigDocument doc = read_toml(args.config);
  for (const auto& o : args.overrides) apply_override(doc, o);
  if (!args.init_from.empty()) {
    // Replaces the config's [model]: paths made absolute (the config's are relative to its directory).
    nlohmann::json model = {{"init_from", fs::absolute(args.init_from).string()}};
    if (!args.architecture.empty()) model["architecture"] = fs::absolute(args.architecture).string();
    doc.root["model"] = std::move(model);
  } else if (!args.architecture.empty()) {
    throw Error("--architecture is only used with --init-from");
  }
  return train_from_document(std::move(doc), args.config, args.run_dir, false);
}

}  // namespace

void add_train_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "Train the model a TOML config describes (docs/config.md)");
  CLI::Option* config = cmd->add_option("config", args->config, "The config file (see examples/*.toml)");
  cmd->add_option("--set", args->overrides,
                  "Override a setting: --set fit.epochs=3 --set model.layers[1].units=128 (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  CLI::Option* run_dir =
      cmd->add_option("--run-dir", args->run_dir, "Where to write the run (default: runs/<config>-<time>)");
  CLI::Option* resume = cmd->add_option("--resume", args->resume,
                                        "Continue the run in this directory from its last checkpoint "
                                        "(its config.toml; --set fit.epochs=N trains longer)");
  CLI::Option* init = cmd->add_option("--init-from", args->init_from,
                                      "Start from this model instead of [model]: a Keras file (.keras, .h5, "
                                      ".weights.h5) or an mlp model file; trains on with mlp's optimizer");
  cmd->add_option("--architecture", args->architecture,
                  "With --init-from and a weights-only Keras file: its architecture (model.to_json(), config.json, "
                  "a .keras file or an mlp model)");
  resume->excludes(config)->excludes(run_dir)->excludes(init);
  cmd->callback([config, resume] {
    if (config->count() == 0 && resume->count() == 0) throw CLI::RequiredError("config (or --resume RUN_DIR)");
  });
  runners.emplace_back(cmd, [args] { return run_train(*args); });
}

}  // namespace mlp::cli
