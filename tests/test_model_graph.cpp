// SPDX-License-Identifier: MIT
// plot_model: the DOT text of a small model, exact, with and without shapes (an InputLayer, or the
// input node Keras 2 adds in front of a model without one), escaping of layer names, every bad
// input rejected by name; and Graphviz (libgvc, in process) turning it into a real PNG and a laid
// out .dot, written atomically.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "mlp/io/image.hpp"
#include "mlp/layers/dense.hpp"
#include "mlp/layers/dropout.hpp"
#include "mlp/layers/flatten.hpp"
#include "mlp/layers/input_layer.hpp"
#include "mlp/plot/model_graph.hpp"
#include "mlp/sequential.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {
namespace fs = std::filesystem;
using mlp::test::error_of;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void small_model(Sequential& model) {
  model.add<InputLayer>({.shape = {4}});
  model.add<Dense>({.units = 3, .activation = "relu"});
  model.add<Dropout>({.rate = 0.5});
  model.add<Dense>({.units = 2, .activation = "softmax"});
  model.build({4});
}

TEST(ModelToDot, WithShapes) {
  Sequential model;
  small_model(model);
  EXPECT_EQ(model_to_dot(model, {.show_shapes = true}),
            "digraph \"sequential_1\" {\n"
            "  graph [rankdir=TB, dpi=96];\n"
            "  node [shape=record, fontname=\"Helvetica\", fontsize=12];\n"
            "  n0 [label=\"input_layer_1: InputLayer|{input:|output:}|{(None, 4)|(None, 4)}\"];\n"
            "  n1 [label=\"dense_1: Dense|{input:|output:}|{(None, 4)|(None, 3)}\"];\n"
            "  n2 [label=\"dropout_1: Dropout|{input:|output:}|{(None, 3)|(None, 3)}\"];\n"
            "  n3 [label=\"dense_2: Dense|{input:|output:}|{(None, 3)|(None, 2)}\"];\n"
            "  n0 -> n1;\n"
            "  n1 -> n2;\n"
            "  n2 -> n3;\n"
            "}\n");
}

TEST(ModelToDot, WithoutShapesOrInputLayer) {
  // Not built, no InputLayer: the input node is named after the first layer, as Keras 2 does.
  Sequential model({.name = "mnist"});
  model.add<Flatten>({});
  model.add<Dense>({.units = 10, .activation = "softmax"});
  EXPECT_EQ(model_to_dot(model, {.rankdir = "LR", .dpi = 72}),
            "digraph \"mnist\" {\n"
            "  graph [rankdir=LR, dpi=72];\n"
            "  node [shape=record, fontname=\"Helvetica\", fontsize=12];\n"
            "  n0 [label=\"flatten_1_input: InputLayer\"];\n"
            "  n1 [label=\"flatten_1: Flatten\"];\n"
            "  n2 [label=\"dense_1: Dense\"];\n"
            "  n0 -> n1;\n"
            "  n1 -> n2;\n"
            "}\n");
  // Built from an input shape: the synthesized input node carries it.
  model.build({28, 28});
  const std::string dot = model_to_dot(model, {.show_shapes = true});
  EXPECT_NE(dot.find("n0 [label=\"flatten_1_input: InputLayer|{input:|output:}|{(None, 28, 28)|(None, 28, 28)}\"];"),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("n1 [label=\"flatten_1: Flatten|{input:|output:}|{(None, 28, 28)|(None, 784)}\"];"),
            std::string::npos)
      << dot;
}

TEST(ModelToDot, EscapesRecordCharactersInNames) {
  Sequential model({.name = "a \"quoted\" model"});
  auto dense = std::make_unique<Dense>(Dense::Options{.units = 1});
  dense->set_name("x{y}|<z>\\");
  model.add(std::move(dense));
  const std::string dot = model_to_dot(model);
  EXPECT_NE(dot.find("digraph \"a \\\"quoted\\\" model\" {"), std::string::npos) << dot;
  EXPECT_NE(dot.find("n1 [label=\"x\\{y\\}\\|\\<z\\>\\\\: Dense\"];"), std::string::npos) << dot;
}

TEST(ModelToDot, BadInputNamesTheProblem) {
  Sequential empty({.name = "empty"});
  EXPECT_EQ(error_of([&] { model_to_dot(empty); }), "plot_model: the model 'empty' has no layers");
  Sequential model;
  model.add<Dense>({.units = 2});
  EXPECT_EQ(error_of([&] { model_to_dot(model, {.show_shapes = true}); }),
            "plot_model: the model 'sequential_1' is not built, so its shapes are unknown (build or compile it first)");
  EXPECT_EQ(error_of([&] { model_to_dot(model, {.rankdir = "UP"}); }),
            "plot_model: rankdir must be TB, LR, BT or RL, got 'UP'");
}

class GraphvizRender : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "mlp_test_graph_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(GraphvizRender, PlotModelWritesAPng) {
  Sequential model;
  small_model(model);
  plot_model(model, path("model.png"), {.show_shapes = true});
  const std::string bytes = read_bytes(path("model.png"));
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.compare(0, 8, "\x89PNG\r\n\x1a\n"), 0);
  // Four nodes stacked top to bottom at 96 dpi (measured: 409×384): a plausible size.
  const GrayImage image = read_image(path("model.png"));
  EXPECT_GT(image.width, 200u);
  EXPECT_LT(image.width, 1000u);
  EXPECT_GT(image.height, 250u);
  EXPECT_LT(image.height, 1000u);
  // Without shapes the nodes are narrower; stacked, the image is taller than wide.
  plot_model(model, path("plain.png"));
  const GrayImage plain = read_image(path("plain.png"));
  EXPECT_LT(plain.width, image.width);
  EXPECT_GT(plain.height, plain.width);
  // Only the PNGs: no temporary file left beside them.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);
}

TEST_F(GraphvizRender, DotFormatHasTheLayout) {
  Sequential model;
  small_model(model);
  render_graphviz(model_to_dot(model), path("model.dot"), "dot");
  const std::string text = read_bytes(path("model.dot"));
  EXPECT_NE(text.find("digraph sequential_1 {"), std::string::npos) << text;
  EXPECT_NE(text.find("pos="), std::string::npos) << text;
  EXPECT_NE(text.find("dense_2: Dense"), std::string::npos) << text;
}

TEST_F(GraphvizRender, ErrorsNameThePathAndTheReason) {
  const std::string bad = error_of([&] { render_graphviz("digraph { a -> ", path("bad.png")); });
  EXPECT_EQ(bad.rfind(path("bad.png") + ": Graphviz cannot read the graph: ", 0), 0u) << bad;
  EXPECT_NE(bad.find("syntax error"), std::string::npos) << bad;
  const std::string format = error_of([&] { render_graphviz("digraph { a -> b }", path("x.nope"), "nope"); });
  EXPECT_EQ(format.rfind(path("x.nope") + ": Graphviz cannot render 'nope': formats available: ", 0), 0u) << format;
  EXPECT_NE(format.find("png"), std::string::npos) << format;
  EXPECT_FALSE(fs::exists(path("bad.png")));
  EXPECT_FALSE(fs::exists(path("x.nope")));
  // An existing file is left as it was when rendering fails.
  std::ofstream(path("keep.png")) << "old";
  EXPECT_NE(error_of([&] { render_graphviz("graph {", path("keep.png")); }), "no error");
  EXPECT_EQ(read_bytes(path("keep.png")), "old");
  const std::string dir = error_of([&] { render_graphviz("digraph { a }", path("no_such_dir/m.png")); });
  EXPECT_NE(dir.find("no_such_dir/m.png"), std::string::npos) << dir;
}

}  // namespace
}  // namespace mlp
