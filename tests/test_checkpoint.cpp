// SPDX-License-Identifier: MIT
// Checkpoints and BackupAndRestore: a run cut after any epoch and resumed ends bit-identical to
// the run never interrupted (weights, optimizer state, history, the callbacks' own state and
// files), with Adam + dropout + shuffling, Nadam's running product and a learning-rate schedule.
// Mid-epoch SIGKILL of the real binary is tests/cli_resume.cmake.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mlp/mlp.hpp"
#include "mlp/model_file.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {

using test::error_of;
namespace fs = std::filesystem;

// 3 noisy classes in 6 features, 240 samples: enough batches per epoch for shuffling to matter.
struct Data {
  Matrix x = Matrix(240, 6), y = Matrix(240, 3);
  Data() {
    Rng rng(11);
    for (std::size_t r = 0; r < x.rows(); ++r) {
      const std::size_t cls = r % 3;
      for (std::size_t c = 0; c < x.cols(); ++c) {
        x.row(r)[c] = static_cast<Scalar>(rng.normal() + (c % 3 == cls ? 1.5 : 0.0));
      }
      y.row(r)[cls] = 1;
    }
  }
};

std::unique_ptr<Optimizer> make_opt(const std::string& kind) {
  if (kind == "nadam") return std::make_unique<Nadam>(Nadam::Options{.learning_rate = 0.01});
  if (kind == "schedule") {
    return std::make_unique<SGD>(SGD::Options{.learning_rate = 0.1,
                                              .schedule = std::make_shared<ExponentialDecay>(ExponentialDecay::Options{
                                                  .initial_learning_rate = 0.1, .decay_steps = 10, .decay_rate = 0.5}),
                                              .momentum = 0.9});
  }
  return std::make_unique<Adam>(Adam::Options{.learning_rate = 0.01});
}

std::unique_ptr<Sequential> make_model(const std::string& opt = "adam", std::uint64_t seed = 3) {
  auto model = std::make_unique<Sequential>(ModelOptions{.seed = seed});
  model->add<InputLayer>({.shape = {6}});
  model->add<Dense>({.units = 16, .activation = "relu"});
  model->add<Dropout>({.rate = 0.3});
  model->add<BatchNormalization>({});
  model->add<Dense>({.units = 3, .activation = "softmax"});
  model->compile({.optimizer = make_opt(opt), .loss = {.name = "categorical_crossentropy"}, .metrics = {"accuracy"}});
  return model;
}

std::vector<std::vector<Scalar>> weights_of(Model& model) {
  std::vector<std::vector<Scalar>> out;
  for (const auto& layer : model.layers()) {
    for (Param* p : layer->params()) out.emplace_back(p->value.data(), p->value.data() + p->value.size());
    for (Param* p : layer->state()) out.emplace_back(p->value.data(), p->value.data() + p->value.size());
  }
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mlp_checkpoint_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  Data data_;
};

// Every stateful callback, built fresh for each run as a restarted program would.
struct Callbacks {
  EarlyStopping early;
  ReduceLROnPlateau reduce;
  CSVLogger csv;
  ModelCheckpoint best;
  BackupAndRestore backup;
  Callbacks(const fs::path& dir, const std::string& backup_name)
      : early({.monitor = "val_loss", .patience = 100, .restore_best_weights = true}),
        reduce({.monitor = "val_loss", .factor = 0.5, .patience = 1, .min_delta = 0.05, .cooldown = 1}),
        csv({.filename = (dir / (backup_name + ".csv")).string()}),
        best({.filepath = (dir / (backup_name + "_best.safetensors")).string(), .save_best_only = true}),
        backup({.path = (dir / (backup_name + ".safetensors")).string(), .delete_checkpoint = false}) {}
  std::vector<Callback*> list() { return {&early, &reduce, &csv, &best, &backup}; }
};

void expect_resume_identical(const fs::path& dir, const Data& data, const std::string& opt, int cut) {
  for (const char* f : {"straight.safetensors", "resumed.safetensors"}) fs::remove(dir / f);
  const FitOptions fit{.batch_size = 32, .epochs = 6, .validation_split = 0.25};
  auto straight = make_model(opt);
  Callbacks a(dir, "straight");
  const History h_straight = straight->fit(data.x, data.y, fit, a.list());

  {
    auto first = make_model(opt);
    Callbacks b(dir, "resumed");
    FitOptions part = fit;
    part.epochs = cut;
    first->fit(data.x, data.y, part, b.list());
    EXPECT_EQ(b.backup.resumed_from(), -1);
  }
  // A new process: a model with ANOTHER seed (restored anyway) and fresh callbacks.
  auto second = make_model(opt, 99);
  Callbacks c(dir, "resumed");
  const History h_resumed = second->fit(data.x, data.y, fit, c.list());
  EXPECT_EQ(c.backup.resumed_from(), cut);

  EXPECT_EQ(weights_of(*second), weights_of(*straight)) << opt << ", cut after epoch " << cut;
  EXPECT_EQ(h_resumed.epoch, h_straight.epoch);
  EXPECT_EQ(h_resumed.history, h_straight.history);
  EXPECT_EQ(second->optimizer().iterations(), straight->optimizer().iterations());
  EXPECT_EQ(second->optimizer().learning_rate(), straight->optimizer().learning_rate());
  EXPECT_EQ(read_file(dir / "resumed.csv"), read_file(dir / "straight.csv"));
  EXPECT_EQ(c.early.best(), a.early.best());
  EXPECT_EQ(c.early.best_epoch(), a.early.best_epoch());
  EXPECT_EQ(c.reduce.best(), a.reduce.best());
  EXPECT_EQ(c.best.best(), a.best.best());
}

TEST_F(CheckpointTest, ResumedAdamRunIsBitIdenticalAtEveryCut) {
  for (int cut : {1, 3, 5}) {
    SCOPED_TRACE(cut);
    expect_resume_identical(dir_, data_, "adam", cut);
  }
}

TEST_F(CheckpointTest, ResumedNadamAndScheduleRunsAreBitIdentical) {
  expect_resume_identical(dir_, data_, "nadam", 2);
  expect_resume_identical(dir_, data_, "schedule", 4);
}

TEST_F(CheckpointTest, TheRunUnderTestReallyChangesAcrossEpochs) {
  // Guards the test above against a vacuous pass: a resumed run that ignored the saved optimizer
  // state (fresh Adam moments) ends elsewhere.
  const FitOptions fit{.batch_size = 32, .epochs = 4, .validation_split = 0.25};
  auto straight = make_model();
  straight->fit(data_.x, data_.y, fit);
  auto cut = make_model();
  FitOptions part = fit;
  part.epochs = 2;
  cut->fit(data_.x, data_.y, part);
  cut->optimizer().build(cut->params());  // forget the moments
  part.initial_epoch = 2;
  part.epochs = 4;
  cut->fit(data_.x, data_.y, part);
  EXPECT_NE(weights_of(*cut), weights_of(*straight));
}

TEST_F(CheckpointTest, CheckpointIsAModelFileAndKeepsTheOptimizerState) {
  auto model = make_model();
  BackupAndRestore backup({.path = (dir_ / "ck.safetensors").string(), .delete_checkpoint = false});
  model->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 2}, {&backup});
  EXPECT_EQ(checkpoint_epoch((dir_ / "ck.safetensors").string()), 2);
  const TensorFile file = read_safetensors((dir_ / "ck.safetensors").string());
  ASSERT_NE(file.find("optimizer/momentum/dense_1/kernel"), nullptr);
  ASSERT_NE(file.find("optimizer/velocity/dense_2/bias"), nullptr);
  // Adam's first moment of the last step, as trained.
  const Matrix& m = *model->optimizer().slots()[0];
  EXPECT_EQ(file.find("optimizer/momentum/dense_1/kernel")->data[5], m.data()[5]);
  // load_model reads it like any model: same predictions.
  SavedModel loaded = load_model((dir_ / "ck.safetensors").string());
  const Matrix a = model->predict(data_.x), b = loaded.model->predict(data_.x);
  EXPECT_TRUE(std::equal(a.data(), a.data() + a.size(), b.data()));
}

TEST_F(CheckpointTest, DeleteCheckpointRemovesItAtTheEndOfTraining) {
  auto model = make_model();
  const std::string path = (dir_ / "ck.safetensors").string();
  BackupAndRestore backup({.path = path});
  model->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 2}, {&backup});
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(CheckpointTest, AStoppedRunStaysStoppedAndRestoresTheBestWeights) {
  // EarlyStopping with patience 0 stops at the first non-improving epoch; resuming its
  // checkpoint trains no further epoch and still restores the best weights at the end.
  const FitOptions fit{.batch_size = 32, .epochs = 40, .validation_split = 0.25};
  auto straight = make_model();
  EarlyStopping early_a({.monitor = "val_accuracy", .patience = 0, .restore_best_weights = true});
  BackupAndRestore backup_a({.path = (dir_ / "a.safetensors").string(), .delete_checkpoint = false});
  const History h = straight->fit(data_.x, data_.y, fit, {&early_a, &backup_a});
  ASSERT_LT(h.epoch.size(), 40u);

  auto resumed = make_model();
  EarlyStopping early_b({.monitor = "val_accuracy", .patience = 0, .restore_best_weights = true});
  BackupAndRestore backup_b({.path = (dir_ / "a.safetensors").string(), .delete_checkpoint = false});
  const History h2 = resumed->fit(data_.x, data_.y, fit, {&early_b, &backup_b});
  EXPECT_EQ(h2.epoch, h.epoch);
  EXPECT_EQ(weights_of(*resumed), weights_of(*straight));
}

TEST_F(CheckpointTest, ADivergedEpochDoesNotOverwriteTheLastGoodCheckpoint) {
  auto model = make_model();
  const std::string path = (dir_ / "ck.safetensors").string();
  BackupAndRestore backup({.path = path});
  model->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 2}, {&backup});  // deleted at the end
  BackupAndRestore keep({.path = path, .delete_checkpoint = true});
  TrainContext ctx;
  ctx.model = model.get();
  ctx.logs = {{"loss", 0.5}};
  keep.on_train_begin(ctx);  // nothing to restore
  ctx.resume.reset();
  ctx.epoch = 0;
  keep.on_epoch_end(ctx);
  EXPECT_EQ(checkpoint_epoch(path), 1);
  ctx.epoch = 1;
  ctx.logs = {{"loss", std::nan("")}};
  keep.on_epoch_end(ctx);
  EXPECT_EQ(checkpoint_epoch(path), 1);
  keep.on_train_end(ctx);
  EXPECT_TRUE(fs::exists(path)) << "the good checkpoint must survive a diverged last epoch";
}

TEST_F(CheckpointTest, MismatchesAreErrorsNamingTheFile) {
  const std::string path = (dir_ / "ck.safetensors").string();
  {
    auto model = make_model();
    BackupAndRestore backup({.path = path, .delete_checkpoint = false});
    model->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 1}, {&backup});
  }
  // Another architecture.
  auto wider = std::make_unique<Sequential>(ModelOptions{.seed = 3});
  wider->add<InputLayer>({.shape = {6}});
  wider->add<Dense>({.units = 8, .activation = "relu"});
  wider->add<Dense>({.units = 3, .activation = "softmax"});
  wider->compile({.optimizer = make_opt("adam"), .loss = {.name = "categorical_crossentropy"}});
  BackupAndRestore b1({.path = path, .delete_checkpoint = false});
  EXPECT_EQ(error_of([&] { wider->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 2}, {&b1}); }),
            path +
                ": the checkpoint was written for another model (its architecture differs from the one being "
                "trained)");
  // Another optimizer.
  auto nadam = make_model("nadam");
  BackupAndRestore b2({.path = path, .delete_checkpoint = false});
  EXPECT_EQ(error_of([&] { nadam->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 2}, {&b2}); }),
            path + ": the checkpoint's optimizer is Adam, the model's Nadam");
  // Other data.
  auto model = make_model();
  BackupAndRestore b3({.path = path, .delete_checkpoint = false});
  EXPECT_EQ(error_of([&] {
              model->fit(data_.x.view().row_range(0, 100), data_.y.view().row_range(0, 100),
                         {.batch_size = 32, .epochs = 2}, {&b3});
            }),
            "Sequential::fit: cannot resume: the checkpoint was trained on 240 samples, this data has 100 training "
            "samples");
  // Other callbacks.
  auto model2 = make_model();
  EarlyStopping early;
  BackupAndRestore b4({.path = path, .delete_checkpoint = false});
  EXPECT_EQ(error_of([&] {
              model2->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 2}, {&early, &b4});
            }),
            "Sequential::fit: cannot resume: the checkpoint holds the state of the callbacks none, this run's "
            "callbacks with state are EarlyStopping");
  const std::string path2 = (dir_ / "ck2.safetensors").string();
  {
    auto m = make_model();
    EarlyStopping e;
    BackupAndRestore b({.path = path2, .delete_checkpoint = false});
    m->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 1}, {&e, &b});
  }
  ReduceLROnPlateau reduce;
  BackupAndRestore b5({.path = path2, .delete_checkpoint = false});
  EXPECT_EQ(error_of([&] {
              model2->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 2}, {&reduce, &b5});
            }),
            "Sequential::fit: cannot resume: the checkpoint holds the state of the callbacks EarlyStopping, this "
            "run's callbacks with state are ReduceLROnPlateau");
  // Stateless callbacks may differ: a progress logger added on resume is fine.
  auto model3 = make_model();
  EarlyStopping e3;
  std::ostringstream sink;
  ProgbarLogger progress(sink, 2);
  BackupAndRestore b7({.path = path2, .delete_checkpoint = false});
  EXPECT_EQ(error_of([&] {
              model3->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 2}, {&e3, &progress, &b7});
            }),
            "no error");
  EXPECT_EQ(b7.resumed_from(), 1);
  // A model file is not a checkpoint.
  const std::string plain = (dir_ / "plain.safetensors").string();
  save_model(plain, *model2);
  EXPECT_EQ(error_of([&] { checkpoint_epoch(plain); }),
            plain + ": a model file, not a checkpoint (it has no training state to resume from)");
  BackupAndRestore b6({.path = plain, .delete_checkpoint = false});
  EXPECT_EQ(error_of([&] { model2->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 2}, {&b6}); }),
            plain + ": a model file, not a checkpoint (it has no training state to resume from)");
}

TEST_F(CheckpointTest, ACorruptCheckpointIsAnErrorAndLeavesTheModelUnchanged) {
  const std::string path = (dir_ / "ck.safetensors").string();
  {
    auto model = make_model();
    BackupAndRestore backup({.path = path, .delete_checkpoint = false});
    model->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 1}, {&backup});
  }
  TensorFile file = read_safetensors(path);
  auto ck = nlohmann::json::parse(file.metadata["checkpoint"]);
  ck["optimizer"].erase("iterations");
  file.metadata["checkpoint"] = ck.dump();
  write_safetensors(path, file);
  auto model = make_model();
  model->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 1});
  const auto before = weights_of(*model);
  const std::string message = error_of([&] { restore_checkpoint(path, *model); });
  EXPECT_TRUE(message.starts_with(path + ": corrupt checkpoint: ")) << message;
  EXPECT_NE(message.find("iterations"), std::string::npos) << message;
  EXPECT_EQ(weights_of(*model), before);

  // A forged sample order pointing past the data is refused before it is used.
  ck = nlohmann::json::parse(read_safetensors(path).metadata.at("checkpoint"));
  ck["optimizer"]["iterations"] = 6;
  ck["shuffle_order"][0] = 100000;
  file.metadata["checkpoint"] = ck.dump();
  write_safetensors(path, file);
  auto fresh = make_model();
  BackupAndRestore backup({.path = path, .delete_checkpoint = false});
  EXPECT_EQ(error_of([&] { fresh->fit(data_.x, data_.y, {.batch_size = 32, .epochs = 2}, {&backup}); }),
            "Sequential::fit: cannot resume: the checkpoint's sample order is corrupt");
}

TEST(EncodeDouble, KeepsNonFiniteValuesAndRoundTripsExactly) {
  for (double v : {0.1, -1e-300, 12345.678901234567, double(INFINITY), -double(INFINITY)}) {
    const nlohmann::json j = nlohmann::json::parse(encode_double(v).dump());
    EXPECT_EQ(decode_double(j, "v"), v);
  }
  EXPECT_TRUE(std::isnan(decode_double(encode_double(NAN), "v")));
  EXPECT_EQ(error_of([] { decode_double("infinity", "best"); }),
            "best: expected a number, \"inf\", \"-inf\" or \"nan\", got \"infinity\"");
}

}  // namespace
}  // namespace mlp
