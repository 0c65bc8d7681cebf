// SPDX-License-Identifier: MIT
// Sequential: summary text, parameter counts, fit/evaluate/predict semantics and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "mlp/mlp.hpp"
#include "mlp/models/reference.hpp"

namespace mlp {
namespace {

// Expected texts follow Keras 2's print_summary for sequential models exactly (line length 65,
// columns ending at 29/55/65, names cut to their column: "batch_normalization_1 (Batch").
const char* const kReferenceSummary =
    "_________________________________________________________________\n"
    "Layer (type)                 Output Shape              Param #   \n"
    "=================================================================\n"
    "flatten_1 (Flatten)          (None, 784)               0         \n"
    "_________________________________________________________________\n"
    "dense_1 (Dense)              (None, 256)               200960    \n"
    "_________________________________________________________________\n"
    "dropout_1 (Dropout)          (None, 256)               0         \n"
    "_________________________________________________________________\n"
    "dense_2 (Dense)              (None, 256)               65792     \n"
    "_________________________________________________________________\n"
    "dropout_2 (Dropout)          (None, 256)               0         \n"
    "_________________________________________________________________\n"
    "dense_3 (Dense)              (None, 10)                2570      \n"
    "=================================================================\n"
    "Total params: 269,322\n"
    "Trainable params: 269,322\n"
    "Non-trainable params: 0\n"
    "_________________________________________________________________\n";

const char* const kBatchNormSummary =
    "_________________________________________________________________\n"
    "Layer (type)                 Output Shape              Param #   \n"
    "=================================================================\n"
    "dense_1 (Dense)              (None, 256)               200960    \n"
    "_________________________________________________________________\n"
    "batch_normalization_1 (Batch (None, 256)               1024      \n"
    "_________________________________________________________________\n"
    "activation_1 (Activation)    (None, 256)               0         \n"
    "_________________________________________________________________\n"
    "dense_2 (Dense)              (None, 10)                2570      \n"
    "=================================================================\n"
    "Total params: 204,554\n"
    "Trainable params: 204,042\n"
    "Non-trainable params: 512\n"
    "_________________________________________________________________\n";

TEST(Sequential, ReferenceModelSummaryMatchesKeras) {
  Sequential model;
  add_reference_mnist_layers(model);
  compile_reference_mnist(model);
  EXPECT_EQ(model.count_params(), 269322u);
  EXPECT_EQ(model.count_trainable_params(), 269322u);
  EXPECT_EQ(model.summary(), kReferenceSummary);
}

TEST(Sequential, BatchNormalizationSummaryCountsNonTrainable) {
  Sequential model;
  model.add<InputLayer>({.shape = {784}});
  model.add<Dense>({.units = 256});
  model.add<BatchNormalization>({});
  model.add<Activation>({.activation = "relu"});
  model.add<Dense>({.units = 10, .activation = "softmax"});
  model.build({784});
  EXPECT_EQ(model.layer(2).count_params(), 1024u);
  EXPECT_EQ(model.count_params() - model.count_trainable_params(), 512u);
  EXPECT_EQ(model.summary(), kBatchNormSummary);
}

// A small, separable 2-class problem: x in R^4, y = [x0 + x1 > x2 - x3].
void make_blobs(std::size_t n, Matrix& x, Matrix& y, std::uint64_t seed) {
  Rng rng(seed);
  x.resize(n, 4);
  y.resize(n, 2);
  y.fill(0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < 4; ++j) x(i, j) = static_cast<Scalar>(rng.normal());
    const bool positive = x(i, 0) + x(i, 1) > x(i, 2) - x(i, 3);
    y(i, positive ? 1 : 0) = 1;
  }
}

std::unique_ptr<Sequential> small_model(std::uint64_t seed, const std::string& optimizer = "adam") {
  auto model = std::make_unique<Sequential>(ModelOptions{.seed = seed});
  model->add<InputLayer>({.shape = {4}});
  model->add<Dense>({.units = 16, .activation = "relu"});
  model->add<Dropout>({.rate = 0.2});
  model->add<Dense>({.units = 2, .activation = "softmax"});
  model->compile(
      {.optimizer = make_optimizer(optimizer), .loss = {.name = "categorical_crossentropy"}, .metrics = {"accuracy"}});
  return model;
}

TEST(Sequential, FitLearnsASeparableProblemAndRecordsHistory) {
  Matrix x, y;
  make_blobs(600, x, y, 3);
  auto model = small_model(1);
  const History h = model->fit(x, y, {.batch_size = 32, .epochs = 15, .validation_split = 0.2});
  ASSERT_EQ(h.epoch.size(), 15u);
  for (const char* key : {"loss", "accuracy", "val_loss", "val_accuracy"}) {
    ASSERT_TRUE(h.history.contains(key)) << key;
    EXPECT_EQ(h.history.at(key).size(), 15u) << key;
  }
  EXPECT_LT(h.history.at("loss").back(), h.history.at("loss").front() * 0.5);
  EXPECT_GT(h.history.at("val_accuracy").back(), 0.93);
  // evaluate() on the validation rows (the last 20%, never shuffled in) reproduces val_ metrics.
  const Logs val = model->evaluate(x.view().row_range(480, 120), y.view().row_range(480, 120), {.batch_size = 32});
  EXPECT_NEAR(val.at("loss"), h.history.at("val_loss").back(), 1e-6);
  EXPECT_NEAR(val.at("accuracy"), h.history.at("val_accuracy").back(), 1e-12);
}

TEST(Sequential, SameSeedGivesBitIdenticalTraining) {
  Matrix x, y;
  make_blobs(300, x, y, 5);
  auto a = small_model(42);
  auto b = small_model(42);
  auto c = small_model(43);
  const History ha = a->fit(x, y, {.batch_size = 16, .epochs = 3});
  const History hb = b->fit(x, y, {.batch_size = 16, .epochs = 3});
  c->fit(x, y, {.batch_size = 16, .epochs = 3});
  EXPECT_EQ(ha.history.at("loss"), hb.history.at("loss"));
  const auto pa = a->params(), pb = b->params(), pc = c->params();
  ASSERT_EQ(pa.size(), pb.size());
  bool any_differs_from_c = false;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    ASSERT_EQ(pa[i]->value.size(), pb[i]->value.size());
    EXPECT_EQ(0, std::memcmp(pa[i]->value.data(), pb[i]->value.data(), pa[i]->value.size() * sizeof(Scalar)));
    any_differs_from_c |=
        0 != std::memcmp(pa[i]->value.data(), pc[i]->value.data(), pa[i]->value.size() * sizeof(Scalar));
  }
  EXPECT_TRUE(any_differs_from_c);
}

TEST(Sequential, PredictIsDeterministicAndIgnoresDropout) {
  Matrix x, y;
  make_blobs(50, x, y, 7);
  auto model = small_model(3);
  model->fit(x, y, {.batch_size = 10, .epochs = 1});
  const Matrix p1 = model->predict(x, 7);
  const Matrix p2 = model->predict(x, 50);
  ASSERT_EQ(p1.rows(), 50u);
  ASSERT_EQ(p1.cols(), 2u);
  for (std::size_t i = 0; i < p1.size(); ++i) EXPECT_FLOAT_EQ(p1[i], p2[i]);
  for (std::size_t r = 0; r < p1.rows(); ++r) EXPECT_NEAR(p1(r, 0) + p1(r, 1), 1.0, 1e-6);
}

TEST(Sequential, SampleWeightsScaleTheLoss) {
  Matrix x, y;
  make_blobs(40, x, y, 9);
  auto model = small_model(4);
  model->fit(x, y, {.batch_size = 8, .epochs = 1});
  const Logs plain = model->evaluate(x, y);
  std::vector<Scalar> twos(40, Scalar(2));
  const Logs doubled = model->evaluate(x, y, {.sample_weight = twos});
  EXPECT_NEAR(doubled.at("loss"), 2 * plain.at("loss"), 1e-5);
  EXPECT_NEAR(doubled.at("accuracy"), plain.at("accuracy"), 1e-12);  // weighted mean of the same hits
}

TEST(Sequential, ClassWeightOfZeroIgnoresThatClass) {
  Matrix x, y;
  make_blobs(200, x, y, 11);
  auto model = small_model(5, "sgd");
  // With class 0 weighted 0 and SGD, only class-1 samples move the weights: the model learns to
  // predict class 1 everywhere, so its accuracy on class-0 samples collapses.
  model->fit(x, y, {.batch_size = 20, .epochs = 30, .class_weight = {{0, 0.0}, {1, 1.0}}});
  const Matrix p = model->predict(x);
  std::size_t class0 = 0, predicted1 = 0;
  for (std::size_t r = 0; r < p.rows(); ++r) {
    if (y(r, 0) == 1) {
      ++class0;
      predicted1 += p(r, 1) > p(r, 0);
    }
  }
  EXPECT_GT(static_cast<double>(predicted1) / static_cast<double>(class0), 0.9);
}

TEST(Sequential, InitialEpochSkipsEpochs) {
  Matrix x, y;
  make_blobs(64, x, y, 13);
  auto model = small_model(6);
  const History h = model->fit(x, y, {.batch_size = 16, .epochs = 5, .initial_epoch = 3});
  EXPECT_EQ(h.epoch, (std::vector<int>{3, 4}));
}

TEST(Sequential, BuiltFromAListLikeKerasSequential) {
  Sequential model({}, layers(InputLayer({.shape = {28, 28}}), Flatten(), Dense({.units = 32, .activation = "relu"}),
                              Dense({.units = 10, .activation = "softmax"})));
  model.compile({.loss = {.name = "categorical_crossentropy"}});
  ASSERT_EQ(model.layers().size(), 4u);
  EXPECT_EQ(model.layer(2).name(), "dense_1");
  EXPECT_EQ(model.count_params(), 784u * 32 + 32 + 32 * 10 + 10);
  EXPECT_EQ(format_shape(model.output_shape()), "(None, 10)");
  EXPECT_EQ(model.optimizer().name(), "RMSprop");  // Keras' compile() default
}

TEST(Sequential, WeightedMetricsSeeSampleWeightsPlainMetricsDoNot) {
  Matrix x, y;
  make_blobs(40, x, y, 21);
  auto model = std::make_unique<Sequential>(ModelOptions{.seed = 2});
  model->add<InputLayer>({.shape = {4}});
  model->add<Dense>({.units = 2, .activation = "softmax"});
  model->compile({.optimizer = make_optimizer("sgd"),
                  .loss = {.name = "categorical_crossentropy"},
                  .metrics = {"accuracy"},
                  .weighted_metrics = {"accuracy"}});
  // Weight 1 on the first sample only: weighted accuracy is that sample's hit (0 or 1).
  std::vector<Scalar> w(40, 0);
  w[0] = 1;
  const Logs logs = model->evaluate(x, y, {.sample_weight = w});
  const Matrix p = model->predict(x.view().row_range(0, 1));
  const double first_hit = (p(0, 1) > p(0, 0)) == (y(0, 1) == 1) ? 1.0 : 0.0;
  EXPECT_EQ(logs.at("weighted_accuracy"), first_hit);
  const Logs unweighted = model->evaluate(x, y);
  EXPECT_EQ(logs.at("accuracy"), unweighted.at("accuracy"));
}

TEST(Sequential, BatchNormalizationModelTrains) {
  Matrix x, y;
  make_blobs(400, x, y, 23);
  Sequential model({.seed = 9});
  model.add<InputLayer>({.shape = {4}});
  model.add<Dense>({.units = 16});
  model.add<BatchNormalization>({});
  model.add<Activation>({.activation = "relu"});
  model.add<Dense>({.units = 2, .activation = "softmax"});
  model.compile(
      {.optimizer = make_optimizer("adam"), .loss = {.name = "categorical_crossentropy"}, .metrics = {"accuracy"}});
  const History h = model.fit(x, y, {.batch_size = 32, .epochs = 20, .validation_split = 0.25});
  EXPECT_GT(h.history.at("val_accuracy").back(), 0.9);
  auto& bn = dynamic_cast<BatchNormalization&>(model.layer(2));
  EXPECT_NE(bn.moving_mean().value[0], 0);  // moving statistics were updated
}

struct StopAfter : Callback {
  int calls = 0;
  std::vector<std::string> order;
  void on_train_begin(TrainContext&) override { order.push_back("train_begin"); }
  void on_epoch_begin(TrainContext&) override { order.push_back("epoch_begin"); }
  void on_train_batch_end(TrainContext& ctx) override {
    if (++calls == 3) ctx.stop_training = true;
  }
  void on_epoch_end(TrainContext& ctx) override {
    order.push_back("epoch_end");
    EXPECT_TRUE(ctx.logs.contains("loss"));
  }
  void on_train_end(TrainContext&) override { order.push_back("train_end"); }
};

TEST(Sequential, CallbacksRunInKerasOrderAndCanStopTraining) {
  Matrix x, y;
  make_blobs(64, x, y, 15);
  auto model = small_model(7);
  StopAfter cb;
  const History h = model->fit(x, y, {.batch_size = 16, .epochs = 10}, {&cb});
  EXPECT_EQ(cb.calls, 3);
  EXPECT_EQ(h.epoch.size(), 1u);
  EXPECT_EQ(cb.order, (std::vector<std::string>{"train_begin", "epoch_begin", "epoch_end", "train_end"}));
}

TEST(Sequential, VerboseTwoPrintsOneLinePerEpoch) {
  Matrix x, y;
  make_blobs(64, x, y, 17);
  auto model = small_model(8);
  std::ostringstream out;
  model->fit(x, y, {.batch_size = 16, .epochs = 2, .validation_split = 0.25, .verbose = 2, .out = &out});
  const std::string text = out.str();
  EXPECT_NE(text.find("Epoch 1/2 - "), std::string::npos) << text;
  EXPECT_NE(text.find("Epoch 2/2 - "), std::string::npos) << text;
  EXPECT_NE(text.find(" - loss: "), std::string::npos) << text;
  EXPECT_NE(text.find(" - val_accuracy: "), std::string::npos) << text;
}

TEST(Sequential, VerboseOneDrawsAKerasProgressBar) {
  Matrix x, y;
  make_blobs(64, x, y, 25);
  auto model = small_model(10);
  std::ostringstream out;
  model->fit(x, y, {.batch_size = 16, .epochs = 1, .validation_split = 0.25, .verbose = 1, .out = &out});
  const std::string text = out.str();
  EXPECT_EQ(text.rfind("Epoch 1/1\n", 0), 0u) << text;
  // The last redraw is the full bar with the epoch's time and the validation metrics.
  const std::string last = text.substr(text.rfind('\r') + 1);
  EXPECT_EQ(last.rfind("3/3 [==============================] - ", 0), 0u) << last;
  EXPECT_NE(last.find(" - loss: "), std::string::npos) << last;
  EXPECT_NE(last.find(" - val_loss: "), std::string::npos) << last;
  EXPECT_EQ(last.back(), '\n');
}

TEST(Sequential, ErrorsNameTheProblem) {
  Matrix x, y;
  make_blobs(10, x, y, 19);
  auto model = small_model(9);
  Matrix wide(10, 5), short_y(9, 2), sparse_y(10, 1);
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([&] { model->fit(wide, y); }),
            "Sequential::fit: x has 5 features per sample but the model's input (None, 4) needs 4");
  EXPECT_EQ(message([&] { model->fit(x, short_y); }), "Sequential::fit: x has 10 samples but y has 9");
  EXPECT_EQ(message([&] { model->fit(x, sparse_y); }),
            "Sequential::fit: y has 1 columns but loss 'categorical_crossentropy' with output (None, 2) needs 2");
  EXPECT_EQ(message([&] { model->fit(x, y, {.batch_size = 0}); }),
            "Sequential::fit: batch_size must be positive, got 0");
  EXPECT_EQ(message([&] { model->fit(x, y, {.validation_split = 1.0}); }),
            "Sequential::fit: validation_split must be in [0, 1), got 1.000000");
  Sequential uncompiled;
  uncompiled.add<Dense>({.units = 2});
  EXPECT_EQ(message([&] { uncompiled.fit(x, y); }),
            "Sequential::fit: model 'sequential_1' is not compiled; call compile() first");
  Sequential flat_needed;
  flat_needed.add<InputLayer>({.shape = {2, 2}});
  flat_needed.add<Dense>({.units = 2});
  EXPECT_EQ(message([&] {
              flat_needed.build({2, 2});
            }),
            "Dense 'dense_1': expects flat input (None, features) but got (None, 2, 2); add a Flatten layer before it");

  // Sparse labels are class indices: one outside [0, classes) or not whole is refused before it
  // could index past the output row (Keras raises too).
  auto sparse = small_model(9);
  sparse->compile(
      {.optimizer = std::make_unique<SGD>(SGD::Options{}), .loss = {.name = "sparse_categorical_crossentropy"}});
  Matrix labels(10, 1);
  EXPECT_EQ(message([&] { sparse->fit(x, labels); }), "no error");
  labels.row(7)[0] = 2;
  EXPECT_EQ(message([&] { sparse->fit(x, labels); }), "Sequential::fit: y[7] = 2 is not a class index in [0, 2)");
  labels.row(7)[0] = -1;
  EXPECT_EQ(message([&] { sparse->evaluate(x, labels); }),
            "Sequential::evaluate: y[7] = -1 is not a class index in [0, 2)");
  labels.row(7)[0] = 0.5;
  EXPECT_EQ(message([&] { sparse->train_on_batch(x, labels); }),
            "Sequential::train_on_batch: y[7] = 0.500000 is not a class index in [0, 2)");
}

}  // namespace
}  // namespace mlp
