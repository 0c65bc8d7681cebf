// SPDX-License-Identifier: MIT
// The ONNX exporter (src/interop/onnx_export.cpp): every model below is exported, passed through
// onnx's C++ checker and strict shape inference, run by OpenCV's DNN module on real MNIST rows
// (tests/data) and compared, output by output, with Model::predict on the same rows read the way
// `mlp predict` reads them (bytes decoded by the saved preprocessing). Then the graph's structure
// (opset, names, shapes, ops) and every failure path: layers without a mapping, unbuilt models,
// scalings that do not fit, and writes that fail (the old file stays).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "mlp/data/preprocessing.hpp"
#include "mlp/interop/onnx.hpp"
#include "mlp/io/files.hpp"
#include "mlp/io/idx.hpp"
#include "mlp/mlp.hpp"
#include "mlp/models/reference.hpp"
#include "onnx_runtime.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {
namespace fs = std::filesystem;
using test::OnnxTensor;

constexpr double kTolerance = 1e-5;

// MNIST rows as `mlp predict` holds them: bytes decoded by the model file's scaling (x/255).
struct MnistRows {
  ByteMatrix bytes;
  Matrix raw;     // the same pixels as floats 0..255: what the exported graph takes
  Matrix labels;  // one-hot
  ColumnScaling scaling = Preprocessing{.divide_by = 255}.scaling(784);
  InputView view() const { return InputView(bytes, scaling); }
};
const MnistRows& mnist(const std::string& split, std::size_t count) {
  static std::map<std::string, MnistRows> cache;
  MnistRows& rows = cache[split];
  if (rows.raw.rows() == 0) {
    const std::string dir = MLP_TEST_DATA_DIR;
    IdxArray images = read_idx(dir + "/mnist-subset-" + split + "-images-idx3-ubyte.gz");
    images.dims[0] = std::min(images.dims[0], count);
    images.data.resize(images.dims[0] * 784);
    rows.raw = idx_to_matrix(images);
    IdxArray labels = read_idx(dir + "/mnist-subset-" + split + "-labels-idx1-ubyte.gz");
    labels.dims[0] = images.dims[0];
    labels.data.resize(images.dims[0]);
    rows.labels = one_hot(labels, 10);
    rows.bytes = idx_to_bytes(std::move(images));
  }
  return rows;
}
const MnistRows& test_rows() { return mnist("t10k", 1000); }

const nlohmann::json kPixelExtra = {{"preprocessing", Preprocessing{.divide_by = 255}.to_json()}};

// Exports a one-input, one-output image model with its preprocessing, runs it on the raw pixels and
// returns the largest difference from predict.
double image_model_difference(const std::string& name, Model& model, const OnnxExportOptions& options) {
  const MnistRows& rows = test_rows();
  const Matrix expected = model.predict(rows.view());
  const std::string bytes = onnx_model_bytes(model, options);
  const std::string input = test::checked_onnx(bytes).graph().input(0).name();
  const double d = test::opencv_difference(name, bytes, {{input, model.input_shape(), rows.raw}},
                                           {{model.output_names()[0], model.output_shape(), expected}});
  double largest = 0;
  for (Scalar v : expected.values()) largest = std::max(largest, std::abs(static_cast<double>(v)));
  std::printf("[ onnx ] %-28s OpenCV max |difference| %.3g over %zu rows (max |output| %.3g)\n", name.c_str(), d,
              rows.raw.rows(), largest);
  return d;
}

void train(Model& model, std::size_t samples, int epochs) {
  const MnistRows& rows = mnist("train", samples);
  model.fit(rows.view(), rows.labels, {.batch_size = 128, .epochs = epochs});
}

TEST(OnnxExport, ReferenceModelMatchesPredictAndHasTheDocumentedGraph) {
  Sequential model({.seed = 1});
  add_reference_mnist_layers(model);
  model.build({28, 28});
  compile_reference_mnist(model);
  train(model, 2000, 2);
  const OnnxExportOptions options = onnx_options_from_extra(model, kPixelExtra);
  EXPECT_LE(image_model_difference("reference_mlp", model, options), kTolerance);

  const onnx::ModelProto proto = test::checked_onnx(onnx_model_bytes(model, options));
  EXPECT_EQ(proto.ir_version(), 8);
  ASSERT_EQ(proto.opset_import_size(), 1);
  EXPECT_EQ(proto.opset_import(0).domain(), "");
  EXPECT_EQ(proto.opset_import(0).version(), 17);
  EXPECT_EQ(proto.producer_name(), "mlp");
  const onnx::GraphProto& g = proto.graph();
  ASSERT_EQ(g.input_size(), 1);
  EXPECT_EQ(g.input(0).name(), "input_layer_1");  // the reference model starts with an InputLayer
  const auto& in_shape = g.input(0).type().tensor_type().shape();
  ASSERT_EQ(in_shape.dim_size(), 3);
  EXPECT_EQ(in_shape.dim(0).dim_param(), "N");
  EXPECT_EQ(in_shape.dim(1).dim_value(), 28);
  ASSERT_EQ(g.output_size(), 1);
  EXPECT_EQ(g.output(0).name(), "dense_3");
  EXPECT_EQ(g.output(0).type().tensor_type().shape().dim(1).dim_value(), 10);
  // x/255 first, the Dropouts gone, Gemm with the kernel stored transposed.
  EXPECT_EQ(test::op_types(proto),
            (std::vector<std::string>{"Mul", "Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"}));
  EXPECT_EQ(g.node(2).attribute(0).name(), "transB");
  EXPECT_EQ(g.node(2).attribute(0).i(), 1);
  const onnx::TensorProto& kernel = g.initializer(1);
  EXPECT_EQ(kernel.name(), "dense_1/kernel");
  EXPECT_EQ(std::vector<std::int64_t>(kernel.dims().begin(), kernel.dims().end()),
            (std::vector<std::int64_t>{256, 784}));
  float w01 = 0;  // stored (O, I): element (0, 1) is the Keras kernel's (1, 0)
  std::memcpy(&w01, kernel.raw_data().data() + sizeof(float), sizeof(float));
  EXPECT_EQ(w01, static_cast<float>(static_cast<Dense&>(model.layer(2)).kernel().value.row(1)[0]));
  // The same model twice gives the same bytes.
  EXPECT_EQ(onnx_model_bytes(model, options), onnx_model_bytes(model, options));

  // Without the preprocessing the graph takes x/255 itself.
  const std::string plain = onnx_model_bytes(model);
  EXPECT_EQ(test::op_types(test::checked_onnx(plain)).front(), "Flatten");
  Matrix divided = test_rows().raw;
  Preprocessing{.divide_by = 255}.apply(divided);
  const auto got = test::run_opencv(plain, {{"input_layer_1", {28, 28}, divided}}, {"dense_3"});
  EXPECT_LE(test::max_difference(got.at(0), model.predict(test_rows().view())), kTolerance);
}

void build_batch_norm_model(Sequential& model) {
  model.add<Flatten>({});
  model.add<Dense>({.units = 64});  // linear, read only by the BatchNormalization: folds
  model.add<BatchNormalization>({.momentum = 0.5});
  model.add<Activation>({.activation = "relu"});
  model.add<Dense>({.units = 32, .activation = "tanh"});  // not linear: the op stays
  model.add<BatchNormalization>({.momentum = 0.5, .center = false});
  model.add<Dense>({.units = 16, .use_bias = false});  // no bias: the fold gives it one
  model.add<BatchNormalization>({.momentum = 0.5, .scale = false});
  model.add<Dense>({.units = 10, .activation = "softmax"});
  model.build({28, 28});
  model.compile({.optimizer = std::make_unique<Adam>(), .loss = {.name = "categorical_crossentropy"}});
  train(model, 1000, 1);  // moving statistics far from their initial 0 and 1
}

TEST(OnnxExport, BatchNormalizationFoldedAndAsAnOpBothMatchPredict) {
  Sequential model({.seed = 2});
  build_batch_norm_model(model);
  OnnxExportOptions folded = onnx_options_from_extra(model, kPixelExtra);
  OnnxExportOptions as_op = folded;
  as_op.fold_batch_normalization = false;
  EXPECT_LE(image_model_difference("batch_norm_folded", model, folded), kTolerance);
  EXPECT_LE(image_model_difference("batch_norm_op", model, as_op), kTolerance);
  auto count = [](const std::vector<std::string>& ops) {
    return std::count(ops.begin(), ops.end(), "BatchNormalization");
  };
  EXPECT_EQ(count(test::op_types(test::checked_onnx(onnx_model_bytes(model, folded)))), 1);
  EXPECT_EQ(count(test::op_types(test::checked_onnx(onnx_model_bytes(model, as_op)))), 3);
}

TEST(OnnxExport, BatchNormalizationOfAnImageTensorNormalisesItsLastAxis) {
  Sequential model({.seed = 3});
  model.add<InputLayer>({.shape = {28, 28}});
  model.add<BatchNormalization>({.momentum = 0.3});
  model.add<Flatten>({});
  model.add<Dense>({.units = 10, .activation = "softmax"});
  model.compile({.optimizer = std::make_unique<Adam>(), .loss = {.name = "categorical_crossentropy"}});
  train(model, 500, 1);
  const OnnxExportOptions options = onnx_options_from_extra(model, kPixelExtra);
  EXPECT_LE(image_model_difference("batch_norm_rank3", model, options), kTolerance);
  EXPECT_EQ(test::op_types(test::checked_onnx(onnx_model_bytes(model, options))),
            (std::vector<std::string>{"Mul", "Mul", "Add", "Flatten", "Gemm", "Softmax"}));
}

TEST(OnnxExport, BatchNormalizationFirstInASequentialIsAnOp) {
  Sequential model({.seed = 7});  // no InputLayer: the BatchNormalization reads the graph input
  model.add<BatchNormalization>({.momentum = 0.3});
  model.add<Dense>({.units = 10, .activation = "softmax"});
  model.build({784});
  model.compile({.optimizer = std::make_unique<Adam>(), .loss = {.name = "categorical_crossentropy"}});
  train(model, 500, 1);
  const OnnxExportOptions options = onnx_options_from_extra(model, kPixelExtra);
  EXPECT_LE(image_model_difference("batch_norm_first", model, options), kTolerance);
  EXPECT_EQ(test::op_types(test::checked_onnx(onnx_model_bytes(model, options))),
            (std::vector<std::string>{"Mul", "BatchNormalization", "Gemm", "Softmax"}));
}

// Every activation, fused in Dense and as an Activation layer, on pre-activations spread over
// about ±3 (the kernel is scaled up) so that saturating and clipping regions are reached.
TEST(OnnxExport, EveryActivationMatchesPredict) {
  const std::vector<std::string> names{"linear",   "relu",     "leaky_relu", "elu",          "selu",
                                       "softplus", "softsign", "sigmoid",    "hard_sigmoid", "tanh",
                                       "softmax",  "swish",    "silu",       "gelu"};
  for (const std::string& name : names) {
    Sequential model({.seed = 4});
    model.add<Flatten>({});
    Dense& dense = model.add<Dense>({.units = 32, .activation = name});
    model.add<Activation>({.activation = name});
    model.build({28, 28});
    for (auto& w : dense.kernel().value.values()) w *= 3;
    EXPECT_LE(image_model_difference("activation_" + name, model, onnx_options_from_extra(model, kPixelExtra)),
              kTolerance)
        << name;
  }
  Sequential gelu;
  gelu.add<Flatten>({});
  gelu.add<Dense>({.units = 4, .activation = "gelu"});
  gelu.build({28, 28});
  EXPECT_EQ(test::op_types(test::checked_onnx(onnx_model_bytes(gelu))),
            (std::vector<std::string>{"Flatten", "Gemm", "Div", "Erf", "Add", "Mul", "Mul"}));
}

TEST(OnnxExport, LeakyReLULayerAndSoftmaxOverAnImageTensorMatchPredict) {
  Sequential leaky({.seed = 5});
  leaky.add<Flatten>({});
  leaky.add<Dense>({.units = 32});
  leaky.add<LeakyReLU>({.negative_slope = 0.1});
  leaky.build({28, 28});
  EXPECT_LE(image_model_difference("leaky_relu_layer", leaky, onnx_options_from_extra(leaky, kPixelExtra)), kTolerance);

  // mlp's softmax normalises over all 784 features of a (28, 28) sample: Flatten, Softmax, Reshape.
  Sequential soft({.seed = 5});
  soft.add<InputLayer>({.shape = {28, 28}});
  soft.add<Activation>({.activation = "softmax"});
  soft.build({28, 28});
  EXPECT_LE(image_model_difference("softmax_rank3", soft, onnx_options_from_extra(soft, kPixelExtra)), kTolerance);
  EXPECT_EQ(test::op_types(test::checked_onnx(onnx_model_bytes(soft))),
            (std::vector<std::string>{"Flatten", "Softmax", "Reshape"}));
}

// A graph with two inputs (the top and bottom halves of each digit), every merge layer, the
// noise layers (removed) and two outputs, one of them a Dropout (an Identity in the graph).
TEST(OnnxExport, TwoInputGraphWithEveryMergeMatchesPredict) {
  Model m({.name = "halves", .seed = 6});
  const Node top = m.input({392}, "top"), bottom = m.input({392}, "bottom");
  const Node a = m.add(Dense({.units = 24, .activation = "tanh"}), {top});
  const Node b = m.add(Dense({.units = 24, .activation = "sigmoid"}), {bottom});
  const Node c = m.add(Dense({.units = 24, .activation = "relu"}), {bottom});
  const Node noisy = m.add(GaussianNoise({.stddev = 0.1}), {a});
  const Node sum2 = m.add(Add(), {noisy, b});
  const Node sum3 = m.add(Add(), {a, b, c});
  const Node avg = m.add(Average(), {a, b, c});
  const Node prod = m.add(Multiply(), {a, b, c});
  const Node cat = m.add(Concatenate(), {sum2, sum3, avg, prod});
  const Node dropped = m.add(AlphaDropout({.rate = 0.1}), {cat});
  const Node digits = m.add(Dense({.units = 10, .activation = "softmax"}), {dropped}, "digits");
  const Node aux = m.add(Dropout({.rate = 0.2}), {avg}, "aux");
  m.set_outputs({digits, aux});

  const MnistRows& rows = test_rows();
  Matrix halves[2] = {Matrix(rows.raw.rows(), 392), Matrix(rows.raw.rows(), 392)};
  for (std::size_t r = 0; r < rows.raw.rows(); ++r) {
    std::copy_n(rows.raw.row(r), 392, halves[0].row(r));
    std::copy_n(rows.raw.row(r) + 392, 392, halves[1].row(r));
  }
  Matrix scaled[2] = {halves[0], halves[1]};
  for (Matrix& s : scaled) Preprocessing{.divide_by = 255}.apply(s);
  const std::vector<Matrix> expected = m.predict({scaled[0], scaled[1]});
  OnnxExportOptions options;
  options.input_scaling = {ColumnScaling::divide_by(255, 392), ColumnScaling::divide_by(255, 392)};
  const std::string bytes = onnx_model_bytes(m, options);
  const double d =
      test::opencv_difference("two_input_merges", bytes, {{"top", {392}, halves[0]}, {"bottom", {392}, halves[1]}},
                              {{"digits", {10}, expected[0]}, {"aux", {24}, expected[1]}});
  std::printf("[ onnx ] %-28s OpenCV max |difference| %.3g over %zu rows\n", "two_input_merges", d, rows.raw.rows());
  EXPECT_LE(d, kTolerance);
  const auto ops = test::op_types(test::checked_onnx(bytes));
  for (const char* op : {"Add", "Sum", "Concat", "Identity"})
    EXPECT_EQ(std::count(ops.begin(), ops.end(), op), op == std::string("Sum") ? 2 : 1) << op;
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Mul"), 2 + 1 + 2);  // the two scalings, 1/K, the product chain
}

// ---- failure paths ----

// A layer mlp has but ONNX export does not know: the error names it.
class Doubling : public Layer {
 public:
  std::string_view kind() const override { return "Doubling"; }
  Shape build(const Shape& input_shape, Rng&) override {
    set_built(input_shape, input_shape);
    return input_shape;
  }
  void forward(ConstMatrixView x, MatrixView y, Mode) override {
    for (std::size_t r = 0; r < x.rows(); ++r) {
      for (std::size_t c = 0; c < x.cols(); ++c) y.row(r)[c] = 2 * x.row(r)[c];
    }
  }
  void backward(ConstMatrixView, ConstMatrixView, ConstMatrixView, MatrixView) override {}
};
class LoggingDense : public Dense {  // computes what Dense does, but export cannot know that
 public:
  using Dense::Dense;
};

TEST(OnnxExport, RefusesLayersWithoutAMappingNamingThem) {
  Sequential custom;
  custom.add<Dense>({.units = 3});
  custom.add(std::make_unique<Doubling>());
  custom.build({4});
  EXPECT_EQ(test::error_of([&] { onnx_model_bytes(custom); }),
            "ONNX export: layer 'doubling_1' (Doubling) has no ONNX mapping; exportable layers: InputLayer, Flatten, "
            "Dense, Activation, Dropout, AlphaDropout, GaussianNoise, LeakyReLU, BatchNormalization, Concatenate, "
            "Add, Average, Multiply");
  Sequential derived;
  derived.add(std::make_unique<LoggingDense>(Dense::Options{.units = 3}));
  derived.build({4});
  EXPECT_EQ(test::error_of([&] { onnx_model_bytes(derived); }),
            "ONNX export: layer 'dense_1' (Dense) is a class derived from mlp's Dense, whose computation export "
            "cannot know; only mlp's own layers are exported");
}

TEST(OnnxExport, RefusesUnbuiltModelsAndScalingsThatDoNotFit) {
  Sequential unbuilt;
  unbuilt.add<Dense>({.units = 3});
  EXPECT_EQ(test::error_of([&] { onnx_model_bytes(unbuilt); }), "ONNX export: the model is not built");
  Sequential model;
  model.add<Dense>({.units = 3});
  model.build({4});
  OnnxExportOptions two;
  two.input_scaling = {ColumnScaling::divide_by(2, 4), ColumnScaling::divide_by(2, 4)};
  EXPECT_EQ(test::error_of([&] { onnx_model_bytes(model, two); }), "ONNX export: 2 input scalings for 1 model inputs");
  OnnxExportOptions narrow;
  narrow.input_scaling = {ColumnScaling::divide_by(2, 3)};
  EXPECT_EQ(test::error_of([&] { onnx_model_bytes(model, narrow); }),
            "ONNX export: input 'dense_1_input' (None, 4) has 4 features, its scaling has 3 scales and 3 shifts");
  OnnxExportOptions zero;
  zero.output_scale = 0;
  EXPECT_EQ(test::error_of([&] { onnx_model_bytes(model, zero); }),
            "ONNX export: output_scale must be finite and non-zero");
}

TEST(OnnxExport, FailedExportsAndWritesLeaveTheOldFile) {
  const fs::path dir = fs::path(testing::TempDir()) / "mlp_onnx_export";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "model.onnx").string();
  Sequential model;
  model.add<Dense>({.units = 3, .activation = "sigmoid"});
  model.build({4});
  save_onnx(path, model);
  const std::vector<std::uint8_t> old_bytes = read_file_decompressed(path);
  EXPECT_EQ(std::string(old_bytes.begin(), old_bytes.end()), onnx_model_bytes(model));

  Sequential bad;
  bad.add(std::make_unique<Doubling>());
  bad.build({4});
  EXPECT_NE(test::error_of([&] { save_onnx(path, bad); }), "no error");
  EXPECT_EQ(read_file_decompressed(path), old_bytes);

  Sequential big;  // 100,000 weights: past the 4 KiB file-size limit below, like a full disk
  big.add<Dense>({.units = 100});
  big.build({1000});
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto* previous = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string message = test::error_of([&] { save_onnx(path, big); });
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous);
  EXPECT_EQ(message, path + ": cannot write (File too large); the existing file, if any, is unchanged");
  EXPECT_EQ(read_file_decompressed(path), old_bytes);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temporary left

  const std::string under_a_file = path + "/model.onnx";
  EXPECT_EQ(test::error_of([&] { save_onnx(under_a_file, model); }).rfind(under_a_file + ": ", 0), 0u);
}

}  // namespace
}  // namespace mlp
