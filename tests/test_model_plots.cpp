// SPDX-License-Identifier: MIT
// The model plots of plots.hpp: weight histograms (one panel per layer with weights) and the
// confusion matrix heat map are real PNGs of the documented size, and bad input is rejected with a
// message naming the file and the problem, leaving no file behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "mlp/io/image.hpp"
#include "mlp/layers/batch_normalization.hpp"
#include "mlp/layers/dense.hpp"
#include "mlp/layers/dropout.hpp"
#include "mlp/layers/input_layer.hpp"
#include "mlp/metrics/confusion_matrix.hpp"
#include "mlp/plot/plots.hpp"
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

// Not a blank image: some dark pixels (text, bars) and mostly light ones (background).
void expect_drawn(const GrayImage& image) {
  std::size_t dark = 0, light = 0;
  for (std::uint8_t p : image.pixels) {
    dark += p < 100;
    light += p > 200;
  }
  EXPECT_GT(dark, 500u);
  EXPECT_GT(light, image.pixels.size() / 3);
}

class ModelPlots : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "mlp_test_model_plots_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(ModelPlots, WeightHistogramsOnePanelPerLayerWithWeights) {
  Sequential model({.seed = 3});
  model.add<InputLayer>({.shape = {20}});
  model.add<Dense>({.units = 16, .activation = "relu", .bias_initializer = Initializer::from_name("random_normal")});
  model.add<Dropout>({.rate = 0.2});  // no weights: no panel
  model.add<BatchNormalization>({});
  model.add<Dense>({.units = 4, .activation = "softmax"});
  model.build({20});
  plot_weight_histograms(path("weights.png"), model, "weights of a small model");
  const std::string bytes = read_bytes(path("weights.png"));
  ASSERT_EQ(bytes.compare(0, 8, "\x89PNG\r\n\x1a\n"), 0);
  // Three panels in one row of 560×420, plus the title.
  const GrayImage image = read_image(path("weights.png"));
  EXPECT_EQ(image.width, 3u * 560);
  EXPECT_EQ(image.height, 420u + 40);
  expect_drawn(image);
}

TEST_F(ModelPlots, WeightHistogramsErrors) {
  Sequential unbuilt;
  unbuilt.add<Dense>({.units = 2});
  EXPECT_EQ(error_of([&] { plot_weight_histograms(path("w.png"), unbuilt, ""); }),
            path("w.png") + ": the model is not built, so it has no weights to plot");
  Sequential no_weights;
  no_weights.add<InputLayer>({.shape = {3}});
  no_weights.add<Dropout>({.rate = 0.5});
  no_weights.build({3});
  EXPECT_EQ(error_of([&] { plot_weight_histograms(path("w.png"), no_weights, ""); }),
            path("w.png") + ": the model has no layer with weights");
  EXPECT_FALSE(fs::exists(path("w.png")));
}

TEST_F(ModelPlots, ConfusionMatrixHeatMap) {
  metrics::ConfusionMatrix cm(3);
  cm.add(0, 0, 50);
  cm.add(0, 1, 3);
  cm.add(1, 1, 40);
  cm.add(2, 0, 7);
  cm.add(2, 2, 33);
  plot_confusion_matrix(path("cm.png"), cm, {"cat", "dog", "bird"}, "");
  const GrayImage image = read_image(path("cm.png"));
  EXPECT_EQ(image.width, 640u);  // the minimum size
  EXPECT_EQ(image.height, 560u);
  expect_drawn(image);
  // Ten classes without names: 60 pixels per class plus the margins.
  metrics::ConfusionMatrix ten(10);
  for (std::size_t c = 0; c < 10; ++c) ten.add(c, c, 10 + c);
  plot_confusion_matrix(path("ten.png"), ten, {}, "digits");
  const GrayImage big = read_image(path("ten.png"));
  EXPECT_EQ(big.width, 860u);
  EXPECT_EQ(big.height, 820u);
}

TEST_F(ModelPlots, ConfusionMatrixErrors) {
  metrics::ConfusionMatrix cm(3);
  EXPECT_EQ(error_of([&] {
              plot_confusion_matrix(path("cm.png"), cm, {"a", "b"}, "");
            }),
            path("cm.png") + ": 2 class names for a confusion matrix of 3 classes");
  EXPECT_FALSE(fs::exists(path("cm.png")));
  // An empty matrix still draws (accuracy 0.00% of 0).
  plot_confusion_matrix(path("empty.png"), cm, {}, "nothing yet");
  EXPECT_EQ(read_bytes(path("empty.png")).compare(0, 8, "\x89PNG\r\n\x1a\n"), 0);
}

TEST_F(ModelPlots, PredictedVsTrue) {
  std::vector<double> truth, predicted;
  for (int i = 0; i < 200; ++i) {
    truth.push_back(i * 0.5);
    predicted.push_back(i * 0.5 + (i % 7) - 3);
  }
  predicted[10] = NAN;  // left out
  plot_predicted_vs_true(path("scatter.png"), truth, predicted, "price", "");
  const GrayImage image = read_image(path("scatter.png"));
  EXPECT_EQ(image.width, 700u);
  EXPECT_EQ(image.height, 640u);
  expect_drawn(image);
  EXPECT_EQ(error_of([&] {
              plot_predicted_vs_true(path("s.png"), truth, {1, 2}, "price", "");
            }),
            path("s.png") + ": 200 true values but 2 predictions");
  EXPECT_EQ(error_of([&] { plot_predicted_vs_true(path("s.png"), {NAN}, {1}, "price", ""); }),
            path("s.png") + ": no finite (true, predicted) pair to plot");
  EXPECT_FALSE(fs::exists(path("s.png")));
}

}  // namespace
}  // namespace mlp
