// SPDX-License-Identifier: MIT
#include "mlp/plot/model_graph.hpp"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>

#include "mlp/error.hpp"
#include "mlp/io/files.hpp"
#include "mlp/sequential.hpp"
#include "mlp/shape.hpp"

namespace mlp {
namespace {

// Text inside a quoted DOT string that is a record label: the record's own syntax characters and
// DOT's quote and backslash escaped, a newline as the \n line break, other control bytes dropped.
std::string record_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      continue;
    } else {
      if (std::string_view("{}|<>\"\\").find(c) != std::string_view::npos) out += '\\';
      out += c;
    }
  }
  return out;
}

std::string node_with(std::size_t id, const std::string& title, const std::string* input, const std::string& output) {
  std::string label = record_text(title);
  if (input != nullptr) label += "|{input:|output:}|{" + record_text(*input) + "|" + record_text(output) + "}";
  return "  n" + std::to_string(id) + " [label=\"" + label + "\"];\n";
}

std::string node(std::size_t id, const std::string& title, const Shape* input, const Shape* output) {
  const std::string in = input != nullptr ? format_shape(*input) : std::string();
  return node_with(id, title, input != nullptr ? &in : nullptr, format_shape(*output));
}

// A graph (Keras' functional API): one node per layer, inputs included, and an edge from each
// layer to every layer that reads it. A layer reading several tensors lists their shapes, as
// Keras writes them: "[(None, 5), (None, 30)]".
std::string graph_body(const Model& model, const ModelGraphOptions& options) {
  std::string dot;
  const auto& layers = model.layers();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Layer& layer = *layers[i];
    const auto& from = model.inbound(i);
    std::string in;
    if (from.size() > 1) {
      for (std::size_t f : from) in += (in.empty() ? "[" : ", ") + format_shape(layers[f]->output_shape());
      in += "]";
    } else {
      in = format_shape(layer.input_shape());
    }
    dot += node_with(i, layer.name() + ": " + std::string(layer.kind()), options.show_shapes ? &in : nullptr,
                     format_shape(layer.output_shape()));
  }
  for (std::size_t i = 0; i < layers.size(); ++i) {
    for (std::size_t f : model.inbound(i)) dot += "  n" + std::to_string(f) + " -> n" + std::to_string(i) + ";\n";
  }
  return dot;
}

// Graphviz reports errors through a callback; they are collected here while the mutex is held.
std::mutex graphviz_mutex;
std::string graphviz_messages;
int collect_message(char* message) {
  graphviz_messages += message;
  return 0;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::string model_to_dot(const Model& model, const ModelGraphOptions& options) {
  const auto& layers = model.layers();
  if (layers.empty()) throw Error("plot_model: the model '" + model.name() + "' has no layers");
  if (options.rankdir != "TB" && options.rankdir != "LR" && options.rankdir != "BT" && options.rankdir != "RL") {
    throw Error("plot_model: rankdir must be TB, LR, BT or RL, got '" + options.rankdir + "'");
  }
  if (options.show_shapes && !model.built()) {
    throw Error("plot_model: the model '" + model.name() +
                "' is not built, so its shapes are unknown (build or compile it first)");
  }
  std::string dot = "digraph \"" + record_text(model.name()) + "\" {\n";
  dot += "  graph [rankdir=" + options.rankdir + ", dpi=" + std::to_string(options.dpi) + "];\n";
  dot += "  node [shape=record, fontname=\"Helvetica\", fontsize=12];\n";
  if (model.functional()) return dot + graph_body(model, options) + "}\n";
  std::size_t first = 0;
  if (layers[0]->kind() == "InputLayer") {
    const Layer& input = *layers[0];
    dot += node(0, input.name() + ": InputLayer", options.show_shapes ? &input.input_shape() : nullptr,
                &input.output_shape());
    first = 1;
  } else {
    const Shape& shape = model.input_shape();
    dot += node(0, layers[0]->name() + "_input: InputLayer", options.show_shapes ? &shape : nullptr, &shape);
  }
  for (std::size_t i = first; i < layers.size(); ++i) {
    const Layer& layer = *layers[i];
    dot += node(i + 1 - first, layer.name() + ": " + std::string(layer.kind()),
                options.show_shapes ? &layer.input_shape() : nullptr, &layer.output_shape());
  }
  for (std::size_t i = first; i < layers.size(); ++i) {
    dot += "  n" + std::to_string(i - first) + " -> n" + std::to_string(i + 1 - first) + ";\n";
  }
  return dot + "}\n";
}

void render_graphviz(const std::string& dot, const std::string& path, const std::string& format) {
  std::lock_guard lock(graphviz_mutex);
  graphviz_messages.clear();
  const agusererrf previous_handler = agseterrf(collect_message);
  const agerrlevel_t previous_level = agseterr(AGERR);  // warnings are not errors
  struct Restore {
    agusererrf handler;
    agerrlevel_t level;
    ~Restore() {
      agseterrf(handler);
      agseterr(level);
    }
  } restore{previous_handler, previous_level};

  // One Graphviz context for the whole process, never freed: Graphviz 2.42's pango text layout
  // caches the last font name it measured in a static pointer into the context's font table, so
  // a second context after gvFreeContext read freed memory (AddressSanitizer found it in the
  // second plot of one process). A context kept alive keeps that name valid.
  static GVC_t* const gvc = gvContext();
  if (gvc == nullptr) throw Error(path + ": Graphviz could not start (gvContext failed)");
  std::unique_ptr<Agraph_t, int (*)(Agraph_t*)> graph(agmemread(dot.c_str()), agclose);
  if (!graph) throw Error(path + ": Graphviz cannot read the graph: " + trimmed(graphviz_messages));
  if (gvLayout(gvc, graph.get(), "dot") != 0) {
    throw Error(path + ": Graphviz layout failed (is the dot layout plugin libgvplugin_dot_layout installed?) " +
                trimmed(graphviz_messages));
  }
  char* data = nullptr;
  unsigned int length = 0;
  const int status = gvRenderData(gvc, graph.get(), format.c_str(), &data, &length);
  gvFreeLayout(gvc, graph.get());
  std::unique_ptr<char, void (*)(char*)> owned(data, gvFreeRenderData);
  if (status != 0 || data == nullptr) {
    int count = 0;
    char** formats = gvPluginList(gvc, "device", &count, nullptr);
    std::string known;
    for (int i = 0; i < count; ++i) {
      if (i > 0) known += ' ';
      known += formats[i];
      std::free(formats[i]);  // Graphviz strdup()s the names into a malloc()ed list
    }
    std::free(formats);
    const std::string hint =
        format == "png" ? "install the Graphviz cairo plugin libgvplugin_pango (Debian package libgvc6); " : "";
    if (known.empty()) known = "none (no plugins found: is /usr/lib/x86_64-linux-gnu/graphviz/config6a there?)";
    throw Error(path + ": Graphviz cannot render '" + format + "': " + hint + "formats available: " + known);
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
  write_file_atomic(path, std::span<const std::uint8_t>(bytes, length));
}

void plot_model(const Model& model, const std::string& png_path, const ModelGraphOptions& options) {
  render_graphviz(model_to_dot(model, options), png_path, "png");
}

}  // namespace mlp
