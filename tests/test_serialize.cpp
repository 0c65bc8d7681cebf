// SPDX-License-Identifier: MIT
// serialize.hpp: every layer, optimizer, schedule and loss from its flat config and back (exact
// JSON both ways, and the options the built object holds), each way a config can be wrong (the
// exact message), and whole Sequential models from config and back.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "mlp/error.hpp"
#include "mlp/io/toml.hpp"
#include "mlp/layers/activation.hpp"
#include "mlp/layers/alpha_dropout.hpp"
#include "mlp/layers/batch_normalization.hpp"
#include "mlp/layers/dense.hpp"
#include "mlp/layers/dropout.hpp"
#include "mlp/layers/flatten.hpp"
#include "mlp/layers/gaussian_noise.hpp"
#include "mlp/layers/input_layer.hpp"
#include "mlp/layers/leaky_relu.hpp"
#include "mlp/metric.hpp"
#include "mlp/optimizers/adagrad.hpp"
#include "mlp/optimizers/adam.hpp"
#include "mlp/optimizers/adamw.hpp"
#include "mlp/optimizers/nadam.hpp"
#include "mlp/optimizers/rmsprop.hpp"
#include "mlp/optimizers/sgd.hpp"
#include "mlp/serialize.hpp"
#include "mlp/strings.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {

using nlohmann::json;

const std::string kPath = "model.layers[0]";
const std::string kAllLayerTypes =
    "InputLayer, Flatten, Dense, Activation, Dropout, AlphaDropout, GaussianNoise, LeakyReLU, BatchNormalization, "
    "Concatenate, Add, Average, Multiply";
const std::string kAllOptimizers = "SGD, RMSprop, Adam, AdamW, Nadam, Adagrad";

using mlp::test::error_of;

std::unique_ptr<Layer> layer_of(const json& config) { return layer_from_config(ConfigObject(config, kPath)); }
json layer_round_trip(const json& config) { return layer_config(*layer_of(config)); }
std::string layer_error(const json& config) {
  return error_of([&] { layer_of(config); });
}

template <class L>
const L& as(const Layer& layer) {
  const auto* p = dynamic_cast<const L*>(&layer);
  if (p == nullptr) throw std::runtime_error("layer has the wrong class: " + std::string(layer.kind()));
  return *p;
}

// The config of the built layer is `expected`, and reading that config back gives it again.
void expect_round_trip(const json& input, const json& expected) {
  const json once = layer_round_trip(input);
  EXPECT_EQ(once, expected) << "got " << once.dump();
  EXPECT_EQ(layer_round_trip(once), once);
}

// ---- layers ---------------------------------------------------------------------------------

// Every row of the layer table builds the class it is named after (its kind()), from its name in
// lower case, and the table lists the names in the order the error messages give.
TEST(SerializeLayers, EveryTableRowBuildsItsClass) {
  const std::map<std::string, json> required = {
      {"InputLayer", {{"shape", {3}}}}, {"Dense", {{"units", 2}}},         {"Activation", {{"activation", "relu"}}},
      {"Dropout", {{"rate", 0.5}}},     {"AlphaDropout", {{"rate", 0.5}}}, {"GaussianNoise", {{"stddev", 0.1}}}};
  for (const std::string& type : layer_types()) {
    json config = required.contains(type) ? required.at(type) : json::object();
    std::string lower = type;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    config["type"] = lower;
    EXPECT_EQ(layer_of(config)->kind(), type);
  }
  EXPECT_EQ(join(layer_types()), kAllLayerTypes);
}

TEST(SerializeLayers, InputLayer) {
  const json in = {{"type", "InputLayer"}, {"name", "pixels"}, {"shape", {28, 28}}};
  expect_round_trip(in, in);
  auto layer = layer_of(in);
  EXPECT_EQ(layer->name(), "pixels");
  EXPECT_EQ(as<InputLayer>(*layer).options().shape, (Shape{28, 28}));
  EXPECT_EQ(layer_error({{"type", "InputLayer"}}),
            "model.layers[0].shape: required (one sample's shape, e.g. [28, 28])");
  EXPECT_EQ(layer_error({{"type", "InputLayer"}, {"shape", {28, 0}}}),
            "model.layers[0] (InputLayer): shape (None, 28, 0) must have positive dimensions");
  EXPECT_EQ(layer_error({{"type", "InputLayer"}, {"shape", {28, -1}}}),
            "model.layers[0].shape[1]: expected a non-negative integer, got the integer -1");
}

TEST(SerializeLayers, Flatten) {
  expect_round_trip({{"type", "Flatten"}, {"name", "flat"}},
                    {{"type", "Flatten"}, {"name", "flat"}, {"data_format", "channels_last"}});
  EXPECT_EQ(layer_of({{"type", "Flatten"}})->kind(), "Flatten");
  EXPECT_EQ(layer_error({{"type", "Flatten"}, {"data_format", "channels_first"}}),
            "model.layers[0].data_format: only \"channels_last\" is supported, got a string (\"channels_first\")");
}

TEST(SerializeLayers, DenseWithNonDefaultInitializersAndRegularizers) {
  const json in = json::parse(R"({
    "type": "Dense", "name": "hidden", "units": 4, "activation": "relu", "use_bias": false,
    "kernel_initializer": {"type": "random_normal", "stddev": 0.1},
    "bias_initializer": "ones",
    "kernel_regularizer": "l1_l2",
    "bias_regularizer": {"l2": 1e-4},
    "activity_regularizer": {"type": "l1", "l2": 0.5}
  })");
  const json expected = json::parse(R"({
    "type": "Dense", "name": "hidden", "units": 4, "activation": "relu", "use_bias": false,
    "kernel_initializer": {"type": "random_normal", "mean": 0.0, "stddev": 0.1},
    "bias_initializer": "ones",
    "kernel_regularizer": {"l1": 0.01, "l2": 0.01},
    "bias_regularizer": {"l1": 0.0, "l2": 1e-4},
    "activity_regularizer": {"l1": 0.01, "l2": 0.5}
  })");
  expect_round_trip(in, expected);

  auto layer = layer_of(in);
  const Dense::Options& o = as<Dense>(*layer).options();
  EXPECT_EQ(layer->name(), "hidden");
  EXPECT_EQ(o.units, 4u);
  EXPECT_EQ(o.activation, "relu");
  EXPECT_FALSE(o.use_bias);
  EXPECT_EQ(o.kernel_initializer.name, "random_normal");
  EXPECT_EQ(o.kernel_initializer.mean, 0.0);
  EXPECT_EQ(o.kernel_initializer.stddev, 0.1);
  EXPECT_EQ(o.bias_initializer.name, "ones");
  EXPECT_EQ(o.kernel_regularizer.l1, 0.01);
  EXPECT_EQ(o.kernel_regularizer.l2, 0.01);
  EXPECT_EQ(o.bias_regularizer.l1, 0.0);
  EXPECT_EQ(o.bias_regularizer.l2, 1e-4);
  EXPECT_EQ(o.activity_regularizer.l1, 0.01);
  EXPECT_EQ(o.activity_regularizer.l2, 0.5);
  EXPECT_TRUE(layer->trainable());
}

TEST(SerializeLayers, DenseDefaultsKerasClassNamesAndFrozen) {
  const json expected = json::parse(R"({
    "type": "Dense", "name": "d", "units": 3, "activation": "linear", "use_bias": true,
    "kernel_initializer": "he_normal", "bias_initializer": "zeros",
    "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null,
    "trainable": false
  })");
  // Case-insensitive type, Keras' class name for the initializer, Keras' seed key in it.
  expect_round_trip({{"type", "dense"},
                     {"name", "d"},
                     {"units", 3},
                     {"trainable", false},
                     {"kernel_initializer", {{"type", "HeNormal"}, {"seed", nullptr}}}},
                    expected);
  EXPECT_FALSE(layer_of(expected)->trainable());
  // Non-default arguments of the other initializers survive the trip.
  const json inits = json::parse(R"({"type": "Dense", "name": "d", "units": 2,
      "kernel_initializer": {"type": "RandomUniform", "minval": -1, "maxval": 2},
      "bias_initializer": {"type": "constant", "value": 0.5}})");
  const json back = layer_round_trip(inits);
  EXPECT_EQ(back["kernel_initializer"], json::parse(R"({"type": "random_uniform", "minval": -1.0, "maxval": 2.0})"));
  EXPECT_EQ(back["bias_initializer"], json::parse(R"({"type": "constant", "value": 0.5})"));
}

TEST(SerializeLayers, Activation) {
  const json in = {{"type", "Activation"}, {"name", "act"}, {"activation", "tanh"}};
  expect_round_trip(in, in);
  EXPECT_EQ(as<Activation>(*layer_of(in)).options().activation, "tanh");
  EXPECT_EQ(layer_error({{"type", "Activation"}}), "model.layers[0].activation: required (e.g. \"relu\")");
  std::string raw;
  try {
    ActivationFunction::from_name("nope");
  } catch (const Error& e) {
    raw = e.what();
  }
  ASSERT_FALSE(raw.empty());
  EXPECT_EQ(layer_error({{"type", "Activation"}, {"activation", "nope"}}), "model.layers[0] (Activation): " + raw);
}

TEST(SerializeLayers, DropoutWithSeed) {
  expect_round_trip({{"type", "Dropout"}, {"name", "drop"}, {"rate", 0.25}, {"seed", 42}},
                    {{"type", "Dropout"}, {"name", "drop"}, {"rate", 0.25}, {"seed", 42}, {"noise_shape", nullptr}});
  auto layer = layer_of({{"type", "Dropout"}, {"rate", 0.25}, {"seed", 42}, {"noise_shape", nullptr}});
  EXPECT_EQ(as<Dropout>(*layer).options().rate, 0.25);
  EXPECT_EQ(as<Dropout>(*layer).options().seed, std::optional<std::uint64_t>(42));
  EXPECT_EQ(as<Dropout>(*layer_of({{"type", "Dropout"}, {"rate", 0.5}, {"seed", nullptr}})).options().seed,
            std::nullopt);
  EXPECT_EQ(layer_error({{"type", "Dropout"}}),
            "model.layers[0].rate: required (the fraction of inputs to drop, in [0, 1))");
  EXPECT_EQ(layer_error({{"type", "Dropout"}, {"rate", 1.5}}),
            "model.layers[0] (Dropout): rate must be in [0, 1), got 1.5");
  EXPECT_EQ(layer_error({{"type", "Dropout"}, {"rate", 0.5}, {"seed", -1}}),
            "model.layers[0].seed: expected a non-negative integer, got -1");
  EXPECT_EQ(layer_error({{"type", "Dropout"}, {"rate", 0.5}, {"noise_shape", {1, 4}}}),
            "model.layers[0].noise_shape: only null is supported, got an array");
}

TEST(SerializeLayers, AlphaDropout) {
  expect_round_trip(
      {{"type", "AlphaDropout"}, {"name", "ad"}, {"rate", 0.1}},
      {{"type", "AlphaDropout"}, {"name", "ad"}, {"rate", 0.1}, {"seed", nullptr}, {"noise_shape", nullptr}});
  auto layer = layer_of({{"type", "alphadropout"}, {"rate", 0.1}, {"seed", 7}});
  EXPECT_EQ(as<AlphaDropout>(*layer).options().rate, 0.1);
  EXPECT_EQ(as<AlphaDropout>(*layer).options().seed, std::optional<std::uint64_t>(7));
  EXPECT_EQ(layer_error({{"type", "AlphaDropout"}, {"rate", -0.1}}),
            "model.layers[0] (AlphaDropout): rate must be in [0, 1), got -0.1");
}

TEST(SerializeLayers, GaussianNoise) {
  const json in = {{"type", "GaussianNoise"}, {"name", "gn"}, {"stddev", 0.2}, {"seed", 3}};
  expect_round_trip(in, in);
  auto layer = layer_of(in);
  EXPECT_EQ(as<GaussianNoise>(*layer).options().stddev, 0.2);
  EXPECT_EQ(as<GaussianNoise>(*layer).options().seed, std::optional<std::uint64_t>(3));
  EXPECT_EQ(layer_error({{"type", "GaussianNoise"}, {"seed", 3}}),
            "model.layers[0].stddev: required (the noise's standard deviation)");
  EXPECT_EQ(layer_error({{"type", "GaussianNoise"}, {"stddev", 2}}),
            "model.layers[0] (GaussianNoise): stddev must be in [0, 1] (as in Keras), got 2");
}

TEST(SerializeLayers, LeakyReLUNegativeSlopeAndKeras2Alpha) {
  expect_round_trip({{"type", "LeakyReLU"}, {"name", "lr"}, {"negative_slope", 0.2}},
                    {{"type", "LeakyReLU"}, {"name", "lr"}, {"negative_slope", 0.2}});
  EXPECT_EQ(as<LeakyReLU>(*layer_of({{"type", "LeakyReLU"}, {"negative_slope", 0.2}})).options().negative_slope, 0.2);
  // Keras 2's alpha is read, and written back as Keras 3's negative_slope.
  expect_round_trip({{"type", "LeakyReLU"}, {"name", "lr"}, {"alpha", 0.1}},
                    {{"type", "LeakyReLU"}, {"name", "lr"}, {"negative_slope", 0.1}});
  EXPECT_EQ(as<LeakyReLU>(*layer_of({{"type", "LeakyReLU"}, {"alpha", 0.1}})).options().negative_slope, 0.1);
  EXPECT_EQ(as<LeakyReLU>(*layer_of({{"type", "LeakyReLU"}})).options().negative_slope, 0.3);
  EXPECT_EQ(layer_error({{"type", "LeakyReLU"}, {"alpha", 0.1}, {"negative_slope", 0.2}}),
            "model.layers[0].alpha: give negative_slope or Keras 2's alpha, not both");
  EXPECT_EQ(layer_error({{"type", "LeakyReLU"}, {"negative_slope", -1}}),
            "model.layers[0] (LeakyReLU): negative_slope must be a finite number >= 0, got -1");
}

TEST(SerializeLayers, BatchNormalizationWithNonDefaults) {
  const json in = json::parse(R"({
    "type": "BatchNormalization", "name": "bn", "axis": -1, "momentum": 0.9, "epsilon": 1e-5,
    "center": false, "scale": true,
    "gamma_initializer": {"type": "constant", "value": 2},
    "moving_variance_initializer": "zeros",
    "beta_regularizer": "l2", "gamma_regularizer": {"l1": 1e-3}
  })");
  const json expected = json::parse(R"({
    "type": "BatchNormalization", "name": "bn", "axis": -1, "momentum": 0.9, "epsilon": 1e-5,
    "center": false, "scale": true,
    "beta_initializer": "zeros",
    "gamma_initializer": {"type": "constant", "value": 2.0},
    "moving_mean_initializer": "zeros",
    "moving_variance_initializer": "zeros",
    "beta_regularizer": {"l1": 0.0, "l2": 0.01},
    "gamma_regularizer": {"l1": 1e-3, "l2": 0.0}
  })");
  expect_round_trip(in, expected);
  auto layer = layer_of(in);
  const BatchNormalization::Options& o = as<BatchNormalization>(*layer).options();
  EXPECT_EQ(o.momentum, 0.9);
  EXPECT_EQ(o.epsilon, 1e-5);
  EXPECT_FALSE(o.center);
  EXPECT_TRUE(o.scale);
  EXPECT_EQ(o.gamma_initializer.name, "constant");
  EXPECT_EQ(o.gamma_initializer.value, 2.0);
  EXPECT_EQ(o.moving_variance_initializer.name, "zeros");
  EXPECT_EQ(o.beta_regularizer.l2, 0.01);
  EXPECT_EQ(o.gamma_regularizer.l1, 1e-3);
  EXPECT_EQ(layer_of({{"type", "BATCHNORMALIZATION"}})->kind(), "BatchNormalization");
  EXPECT_EQ(layer_error({{"type", "BatchNormalization"}, {"axis", 1}}),
            "model.layers[0].axis: only -1 is supported, got the integer 1");
  EXPECT_EQ(layer_error({{"type", "BatchNormalization"}, {"momentum", 1.5}}),
            "model.layers[0] (BatchNormalization): momentum must be in [0, 1], got 1.5");
}

TEST(SerializeLayers, UnknownKeyListsTheAllowedKeys) {
  // A misspelt required key is reported as the unknown key it is.
  EXPECT_EQ(layer_error({{"type", "Dense"}, {"unit", 256}}),
            "model.layers[0].unit: unknown key 'unit'; allowed here: activation, activity_regularizer, "
            "bias_initializer, bias_regularizer, kernel_initializer, kernel_regularizer, name, trainable, type, "
            "units, use_bias");
  EXPECT_EQ(layer_error({{"type", "Dropout"}, {"rate", 0.5}, {"rat", 0.5}}),
            "model.layers[0].rat: unknown key 'rat'; allowed here: name, noise_shape, rate, seed, trainable, type");
  EXPECT_EQ(layer_error({{"type", "Flatten"}, {"units", 3}}),
            "model.layers[0].units: unknown key 'units'; allowed here: data_format, name, trainable, type");
}

TEST(SerializeLayers, RequiredKeysWrongTypesAndRefusedValues) {
  EXPECT_EQ(layer_error({{"type", "Dense"}}), "model.layers[0].units: required (the number of output units)");
  EXPECT_EQ(layer_error({{"type", "Dense"}, {"units", "many"}}),
            "model.layers[0].units: expected an integer, got a string (\"many\")");
  EXPECT_EQ(layer_error({{"type", "Dense"}, {"units", -3}}),
            "model.layers[0].units: expected a non-negative integer, got -3");
  EXPECT_EQ(layer_error({{"type", "Dense"}, {"units", 0}}), "model.layers[0] (Dense): units must be positive, got 0");
  EXPECT_EQ(layer_error({{"type", "Dense"}, {"units", 2}, {"use_bias", 1}}),
            "model.layers[0].use_bias: expected true or false, got the integer 1");
  EXPECT_EQ(layer_error({{"type", "Dense"}, {"units", 2}, {"name", ""}}), "model.layers[0].name: must not be empty");
  EXPECT_EQ(layer_error({{"units", 2}}),
            "model.layers[0].type: required: the layer's Keras class name, one of " + kAllLayerTypes);
  EXPECT_EQ(layer_error({{"type", "Conv2D"}}),
            "model.layers[0].type: unknown layer type 'Conv2D'; known: " + kAllLayerTypes);
  EXPECT_EQ(error_of([] { layer_from_config(ConfigObject(json::array(), kPath)); }),
            "model.layers[0]: expected a table, got an array");
}

TEST(SerializeLayers, InitializerAndRegularizerErrors) {
  EXPECT_EQ(
      layer_error({{"type", "Dense"}, {"units", 2}, {"kernel_initializer", {{"type", "random_normal"}, {"stdev", 1}}}}),
      "model.layers[0].kernel_initializer.stdev: unknown key 'stdev'; allowed here: mean, seed, stddev, type");
  EXPECT_EQ(layer_error({{"type", "Dense"}, {"units", 2}, {"kernel_initializer", {{"stddev", 1}}}}),
            "model.layers[0].kernel_initializer.type: required: the initializer's name, e.g. \"random_normal\"");
  EXPECT_EQ(
      layer_error({{"type", "Dense"}, {"units", 2}, {"kernel_initializer", 3}}),
      "model.layers[0].kernel_initializer: expected an initializer name or a table with a type, got the integer 3");
  std::string raw;
  try {
    Initializer::from_name("glorot");
  } catch (const Error& e) {
    raw = e.what();
  }
  ASSERT_FALSE(raw.empty());
  EXPECT_EQ(layer_error({{"type", "Dense"}, {"units", 2}, {"kernel_initializer", "glorot"}}),
            "model.layers[0].kernel_initializer: " + raw);
  EXPECT_EQ(layer_error({{"type", "Dense"}, {"units", 2}, {"kernel_regularizer", "l3"}}),
            "model.layers[0].kernel_regularizer: unknown regularizer 'l3'; known: l1, l2, l1_l2");
  EXPECT_EQ(layer_error({{"type", "Dense"}, {"units", 2}, {"kernel_regularizer", {{"l2", -0.1}}}}),
            "model.layers[0].kernel_regularizer.l2: must be >= 0, got -0.1");
  EXPECT_EQ(layer_error({{"type", "Dense"}, {"units", 2}, {"kernel_regularizer", {{"l3", 1}}}}),
            "model.layers[0].kernel_regularizer.l3: unknown key 'l3'; allowed here: l1, l2, type");
  EXPECT_EQ(layer_error({{"type", "Dense"}, {"units", 2}, {"kernel_regularizer", 0.1}}),
            "model.layers[0].kernel_regularizer: expected \"l1\", \"l2\", \"l1_l2\" or a table {l1 = ..., l2 = ...}, "
            "got the number 0.1");
}

TEST(SerializeLayers, ErrorsFromATomlFileNameTheLine) {
  const ConfigDocument doc = parse_toml("[[layers]]\ntype = \"Dense\"\nunits = 0\n", "m.toml");
  ConfigObject root(doc.root, "", &doc.source);
  auto layers = root.get_objects("layers");
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(error_of([&] { layer_from_config(layers[0]); }),
            "m.toml:1: layers[0] (Dense): units must be positive, got 0");
  const ConfigDocument typo = parse_toml("[[layers]]\ntype = \"Dense\"\nunit = 4\n", "m.toml");
  ConfigObject root2(typo.root, "", &typo.source);
  EXPECT_EQ(error_of([&] { layer_from_config(root2.get_objects("layers")[0]); }),
            "m.toml:3: layers[0].unit: unknown key 'unit'; allowed here: activation, activity_regularizer, "
            "bias_initializer, bias_regularizer, kernel_initializer, kernel_regularizer, name, trainable, type, "
            "units, use_bias");
}

// ---- optimizers and schedules --------------------------------------------------------------

std::unique_ptr<Optimizer> optimizer_of(const json& value) {
  const json parent = {{"optimizer", value}};
  ConfigObject c(parent, "compile");
  auto optimizer = optimizer_from_config(c, "optimizer");
  c.finish();
  return optimizer;
}

std::string optimizer_error(const json& value) {
  return error_of([&] { optimizer_of(value); });
}

TEST(SerializeOptimizers, EveryOneFromItsName) {
  struct Case {
    const char* name;
    const char* type;
    double learning_rate;
  };
  for (const Case& c :
       {Case{"sgd", "SGD", SGD::Options{}.learning_rate}, Case{"rmsprop", "RMSprop", RMSprop::Options{}.learning_rate},
        Case{"Adam", "Adam", Adam::Options{}.learning_rate}, Case{"adamw", "AdamW", AdamW::Options{}.learning_rate},
        Case{"NADAM", "Nadam", Nadam::Options{}.learning_rate},
        Case{"adagrad", "Adagrad", Adagrad::Options{}.learning_rate}}) {
    auto optimizer = optimizer_of(c.name);
    EXPECT_EQ(optimizer->name(), c.type) << c.name;
    EXPECT_EQ(optimizer->learning_rate(), c.learning_rate) << c.name;
    const json config = optimizer_config(*optimizer);
    EXPECT_EQ(config["type"], c.type);
    EXPECT_EQ(optimizer_config(*optimizer_of(config)), config) << c.name;
  }
  EXPECT_EQ(optimizer_types(), (std::vector<std::string>{"SGD", "RMSprop", "Adam", "AdamW", "Nadam", "Adagrad"}));
  // Absent: Keras' default RMSprop.
  const json empty = json::object();
  ConfigObject c(empty, "compile");
  EXPECT_EQ(optimizer_from_config(c, "optimizer")->name(), "RMSprop");
}

// make_optimizer reads the same table as optimizer_from_config: Keras' defaults, any case, and an
// unknown name lists the known ones in lower case, in the table's order.
TEST(SerializeOptimizers, MakeOptimizerFromTheSameTable) {
  for (const std::string& type : optimizer_types()) {
    auto optimizer = make_optimizer(type);
    EXPECT_EQ(optimizer->name(), type);
    EXPECT_EQ(optimizer_config(*optimizer), optimizer_config(*optimizer_of(type))) << type;
  }
  EXPECT_EQ(make_optimizer("ADAMW")->options().weight_decay, AdamW::Options{}.weight_decay);
  EXPECT_EQ(make_optimizer("rmsprop")->learning_rate(), RMSprop::Options{}.learning_rate);
  EXPECT_EQ(error_of([] { make_optimizer("adamax"); }),
            "unknown optimizer 'adamax'; known names (case-insensitive): sgd, rmsprop, adam, adamw, nadam, adagrad");
}

TEST(SerializeOptimizers, EveryOneFromATableRoundTrips) {
  const std::vector<std::pair<json, json>> cases = {
      {json::parse(R"({"type": "SGD", "learning_rate": 0.1, "momentum": 0.9, "nesterov": true, "clipnorm": 1.0})"),
       json::parse(R"({"type": "SGD", "learning_rate": 0.1, "weight_decay": 0.0, "clipnorm": 1.0, "clipvalue": null,
                       "global_clipnorm": null, "momentum": 0.9, "nesterov": true})")},
      {json::parse(R"({"type": "RMSprop", "learning_rate": 0.01, "rho": 0.8, "momentum": 0.5, "epsilon": 1e-6,
                       "centered": true, "weight_decay": 0.01})"),
       json::parse(R"({"type": "RMSprop", "learning_rate": 0.01, "weight_decay": 0.01, "clipnorm": null,
                       "clipvalue": null, "global_clipnorm": null, "rho": 0.8, "momentum": 0.5, "epsilon": 1e-6,
                       "centered": true})")},
      {json::parse(R"({"type": "adam", "learning_rate": 3e-4, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-8,
                       "amsgrad": true, "global_clipnorm": 2.0})"),
       json::parse(R"({"type": "Adam", "learning_rate": 3e-4, "weight_decay": 0.0, "clipnorm": null, "clipvalue": null,
                       "global_clipnorm": 2.0, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-8, "amsgrad": true})")},
      {json::parse(R"({"type": "AdamW", "weight_decay": 0.01, "beta_1": 0.85, "clipvalue": 0.5})"),
       json::parse(R"({"type": "AdamW", "learning_rate": 0.001, "weight_decay": 0.01, "clipnorm": null,
                       "clipvalue": 0.5, "global_clipnorm": null, "beta_1": 0.85, "beta_2": 0.999, "epsilon": 1e-7,
                       "amsgrad": false})")},
      {json::parse(R"({"type": "Nadam", "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-6})"),
       json::parse(R"({"type": "Nadam", "learning_rate": 0.001, "weight_decay": 0.0, "clipnorm": null,
                       "clipvalue": null, "global_clipnorm": null, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-6})")},
      {json::parse(R"({"type": "Adagrad", "learning_rate": 0.05, "initial_accumulator_value": 0.2, "epsilon": 1e-6})"),
       json::parse(R"({"type": "Adagrad", "learning_rate": 0.05, "weight_decay": 0.0, "clipnorm": null,
                       "clipvalue": null, "global_clipnorm": null, "initial_accumulator_value": 0.2,
                       "epsilon": 1e-6})")},
  };
  for (const auto& [in, expected] : cases) {
    auto optimizer = optimizer_of(in);
    const json config = optimizer_config(*optimizer);
    EXPECT_EQ(config, expected) << "got " << config.dump();
    EXPECT_EQ(optimizer_config(*optimizer_of(config)), config);  // build → config → build → config
  }
  // The built objects hold the values (spot checks through the accessors).
  auto sgd = optimizer_of(cases[0].first);
  EXPECT_EQ(dynamic_cast<const SGD&>(*sgd).momentum(), 0.9);
  EXPECT_TRUE(dynamic_cast<const SGD&>(*sgd).nesterov());
  EXPECT_EQ(sgd->options().clipnorm, 1.0);
  auto rms = optimizer_of(cases[1].first);
  EXPECT_EQ(dynamic_cast<const RMSprop&>(*rms).rho(), 0.8);
  EXPECT_TRUE(dynamic_cast<const RMSprop&>(*rms).centered());
  EXPECT_EQ(rms->options().weight_decay, 0.01);
  auto adam = optimizer_of(cases[2].first);
  EXPECT_EQ(dynamic_cast<const Adam&>(*adam).beta_2(), 0.99);
  EXPECT_TRUE(dynamic_cast<const Adam&>(*adam).amsgrad());
  EXPECT_EQ(adam->options().global_clipnorm, 2.0);
  auto adamw = optimizer_of(cases[3].first);
  EXPECT_EQ(adamw->name(), "AdamW");
  EXPECT_EQ(adamw->options().weight_decay, 0.01);
  EXPECT_EQ(dynamic_cast<const Adam&>(*adamw).beta_1(), 0.85);
  auto adagrad = optimizer_of(cases[5].first);
  EXPECT_EQ(dynamic_cast<const Adagrad&>(*adagrad).initial_accumulator_value(), 0.2);
}

TEST(SerializeOptimizers, LearningRateSchedules) {
  const json exponential = json::parse(R"({"type": "ExponentialDecay", "initial_learning_rate": 0.1,
      "decay_steps": 10, "decay_rate": 0.5, "staircase": true})");
  const json piecewise = json::parse(R"({"type": "PiecewiseConstantDecay", "boundaries": [10, 20],
      "values": [0.1, 0.01, 0.001]})");
  const json cosine = json::parse(R"({"type": "CosineDecay", "initial_learning_rate": 0.1, "decay_steps": 100,
      "alpha": 0.1, "warmup_target": 0.2, "warmup_steps": 5})");
  for (const json& schedule : {exponential, piecewise, cosine}) {
    auto optimizer = optimizer_of({{"type", "SGD"}, {"learning_rate", schedule}});
    ASSERT_NE(optimizer->options().schedule, nullptr);
    EXPECT_EQ(optimizer->options().schedule->name(), schedule["type"]);
    const json config = optimizer_config(*optimizer);
    EXPECT_EQ(config["learning_rate"], schedule) << config.dump();
    EXPECT_EQ(optimizer_config(*optimizer_of(config)), config);
  }
  const auto e = optimizer_of({{"type", "SGD"}, {"learning_rate", exponential}})->options().schedule;
  EXPECT_DOUBLE_EQ((*e)(9), 0.1);    // staircase: no decay before step 10
  EXPECT_DOUBLE_EQ((*e)(10), 0.05);  // 0.1 · 0.5^1
  const auto p = optimizer_of({{"type", "SGD"}, {"learning_rate", piecewise}})->options().schedule;
  EXPECT_EQ((*p)(15), 0.01);
  EXPECT_EQ((*p)(25), 0.001);
  EXPECT_EQ(optimizer_of({{"type", "SGD"}, {"learning_rate", exponential}})->learning_rate(), 0.1);
  // Keras' name key is accepted, a null warmup_target means none, and the type is case-insensitive.
  json keras_cosine = {{"type", "cosinedecay"},
                       {"initial_learning_rate", 0.1},
                       {"decay_steps", 100},
                       {"warmup_target", nullptr},
                       {"name", "CosineDecay"}};
  EXPECT_EQ(optimizer_config(*optimizer_of({{"type", "Adam"}, {"learning_rate", keras_cosine}}))["learning_rate"],
            json::parse(R"({"type": "CosineDecay", "initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.0,
                            "warmup_target": null, "warmup_steps": 0})"));
  EXPECT_EQ(schedule_types(), (std::vector<std::string>{"ExponentialDecay", "PiecewiseConstantDecay", "CosineDecay"}));

  EXPECT_EQ(optimizer_error({{"type", "SGD"}, {"learning_rate", {{"type", "StepDecay"}}}}),
            "compile.optimizer.learning_rate.type: unknown schedule 'StepDecay'; known: ExponentialDecay, "
            "PiecewiseConstantDecay, CosineDecay");
  EXPECT_EQ(optimizer_error({{"type", "SGD"}, {"learning_rate", {{"decay_steps", 3}}}}),
            "compile.optimizer.learning_rate.type: required: the schedule, one of ExponentialDecay, "
            "PiecewiseConstantDecay, CosineDecay");
  EXPECT_EQ(optimizer_error({{"type", "SGD"}, {"learning_rate", {{"type", "ExponentialDecay"}, {"decay_steps", 0}}}}),
            "compile.optimizer.learning_rate (ExponentialDecay): decay_steps must be positive, got 0");
  EXPECT_EQ(optimizer_error({{"type", "SGD"}, {"learning_rate", {{"type", "ExponentialDecay"}, {"decay", 0.1}}}}),
            "compile.optimizer.learning_rate.decay: unknown key 'decay'; allowed here: decay_rate, decay_steps, "
            "initial_learning_rate, name, staircase, type");
}

TEST(SerializeOptimizers, Errors) {
  EXPECT_EQ(optimizer_error("adamax"), "compile.optimizer: unknown optimizer 'adamax'; known: " + kAllOptimizers);
  EXPECT_EQ(optimizer_error({{"type", "Adamax"}}),
            "compile.optimizer.type: unknown optimizer 'Adamax'; known: " + kAllOptimizers);
  EXPECT_EQ(optimizer_error({{"learning_rate", 0.1}}),
            "compile.optimizer.type: required: the optimizer, one of " + kAllOptimizers);
  EXPECT_EQ(optimizer_error(3),
            "compile.optimizer: expected an optimizer name or a table with a type, got the integer 3");
  EXPECT_EQ(optimizer_error({{"type", "Adam"}, {"beta_1", 1.5}}),
            "compile.optimizer (Adam): beta_1 must be in [0, 1), got 1.5");
  EXPECT_EQ(optimizer_error({{"type", "SGD"}, {"learning_rate", -1}}),
            "compile.optimizer (SGD): Optimizer: learning_rate must be a finite number >= 0, got -1");
  EXPECT_EQ(optimizer_error({{"type", "SGD"}, {"clipnorm", 1}, {"clipvalue", 0.5}}),
            "compile.optimizer (SGD): Optimizer: only one of clipnorm, clipvalue and global_clipnorm can be set, "
            "got clipnorm=1, clipvalue=0.5, global_clipnorm=0");
  EXPECT_EQ(optimizer_error({{"type", "SGD"}, {"beta_1", 0.9}}),
            "compile.optimizer.beta_1: unknown key 'beta_1'; allowed here: clipnorm, clipvalue, global_clipnorm, "
            "learning_rate, momentum, nesterov, type, weight_decay");
  EXPECT_EQ(optimizer_error({{"type", "Adam"}, {"amsgrad", "yes"}}),
            "compile.optimizer.amsgrad: expected true or false, got a string (\"yes\")");
}

TEST(SerializeOptimizers, KerasNullClippingIsAccepted) {
  auto optimizer = optimizer_of(json::parse(
      R"({"type": "Adam", "learning_rate": 0.002, "clipnorm": null, "clipvalue": null, "global_clipnorm": null})"));
  EXPECT_EQ(optimizer->options().clipnorm, 0.0);
  EXPECT_EQ(optimizer->options().clipvalue, 0.0);
  EXPECT_EQ(optimizer->options().global_clipnorm, 0.0);
  EXPECT_EQ(optimizer->learning_rate(), 0.002);
}

// ---- losses and compile ----------------------------------------------------------------------

LossOptions loss_of(const json& value) {
  const json parent = {{"loss", value}};
  ConfigObject c(parent, "compile");
  return loss_from_config(c, "loss");
}

std::string loss_error(const json& value) {
  return error_of([&] { loss_of(value); });
}

TEST(SerializeLosses, AliasesAreCanonicalised) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"mse", "mean_squared_error"},
      {"MeanSquaredError", "mean_squared_error"},
      {"mae", "mean_absolute_error"},
      {"bce", "binary_crossentropy"},
      {"huber_loss", "huber"},
      {"Huber", "huber"},
      {"logcosh", "log_cosh"},
      {"CategoricalCrossentropy", "categorical_crossentropy"},
      {"SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"},
      {"categorical_crossentropy", "categorical_crossentropy"},
  };
  for (const auto& [alias, canonical] : cases) {
    EXPECT_EQ(loss_of(alias).name, canonical) << alias;
    json expected = {{"type", canonical}};
    if (canonical == "huber") expected["delta"] = 1.0;
    EXPECT_EQ(loss_config(loss_of(alias)), expected) << alias;
  }
  const json empty = json::object();
  ConfigObject c(empty, "compile");
  EXPECT_EQ(loss_from_config(c, "loss").name, "categorical_crossentropy");  // absent
}

TEST(SerializeLosses, TablesWithArguments) {
  const LossOptions logits = loss_of({{"type", "CategoricalCrossentropy"}, {"from_logits", true}});
  EXPECT_EQ(logits.name, "categorical_crossentropy");
  EXPECT_TRUE(logits.from_logits);
  EXPECT_EQ(loss_config(logits), json::parse(R"({"type": "categorical_crossentropy", "from_logits": true})"));

  const LossOptions huber = loss_of({{"type", "huber"}, {"delta", 2.5}, {"reduction", "sum_over_batch_size"}});
  EXPECT_EQ(huber.name, "huber");
  EXPECT_EQ(huber.delta, 2.5);
  EXPECT_EQ(loss_config(huber), json::parse(R"({"type": "huber", "delta": 2.5})"));
  EXPECT_EQ(loss_of(loss_config(huber)).delta, 2.5);

  // An alias keeps its arguments through loss_config (a saved "huber_loss" must not lose delta).
  const LossOptions alias{.name = "huber_loss", .from_logits = false, .delta = 3.0};
  EXPECT_EQ(loss_config(alias), json::parse(R"({"type": "huber", "delta": 3.0})"));
  EXPECT_EQ(loss_config(LossOptions{.name = "mse"}), json::parse(R"({"type": "mean_squared_error"})"));
}

TEST(SerializeLosses, Errors) {
  std::string raw;
  try {
    make_loss({.name = "hinge"});
  } catch (const Error& e) {
    raw = e.what();
  }
  ASSERT_EQ(raw.rfind("unknown loss 'hinge'; known: categorical_crossentropy, ", 0), 0u) << raw;
  EXPECT_EQ(loss_error("hinge"), "compile.loss: " + raw);
  EXPECT_EQ(loss_error({{"type", "hinge"}}), "compile.loss: " + raw);
  EXPECT_EQ(loss_error({{"type", "mse"}, {"from_logits", true}}),
            "compile.loss: loss 'mse' has no from_logits option (only the cross-entropies do)");
  EXPECT_EQ(loss_error({{"type", "mse"}, {"delta", 2.0}}),
            "compile.loss.delta: only the huber loss takes a delta, not mean_squared_error");
  EXPECT_EQ(loss_error({{"type", "huber"}, {"delta", -1}}), "compile.loss: huber: delta must be > 0, got -1");
  EXPECT_EQ(loss_error({{"type", "mse"}, {"reduction", "sum"}}),
            "compile.loss.reduction: only \"sum_over_batch_size\" (Keras' default) is supported, got \"sum\"");
  EXPECT_EQ(loss_error({{"from_logits", true}}),
            "compile.loss.type: required: the loss's name, e.g. \"categorical_crossentropy\"");
  EXPECT_EQ(loss_error({{"type", "mse"}, {"weights", 1}}),
            "compile.loss.weights: unknown key 'weights'; allowed here: delta, from_logits, name, reduction, type");
  EXPECT_EQ(loss_error(json::array()), "compile.loss: expected a loss name or a table with a type, got an array");
}

TEST(SerializeCompile, OptionsAndUnknownMetric) {
  const json ok = json::parse(R"({"optimizer": {"type": "SGD", "learning_rate": 0.5}, "loss": "mse",
                                  "metrics": ["mae"], "weighted_metrics": "mse"})");
  CompileOptions options = compile_options_from_config(ConfigObject(ok, "compile"));
  EXPECT_EQ(options.optimizer->name(), "SGD");
  EXPECT_EQ(options.optimizer->learning_rate(), 0.5);
  EXPECT_EQ(options.loss.name, "mean_squared_error");
  EXPECT_EQ(options.metrics, std::vector<std::string>{"mae"});
  EXPECT_EQ(options.weighted_metrics, std::vector<std::string>{"mse"});

  std::string raw;
  try {
    make_metric("acuracy", "mean_squared_error", 2);
  } catch (const Error& e) {
    raw = e.what();
  }
  ASSERT_EQ(raw.rfind("unknown metric 'acuracy'; known: ", 0), 0u) << raw;
  const json bad = json::parse(R"({"loss": "mse", "metrics": ["mae", "acuracy"]})");
  EXPECT_EQ(error_of([&] { compile_options_from_config(ConfigObject(bad, "compile")); }), "compile.metrics: " + raw);
  const json bad_weighted = json::parse(R"({"loss": "mse", "weighted_metrics": ["acuracy"]})");
  EXPECT_EQ(error_of([&] { compile_options_from_config(ConfigObject(bad_weighted, "compile")); }),
            "compile.weighted_metrics: " + raw);
  const json typo = json::parse(R"({"optimiser": "adam"})");
  EXPECT_EQ(
      error_of([&] { compile_options_from_config(ConfigObject(typo, "compile")); }),
      "compile.optimiser: unknown key 'optimiser'; allowed here: loss, metrics, optimizer, outputs, weighted_metrics");
  const json not_list = json::parse(R"({"metrics": [1]})");
  EXPECT_EQ(error_of([&] { compile_options_from_config(ConfigObject(not_list, "compile")); }),
            "compile.metrics[0]: expected a string, got the integer 1");
}

// ---- Sequential ------------------------------------------------------------------------------

const json kThreeLayers = json::parse(R"({
  "input_shape": [4],
  "layers": [
    {"type": "Dense", "units": 8, "activation": "relu"},
    {"type": "Dropout", "rate": 0.5},
    {"type": "Dense", "units": 3, "activation": "softmax"}
  ]
})");

const char* const kThreeLayerSummary =
    "_________________________________________________________________\n"
    "Layer (type)                 Output Shape              Param #   \n"
    "=================================================================\n"
    "dense_1 (Dense)              (None, 8)                 40        \n"
    "_________________________________________________________________\n"
    "dropout_1 (Dropout)          (None, 8)                 0         \n"
    "_________________________________________________________________\n"
    "dense_2 (Dense)              (None, 3)                 27        \n"
    "=================================================================\n"
    "Total params: 67\n"
    "Trainable params: 67\n"
    "Non-trainable params: 0\n"
    "_________________________________________________________________\n";

std::unique_ptr<Sequential> model_of(const json& config) {
  return sequential_from_config(ConfigObject(config, "model"));
}
std::string model_error(const json& config) {
  return error_of([&] { model_of(config); });
}

TEST(SerializeSequential, BuildsWhenTheInputShapeIsGiven) {
  auto model = model_of(kThreeLayers);
  ASSERT_TRUE(model->built());
  EXPECT_EQ(model->input_shape(), (Shape{4}));
  EXPECT_EQ(model->output_shape(), (Shape{3}));
  EXPECT_EQ(model->count_params(), 67u);  // 4·8 + 8 + 8·3 + 3
  EXPECT_EQ(model->summary(), kThreeLayerSummary);
  EXPECT_EQ(model->name(), "sequential_1");

  json no_shape = kThreeLayers;
  no_shape.erase("input_shape");
  EXPECT_FALSE(model_of(no_shape)->built());

  json with_input = no_shape;
  with_input["layers"].insert(with_input["layers"].begin(), json{{"type", "InputLayer"}, {"shape", {2, 2}}});
  with_input["layers"][1]["type"] = "Flatten";
  with_input["layers"][1].erase("units");
  with_input["layers"][1].erase("activation");
  auto from_input = model_of(with_input);
  ASSERT_TRUE(from_input->built());
  EXPECT_EQ(from_input->input_shape(), (Shape{2, 2}));
  EXPECT_EQ(from_input->output_shape(), (Shape{3}));
}

TEST(SerializeSequential, ExplicitNamesAreKeptAndAutoNamesSkipThem) {
  auto model = model_of(json::parse(R"({"input_shape": [2], "layers": [
      {"type": "Dense", "units": 2, "name": "dense_2"},
      {"type": "Dense", "units": 2},
      {"type": "Dense", "units": 2},
      {"type": "Dense", "units": 2, "name": "out"}]})"));
  ASSERT_EQ(model->layers().size(), 4u);
  EXPECT_EQ(model->layers()[0]->name(), "dense_2");
  EXPECT_EQ(model->layers()[1]->name(), "dense_1");
  EXPECT_EQ(model->layers()[2]->name(), "dense_3");  // dense_2 is taken
  EXPECT_EQ(model->layers()[3]->name(), "out");
  // An explicit name that an earlier automatic name already took is a duplicate (as in Keras).
  EXPECT_EQ(model_error(json::parse(R"({"layers": [{"type": "Dense", "units": 2},
                                                    {"type": "Dense", "units": 2, "name": "dense_1"}]})")),
            "model.layers[1]: Sequential::add: a layer named 'dense_1' already exists");
}

TEST(SerializeSequential, Errors) {
  EXPECT_EQ(model_error(json::parse(R"({"layers": []})")), "model.layers: a model needs at least one layer");
  EXPECT_EQ(model_error(json::parse(R"({"input_shape": [3]})")), "model.layers: a model needs at least one layer");
  EXPECT_EQ(model_error(json::parse(R"({"type": "Functional", "layers": [{"type": "Dense", "units": 1}]})")),
            "model.type: expected \"Sequential\", got \"Functional\"");
  EXPECT_EQ(model_error(json::parse(R"({"seed": -2, "layers": [{"type": "Dense", "units": 1}]})")),
            "model.seed: expected a non-negative integer, got -2");
  EXPECT_EQ(model_error(json::parse(R"({"layer": [{"type": "Dense", "units": 1}]})")),
            "model.layer: unknown key 'layer'; allowed here: input_shape, layers, name, seed, type");
  EXPECT_EQ(model_error(json::parse(R"({"layers": [{"type": "Dense", "units": 1}, {"type": "Dense", "units": 0}]})")),
            "model.layers[1] (Dense): units must be positive, got 0");
  EXPECT_EQ(model_error(json::parse(R"({"input_shape": [2, 2], "layers": [{"type": "Dense", "units": 1}]})")),
            "model: Dense 'dense_1': expects flat input (None, features) but got (None, 2, 2); add a Flatten layer "
            "before it");
  EXPECT_EQ(model_error(json::parse(R"({"layers": [{"type": "Dense", "units": 1}, 3]})")),
            "model.layers[1]: expected a table, got the integer 3");
}

TEST(SerializeSequential, ConfigRoundTripGivesTheSameModel) {
  const json config = json::parse(R"({
    "type": "Sequential", "name": "net", "seed": 5, "input_shape": [2, 3],
    "layers": [
      {"type": "Flatten"},
      {"type": "Dense", "units": 8, "activation": "relu", "kernel_regularizer": {"l2": 1e-4}},
      {"type": "BatchNormalization", "momentum": 0.9},
      {"type": "LeakyReLU", "alpha": 0.2},
      {"type": "Dropout", "rate": 0.5, "seed": 1},
      {"type": "GaussianNoise", "stddev": 0.1},
      {"type": "Dense", "units": 3, "activation": "softmax", "name": "probs", "trainable": false}
    ]
  })");
  auto model = model_of(config);
  const json saved = model_config(*model);
  EXPECT_EQ(saved["type"], "Sequential");
  EXPECT_EQ(saved["name"], "net");
  EXPECT_EQ(saved["input_shape"], json::parse("[2, 3]"));
  ASSERT_EQ(saved["layers"].size(), 7u);
  EXPECT_EQ(saved["layers"][1]["name"], "dense_1");
  EXPECT_EQ(saved["layers"][2]["name"], "batch_normalization_1");
  EXPECT_EQ(saved["layers"][6]["trainable"], false);
  auto again = model_of(saved);
  EXPECT_EQ(again->summary(), model->summary());
  EXPECT_EQ(model_config(*again), saved);
  EXPECT_EQ(again->count_params(), model->count_params());
  EXPECT_EQ(again->count_trainable_params(), model->count_trainable_params());
  EXPECT_EQ(model->count_params(), 6u * 8 + 8 + 4 * 8 + 8 * 3 + 3);
  EXPECT_EQ(model->count_trainable_params(), 6u * 8 + 8 + 2 * 8);  // BN moving stats and "probs" are frozen

  // An unbuilt model has no input_shape in its config.
  json unbuilt = config;
  unbuilt.erase("input_shape");
  EXPECT_FALSE(model_config(*model_of(unbuilt)).contains("input_shape"));
}

}  // namespace
}  // namespace mlp
