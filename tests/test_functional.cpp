// SPDX-License-Identifier: MIT
// Model graphs (Keras' functional API): construction errors, a two-input model's forward and
// backward against the same network computed by hand, several outputs with weighted losses and
// their logs, the functional summary, save/load and checkpoint round trips, and a chain built as
// a graph training bit-identically to the same Sequential.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "mlp/checkpoint.hpp"
#include "mlp/mlp.hpp"
#include "mlp/model_file.hpp"
#include "mlp/plot/model_graph.hpp"
#include "mlp/serialize.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

using test::error_of;

Matrix random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  return test::uniform_matrix(rows, cols, seed);
}

// Wide & Deep in miniature: wide (N, 2) joins the deep path (N, 3) → relu Dense(4) → Dense(3)
// at a Concatenate; the main output reads the join, the auxiliary output the deep path.
struct WideDeep {
  Model model;
  Node wide, deep, h1, h2, join, out, aux;
  explicit WideDeep(std::uint64_t seed = 1) : model({.name = "wide_deep", .seed = seed}) {
    wide = model.input({2}, "wide_input");
    deep = model.input({3}, "deep_input");
    h1 = model.add(Dense({.units = 4, .activation = "relu"}), {deep});
    h2 = model.add(Dense({.units = 3, .activation = "relu"}), {h1});
    join = model.add(Concatenate(), {wide, h2});
    out = model.add(Dense({.units = 1}), {join}, "output");
    aux = model.add(Dense({.units = 1}), {h2}, "aux_output");
    model.set_outputs({out, aux});
  }
};

TEST(Functional, BuildsShapesNamesAndStructure) {
  WideDeep w;
  Model& m = w.model;
  EXPECT_TRUE(m.functional());
  EXPECT_EQ(m.num_inputs(), 2u);
  EXPECT_EQ(m.num_outputs(), 2u);
  EXPECT_EQ(m.layers()[w.h1.index]->name(), "dense_1");
  EXPECT_EQ(m.layers()[w.join.index]->name(), "concatenate_1");
  EXPECT_EQ(m.layers()[w.join.index]->output_shape(), (Shape{5}));
  EXPECT_EQ(m.output_names(), (std::vector<std::string>{"output", "aux_output"}));
  EXPECT_EQ(m.inbound(w.join.index), (std::vector<std::size_t>{w.wide.index, w.h2.index}));
  // 3·4+4 + 4·3+3 + 5·1+1 + 3·1+1
  EXPECT_EQ(m.count_params(), 16u + 15u + 6u + 4u);
  EXPECT_EQ(Model().name(), "model_1");
  EXPECT_EQ(Sequential().name(), "sequential_1");
}

TEST(Functional, ConstructionErrorsNameTheLayer) {
  {
    Model m({.name = "m"});
    const Node a = m.input({5}, "a");
    const Node b = m.input({2, 3}, "b");
    EXPECT_EQ(error_of([&] {
                m.add(Concatenate(), {a, b}, "join");
              }),
              "Concatenate 'join': inputs must match on every axis but the last, got (None, 5), (None, 2, 3)");
    EXPECT_EQ(error_of([&] { m.add(Add(), {a}, "sum"); }), "Add 'sum' needs at least 2 inputs, got 1");
    const Node c = m.input({4}, "c");
    EXPECT_EQ(error_of([&] {
                m.add(Average(), {a, c}, "avg");
              }),
              "Average 'avg': inputs must have the same shape, got (None, 5), (None, 4)");
    EXPECT_EQ(error_of([&] { m.add(Dense({.units = 2}), {a, c}, "two"); }), "Dense 'two' takes one input, got 2");
    EXPECT_EQ(error_of([&] { m.add(Dense({.units = 2}), {}, "none"); }),
              "Model::add: layer 'none' is called on no input");
    EXPECT_EQ(error_of([&] { m.add(Dense({.units = 2}), {Node{42}}, "far"); }),
              "Model::add: layer 'far' reads a node that is not in model 'm'");
    EXPECT_EQ(error_of([&] { m.input({3}, "a"); }), "Model::add: a layer named 'a' already exists");
    // A failed add leaves no trace: the name is free again.
    const Node d = m.add(Dense({.units = 2}), {a}, "two");
    EXPECT_EQ(error_of([&] { m.compile({.loss = {.name = "mse"}}); }),
              "Model::compile: model 'm' has no outputs yet; call set_outputs() first");
    EXPECT_EQ(error_of([&] { m.set_outputs({d}); }), "Model::set_outputs: input 'b' does not lead to any output");
  }
  {
    Model m({.name = "m"});
    const Node a = m.input({3}, "a");
    const Node dead = m.add(Dense({.units = 2}), {a}, "dead_end");
    const Node out = m.add(Dense({.units = 1}), {a}, "out");
    (void)dead;
    EXPECT_EQ(error_of([&] { m.set_outputs({out, out}); }), "Model::set_outputs: layer 'out' is given twice");
    EXPECT_EQ(error_of([&] { m.set_outputs({out}); }),
              "Model::set_outputs: layer 'dead_end' does not lead to any output");
  }
  {
    Sequential s;
    EXPECT_EQ(error_of([&] { s.input({3}); }),
              "Sequential::input: a Sequential takes its input from add(InputLayer(...))");
  }
  {
    WideDeep w;
    EXPECT_EQ(error_of([&] { w.model.add(Dense({.units = 1}), {w.out}); }),
              "Model::add: the model 'wide_deep' is already built");
    EXPECT_EQ(error_of([&] { w.model.compile({.loss = {.name = "mse"}, .outputs = {{.loss_weight = 1}}}); }),
              "Model::compile: settings for 1 outputs, but model 'wide_deep' has 2");
    EXPECT_EQ(error_of([&] {
                w.model.compile({.loss = {.name = "mse"}, .outputs = {{.output = "main", .loss_weight = 1}}});
              }),
              "Model::compile: 'main' is not an output of model 'wide_deep'; its outputs: output, aux_output");
    w.model.compile({.loss = {.name = "mse"}});
    const Matrix x2 = random_matrix(4, 2, 1), x3 = random_matrix(4, 3, 2), y = random_matrix(4, 1, 3);
    EXPECT_EQ(error_of([&] { w.model.fit({x2}, {y, y}); }), "Model::fit: 1 input matrices for a model with 2 inputs");
    EXPECT_EQ(error_of([&] {
                w.model.fit({x3, x3}, {y, y});
              }),
              "Model::fit: input 'wide_input' has 3 features per sample but the model's input (None, 2) needs 2");
    const Matrix short_x = random_matrix(3, 3, 4);
    EXPECT_EQ(error_of([&] {
                w.model.fit({x2, short_x}, {y, y});
              }),
              "Model::fit: input 'deep_input' has 3 samples but input 'wide_input' has 4");
    EXPECT_EQ(error_of([&] {
                w.model.fit({x2, x3}, {y});
              }),
              "Model::fit: 1 target matrices for a model with 2 outputs");
    const Matrix y2 = random_matrix(4, 2, 5);
    EXPECT_EQ(error_of([&] {
                w.model.fit({x2, x3}, {y, y2});
              }),
              "Model::fit: the target of output 'aux_output' has 2 columns but loss 'mean_squared_error' with "
              "output (None, 1) needs 1");
    EXPECT_EQ(error_of([&] { w.model.predict(x2); }),
              "Model::predict: model 'wide_deep' has 2 outputs; pass its inputs as a list (Inputs) to get them all");
    EXPECT_EQ(error_of([&] {
                w.model.fit({x2, x3}, {y, y}, {.class_weight = {{0, 2.0}}});
              }),
              "Model::fit: class_weight needs a model with one output; model 'wide_deep' has 2");
  }
}

TEST(Functional, ConcatenateJoinsTheLastAxisOfRank2Inputs) {
  Model m;
  const Node a = m.input({2, 1}, "a");
  const Node b = m.input({2, 2}, "b");
  const Node j = m.add(Concatenate(), {a, b});
  m.set_outputs({j});
  EXPECT_EQ(m.layers()[j.index]->output_shape(), (Shape{2, 3}));
  Matrix xa(1, 2), xb(1, 4);
  xa[0] = 1, xa[1] = 2;                        // [[1], [2]]
  xb[0] = 3, xb[1] = 4, xb[2] = 5, xb[3] = 6;  // [[3, 4], [5, 6]]
  const std::vector<Matrix> y = m.predict({xa, xb});
  const std::vector<Scalar> want{1, 3, 4, 2, 5, 6};  // [[1, 3, 4], [2, 5, 6]]
  ASSERT_EQ(y[0].size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(y[0][i], want[i]) << i;
}

TEST(Functional, MergeLayersForwardAndBackward) {
  Matrix a(1, 2), b(1, 2);
  a[0] = 2, a[1] = -1, b[0] = 3, b[1] = 0.5;
  Matrix dy(1, 2);
  dy[0] = 1, dy[1] = 2;
  Rng rng(1);
  const Shape shapes[] = {{2}, {2}};
  const ConstMatrixView xs[] = {a, b};
  auto run = [&](Layer& layer, std::vector<Scalar> want_y, std::vector<Scalar> want_da, std::vector<Scalar> want_db) {
    layer.build_inputs(shapes, rng);
    Matrix y(1, 2), da(1, 2), db(1, 2);
    layer.forward_inputs(xs, y, Mode::kTrain);
    const MatrixView dxs[] = {da, db};
    layer.backward_inputs(xs, y, dy, dxs);
    for (std::size_t i = 0; i < 2; ++i) {
      EXPECT_FLOAT_EQ(y[i], want_y[i]) << layer.kind();
      EXPECT_FLOAT_EQ(da[i], want_da[i]) << layer.kind();
      EXPECT_FLOAT_EQ(db[i], want_db[i]) << layer.kind();
    }
  };
  Add add;
  run(add, {5, -0.5}, {1, 2}, {1, 2});
  Average avg;
  run(avg, {2.5, -0.25}, {0.5, 1}, {0.5, 1});
  Multiply mul;
  run(mul, {6, -0.5}, {3, 1}, {2, -2});  // da = dy·b, db = dy·a
}

// The wide & deep network of WideDeep computed by hand from its weights: y = [wide | h2]·W + b
// with h2 = relu(relu(deep·W1 + b1)·W2 + b2); MSE on the main output only (aux weight 0).
TEST(Functional, TwoInputForwardAndBackwardMatchTheHandBuiltNetwork) {
  WideDeep w(7);
  Model& m = w.model;
  m.compile({.optimizer = make_optimizer("sgd"),
             .loss = {.name = "mse"},
             .outputs = {{.loss_weight = 1}, {.loss_weight = 0}}});
  const std::size_t n = 5;
  const Matrix xw = random_matrix(n, 2, 11), xd = random_matrix(n, 3, 12), y = random_matrix(n, 1, 13);
  auto param = [&](Node node, std::size_t k) -> Param& { return *m.layer(node.index).params()[k]; };
  const Matrix &W1 = param(w.h1, 0).value, &b1 = param(w.h1, 1).value;
  const Matrix &W2 = param(w.h2, 0).value, &b2 = param(w.h2, 1).value;
  const Matrix &W = param(w.out, 0).value, &b = param(w.out, 1).value;
  // Forward by hand, in double.
  std::vector<double> h1(n * 4), h2(n * 3), z(n), dz(n);
  double loss = 0;
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t j = 0; j < 4; ++j) {
      double s = b1[j];
      for (std::size_t i = 0; i < 3; ++i) s += xd(r, i) * W1(i, j);
      h1[r * 4 + j] = std::max(0.0, s);
    }
    for (std::size_t j = 0; j < 3; ++j) {
      double s = b2[j];
      for (std::size_t i = 0; i < 4; ++i) s += h1[r * 4 + i] * W2(i, j);
      h2[r * 3 + j] = std::max(0.0, s);
    }
    double s = b[0];
    for (std::size_t i = 0; i < 2; ++i) s += xw(r, i) * W(i, 0);
    for (std::size_t i = 0; i < 3; ++i) s += h2[r * 3 + i] * W(2 + i, 0);
    z[r] = s;
    loss += (s - y(r, 0)) * (s - y(r, 0)) / n;
    dz[r] = 2 * (s - y(r, 0)) / n;
  }
  const std::vector<Matrix> pred = m.predict({xw, xd});
  for (std::size_t r = 0; r < n; ++r) EXPECT_NEAR(pred[0](r, 0), z[r], 1e-5);

  const double got = m.compute_gradients({xw, xd}, {y, y});
  EXPECT_NEAR(got, loss, 1e-5);
  // Backward by hand: the main output's kernel, and the deep path's first kernel (through h2).
  const Matrix& dW = param(w.out, 0).grad;
  for (std::size_t i = 0; i < 5; ++i) {
    double g = 0;
    for (std::size_t r = 0; r < n; ++r) g += (i < 2 ? xw(r, i) : h2[r * 3 + i - 2]) * dz[r];
    EXPECT_NEAR(dW(i, 0), g, 1e-5) << "kernel row " << i;
  }
  std::vector<double> dh2(n * 3), dh1(n * 4);
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t j = 0; j < 3; ++j) dh2[r * 3 + j] = h2[r * 3 + j] > 0 ? dz[r] * W(2 + j, 0) : 0;
    for (std::size_t i = 0; i < 4; ++i) {
      double s = 0;
      for (std::size_t j = 0; j < 3; ++j) s += dh2[r * 3 + j] * W2(i, j);
      dh1[r * 4 + i] = h1[r * 4 + i] > 0 ? s : 0;
    }
  }
  const Matrix& dW1 = param(w.h1, 0).grad;
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 4; ++j) {
      double g = 0;
      for (std::size_t r = 0; r < n; ++r) g += xd(r, i) * dh1[r * 4 + j];
      EXPECT_NEAR(dW1(i, j), g, 1e-5) << i << "," << j;
    }
  }
  // The auxiliary output has weight 0: its kernel gets no gradient.
  const Matrix& dAux = param(w.aux, 0).grad;
  for (std::size_t i = 0; i < dAux.size(); ++i) EXPECT_EQ(dAux[i], 0);
}

TEST(Functional, SeveralOutputsCombineTheirLossesWithTheirWeights) {
  WideDeep w(3);
  Model& m = w.model;
  m.compile({.optimizer = make_optimizer("adam"),
             .loss = {.name = "mse"},
             .metrics = {"mae"},
             .outputs = {{.output = "aux_output", .loss_weight = 0.1}, {.output = "output", .loss_weight = 0.9}}});
  EXPECT_DOUBLE_EQ(m.loss_weight(0), 0.9);
  EXPECT_DOUBLE_EQ(m.loss_weight(1), 0.1);
  const Matrix xw = random_matrix(40, 2, 1), xd = random_matrix(40, 3, 2), y = random_matrix(40, 1, 3);
  const Logs logs = m.evaluate({xw, xd}, {y, y});
  const std::vector<std::string> keys{"aux_output_loss", "aux_output_mae", "loss", "output_loss", "output_mae"};
  std::vector<std::string> got;
  for (const auto& [k, v] : logs) got.push_back(k);
  EXPECT_EQ(got, keys);
  EXPECT_NEAR(logs.at("loss"), 0.9 * logs.at("output_loss") + 0.1 * logs.at("aux_output_loss"), 1e-6);
  EXPECT_GT(logs.at("output_loss"), 0);
  EXPECT_NE(logs.at("output_loss"), logs.at("aux_output_loss"));
  // Each output's loss is its own MSE of its predictions.
  const std::vector<Matrix> pred = m.predict({xw, xd});
  for (std::size_t o = 0; o < 2; ++o) {
    double mse = 0;
    for (std::size_t r = 0; r < 40; ++r) mse += std::pow(pred[o](r, 0) - y(r, 0), 2) / 40;
    EXPECT_NEAR(logs.at(o == 0 ? "output_loss" : "aux_output_loss"), mse, 1e-5);
  }
  // Training lowers the weighted total, and fit logs every key with and without "val_".
  const History h = m.fit({xw, xd}, {y, y}, {.batch_size = 8, .epochs = 15, .validation_split = 0.25});
  for (const auto& k : keys) {
    EXPECT_TRUE(h.history.contains(k)) << k;
    EXPECT_TRUE(h.history.contains("val_" + k)) << k;
  }
  EXPECT_LT(h.history.at("loss").back(), h.history.at("loss").front());
}

TEST(Functional, SummaryHasTheConnectedToColumn) {
  WideDeep w;
  const std::string want =
      "__________________________________________________________________________________________________\n"
      "Layer (type)                    Output Shape         Param #     Connected to                     \n"
      "==================================================================================================\n"
      "wide_input (InputLayer)         [(None, 2)]          0                                            \n"
      "__________________________________________________________________________________________________\n"
      "deep_input (InputLayer)         [(None, 3)]          0                                            \n"
      "__________________________________________________________________________________________________\n"
      "dense_1 (Dense)                 (None, 4)            16          deep_input[0][0]                 \n"
      "__________________________________________________________________________________________________\n"
      "dense_2 (Dense)                 (None, 3)            15          dense_1[0][0]                    \n"
      "__________________________________________________________________________________________________\n"
      "concatenate_1 (Concatenate)     (None, 5)            0           wide_input[0][0]                 \n"
      "                                                                 dense_2[0][0]                    \n"
      "__________________________________________________________________________________________________\n"
      "output (Dense)                  (None, 1)            6           concatenate_1[0][0]              \n"
      "__________________________________________________________________________________________________\n"
      "aux_output (Dense)              (None, 1)            4           dense_2[0][0]                    \n"
      "==================================================================================================\n"
      "Total params: 41\n"
      "Trainable params: 41\n"
      "Non-trainable params: 0\n"
      "__________________________________________________________________________________________________\n";
  EXPECT_EQ(w.model.summary(), want);
}

// A chain built as a graph is the same model as the Sequential: same weights from the same seed,
// same training, bit for bit (Sequential is the same machinery, not a copy).
TEST(Functional, AChainGraphTrainsBitIdenticallyToTheSequential) {
  const Matrix x = random_matrix(64, 4, 21);
  Matrix y(64, 3);
  for (std::size_t r = 0; r < 64; ++r) y(r, (x(r, 0) > 0) + (x(r, 1) > 0)) = 1;
  auto compile = [](Model& m) {
    m.compile(
        {.optimizer = make_optimizer("adam"), .loss = {.name = "categorical_crossentropy"}, .metrics = {"accuracy"}});
  };
  Sequential s({.seed = 5});
  s.add<InputLayer>({.shape = {4}});
  s.add<Dense>({.units = 8, .activation = "relu"});
  s.add<Dropout>({.rate = 0.2});
  s.add<Dense>({.units = 3, .activation = "softmax"});
  compile(s);
  Model g({.seed = 5});
  Node t = g.input({4});
  t = g.add(Dense({.units = 8, .activation = "relu"}), {t});
  t = g.add(Dropout({.rate = 0.2}), {t});
  t = g.add(Dense({.units = 3, .activation = "softmax"}), {t});
  g.set_outputs({t});
  compile(g);
  const FitOptions fit{.batch_size = 16, .epochs = 3, .validation_split = 0.25};
  const History hs = s.fit(x, y, fit);
  const History hg = g.fit(x, y, fit);
  EXPECT_EQ(hs.history, hg.history);
  const auto ps = s.params(), pg = g.params();
  ASSERT_EQ(ps.size(), pg.size());
  for (std::size_t i = 0; i < ps.size(); ++i) {
    ASSERT_EQ(ps[i]->value.size(), pg[i]->value.size());
    for (std::size_t k = 0; k < ps[i]->value.size(); ++k) ASSERT_EQ(ps[i]->value[k], pg[i]->value[k]) << i << "," << k;
  }
}

class FunctionalFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mlp_test_functional_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

void compile_wide_deep(Model& m) {
  m.compile({.optimizer = make_optimizer("adam"),
             .loss = {.name = "mse"},
             .metrics = {"mae"},
             .outputs = {{.output = "output", .loss_weight = 0.9}, {.output = "aux_output", .loss_weight = 0.1}}});
}

TEST_F(FunctionalFiles, SaveAndLoadGiveIdenticalPredictions) {
  WideDeep w(4);
  compile_wide_deep(w.model);
  const Matrix xw = random_matrix(30, 2, 1), xd = random_matrix(30, 3, 2), y = random_matrix(30, 1, 3);
  w.model.fit({xw, xd}, {y, y}, {.batch_size = 10, .epochs = 2});
  const std::string path = (dir_ / "wd.safetensors").string();
  save_model(path, w.model);
  SavedModel loaded = load_model(path);
  Model& m = *loaded.model;
  EXPECT_TRUE(m.functional());
  EXPECT_EQ(model_config(m), model_config(w.model));
  EXPECT_EQ(m.summary(), w.model.summary());
  ASSERT_TRUE(m.compiled());
  EXPECT_DOUBLE_EQ(m.loss_weight(1), 0.1);
  EXPECT_EQ(m.metric_names(1), (std::vector<std::string>{"mae"}));
  const std::vector<Matrix> a = w.model.predict({xw, xd}), b = m.predict({xw, xd});
  ASSERT_EQ(a.size(), 2u);
  for (std::size_t o = 0; o < 2; ++o) {
    for (std::size_t i = 0; i < a[o].size(); ++i) ASSERT_EQ(a[o][i], b[o][i]) << o << "," << i;
  }
  EXPECT_EQ(m.evaluate({xw, xd}, {y, y}), w.model.evaluate({xw, xd}, {y, y}));
}

TEST_F(FunctionalFiles, AResumedGraphRunEndsBitIdentical) {
  const Matrix xw = random_matrix(48, 2, 1), xd = random_matrix(48, 3, 2), y = random_matrix(48, 1, 3);
  const FitOptions fit{.batch_size = 8, .epochs = 5, .validation_split = 0.25};
  WideDeep straight(4);
  compile_wide_deep(straight.model);
  const History h_straight = straight.model.fit({xw, xd}, {y, y}, fit);
  const std::string path = (dir_ / "backup.safetensors").string();
  {
    WideDeep first(4);
    compile_wide_deep(first.model);
    BackupAndRestore backup({.path = path, .delete_checkpoint = false});
    FitOptions part = fit;
    part.epochs = 2;
    first.model.fit({xw, xd}, {y, y}, part, {&backup});
  }
  WideDeep second(99);  // another seed: the checkpoint restores everything
  compile_wide_deep(second.model);
  BackupAndRestore backup({.path = path, .delete_checkpoint = false});
  const History h_resumed = second.model.fit({xw, xd}, {y, y}, fit, {&backup});
  EXPECT_EQ(backup.resumed_from(), 2);
  EXPECT_EQ(h_resumed.history, h_straight.history);
  const auto a = straight.model.params(), b = second.model.params();
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t k = 0; k < a[i]->value.size(); ++k) ASSERT_EQ(a[i]->value[k], b[i]->value[k]);
  }
}

TEST(FunctionalConfig, ReadsAnyOrderAndRefusesCyclesAndUnknownNames) {
  const nlohmann::json good = nlohmann::json::parse(R"({
    "type": "Functional", "name": "wd", "seed": 2,
    "inputs": [{"name": "wide", "shape": [2]}, {"name": "deep", "shape": [3], "columns": ["a", "b", "c"]}],
    "layers": [
      {"type": "Dense", "name": "out", "units": 1, "inputs": ["join"]},
      {"type": "Concatenate", "name": "join", "inputs": ["wide", "h2"]},
      {"type": "Dense", "name": "h1", "units": 4, "activation": "relu", "inputs": "deep"},
      {"type": "Dense", "name": "h2", "units": 3, "activation": "relu"}
    ],
    "outputs": ["out"]})");
  auto m = model_from_config(ConfigObject(good, "model"));
  EXPECT_TRUE(m->functional());
  EXPECT_EQ(m->layers()[m->output_layers()[0]]->name(), "out");
  EXPECT_EQ(m->layers()[m->output_layers()[0]]->input_shape(), (Shape{5}));
  // Written back in a topological order, it reads back to the same config.
  const nlohmann::json saved = model_config(*m);
  EXPECT_EQ(model_config(*model_from_config(ConfigObject(saved, "model"))), saved);

  auto error = [](const char* text) {
    return error_of([&] { model_from_config(ConfigObject(nlohmann::json::parse(text), "model")); });
  };
  EXPECT_EQ(error(R"({"inputs": [{"name": "x", "shape": [2]}],
      "layers": [{"type": "Dense", "name": "a", "units": 2, "inputs": ["b"]},
                 {"type": "Dense", "name": "b", "units": 2, "inputs": ["a"]},
                 {"type": "Dense", "name": "o", "units": 1, "inputs": ["x"]}], "outputs": ["o"]})"),
            "model.layers[0] ('a'): is part of a cycle (it depends on its own output): a -> b -> a");
  EXPECT_EQ(error(R"({"inputs": [{"name": "x", "shape": [2]}],
      "layers": [{"type": "Dense", "name": "o", "units": 1, "inputs": ["y"]}], "outputs": ["o"]})"),
            "model.layers[0] ('o'): reads 'y', which is neither an input nor a layer; the names are: o, x");
  EXPECT_EQ(error(R"({"inputs": [{"name": "x", "shape": [2]}, {"name": "z", "shape": [3]}],
      "layers": [{"type": "Concatenate", "name": "j", "inputs": ["x", "z"]},
                 {"type": "Add", "name": "bad", "inputs": ["x", "j"]}], "outputs": ["bad"]})"),
            "model.layers[1]: Add 'bad': inputs must have the same shape, got (None, 2), (None, 5)");
  EXPECT_EQ(error(R"({"inputs": [{"name": "x", "shape": [2]}],
      "layers": [{"type": "Dense", "name": "x", "units": 1, "inputs": ["x"]}], "outputs": ["x"]})"),
            "model.layers[0]: the name 'x' is already used by model.inputs[0]");
  EXPECT_EQ(error(R"({"inputs": [{"name": "x", "shape": [2]}],
      "layers": [{"type": "Dense", "name": "o", "units": 1, "inputs": ["x"]}], "outputs": ["p"]})"),
            "model.outputs: 'p' is neither an input nor a layer");
}

}  // namespace
}  // namespace mlp

namespace mlp {
namespace {

TEST(Functional, PlotModelDrawsEveryEdgeOfTheGraph) {
  Model m({.name = "wd"});
  const Node wide = m.input({2}, "wide");
  const Node deep = m.input({3}, "deep");
  const Node h = m.add(Dense({.units = 4}), {deep}, "h");
  const Node j = m.add(Concatenate(), {wide, h}, "join");
  const Node out = m.add(Dense({.units = 1}), {j}, "out");
  const Node aux = m.add(Dense({.units = 1}), {h}, "aux");
  m.set_outputs({out, aux});
  EXPECT_EQ(model_to_dot(m, {.show_shapes = true}),
            "digraph \"wd\" {\n"
            "  graph [rankdir=TB, dpi=96];\n"
            "  node [shape=record, fontname=\"Helvetica\", fontsize=12];\n"
            "  n0 [label=\"wide: InputLayer|{input:|output:}|{(None, 2)|(None, 2)}\"];\n"
            "  n1 [label=\"deep: InputLayer|{input:|output:}|{(None, 3)|(None, 3)}\"];\n"
            "  n2 [label=\"h: Dense|{input:|output:}|{(None, 3)|(None, 4)}\"];\n"
            "  n3 [label=\"join: Concatenate|{input:|output:}|{[(None, 2), (None, 4)]|(None, 6)}\"];\n"
            "  n4 [label=\"out: Dense|{input:|output:}|{(None, 6)|(None, 1)}\"];\n"
            "  n5 [label=\"aux: Dense|{input:|output:}|{(None, 4)|(None, 1)}\"];\n"
            "  n1 -> n2;\n"
            "  n0 -> n3;\n"
            "  n2 -> n3;\n"
            "  n3 -> n4;\n"
            "  n2 -> n5;\n"
            "}\n");
}

}  // namespace
}  // namespace mlp

namespace mlp {
namespace {

TEST(FunctionalConfig, CompileSettingsPerOutputByName) {
  WideDeep w;
  const nlohmann::json c = nlohmann::json::parse(R"({
    "optimizer": "adam", "loss": "mse", "metrics": ["mae"],
    "outputs": {"aux_output": {"loss": "huber", "loss_weight": 0.1, "metrics": []},
                "output": {"loss_weight": 0.9}}})");
  w.model.compile(compile_options_from_config(ConfigObject(c, "compile")));
  EXPECT_EQ(w.model.loss(0).name(), "mean_squared_error");
  EXPECT_EQ(w.model.loss(1).name(), "huber");
  EXPECT_DOUBLE_EQ(w.model.loss_weight(0), 0.9);
  EXPECT_DOUBLE_EQ(w.model.loss_weight(1), 0.1);
  EXPECT_EQ(w.model.metric_names(0), (std::vector<std::string>{"mae"}));
  EXPECT_TRUE(w.model.metric_names(1).empty());
  // compile_config writes them back in the form it reads.
  const nlohmann::json saved = compile_config(w.model);
  WideDeep again;
  again.model.compile(compile_options_from_config(ConfigObject(saved, "compile")));
  EXPECT_EQ(compile_config(again.model), saved);

  const nlohmann::json negative =
      nlohmann::json::parse(R"({"loss": "mse", "outputs": {"output": {"loss_weight": -1}}})");
  EXPECT_EQ(error_of([&] { compile_options_from_config(ConfigObject(negative, "compile")); }),
            "compile.outputs.output.loss_weight: must be finite and >= 0, got -1.0");
  const nlohmann::json unknown = nlohmann::json::parse(R"({"loss": "mse", "outputs": {"main": {"loss_weight": 1}}})");
  EXPECT_EQ(error_of([&] { w.model.compile(compile_options_from_config(ConfigObject(unknown, "compile"))); }),
            "Model::compile: 'main' is not an output of model 'wide_deep'; its outputs: output, aux_output");
}

}  // namespace
}  // namespace mlp
