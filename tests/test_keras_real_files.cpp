// SPDX-License-Identifier: MIT
// The eight real Keras files of ../shared/data/keras-models (saved by other people, Keras 2.0 to
// 3.13; README.md there): mlp::load_keras must reproduce every independently measured test accuracy
// exactly (the same count of correct images) and the stored probabilities of test image 0 to 1e-5.
// The files are not committed (no license): without ../shared every test skips, saying so. MNIST
// comes from mlp's data cache ($MLP_DATA_DIR or ~/.cache/mlp/datasets, `mlp data fetch mnist`);
// Fashion-MNIST from ../shared/data/fashion-mnist.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "mlp/data/datasets.hpp"
#include "mlp/error.hpp"
#include "mlp/interop/keras.hpp"

namespace {

namespace fs = std::filesystem;
const std::string kModels = std::string(MLP_SHARED_DIR) + "/data/keras-models";

nlohmann::json expected_for(const std::string& file) {
  std::ifstream in(kModels + "/expected.json");
  const auto all = nlohmann::json::parse(in);
  for (const auto& e : all) {
    if (e["file"] == file) return e;
  }
  ADD_FAILURE() << "expected.json has no entry for " << file;
  return {};
}

const mlp::ImageDataset* images(const std::string& name) {
  static std::map<std::string, std::unique_ptr<mlp::ImageDataset>> cache;
  auto& slot = cache[name];
  if (!slot) {
    mlp::FetchOptions o;
    o.network = false;
    o.offline_routes = false;
    if (name == "fashion-mnist") o.source_dir = std::string(MLP_SHARED_DIR) + "/data/fashion-mnist";
    try {
      slot = std::make_unique<mlp::ImageDataset>(mlp::load_dataset(name, o));
    } catch (const mlp::Error&) {
      return nullptr;
    }
  }
  return slot.get();
}

struct Case {
  const char* file;
  const char* architecture;  // sidecar for weights-only files ("" when inside)
  const char* layout;
};

class KerasRealFile : public ::testing::TestWithParam<Case> {};

TEST_P(KerasRealFile, ReproducesMeasuredAccuracyAndProbabilities) {
  const Case c = GetParam();
  if (!fs::exists(kModels + "/" + c.file))
    GTEST_SKIP() << kModels << " is absent: the real Keras files are not in the repository";
  const nlohmann::json e = expected_for(c.file);
  const std::string arch = *c.architecture ? kModels + "/" + c.architecture : "";
  mlp::KerasModel k = mlp::load_keras(kModels + "/" + c.file, arch);
  EXPECT_EQ(k.layout, c.layout);
  if (std::string(c.file) == "mnist_mlp_k2_9_checkpoint.h5") {
    // Its training_config names the notebook's recall_m, precision_m, f1_m: warned about, not needed.
    ASSERT_EQ(k.warnings.size(), 3u);
    EXPECT_NE(k.warnings[0].find("metric 'recall_m'"), std::string::npos) << k.warnings[0];
  }
  const std::string dataset = e["dataset"] == "mnist" ? "mnist" : "fashion-mnist";
  const mlp::ImageDataset* d = images(dataset);
  if (d == nullptr) GTEST_SKIP() << dataset << " is not in mlp's data cache (run `mlp data fetch " << dataset << "`)";
  const mlp::Matrix p = k.model->predict(mlp::InputView(d->x_test, 1.0 / 255), 500);
  ASSERT_EQ(p.rows(), d->y_test.rows());
  ASSERT_EQ(p.cols(), 10u);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < p.rows(); ++i) {
    const auto* row = p.row(i);
    const auto* truth = d->y_test.row(i);
    correct += std::max_element(row, row + 10) - row == std::max_element(truth, truth + 10) - truth;
  }
  EXPECT_EQ(correct, e["test"]["correct"].get<std::size_t>()) << c.file;
  const auto& probs = e["test"]["probs_test0"];
  for (std::size_t j = 0; j < 10; ++j) EXPECT_NEAR(p(0, j), probs[j].get<double>(), 1e-5) << c.file << " class " << j;
}

INSTANTIATE_TEST_SUITE_P(
    Files, KerasRealFile,
    ::testing::Values(Case{"mnist_mlp_k2_9_checkpoint.h5", "", "h5_full"},
                      Case{"fashion_mlp_dropout_k2_14.h5", "", "h5_full"},
                      Case{"mnist_mlp_bn_dropout_k3_13.h5", "", "h5_full"},
                      Case{"fashion_mlp_dropout_k3_11.keras", "", "keras_zip"},
                      Case{"fashion_mlp_dropout_k3_11.weights.h5", "fashion_mlp_dropout_k3_11.keras", "keras3_weights"},
                      Case{"mnist_mlp_512_k2_2.weights.h5", "mnist_mlp_512_k2_2.json", "h5_weights"},
                      Case{"mnist_softmax_k2_0_edge.h5", "", "h5_full"}),
    [](const auto& param_info) {
      std::string n = param_info.param.file;
      for (char& ch : n) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return n;
    });

// The regression model: the README's standardized CSV row 0 → 426.4298 k$ (float64 numpy).
TEST(KerasRealFile, CaliforniaRegressionRowZero) {
  const std::string file = kModels + "/california_mlp_l2_k3_5.h5";
  if (!fs::exists(file)) GTEST_SKIP() << kModels << " is absent: the real Keras files are not in the repository";
  const nlohmann::json e = expected_for("california_mlp_l2_k3_5.h5");
  mlp::KerasModel k = mlp::load_keras(file);
  EXPECT_EQ(k.keras_version, "3.5.0");
  const auto& row = e["regression"]["scaled_input_row0"];
  mlp::Matrix x(1, row.size());
  for (std::size_t j = 0; j < row.size(); ++j) x(0, j) = row[j].get<float>();
  const mlp::Matrix y = k.model->predict(mlp::InputView(x));
  EXPECT_NEAR(y(0, 0), e["regression"]["first5"][0]["pred_k$"].get<double>(), 1e-3);
}

}  // namespace
