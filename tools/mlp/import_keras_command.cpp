// SPDX-License-Identifier: MIT
// mlp import-keras FILE [--architecture ARCH] --out model.safetensors: a Keras file (any layout
// load_keras reads, told apart by content) as an mlp model file, which `mlp evaluate`, `mlp predict`
// and `mlp train --init-from` use. Keras files carry no preprocessing (docs/interop.md); --extra-from
// takes it (and the labels) from an mlp model file.

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "mlp/error.hpp"
#include "mlp/interop/keras.hpp"
#include "mlp/model_file.hpp"

namespace mlp::cli {
namespace {

struct ImportArgs {
  std::string file;
  std::string architecture;
  std::string out;
  std::string extra_from;  // an mlp model file whose preprocessing, input and label metadata to keep
};

int run_import(const ImportArgs& args) {
  KerasModel k = load_keras(args.file, args.architecture);
  for (const std::string& w : k.warnings) fmt::print(stderr, "mlp: warning: {}\n", w);
  nlohmann::json extra = nlohmann::json::object();
  if (!args.extra_from.empty()) extra = load_model(args.extra_from).extra;
  extra["imported_from"] = {{"file", args.file}, {"layout", k.layout}, {"keras_version", k.keras_version}};
  save_model(args.out, *k.model, extra);
  std::size_t params = 0;
  for (const auto& l : k.model->layers()) params += l->count_params();
  fmt::print("read {} ({}, Keras {}): {} layers, {} parameters\nwrote {}\n", args.file, k.layout,
             k.keras_version.empty() ? "version not stated" : k.keras_version, k.model->layers().size(), params,
             args.out);
  return kExitOk;
}

}  // namespace

void add_import_keras_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* command =
      app.add_subcommand("import-keras", "Read a Keras model (.keras, legacy .h5, .weights.h5) into an mlp model file");
  command->add_option("file", args->file, "The Keras file")->required();
  command->add_option("--architecture", args->architecture,
                      "For a weights-only file: model.to_json() output, a config.json, a .keras file or an mlp model");
  command->add_option("--extra-from", args->extra_from,
                      "An mlp model file whose preprocessing and labels (its \"extra\" metadata) the new file keeps, "
                      "so that mlp predict/evaluate feed the model as that one");
  command->add_option("--out", args->out, "The mlp model file to write (replaced atomically)")->required();
  runners.emplace_back(command, [args] { return run_import(*args); });
}

}  // namespace mlp::cli
