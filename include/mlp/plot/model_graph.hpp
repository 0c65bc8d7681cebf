// SPDX-License-Identifier: MIT
#pragma once
// The layer graph of a model, as Keras' plot_model draws it: an input node first, then one node
// per layer ("dense_1: Dense"), each joined to the next by an edge; with show_shapes each node
// also gives its input and output shapes in Keras 2's record layout
//   dense_1: Dense | input:  | (None, 784)
//                  | output: | (None, 256)
// model_to_dot writes the graph as Graphviz DOT text (no Graphviz needed, so it is testable
// anywhere); render_graphviz lays it out with Graphviz' C library (libgvc/libcgraph, Debian
// libgraphviz-dev: agmemread, gvLayout "dot", gvRenderData) in this process, no `dot` program.
// Graphviz finds its layout and render plugins through its config file
// (/usr/lib/x86_64-linux-gnu/graphviz/config6a); PNG comes from the cairo plugin
// (libgvplugin_pango) or, failing that, the gd plugin.
#include <string>

namespace mlp {

class Model;

struct ModelGraphOptions {
  bool show_shapes = false;    ///< input and output shapes in every node, "(None, 784)"
  std::string rankdir = "TB";  ///< "TB" top to bottom, "LR" left to right (Keras' rankdir)
  int dpi = 96;                ///< resolution of rendered images (Keras: 200)
};

/// The DOT text of `model`'s layer graph: `digraph "<model name>"` with nodes n0 (the input: the
/// model's InputLayer, or "<first layer>_input: InputLayer" when it has none, as Keras 2 names it),
/// n1, ... (one per other layer, in order) and edges n0 -> n1 -> ... . A graph model (Keras'
/// functional API) gets node i for its layer i, inputs included, and an edge from every layer to
/// each layer reading it; a layer reading several tensors shows their shapes as a list. Node labels are records;
/// the characters {}|<>"\ of layer names are escaped. Throws mlp::Error when the model has no
/// layers, when rankdir is not TB, LR, BT or RL, or when show_shapes is asked of a model that is
/// not built.
std::string model_to_dot(const Model& model, const ModelGraphOptions& options = {});

/// Lays out DOT text with Graphviz' "dot" engine and writes it to `path` in `format` ("png",
/// "svg", "pdf", "dot" with positions, ...) atomically (io/files.hpp: the old file stays on any
/// error). Throws mlp::Error naming path and Graphviz' own message when the text does not parse or
/// the layout fails; naming the format when Graphviz has no renderer for it (for "png": "install
/// the Graphviz cairo plugin libgvplugin_pango (Debian package libgvc6)" and the formats it has);
/// and as write_file_atomic does. Graphviz is not thread-safe: calls are serialized by a mutex.
void render_graphviz(const std::string& dot, const std::string& path, const std::string& format = "png");

/// model_to_dot(model, options) rendered as a PNG at png_path (Keras' plot_model).
void plot_model(const Model& model, const std::string& png_path, const ModelGraphOptions& options = {});

}  // namespace mlp
