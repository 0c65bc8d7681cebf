// SPDX-License-Identifier: MIT
// Model files: save → load gives a bit-identical model (predictions, summary, compile settings,
// extra metadata); the file is a plain safetensors file (checked by hand, byte by byte); every way a
// file can be wrong is refused with an exact message; a failed save keeps the old file; copy_weights.
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mlp/error.hpp"
#include "mlp/io/safetensors.hpp"
#include "mlp/layers/batch_normalization.hpp"
#include "mlp/layers/dense.hpp"
#include "mlp/layers/dropout.hpp"
#include "mlp/layers/input_layer.hpp"
#include "mlp/model_file.hpp"
#include "mlp/optimizers/adam.hpp"
#include "mlp/serialize.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Bytes = std::vector<std::uint8_t>;

using mlp::test::error_of;

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// 4 inputs → Dense(8, relu) → BatchNormalization → Dropout(0.5) → Dense(3, softmax), Adam(0.01).
void add_layers(Sequential& model, std::size_t hidden = 8) {
  model.add<InputLayer>({.shape = {4}});
  model.add<Dense>({.units = hidden, .activation = "relu"});
  model.add<BatchNormalization>({});
  model.add<Dropout>({.rate = 0.5});
  model.add<Dense>({.units = 3, .activation = "softmax"});
}

Matrix inputs() {
  Matrix x(16, 4);
  for (std::size_t r = 0; r < x.rows(); ++r) {
    for (std::size_t c = 0; c < x.cols(); ++c)
      x(r, c) = static_cast<Scalar>(0.25 * static_cast<double>((r * 7 + c * 3) % 11) - 1.0);
  }
  return x;
}

Matrix targets() {
  Matrix y(16, 3);
  y.fill(0);
  for (std::size_t r = 0; r < y.rows(); ++r) y(r, r % 3) = 1;
  return y;
}

std::unique_ptr<Sequential> trained_model() {
  auto model = std::make_unique<Sequential>(ModelOptions{.name = "saved", .seed = 3});
  add_layers(*model);
  model->compile({.optimizer = std::make_unique<Adam>(Adam::Options{.learning_rate = 0.01}),
                  .loss = {.name = "categorical_crossentropy"},
                  .metrics = {"accuracy"}});
  const Matrix x = inputs(), y = targets();
  for (int step = 0; step < 5; ++step) model->train_on_batch(x, y);
  return model;
}

void expect_bit_identical(const Matrix& a, const Matrix& b) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.cols(), b.cols());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint32_t>(static_cast<float>(a[i])),
              std::bit_cast<std::uint32_t>(static_cast<float>(b[i])))
        << "element " << i << ": " << a[i] << " vs " << b[i];
  }
}

class ModelFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mlp_test_model_file_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // The saved model's file, changed by `edit`, written to `name`; returns the new path.
  std::string edited(const std::function<void(TensorFile&)>& edit, const std::string& name = "edited.safetensors") {
    auto model = trained_model();
    save_model(path("original.safetensors"), *model);
    TensorFile file = read_safetensors(path("original.safetensors"));
    edit(file);
    write_safetensors(path(name), file);
    return path(name);
  }

  fs::path dir_;
};

TEST_F(ModelFile, SaveLoadGivesTheSameModel) {
  auto model = trained_model();
  const json extra = {{"classes", {"a", "b", "c"}}, {"preprocess", {{"divide_by", 255.0}}}};
  save_model(path("m.safetensors"), *model, extra);
  SavedModel loaded = load_model(path("m.safetensors"));
  ASSERT_NE(loaded.model, nullptr);
  ASSERT_TRUE(loaded.model->built());
  ASSERT_TRUE(loaded.model->compiled());

  const Matrix x = inputs();
  expect_bit_identical(loaded.model->predict(x), model->predict(x));
  EXPECT_EQ(loaded.model->summary(), model->summary());
  EXPECT_EQ(loaded.model->name(), "saved");
  EXPECT_EQ(model_config(*loaded.model), model_config(*model));
  EXPECT_EQ(compile_config(*loaded.model), compile_config(*model));
  EXPECT_EQ(loaded.model->optimizer().name(), "Adam");
  EXPECT_EQ(loaded.model->optimizer().learning_rate(), 0.01);
  EXPECT_EQ(loaded.model->loss_options().name, "categorical_crossentropy");
  EXPECT_EQ(loaded.model->metric_names(), std::vector<std::string>{"accuracy"});
  EXPECT_EQ(loaded.extra, extra);

  // The moving statistics were trained (so the test above can tell them apart from fresh ones),
  // and came back exactly.
  auto& bn = loaded.model->layer(2);
  ASSERT_EQ(bn.kind(), "BatchNormalization");
  const auto state = bn.state();
  const auto original = model->layer(2).state();
  ASSERT_EQ(state.size(), 2u);
  bool mean_moved = false, variance_moved = false;
  for (std::size_t i = 0; i < 8; ++i) {
    mean_moved |= original[0]->value[i] != 0;
    variance_moved |= original[1]->value[i] != 1;
    EXPECT_EQ(state[0]->value[i], original[0]->value[i]);
    EXPECT_EQ(state[1]->value[i], original[1]->value[i]);
  }
  EXPECT_TRUE(mean_moved);
  EXPECT_TRUE(variance_moved);

  // The loaded model trains on like the original (same optimizer settings, fresh optimizer state
  // on both sides is not promised, so only check that it runs and changes the weights).
  const Matrix before = loaded.model->predict(x);
  loaded.model->train_on_batch(x, targets());
  const Matrix after = loaded.model->predict(x);
  bool changed = false;
  for (std::size_t i = 0; i < after.size(); ++i) changed |= after[i] != before[i];
  EXPECT_TRUE(changed);
}

TEST_F(ModelFile, UncompiledModelWithoutExtra) {
  Sequential model({.seed = 9});
  add_layers(model);
  model.build({4});
  save_model(path("u.safetensors"), model);
  const TensorFile file = read_safetensors(path("u.safetensors"));
  EXPECT_FALSE(file.metadata.contains("compile"));
  EXPECT_EQ(file.metadata.at("extra"), "{}");
  SavedModel loaded = load_model(path("u.safetensors"));
  EXPECT_FALSE(loaded.model->compiled());
  EXPECT_EQ(loaded.extra, json::object());
  expect_bit_identical(loaded.model->predict(inputs()), model.predict(inputs()));
}

TEST_F(ModelFile, TensorNamesAndShapes) {
  auto model = trained_model();
  save_model(path("m.safetensors"), *model);
  const TensorFile file = read_safetensors(path("m.safetensors"));
  std::vector<std::string> names;
  for (const Tensor& t : file.tensors) names.push_back(t.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"dense_1/kernel", "dense_1/bias", "batch_normalization_1/gamma",
                                      "batch_normalization_1/beta", "batch_normalization_1/moving_mean",
                                      "batch_normalization_1/moving_variance", "dense_2/kernel", "dense_2/bias"}));
  using S = std::vector<std::size_t>;
  EXPECT_EQ(file.find("dense_1/kernel")->shape, (S{4, 8}));
  EXPECT_EQ(file.find("dense_1/bias")->shape, (S{8}));
  EXPECT_EQ(file.find("batch_normalization_1/gamma")->shape, (S{8}));
  EXPECT_EQ(file.find("batch_normalization_1/moving_mean")->shape, (S{8}));
  EXPECT_EQ(file.find("batch_normalization_1/moving_variance")->shape, (S{8}));
  EXPECT_EQ(file.find("dense_2/kernel")->shape, (S{8, 3}));
  EXPECT_EQ(file.find("dense_2/bias")->shape, (S{3}));
  // Values in C order: kernel element (i, o) at i·O + o.
  auto& kernel = dynamic_cast<Dense&>(model->layer(1)).kernel().value;
  const Tensor& k = *file.find("dense_1/kernel");
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t o = 0; o < 8; ++o) EXPECT_EQ(k.data[i * 8 + o], kernel(i, o));
  }
  const auto moving_variance = model->layer(2).state()[1];
  for (std::size_t j = 0; j < 8; ++j) {
    EXPECT_EQ(file.find("batch_normalization_1/moving_variance")->data[j], moving_variance->value[j]);
  }

  EXPECT_EQ(file.metadata.at("format"), "mlp.model");
  EXPECT_EQ(file.metadata.at("format_version"), "1");
  EXPECT_EQ(file.metadata.at("mlp_version"), MLP_VERSION);
  EXPECT_EQ(json::parse(file.metadata.at("model")), model_config(*model));
  EXPECT_EQ(json::parse(file.metadata.at("compile")), compile_config(*model));
}

TEST_F(ModelFile, IsAValidSafetensorsFileReadByHand) {
  auto model = trained_model();
  save_model(path("m.safetensors"), *model);
  const Bytes bytes = read_bytes(path("m.safetensors"));
  ASSERT_GE(bytes.size(), 8u);
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(bytes[static_cast<std::size_t>(i)]) << (8 * i);
  ASSERT_LE(8 + n, bytes.size());
  EXPECT_EQ((8 + n) % 8, 0u);  // the data starts aligned
  const std::string header(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  ASSERT_EQ(header.front(), '{');
  const json h = json::parse(header);
  EXPECT_EQ(h["__metadata__"]["format"], "mlp.model");
  EXPECT_EQ(h["__metadata__"]["format_version"], "1");
  EXPECT_TRUE(h["__metadata__"]["model"].is_string());
  EXPECT_EQ(h["dense_1/kernel"], json::parse(R"({"dtype": "F32", "shape": [4, 8], "data_offsets": [0, 128]})"));
  EXPECT_EQ(h["dense_1/bias"], json::parse(R"({"dtype": "F32", "shape": [8], "data_offsets": [128, 160]})"));
  EXPECT_EQ(h["dense_2/bias"], json::parse(R"({"dtype": "F32", "shape": [3], "data_offsets": [384, 396]})"));
  EXPECT_EQ(h.size(), 9u);               // eight tensors and the metadata
  EXPECT_EQ(bytes.size(), 8 + n + 396);  // 99 float32 values
  // The first kernel value, little-endian float32, is the model's.
  std::uint32_t u = 0;
  for (int i = 0; i < 4; ++i) u |= static_cast<std::uint32_t>(bytes[8 + n + static_cast<std::size_t>(i)]) << (8 * i);
  EXPECT_EQ(std::bit_cast<float>(u), dynamic_cast<Dense&>(model->layer(1)).kernel().value(0, 0));
}

TEST_F(ModelFile, VectorsStoredAsRowsAreAccepted) {
  const std::string p = edited([](TensorFile& f) {
    for (Tensor& t : f.tensors) {
      if (t.name == "dense_1/bias") t.shape = {1, 8};
    }
  });
  SavedModel loaded = load_model(p);
  SavedModel original = load_model(path("original.safetensors"));
  expect_bit_identical(loaded.model->predict(inputs()), original.model->predict(inputs()));
}

TEST_F(ModelFile, LoadErrors) {
  const std::string missing = path("nope.safetensors");
  EXPECT_EQ(error_of([&] { load_model(missing); }), missing + ": cannot open (No such file or directory)");

  TensorFile plain;
  plain.tensors.push_back({.name = "w", .shape = {2}, .data = {1.0f, 2.0f}});
  write_safetensors(path("plain.safetensors"), plain);
  EXPECT_EQ(error_of([&] { load_model(path("plain.safetensors")); }),
            path("plain.safetensors") +
                ": a safetensors file, but not an mlp model (its metadata has no \"format\": \"mlp.model\"); only "
                "files written by mlp can be loaded");

  std::string p = edited([](TensorFile& f) { f.metadata["format_version"] = std::to_string(2); });
  EXPECT_EQ(error_of([&] { load_model(p); }), p + ": written by a newer mlp (model format version 2); this mlp " +
                                                  MLP_VERSION + " reads version 1 — upgrade mlp to load it");
  p = edited([](TensorFile& f) { f.metadata["format_version"] = std::string("one"); });
  EXPECT_EQ(error_of([&] { load_model(p); }), p + ": corrupt model file: bad or missing \"format_version\"");
  p = edited([](TensorFile& f) { f.metadata.erase("format_version"); });
  EXPECT_EQ(error_of([&] { load_model(p); }), p + ": corrupt model file: bad or missing \"format_version\"");
  p = edited([](TensorFile& f) { f.metadata.erase("model"); });
  EXPECT_EQ(error_of([&] { load_model(p); }), p + ": not an mlp model file: metadata has no \"model\"");

  p = edited([](TensorFile& f) { std::erase_if(f.tensors, [](const Tensor& t) { return t.name == "dense_2/bias"; }); });
  EXPECT_EQ(error_of([&] { load_model(p); }), p + ": tensor 'dense_2/bias' is missing");

  p = edited([](TensorFile& f) {
    for (Tensor& t : f.tensors) {
      if (t.name == "dense_1/kernel") t.shape = {8, 4};
    }
  });
  EXPECT_EQ(error_of([&] { load_model(p); }), p + ": tensor 'dense_1/kernel' has shape (8, 4), the model needs (4, 8)");
  p = edited([](TensorFile& f) {
    for (Tensor& t : f.tensors) {
      if (t.name == "dense_2/bias") {
        t.shape = {4};
        t.data.push_back(0);
      }
    }
  });
  EXPECT_EQ(error_of([&] { load_model(p); }), p + ": tensor 'dense_2/bias' has shape (4,), the model needs (3,)");

  p = edited([](TensorFile& f) { f.tensors.push_back({.name = "dense_9/kernel", .shape = {1, 1}, .data = {0.5f}}); });
  EXPECT_EQ(error_of([&] { load_model(p); }), p + ": tensor 'dense_9/kernel' belongs to no layer of the model");
  // Optimizer state (a checkpoint's) is not an unknown tensor.
  p = edited([](TensorFile& f) { f.tensors.push_back({.name = "optimizer/iterations", .shape = {}, .data = {5.0f}}); });
  EXPECT_TRUE(load_model(p).model->built());
}

TEST_F(ModelFile, CorruptMetadataJson) {
  auto json_error = [](const std::string& text) {
    try {
      const json parsed = json::parse(text);
      return "parsed " + parsed.dump();
    } catch (const json::exception& e) {
      return std::string(e.what());
    }
  };
  std::string p = edited([](TensorFile& f) { f.metadata["model"] = std::string("{not json"); });
  EXPECT_EQ(error_of([&] { load_model(p); }),
            p + ": corrupt model file: metadata \"model\" is not valid JSON (" + json_error("{not json") + ")");
  p = edited([](TensorFile& f) { f.metadata["compile"] = std::string("[1,"); });
  EXPECT_EQ(error_of([&] { load_model(p); }),
            p + ": corrupt model file: metadata \"compile\" is not valid JSON (" + json_error("[1,") + ")");
  p = edited([](TensorFile& f) { f.metadata["extra"] = std::string(); });
  EXPECT_EQ(error_of([&] { load_model(p); }),
            p + ": corrupt model file: metadata \"extra\" is not valid JSON (" + json_error("") + ")");
  // Valid JSON that the strict reader refuses names the file and the path inside the metadata.
  p = edited([](TensorFile& f) {
    json model = json::parse(f.metadata["model"]);
    model["layers"][1]["units"] = 0;
    f.metadata["model"] = model.dump();
  });
  EXPECT_EQ(error_of([&] { load_model(p); }), p + ": model.layers[1] (Dense): units must be positive, got 0");
  p = edited([](TensorFile& f) {
    json model = json::parse(f.metadata["model"]);
    model["layers"][4]["type"] = "Conv2D";
    f.metadata["model"] = model.dump();
  });
  EXPECT_EQ(
      error_of([&] { load_model(p); }),
      p + ": model.layers[4].type: unknown layer type 'Conv2D'; known: InputLayer, Flatten, Dense, Activation, "
          "Dropout, AlphaDropout, GaussianNoise, LeakyReLU, BatchNormalization, Concatenate, Add, Average, Multiply");
  p = edited([](TensorFile& f) {
    json compile = json::parse(f.metadata["compile"]);
    compile["loss"] = "hinge2";
    f.metadata["compile"] = compile.dump();
  });
  std::string unknown_loss;
  try {
    make_loss({.name = "hinge2"});
  } catch (const Error& e) {
    unknown_loss = e.what();
  }
  ASSERT_FALSE(unknown_loss.empty());
  EXPECT_EQ(error_of([&] { load_model(p); }), p + ": compile.loss: " + unknown_loss);
  p = edited([](TensorFile& f) {
    json model = json::parse(f.metadata["model"]);
    model.erase("input_shape");
    model["layers"].erase(0);  // the InputLayer
    f.metadata["model"] = model.dump();
  });
  EXPECT_EQ(error_of([&] { load_model(p); }), p + ": model: no input_shape; the file cannot be used");
}

TEST_F(ModelFile, TruncatedFile) {
  auto model = trained_model();
  save_model(path("m.safetensors"), *model);
  const Bytes bytes = read_bytes(path("m.safetensors"));
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(bytes[static_cast<std::size_t>(i)]) << (8 * i);

  const Bytes half(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() / 2));
  ASSERT_LT(half.size(), 8 + n);  // the cut falls inside the header
  write_bytes(path("half.safetensors"), half);
  EXPECT_EQ(error_of([&] { load_model(path("half.safetensors")); }),
            path("half.safetensors") + ": not a safetensors file: header length " + std::to_string(n) +
                " runs past the end of the file (" + std::to_string(half.size()) + " bytes)");

  const Bytes short_data(bytes.begin(), bytes.end() - 4);
  write_bytes(path("short.safetensors"), short_data);
  EXPECT_EQ(error_of([&] { load_model(path("short.safetensors")); }),
            path("short.safetensors") +
                ": tensor \"dense_2/bias\": data_offsets [384, 396] run past the end of the data (392 bytes)");

  write_bytes(path("tiny.safetensors"), Bytes{1, 2, 3});
  EXPECT_EQ(error_of([&] { load_model(path("tiny.safetensors")); }),
            path("tiny.safetensors") + ": not a safetensors file: 3 bytes, too short for the 8-byte header length");
}

TEST_F(ModelFile, SavingAnUnbuiltModelFails) {
  Sequential model;
  model.add<Dense>({.units = 2});
  EXPECT_EQ(error_of([&] { save_model(path("x.safetensors"), model); }),
            "save_model: the model 'sequential_1' is not built yet (give it an input shape)");
  EXPECT_FALSE(fs::exists(path("x.safetensors")));
}

TEST_F(ModelFile, AFailedSaveKeepsTheOldFile) {
  auto model = trained_model();
  const std::string target = path("m.safetensors");
  save_model(target, *model);
  const Bytes old_bytes = read_bytes(target);

  model->train_on_batch(inputs(), targets());  // the weights differ from the saved ones
  // The temporary file beside the target cannot be created (a directory has its name), which
  // fails even for root, whom permissions do not stop.
  const std::string temp = target + ".tmp." + std::to_string(::getpid());
  fs::create_directory(temp);
  EXPECT_EQ(error_of([&] { save_model(target, *model); }), target + ": cannot write (Is a directory)");
  EXPECT_EQ(read_bytes(target), old_bytes);
  fs::remove(temp);

  const std::string nowhere = path("no_such_dir/m.safetensors");
  EXPECT_EQ(error_of([&] { save_model(nowhere, *model); }), nowhere + ": cannot write (No such file or directory)");

  save_model(target, *model);  // and once the obstacle is gone, it is replaced
  EXPECT_NE(read_bytes(target), old_bytes);
  expect_bit_identical(load_model(target).model->predict(inputs()), model->predict(inputs()));
}

TEST(CopyWeights, EqualShapesCopyEveryBuffer) {
  auto from = trained_model();
  Sequential to({.name = "copy", .seed = 77});
  add_layers(to);
  to.build({4});
  const Matrix x = inputs();
  const Matrix before = to.predict(x);
  copy_weights(*from, to);
  expect_bit_identical(to.predict(x), from->predict(x));
  bool differed = false;
  const Matrix expected = from->predict(x);
  for (std::size_t i = 0; i < before.size(); ++i) differed |= before[i] != expected[i];
  EXPECT_TRUE(differed);  // so the copy did something
  // Moving statistics are copied too.
  EXPECT_EQ(to.layer(2).state()[0]->value[0], from->layer(2).state()[0]->value[0]);
}

TEST(CopyWeights, MismatchIsAnError) {
  auto from = trained_model();
  Sequential wider({.name = "wider"});
  add_layers(wider, 9);
  wider.build({4});
  EXPECT_EQ(error_of([&] { copy_weights(*from, wider); }),
            "copy_weights: 'dense_1/kernel' and 'dense_1/kernel' differ in shape");
  Sequential small({.name = "small"});
  small.add<Dense>({.units = 3});
  small.build({4});
  EXPECT_EQ(error_of([&] { copy_weights(*from, small); }), "copy_weights: 'saved' has 8 weight buffers, 'small' has 2");
}

}  // namespace
}  // namespace mlp
