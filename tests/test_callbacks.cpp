// SPDX-License-Identifier: MIT
// Keras' standard callbacks. The monitoring logic (patience, min_delta, baseline, mode, cooldown)
// is checked by calling the hooks directly with hand-written logs sequences and hand-computed
// expectations, as Keras' own tests do; the rest trains a tiny deterministic Dense model.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "mlp/mlp.hpp"
#include "mlp/model_file.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {

using test::error_of;
namespace fs = std::filesystem;

// Linear regression on 8 hand-made samples: y = x0 - 2·x1 + 0.5.
struct Data {
  Matrix x{8, 2, {0, 0, 1, 0, 0, 1, 1, 1, 2, 1, 1, 2, 3, 0, 0, 3}};
  Matrix y{8, 1, {0.5, 1.5, -1.5, -0.5, 0.5, -2.5, 3.5, -5.5}};
};

std::unique_ptr<Sequential> make_model(std::vector<std::string> metrics = {}, double lr = 0.05) {
  auto model = std::make_unique<Sequential>(ModelOptions{.seed = 7});
  model->add<InputLayer>({.shape = {2}});
  model->add<Dense>({.units = 1});
  model->compile({.optimizer = std::make_unique<SGD>(SGD::Options{.learning_rate = lr}),
                  .loss = {.name = "mse"},
                  .metrics = std::move(metrics)});
  return model;
}

// Drives a callback through on_train_begin, one on_epoch_begin/on_epoch_end per logs entry
// (stopping when the callback asks), then on_train_end. Returns the number of epochs run.
int run_epochs(Callback& cb, TrainContext& ctx, const std::vector<Logs>& epochs) {
  cb.on_train_begin(ctx);
  int run = 0;
  for (ctx.epoch = 0; ctx.epoch < static_cast<int>(epochs.size()) && !ctx.stop_training; ++ctx.epoch) {
    ctx.logs.clear();
    cb.on_epoch_begin(ctx);
    ctx.logs = epochs[static_cast<std::size_t>(ctx.epoch)];
    cb.on_epoch_end(ctx);
    ++run;
  }
  cb.on_train_end(ctx);
  return run;
}

std::vector<Logs> series(const std::string& key, const std::vector<double>& values) {
  std::vector<Logs> out;
  for (double v : values) out.push_back({{"loss", 1.0}, {key, v}});
  return out;
}

std::vector<Matrix> weights_of(Model& model) {
  std::vector<Matrix> out;
  for (Param* p : model.params()) out.push_back(p->value);
  return out;
}

bool same(const std::vector<Matrix>& a, const std::vector<Matrix>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].rows() != b[i].rows() || a[i].cols() != b[i].cols()) return false;
    for (std::size_t r = 0; r < a[i].rows(); ++r) {
      for (std::size_t c = 0; c < a[i].cols(); ++c) {
        if (a[i].row(r)[c] != b[i].row(r)[c]) return false;
      }
    }
  }
  return true;
}

// Records the weights at the end of every epoch.
class WeightRecorder : public Callback {
 public:
  std::vector<std::vector<Matrix>> at_epoch_end;
  void on_epoch_end(TrainContext& ctx) override { at_epoch_end.push_back(weights_of(*ctx.model)); }
};

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(testing::TempDir()) / ("mlp_test_callbacks_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- EarlyStopping -------------------------------------------------------------------------

struct StopCase {
  EarlyStopping::Options options;
  std::vector<double> values;
  int epochs_run;
  int stopped_epoch;
};

TEST(EarlyStopping, StopsAtTheHandComputedEpoch) {
  const std::vector<StopCase> cases = {
      // patience 0: epoch 2 is the first without improvement.
      {{}, {1.0, 0.9, 0.95, 0.8}, 3, 2},
      // patience 2: epochs 2 and 3 do not improve.
      {{.patience = 2}, {1.0, 0.9, 0.95, 0.92, 0.85}, 4, 3},
      // min_delta 0.1: 0.95 is no improvement on 1.0, 0.85 is; 0.84 and 0.83 are not on 0.85.
      {{.min_delta = 0.1, .patience = 2}, {1.0, 0.95, 0.85, 0.84, 0.83, 0.5}, 5, 4},
      // min_delta's sign is ignored (Keras takes abs).
      {{.min_delta = -0.1, .patience = 2}, {1.0, 0.95, 0.85, 0.84, 0.83, 0.5}, 5, 4},
      // Without a baseline, one epoch without improvement is within patience 2...
      {{.patience = 2}, {1.0, 0.9, 1.0}, 3, 0},
      // ...with one that no value beats, wait is never reset: 3 >= 2 at epoch 2.
      {{.patience = 2, .baseline = 0.5}, {1.0, 0.9, 1.0}, 3, 2},
      // A value that beats the baseline resets the wait.
      {{.patience = 1, .baseline = 0.95}, {1.0, 0.9, 0.92, 0.91}, 3, 2},
      // start_from_epoch 2: epochs 0 and 1 are ignored; 3.0 then 2.5 improve, 2.6 does not.
      {{.start_from_epoch = 2}, {1.0, 2.0, 3.0, 2.5, 2.6, 0.1}, 5, 4},
      {{}, {1.0, 2.0, 3.0, 2.5, 2.6, 0.1}, 2, 1},
      // Maximizing: 0.55 does not beat 0.6.
      {{.monitor = "val_accuracy", .mode = "max"}, {0.5, 0.6, 0.55, 0.9}, 3, 2},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const StopCase& c = cases[i];
    EarlyStopping stop(c.options);
    TrainContext ctx;
    EXPECT_EQ(run_epochs(stop, ctx, series(c.options.monitor, c.values)), c.epochs_run) << "case " << i;
    EXPECT_EQ(stop.stopped_epoch(), c.stopped_epoch) << "case " << i;
    EXPECT_EQ(ctx.stop_training, c.stopped_epoch > 0) << "case " << i;
  }
}

TEST(EarlyStopping, BestAndWait) {
  EarlyStopping stop({.min_delta = 0.1, .patience = 2});
  TrainContext ctx;
  run_epochs(stop, ctx, series("val_loss", {1.0, 0.95, 0.85, 0.84, 0.83}));
  ASSERT_TRUE(stop.best().has_value());
  EXPECT_EQ(*stop.best(), 0.85);
  EXPECT_EQ(stop.best_epoch(), 2);
  EXPECT_EQ(stop.wait(), 2);
  // Reusable: on_train_begin resets everything.
  TrainContext again;
  EXPECT_EQ(run_epochs(stop, again, series("val_loss", {5.0, 4.0, 3.0})), 3);
  EXPECT_EQ(stop.stopped_epoch(), 0);
  EXPECT_EQ(*stop.best(), 3.0);
}

TEST(EarlyStopping, AutoModeFollowsTheCompiledMetricsDirection) {
  auto model = make_model({"accuracy", "mse"});
  TrainContext ctx;
  ctx.model = model.get();
  EarlyStopping acc({.monitor = "val_accuracy"});
  EXPECT_EQ(run_epochs(acc, ctx, series("val_accuracy", {0.5, 0.6, 0.55})), 3);  // maximized
  TrainContext ctx2;
  ctx2.model = model.get();
  EarlyStopping mse({.monitor = "mse"});
  EXPECT_EQ(run_epochs(mse, ctx2, series("mse", {0.5, 0.4, 0.3, 0.2})), 4);  // minimized
  // Not a compiled metric: Keras cannot tell the direction and raises.
  TrainContext ctx3;
  ctx3.model = model.get();
  EarlyStopping other({.monitor = "val_precision"});
  EXPECT_NE(error_of([&] { run_epochs(other, ctx3, series("val_precision", {0.5})); }).find("monitor 'val_precision'"),
            std::string::npos);
}

TEST(EarlyStopping, MissingMonitorWarnsAndSkips) {
  std::ostringstream out;
  EarlyStopping stop({.out = &out});
  TrainContext ctx;
  EXPECT_EQ(run_epochs(stop, ctx, {{{"loss", 1.0}}, {{"loss", 2.0}}, {{"loss", 3.0}}}), 3);
  EXPECT_FALSE(ctx.stop_training);
  EXPECT_FALSE(stop.best().has_value());
  EXPECT_NE(out.str().find("Early stopping conditioned on metric `val_loss` which is not available. "
                           "Available metrics are: loss"),
            std::string::npos);
  // Without a stream it is silent and still does not crash.
  EarlyStopping quiet;
  TrainContext ctx2;
  EXPECT_EQ(run_epochs(quiet, ctx2, {{{"loss", 1.0}}}), 1);
}

TEST(EarlyStopping, UnknownModeFallsBackToAuto) {
  std::ostringstream out;
  EarlyStopping stop({.mode = "sideways", .out = &out});
  EXPECT_EQ(stop.options().mode, "auto");
  EXPECT_NE(out.str().find("EarlyStopping mode 'sideways' is unknown, fallback to auto mode."), std::string::npos);
}

// Trains for real: the best epoch by val_loss (mode max makes the first epoch the best, since
// the validation loss of this regression falls) must be restored exactly.
TEST(EarlyStopping, RestoresTheExactBestWeightsWhenStopped) {
  Data d;
  auto model = make_model();
  WeightRecorder recorder;
  std::ostringstream out;
  EarlyStopping stop({.patience = 2, .verbose = 1, .mode = "max", .restore_best_weights = true, .out = &out});
  const History h = model->fit(d.x, d.y, {.batch_size = 2, .epochs = 20, .validation_x = d.x, .validation_y = d.y},
                               {&recorder, &stop});
  const auto& val = h.history.at("val_loss");
  ASSERT_LT(val.size(), 20u);
  const auto best = static_cast<std::size_t>(std::max_element(val.begin(), val.end()) - val.begin());
  EXPECT_EQ(stop.best_epoch(), static_cast<int>(best));
  EXPECT_EQ(stop.stopped_epoch(), static_cast<int>(val.size()) - 1);
  EXPECT_TRUE(same(weights_of(*model), recorder.at_epoch_end[best]));
  EXPECT_FALSE(same(weights_of(*model), recorder.at_epoch_end.back()));
  EXPECT_EQ(out.str(), "Epoch " + std::to_string(val.size()) + ": early stopping\n" +
                           "Restoring model weights from the end of the best epoch: " + std::to_string(best + 1) +
                           ".\n");
}

// Keras 3 restores at on_train_end even when training ran to the end (Keras 2 did not).
TEST(EarlyStopping, RestoresAlsoWithoutStopping) {
  Data d;
  auto model = make_model();
  WeightRecorder recorder;
  EarlyStopping stop({.patience = 100, .mode = "max", .restore_best_weights = true});
  const History h = model->fit(d.x, d.y, {.batch_size = 2, .epochs = 4, .validation_x = d.x, .validation_y = d.y},
                               {&recorder, &stop});
  ASSERT_EQ(h.history.at("val_loss").size(), 4u);
  EXPECT_EQ(stop.stopped_epoch(), 0);
  EXPECT_TRUE(same(weights_of(*model), recorder.at_epoch_end[static_cast<std::size_t>(stop.best_epoch())]));
  EXPECT_FALSE(same(weights_of(*model), recorder.at_epoch_end.back()));
}

// ---- ReduceLROnPlateau ---------------------------------------------------------------------

TEST(ReduceLROnPlateau, ReducesWithCooldownAndMinLr) {
  auto model = make_model({}, 1.0);
  std::ostringstream out;
  ReduceLROnPlateau plateau({.factor = 0.5, .patience = 1, .verbose = 1, .cooldown = 2, .min_lr = 0.2, .out = &out});
  TrainContext ctx;
  ctx.model = model.get();
  plateau.on_train_begin(ctx);
  // A flat val_loss. Epoch 0 sets the best; 1 reduces (cooldown 2); 2 is in cooldown; at 3 the
  // counter reaches 0 first, so 3 reduces again; 5 reduces to max(0.125, 0.2); at 7 the rate is
  // already min_lr.
  const std::vector<double> logged = {1, 1, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2};
  const std::vector<double> after = {1, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2};
  for (ctx.epoch = 0; ctx.epoch < 8; ++ctx.epoch) {
    ctx.logs = {{"loss", 1.0}, {"val_loss", 1.0}};
    plateau.on_epoch_end(ctx);
    const auto e = static_cast<std::size_t>(ctx.epoch);
    EXPECT_EQ(ctx.logs.at("learning_rate"), logged[e]) << "epoch " << e;
    EXPECT_EQ(model->optimizer().learning_rate(), after[e]) << "epoch " << e;
  }
  EXPECT_EQ(out.str(),
            "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.5.\n"
            "Epoch 4: ReduceLROnPlateau reducing learning rate to 0.25.\n"
            "Epoch 6: ReduceLROnPlateau reducing learning rate to 0.2.\n");
}

TEST(ReduceLROnPlateau, PatienceMinDeltaAndMode) {
  auto model = make_model({}, 1.0);
  TrainContext ctx;
  ctx.model = model.get();
  // min_delta 0.1: 0.95 is no improvement on 1.0, 0.85 is; patience 2.
  ReduceLROnPlateau plateau({.factor = 0.1, .patience = 2, .min_delta = 0.1});
  run_epochs(plateau, ctx, series("val_loss", {1.0, 0.95, 0.85, 0.8, 0.84}));
  EXPECT_DOUBLE_EQ(model->optimizer().learning_rate(), 0.1);  // reduced once, at epoch 4
  // "acc" in the name: maximized in auto mode.
  model->optimizer().set_learning_rate(1.0);
  ReduceLROnPlateau acc({.monitor = "val_accuracy", .patience = 1});
  TrainContext ctx2;
  ctx2.model = model.get();
  run_epochs(acc, ctx2, series("val_accuracy", {0.5, 0.6, 0.7, 0.8}));
  EXPECT_EQ(model->optimizer().learning_rate(), 1.0);
  run_epochs(acc, ctx2, series("val_accuracy", {0.5, 0.4}));
  EXPECT_DOUBLE_EQ(model->optimizer().learning_rate(), 0.1);
}

TEST(ReduceLROnPlateau, FactorMustBeBelowOne) {
  EXPECT_EQ(error_of([] { ReduceLROnPlateau({.factor = 1.0}); }),
            "ReduceLROnPlateau does not support a factor >= 1.0. Received factor=1.0");
}

TEST(ReduceLROnPlateau, InFitAddsTheLearningRateToHistory) {
  Data d;
  auto model = make_model({}, 0.01);
  ReduceLROnPlateau plateau({.monitor = "loss", .factor = 0.5, .patience = 0, .min_delta = 1e9});
  const History h = model->fit(d.x, d.y, {.batch_size = 4, .epochs = 3}, {&plateau});
  const std::vector<double> expected = {0.01, 0.01, 0.005};  // logged before the epoch's change
  ASSERT_EQ(h.history.at("learning_rate").size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(h.history.at("learning_rate")[i], expected[i]);
}

// ---- TerminateOnNaN ------------------------------------------------------------------------

TEST(TerminateOnNaN, StopsOnAHugeLearningRate) {
  Data d;
  auto model = make_model({}, 1e10);
  std::ostringstream out;
  TerminateOnNaN nan_stop({.out = &out});
  const History h = model->fit(d.x, d.y, {.batch_size = 1, .epochs = 5, .shuffle = false}, {&nan_stop});
  ASSERT_TRUE(nan_stop.terminated());
  EXPECT_EQ(*nan_stop.epoch(), 0);
  EXPECT_EQ(h.history.at("loss").size(), 1u);
  EXPECT_FALSE(std::isfinite(h.history.at("loss")[0]));
  EXPECT_EQ(out.str(), "Batch " + std::to_string(*nan_stop.batch()) + ": Invalid loss, terminating training\n");
}

TEST(TerminateOnNaN, ChecksEveryBatchLoss) {
  TerminateOnNaN nan_stop;
  std::ostringstream out;
  TerminateOnNaN loud({.out = &out});
  TrainContext ctx;
  ctx.epoch = 3;
  nan_stop.on_train_begin(ctx);
  loud.on_train_begin(ctx);
  ctx.batch = 11;
  ctx.logs = {{"loss", 0.5}};
  nan_stop.on_train_batch_end(ctx);
  EXPECT_FALSE(ctx.stop_training);
  ctx.batch = 12;
  ctx.logs = {{"loss", std::numeric_limits<double>::quiet_NaN()}};
  loud.on_train_batch_end(ctx);
  EXPECT_TRUE(ctx.stop_training);
  EXPECT_EQ(out.str(), "Batch 12: Invalid loss, terminating training\n");
  EXPECT_EQ(*loud.epoch(), 3);
  EXPECT_EQ(*loud.batch(), 12u);
  ctx.stop_training = false;
  ctx.logs = {{"loss", -std::numeric_limits<double>::infinity()}};
  nan_stop.on_train_batch_end(ctx);
  EXPECT_TRUE(ctx.stop_training);
}

// ---- CSVLogger -----------------------------------------------------------------------------

TEST(CSVLogger, ExactContentAndAppend) {
  const fs::path dir = fresh_dir("csv");
  const std::string path = (dir / "log.csv").string();
  {
    CSVLogger csv({.filename = path});
    TrainContext ctx;
    run_epochs(csv, ctx,
               {{{"loss", 0.5}, {"accuracy", 0.25}, {"val_loss", 1.0}},
                {{"loss", 0.25}, {"accuracy", 1.0}, {"val_loss", 0.75}}});
  }
  EXPECT_EQ(read_all(path), "epoch,accuracy,loss,val_loss\r\n0,0.25,0.5,1.0\r\n1,1.0,0.25,0.75\r\n");
  {
    // Appending to a file that has a header: no second header; a missing key reads "NA".
    CSVLogger csv({.filename = path, .append = true});
    TrainContext ctx;
    run_epochs(csv, ctx, {{{"loss", 0.125}, {"accuracy", 0.5}, {"val_loss", 0.1}}, {{"loss", 0.0625}}});
  }
  EXPECT_EQ(read_all(path),
            "epoch,accuracy,loss,val_loss\r\n0,0.25,0.5,1.0\r\n1,1.0,0.25,0.75\r\n"
            "0,0.5,0.125,0.1\r\n1,NA,0.0625,NA\r\n");
  {
    // Not appending: the file is rewritten.
    CSVLogger csv({.filename = path});
    TrainContext ctx;
    run_epochs(csv, ctx, {{{"loss", 0.5}}});
  }
  // No val_ key in the first logs: Keras adds a val_ column per key.
  EXPECT_EQ(read_all(path), "epoch,loss,val_loss\r\n0,0.5,NA\r\n");
}

TEST(CSVLogger, AppendToANewFileWritesTheHeaderAndSeparator) {
  const fs::path dir = fresh_dir("csv_append");
  const std::string path = (dir / "new.csv").string();
  CSVLogger csv({.filename = path, .separator = ';', .append = true});
  TrainContext ctx;
  run_epochs(csv, ctx, {{{"loss", 1e-05}, {"val_loss", 3.0}}});
  EXPECT_EQ(read_all(path), "epoch;loss;val_loss\r\n0;1e-05;3.0\r\n");
}

TEST(CSVLogger, QuotesFieldsAsPythonsCsvWriterDoes) {
  // Expected bytes from Python: csv.writer(f).writerow(...), and with delimiter=';'.
  const fs::path dir = fresh_dir("csv_quote");
  const std::string comma = (dir / "comma.csv").string();
  {
    CSVLogger csv({.filename = comma});
    TrainContext ctx;
    run_epochs(csv, ctx, {{{"a,b", 0.5}, {"q\"x", 0.25}}});
  }
  EXPECT_EQ(read_all(comma), "epoch,\"a,b\",\"q\"\"x\",\"val_a,b\",\"val_q\"\"x\"\r\n0,0.5,0.25,NA,NA\r\n");
  const std::string semicolon = (dir / "semicolon.csv").string();
  {
    CSVLogger csv({.filename = semicolon, .separator = ';'});
    TrainContext ctx;
    run_epochs(csv, ctx, {{{"a,b", 0.5}, {"a;b", 0.25}}});
  }
  EXPECT_EQ(read_all(semicolon), "epoch;a,b;\"a;b\";val_a,b;\"val_a;b\"\r\n0;0.5;0.25;NA;NA\r\n");
}

TEST(CSVLogger, RowsAreOnDiskAfterEachEpoch) {
  const fs::path dir = fresh_dir("csv_flush");
  const std::string path = (dir / "log.csv").string();
  CSVLogger csv({.filename = path});
  TrainContext ctx;
  csv.on_train_begin(ctx);
  ctx.logs = {{"loss", 0.5}, {"val_loss", 0.75}};
  csv.on_epoch_end(ctx);
  EXPECT_EQ(read_all(path), "epoch,loss,val_loss\r\n0,0.5,0.75\r\n");  // before on_train_end
  csv.on_train_end(ctx);
}

TEST(CSVLogger, ErrorsNameTheFile) {
  const std::string path = (fresh_dir("csv_err") / "missing_dir" / "log.csv").string();
  CSVLogger csv({.filename = path});
  TrainContext ctx;
  EXPECT_NE(error_of([&] { csv.on_train_begin(ctx); }).find("CSVLogger: cannot open '" + path + "'"),
            std::string::npos);
}

TEST(CSVLogger, InFit) {
  Data d;
  auto model = make_model({"mae"});
  const std::string path = (fresh_dir("csv_fit") / "log.csv").string();
  CSVLogger csv({.filename = path});
  const History h = model->fit(d.x, d.y, {.batch_size = 4, .epochs = 2, .validation_split = 0.25}, {&csv});
  std::istringstream lines(read_all(path));
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "epoch,loss,mae,val_loss,val_mae\r");
  std::getline(lines, line);
  EXPECT_EQ(line.substr(0, 2), "0,");
  std::getline(lines, line);
  EXPECT_EQ(line.substr(0, 2), "1,");
  EXPECT_FALSE(std::getline(lines, line));
}

// ---- LearningRateScheduler -----------------------------------------------------------------

TEST(LearningRateScheduler, SetsTheRateEachEpoch) {
  Data d;
  auto model = make_model({}, 0.1);
  std::vector<std::pair<int, double>> calls;
  std::ostringstream out;
  LearningRateScheduler lrs({.schedule =
                                 [&](int epoch, double lr) {
                                   calls.emplace_back(epoch, lr);
                                   return epoch < 2 ? lr : lr * 0.5;
                                 },
                             .verbose = 1,
                             .out = &out});
  const History h = model->fit(d.x, d.y, {.batch_size = 4, .epochs = 4}, {&lrs});
  const std::vector<double> expected = {0.1, 0.1, 0.05, 0.025};
  ASSERT_EQ(h.history.at("learning_rate").size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(h.history.at("learning_rate")[i], expected[i]);
    EXPECT_EQ(calls[i].first, static_cast<int>(i));
  }
  EXPECT_DOUBLE_EQ(calls[3].second, 0.05);
  EXPECT_EQ(model->optimizer().learning_rate(), h.history.at("learning_rate")[3]);
  EXPECT_NE(out.str().find("Epoch 1: LearningRateScheduler setting learning rate to 0.1.\n"), std::string::npos);
}

TEST(LearningRateScheduler, RejectsNonFiniteOrNegativeRates) {
  Data d;
  auto model = make_model();
  LearningRateScheduler nan_rate({.schedule = [](int, double) { return std::nan(""); }});
  EXPECT_EQ(error_of([&] { model->fit(d.x, d.y, {.epochs = 1}, {&nan_rate}); }),
            "LearningRateScheduler: the schedule returned nan for epoch 0; a learning rate must be finite and >= 0");
  LearningRateScheduler negative({.schedule = [](int epoch, double) { return epoch == 1 ? -0.5 : 0.1; }});
  EXPECT_NE(error_of([&] { model->fit(d.x, d.y, {.epochs = 2}, {&negative}); }).find("returned -0.5 for epoch 1"),
            std::string::npos);
  EXPECT_NE(error_of([] { LearningRateScheduler({}); }).find("schedule is empty"), std::string::npos);
}

// ---- ModelCheckpoint -----------------------------------------------------------------------

TEST(ModelCheckpoint, FormatsTheFilepathLikePython) {
  const Logs logs = {{"loss", 0.5}, {"val_loss", 0.123456}, {"accuracy", 0.875}, {"neg", -2.5}};
  auto name = [&](const std::string& t, int epoch = 4) {
    return ModelCheckpoint({.filepath = t}).format_filepath(epoch, logs);
  };
  EXPECT_EQ(name("m-{epoch:02d}-{val_loss:.4f}.st"), "m-05-0.1235.st");
  EXPECT_EQ(name("{epoch}", 0), "1");
  EXPECT_EQ(name("{epoch:03}", 8), "009");
  EXPECT_EQ(name("{epoch:>4}|{epoch:<4}|{epoch:^5}|{epoch:*^5}", 0), "   1|1   |  1  |**1**");
  EXPECT_EQ(name("{loss}-{accuracy:.2%}-{val_loss:.2e}"), "0.5-87.50%-1.23e-01");
  EXPECT_EQ(name("{neg:+.1f}|{loss:+.1f}|{neg:07.2f}|{loss: .1f}"), "-2.5|+0.5|-002.50| 0.5");
  EXPECT_EQ(name("{{epoch}}-{epoch:.1f}"), "{epoch}-5.0");
  EXPECT_EQ(name("{val_loss:.3g}"), "0.123");
}

TEST(ModelCheckpoint, TemplateErrorsNameTheField) {
  const Logs logs = {{"loss", 0.5}};
  auto err = [&](const std::string& t) {
    return error_of([&] { ModelCheckpoint({.filepath = t}).format_filepath(0, logs); });
  };
  EXPECT_EQ(err("m-{val_acc:.2f}.st"),
            "ModelCheckpoint: filepath \"m-{val_acc:.2f}.st\", field '{val_acc:.2f}': 'val_acc' is neither 'epoch' "
            "nor a key of the logs (available: loss)");
  EXPECT_NE(err("{loss:d}").find("field '{loss:d}': format code 'd' needs an integer"), std::string::npos);
  EXPECT_NE(err("{loss:,}").find("unsupported format spec ','"), std::string::npos);
  EXPECT_NE(err("m-{epoch").find("'{' without a closing '}'"), std::string::npos);
  EXPECT_NE(err("m-}").find("single '}'"), std::string::npos);
  EXPECT_NE(err("{}").find("a field must name 'epoch' or a log key"), std::string::npos);
}

TEST(ModelCheckpoint, SaveBestOnlyWritesOnlyOnImprovement) {
  const fs::path dir = fresh_dir("ckpt_best");
  auto model = make_model();
  auto file = [&](int epoch) { return dir / "sub" / ("ck-" + std::to_string(epoch) + ".st"); };
  std::ostringstream out;
  ModelCheckpoint ckpt(
      {.filepath = (dir / "sub" / "ck-{epoch}.st").string(), .verbose = 1, .save_best_only = true, .out = &out});
  TrainContext ctx;
  ctx.model = model.get();
  run_epochs(ckpt, ctx, series("val_loss", {1.0, 0.8, 0.9, 0.7}));
  EXPECT_TRUE(fs::exists(file(1)));
  EXPECT_TRUE(fs::exists(file(2)));
  EXPECT_FALSE(fs::exists(file(3)));
  EXPECT_TRUE(fs::exists(file(4)));
  EXPECT_EQ(*ckpt.best(), 0.7);
  EXPECT_EQ(ckpt.last_saved(), file(4).string());
  const std::string f2 = file(2).string();
  EXPECT_NE(out.str().find("Epoch 2: val_loss improved from 1.00000 to 0.80000, saving model to " + f2 + "\n" +
                           "Epoch 2: finished saving model to " + f2 + "\n"),
            std::string::npos);
  EXPECT_NE(out.str().find("Epoch 3: val_loss did not improve from 0.80000\n"), std::string::npos);
  EXPECT_NE(out.str().find("Epoch 1: val_loss improved from inf to 1.00000"), std::string::npos);
  // The saved file is the full model, compiled, with the weights.
  SavedModel loaded = load_model(file(4).string());
  EXPECT_TRUE(loaded.model->compiled());
  EXPECT_TRUE(same(weights_of(*loaded.model), weights_of(*model)));
}

TEST(ModelCheckpoint, ModeMaxThresholdAndEveryEpoch) {
  const fs::path dir = fresh_dir("ckpt_modes");
  auto model = make_model({"accuracy"});
  {
    ModelCheckpoint ckpt({.filepath = (dir / "acc-{epoch}.st").string(),
                          .monitor = "val_accuracy",
                          .save_best_only = true});  // auto: accuracy is maximized
    TrainContext ctx;
    ctx.model = model.get();
    run_epochs(ckpt, ctx, series("val_accuracy", {0.5, 0.4, 0.6}));
    EXPECT_TRUE(fs::exists(dir / "acc-1.st"));
    EXPECT_FALSE(fs::exists(dir / "acc-2.st"));
    EXPECT_TRUE(fs::exists(dir / "acc-3.st"));
  }
  {
    ModelCheckpoint ckpt(
        {.filepath = (dir / "thr-{epoch}.st").string(), .save_best_only = true, .initial_value_threshold = 0.75});
    TrainContext ctx;
    ctx.model = model.get();
    run_epochs(ckpt, ctx, series("val_loss", {1.0, 0.8, 0.9, 0.7}));
    for (int e = 1; e <= 3; ++e) EXPECT_FALSE(fs::exists(dir / ("thr-" + std::to_string(e) + ".st")));
    EXPECT_TRUE(fs::exists(dir / "thr-4.st"));
  }
  {
    // Without save_best_only every epoch is written; weights-only files carry no compile settings.
    ModelCheckpoint ckpt({.filepath = (dir / "w-{epoch:02d}-{val_loss:.2f}.st").string(), .save_weights_only = true});
    TrainContext ctx;
    ctx.model = model.get();
    run_epochs(ckpt, ctx, series("val_loss", {1.0, 2.0}));
    EXPECT_TRUE(fs::exists(dir / "w-01-1.00.st"));
    ASSERT_TRUE(fs::exists(dir / "w-02-2.00.st"));
    SavedModel loaded = load_model((dir / "w-02-2.00.st").string());
    EXPECT_FALSE(loaded.model->compiled());
    EXPECT_TRUE(same(weights_of(*loaded.model), weights_of(*model)));
  }
}

TEST(ModelCheckpoint, InFitWithAnUnknownFieldFails) {
  Data d;
  auto model = make_model();
  const fs::path dir = fresh_dir("ckpt_fit");
  ModelCheckpoint good({.filepath = (dir / "m-{epoch}-{loss:.3f}.st").string(), .monitor = "loss"});
  model->fit(d.x, d.y, {.batch_size = 4, .epochs = 2}, {&good});
  EXPECT_TRUE(fs::exists(good.last_saved()));
  EXPECT_NE(good.last_saved().find("m-2-"), std::string::npos);
  ModelCheckpoint bad({.filepath = (dir / "m-{val_loss}.st").string(), .monitor = "loss"});
  EXPECT_NE(error_of([&] {
              model->fit(d.x, d.y, {.batch_size = 4, .epochs = 1}, {&bad});
            }).find("field '{val_loss}': 'val_loss' is neither 'epoch' nor a key of the logs"),
            std::string::npos);
}

TEST(PythonRepr, ThroughCsvValues) {
  const fs::path dir = fresh_dir("repr");
  const std::string path = (dir / "r.csv").string();
  CSVLogger csv({.filename = path});
  TrainContext ctx;
  run_epochs(csv, ctx,
             {{{"a", 0.1},
               {"b", 100.0},
               {"c", 1e16},
               {"d", 1.5e-5},
               {"e", 0.0001},
               {"f", -2.0},
               {"g", static_cast<double>(0.1f)},
               {"h", 123456789.0},
               {"val_x", std::numeric_limits<double>::infinity()}}});
  EXPECT_EQ(read_all(path),
            "epoch,a,b,c,d,e,f,g,h,val_x\r\n"
            "0,0.1,100.0,1e+16,1.5e-05,0.0001,-2.0,0.10000000149011612,123456789.0,inf\r\n");
}

}  // namespace
}  // namespace mlp
