// SPDX-License-Identifier: MIT
// mlp plot-model MODEL|CONFIG [--out model.png] [--show-shapes] [--dot FILE] [--rankdir TB|LR]
// The layer graph as Keras' plot_model draws it, laid out and rendered by Graphviz' C library
// (src/plot/model_graph.cpp). The target is read as `mlp summary` reads it: a model file, or a
// TOML config whose model is built on the input shape of its data.
#include <fmt/core.h>

#include "commands.hpp"
#include "mlp/plot/model_graph.hpp"
#include "run_files.hpp"

namespace mlp::cli {
namespace {

struct PlotModelArgs {
  std::string target;
  std::string out = "model.png";
  std::string dot;
  bool show_shapes = false;
  std::string rankdir = "TB";
  int dpi = 96;
};

int run_plot_model(const PlotModelArgs& args) {
  const auto model = model_from_file_or_config(args.target);
  const ModelGraphOptions options{.show_shapes = args.show_shapes, .rankdir = args.rankdir, .dpi = args.dpi};
  const std::string dot = model_to_dot(*model, options);
  render_graphviz(dot, args.out, "png");
  fmt::print("wrote {} ({} layers of {})\n", args.out, model->layers().size(), model->name());
  if (!args.dot.empty()) {
    write_text(args.dot, dot);
    fmt::print("wrote {}\n", args.dot);
  }
  return kExitOk;
}

}  // namespace

void add_plot_model_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners) {
  auto args = std::make_shared<PlotModelArgs>();
  CLI::App* command =
      app.add_subcommand("plot-model", "Draw a model's layer graph as a PNG (Graphviz), as Keras' plot_model");
  command->add_option("target", args->target, "A model file (RUN_DIR/model.safetensors) or a config (.toml)")
      ->required();
  command->add_option("--out", args->out, "The PNG to write")->capture_default_str();
  command->add_flag("--show-shapes", args->show_shapes, "Give each layer's input and output shapes");
  command->add_option("--dot", args->dot, "Also write the graph as Graphviz DOT text to this file");
  command->add_option("--rankdir", args->rankdir, "Direction of the graph: TB (top to bottom) or LR")
      ->check(CLI::IsMember({"TB", "LR", "BT", "RL"}))
      ->capture_default_str();
  command->add_option("--dpi", args->dpi, "Resolution of the PNG")->check(CLI::Range(36, 600))->capture_default_str();
  runners.emplace_back(command, [args] { return run_plot_model(*args); });
}

}  // namespace mlp::cli
