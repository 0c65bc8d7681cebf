// SPDX-License-Identifier: MIT
// ThreadChooser's decisions on synthetic step times (a quiet machine, one busy core, load that
// goes away, a spike), set_num_threads' automatic mode, and what makes tuning safe: training
// gives the same bits at 1 and 2 threads, and with the tuner moving between them.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "mlp/mlp.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {

using test::error_of;
using test::ThreadCount;

// Runs `steps` steps; cost(t) is the time of one step at t threads. Returns the steps run at each
// count (index = threads).
std::vector<std::size_t> run(ThreadChooser& c, std::size_t steps, const std::function<double(int)>& cost) {
  std::vector<std::size_t> at(65, 0);
  for (std::size_t s = 0; s < steps; ++s) {
    const int t = c.threads();
    ++at[static_cast<std::size_t>(t)];
    c.record(cost(t));
  }
  return at;
}

const auto quiet = [](int t) { return t == 2 ? 1.0 : 1.9; };  // 2 threads twice as fast
const auto busy = [](int t) { return t == 2 ? 1.8 : 1.0; };   // one core taken: 1 thread wins

TEST(ThreadChooser, StaysAtTheMostThreadsOnAQuietMachineAndProbesRarely) {
  ThreadChooser c(2);
  EXPECT_EQ(c.threads(), 2);
  const auto at = run(c, 20000, quiet);
  EXPECT_EQ(c.current(), 2);
  EXPECT_EQ(c.moves(), 0u);
  // Probes double their wait up to 256 windows, and each ends after its first step (1.9 > 1.5 ×
  // 1.0): 15 probes, 15 steps in 20,000.
  EXPECT_EQ(at[1], 15u);
}

TEST(ThreadChooser, MovesToOneThreadWhenACoreIsBusy) {
  ThreadChooser c(2);
  // Warm-up (1 window), 2 windows and the probe (1.0 < 0.92 × 1.8): 32 steps.
  run(c, 31, busy);
  EXPECT_EQ(c.current(), 2);
  run(c, 1, busy);
  EXPECT_EQ(c.current(), 1);
  EXPECT_EQ(c.moves(), 1u);
  const auto at = run(c, 10000, busy);
  EXPECT_EQ(c.current(), 1);  // probes of 2 threads keep losing
  EXPECT_GT(at[1], 9800u);
}

TEST(ThreadChooser, ReturnsToTwoThreadsWhenTheLoadGoesAway) {
  ThreadChooser c(2);
  run(c, 5000, busy);
  ASSERT_EQ(c.current(), 1);
  // At most the rest of a probe window, one full wait (256 windows of 8) and a probe.
  run(c, 256 * 8 + 3 * 8, quiet);
  EXPECT_EQ(c.current(), 2);
}

TEST(ThreadChooser, ASpikeWeighsWhatItCostsNotMore) {
  // Windows of one step: 19 ordinary ones at 2 threads (1.0), a spike (2.5), then the probe at 1
  // thread (1.3): the usual step is ~1.17, so the probe loses.
  ThreadChooser c(2, {.window = 1, .window_seconds = 0, .warmup = 0, .first_wait = 20, .max_wait = 20});
  for (int i = 0; i < 19; ++i) c.record(1.0);
  c.record(2.5);
  ASSERT_EQ(c.threads(), 1);
  c.record(1.3);
  EXPECT_EQ(c.current(), 2);
  EXPECT_EQ(c.moves(), 0u);
  // Windows where every step waits (one core busy: 20× the ordinary ones), one in five, make the
  // usual step ~5.2: the same probe wins.
  for (int i = 0; i < 20; ++i) c.record(i % 5 == 4 ? 20.0 : 1.0);
  ASSERT_EQ(c.threads(), 1);
  c.record(1.3);
  EXPECT_EQ(c.current(), 1);
  EXPECT_EQ(c.moves(), 1u);
}

TEST(ThreadChooser, AbandonsAClearlyLosingProbeAfterOneStep) {
  ThreadChooser c(2);
  std::vector<int> seen;
  for (int s = 0; s < 40; ++s) {
    seen.push_back(c.threads());
    c.record(quiet(c.threads()));
  }
  // Step 24 (0-based) at one thread, then back.
  for (int s = 0; s < 40; ++s) EXPECT_EQ(seen[static_cast<std::size_t>(s)], s == 24 ? 1 : 2) << s;
  EXPECT_EQ(c.moves(), 0u);
  // A probe slower, but not by 1.5×, runs its whole window.
  ThreadChooser d(2);
  std::size_t at_one = 0;
  for (int s = 0; s < 40; ++s) {
    at_one += d.threads() == 1;
    d.record(d.threads() == 2 ? 1.0 : 1.3);
  }
  EXPECT_EQ(at_one, 8u);
}

TEST(ThreadChooser, ASkippedProbeCountsAsLost) {
  ThreadChooser c(2);
  c.skip_probe();  // not probing: nothing happens
  for (int s = 0; s < 24; ++s) c.record(busy(c.threads()));
  ASSERT_EQ(c.threads(), 1);  // the first probe is due
  c.skip_probe();
  EXPECT_EQ(c.threads(), 2);
  EXPECT_EQ(c.moves(), 0u);
  // The wait doubled: the next probe comes after 4 windows, not 2.
  for (int s = 0; s < 31; ++s) {
    c.record(busy(c.threads()));
    ASSERT_EQ(c.threads(), 2) << s;
  }
  c.record(busy(2));
  EXPECT_EQ(c.threads(), 1);
}

TEST(CpuTimes, IdleCoresFromProcStat) {
  const CpuTimes a = parse_cpu_times("cpu  100 0 50 1000 20 0 5 0 0 0\ncpu0 ...");
  ASSERT_TRUE(a.valid);
  EXPECT_EQ(a.idle, 1020);
  EXPECT_EQ(a.total, 1175);
  // 200 ticks later, 100 of them idle: half the machine.
  const CpuTimes b = parse_cpu_times("cpu  150 0 100 1100 20 0 5 0 0 0\n");
  EXPECT_NEAR(idle_cores(a, b), 0.5 * omp_get_num_procs(), 1e-12);
  EXPECT_EQ(idle_cores(a, a), -1);  // too short to say
  EXPECT_FALSE(parse_cpu_times("intr 1 2 3").valid);
  EXPECT_EQ(idle_cores(CpuTimes{}, b), -1);
#if defined(__linux__)
  EXPECT_TRUE(read_cpu_times().valid);
#endif
}

TEST(ThreadChooser, ClimbsTheLadderToTheBestCount) {
  // 8 threads, the best at 4 (the other half of the machine busy): 8 → 4, then probes of 2 and 8
  // both lose.
  const auto cost = [](int t) { return t == 4 ? 1.0 : t == 8 ? 2.0 : t == 2 ? 1.6 : 3.0; };
  ThreadChooser c(8);
  const auto at = run(c, 20000, cost);
  EXPECT_EQ(c.current(), 4);
  EXPECT_EQ(c.moves(), 1u);
  EXPECT_GT(at[2], 0u);  // probed down as well as up
  EXPECT_GT(at[8], 0u);
  EXPECT_EQ(at[1] + at[3] + at[5] + at[6] + at[7], 0u);
}

TEST(ThreadChooser, OneThreadHasNothingToChoose) {
  ThreadChooser c(1);
  const auto at = run(c, 1000, busy);
  EXPECT_EQ(at[1], 1000u);
  EXPECT_EQ(c.moves(), 0u);
}

TEST(ThreadChooser, RejectsBadOptions) {
  EXPECT_EQ(error_of([] { ThreadChooser c(0); }), "ThreadChooser: need at least 1 thread, got 0");
  EXPECT_NE(error_of([] { ThreadChooser c(2, {.window = 0}); }).find("window and first_wait must be positive"),
            std::string::npos);
  EXPECT_NE(error_of([] { ThreadChooser c(2, {.first_wait = 8, .max_wait = 4}); }).find("max_wait >= first_wait"),
            std::string::npos);
}

TEST(Threads, SetNumThreadsFixesTheCountAndZeroGivesItBack) {
  if (std::getenv("OMP_NUM_THREADS") != nullptr) GTEST_SKIP() << "OMP_NUM_THREADS fixes the count";
  const int automatic = num_threads();
  EXPECT_FALSE(threads_fixed());
  set_num_threads(1);
  EXPECT_TRUE(threads_fixed());
  EXPECT_EQ(num_threads(), 1);
  set_num_threads(0);
  EXPECT_FALSE(threads_fixed());
  EXPECT_EQ(num_threads(), automatic);
  EXPECT_EQ(error_of([] { set_num_threads(-1); }), "set_num_threads: need at least 1 thread (or 0: automatic), got -1");
  ThreadTuner fixed_off(false, {});
  EXPECT_FALSE(fixed_off.enabled());
  {
    ThreadCount one(1);
    ThreadTuner tuner(true, {});
    EXPECT_FALSE(tuner.enabled());  // a fixed count is never tuned
  }
  EXPECT_FALSE(threads_fixed());  // ThreadCount gave it back
}

// What gemm_same_at says, computed here directly.
bool same_bits_directly(const GemmShape& s, int threads) {
  const bool ta = s.trans == Trans::kA, tb = s.trans == Trans::kB;
  Matrix a(ta ? s.k : s.m, ta ? s.m : s.k), b(tb ? s.n : s.k, tb ? s.k : s.n), one(s.m, s.n), many(s.m, s.n);
  Rng rng(11);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<Scalar>(rng.uniform() - 0.5);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<Scalar>(rng.uniform() - 0.5);
  {
    ThreadCount t(1);
    gemm(a, b, one, s.trans);
  }
  ThreadCount t(threads);
  gemm(a, b, many, s.trans);
  return std::memcmp(one.data(), many.data(), one.size() * sizeof(Scalar)) == 0;
}

// Products of the reference model at batch 128 and 1, and weight gradients over large batches:
// on oneDNN 2.6 some of these split their sum between threads (which ones depends on the CPU).
const GemmShape kShapes[] = {
    {.m = 128, .n = 256, .k = 784, .trans = Trans::kNone}, {.m = 784, .n = 256, .k = 128, .trans = Trans::kA},
    {.m = 128, .n = 256, .k = 256, .trans = Trans::kB},    {.m = 1, .n = 256, .k = 784, .trans = Trans::kNone},
    {.m = 784, .n = 256, .k = 1024, .trans = Trans::kA},   {.m = 16, .n = 4, .k = 4096, .trans = Trans::kA},
    {.m = 128, .n = 1024, .k = 4096, .trans = Trans::kB},
};

TEST(Threads, GemmSameAtAgreesWithADirectComparison) {
  for (const GemmShape& s : kShapes) {
    for (int threads : {2, 3}) {
      const bool said = gemm_same_at(s, threads);
      EXPECT_EQ(said, same_bits_directly(s, threads)) << s.m << "x" << s.n << "x" << s.k << " at " << threads;
      EXPECT_EQ(said, gemm_same_at(s, threads));  // remembered
    }
  }
  EXPECT_TRUE(gemm_same_at(kShapes[3], 1));
}

// What ThreadTuner checks before its first move: every product at every count of the ladder.
bool all_same(std::span<const GemmShape> products, int max_threads) {
  for (int t = max_threads; t > 1; t /= 2) {
    for (const GemmShape& p : products) {
      if (!gemm_same_at(p, t)) return false;
    }
  }
  return true;
}

TEST(Threads, AProductThatDiffersKeepsTheCountFixed) {
  if (std::getenv("OMP_NUM_THREADS") != nullptr) GTEST_SKIP() << "OMP_NUM_THREADS fixes the count";
  ThreadCount automatic(0);
  if (num_threads() < 2) GTEST_SKIP() << "one thread: nothing to tune";
  EXPECT_TRUE(ThreadTuner(true, {}).enabled());
  EXPECT_EQ(ThreadTuner(true, kShapes).products_allow_moving(), all_same(kShapes, num_threads()));
  std::size_t differing = 0;
  for (const GemmShape& s : kShapes) {
    if (all_same({&s, 1}, num_threads())) continue;
    ++differing;
    EXPECT_FALSE(ThreadTuner(true, {&s, 1}).products_allow_moving());
  }
  if (differing == 0) GTEST_SKIP() << "every product gives the same bits at any count on this CPU";
}

// The reference model's shape, random data; at batch 128 every element-wise pass is large enough
// to run in parallel (kParallelWork).
// outputs 10: softmax over the digits; 1: a sigmoid (binary), whose weight gradient (256×1 over
// the batch) oneDNN splits between threads at large batches on some CPUs.
std::unique_ptr<Sequential> reference_model(std::size_t outputs = 10) {
  auto model = std::make_unique<Sequential>(ModelOptions{.seed = 7});
  model->add<InputLayer>({.shape = {784}});
  model->add<Dense>({.units = 256, .activation = "relu"});
  model->add<Dropout>({.rate = 0.45});
  model->add<Dense>({.units = 256});
  model->add<BatchNormalization>({});
  model->add<Activation>({.activation = "relu"});
  model->add<Dense>({.units = outputs, .activation = outputs == 1 ? "sigmoid" : "softmax"});
  model->compile({.optimizer = make_optimizer("adam"),
                  .loss = {.name = outputs == 1 ? "binary_crossentropy" : "categorical_crossentropy"},
                  .metrics = {"accuracy"}});
  return model;
}

struct Data {
  Matrix x{2048, 784}, y{2048, 10}, y1{2048, 1};
  Data() {
    Rng rng(3);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<Scalar>(rng.uniform());
    for (std::size_t r = 0; r < y.rows(); ++r) {
      y(r, r % 10) = 1;
      y1(r, 0) = static_cast<Scalar>(r % 2);
    }
  }
};

// The thread count of every training step, as a callback sees it after the step.
struct ThreadsPerStep : Callback {
  std::vector<int> seen;
  void on_train_batch_end(TrainContext&) override { seen.push_back(num_threads()); }
};

std::vector<Matrix> trained_weights(const Data& d, std::size_t batch_size, History* history = nullptr,
                                    ThreadsPerStep* steps = nullptr, int epochs = 2, std::size_t outputs = 10) {
  auto model = reference_model(outputs);
  std::vector<Callback*> callbacks;
  if (steps != nullptr) callbacks.push_back(steps);
  History h = model->fit(d.x, outputs == 1 ? d.y1 : d.y,
                         {.batch_size = batch_size, .epochs = epochs, .validation_split = 0.1}, callbacks);
  if (history != nullptr) *history = h;
  std::vector<Matrix> out;
  for (const auto* p : model->params()) out.push_back(p->value);
  return out;
}

void expect_same_bits(const std::vector<Matrix>& a, const std::vector<Matrix>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].size(), b[i].size());
    EXPECT_EQ(0, std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(Scalar))) << "parameter " << i;
  }
}

TEST(Threads, TrainingGivesTheSameBitsAtOneAndTwoThreads) {
  const Data d;
  History h1, h2;
  std::vector<Matrix> one, two;
  {
    ThreadCount t(1);
    one = trained_weights(d, 128, &h1);
  }
  {
    ThreadCount t(2);
    two = trained_weights(d, 128, &h2);
  }
  expect_same_bits(one, two);
  EXPECT_EQ(h1.history, h2.history);
}

// Trains with the count fixed at the cores and left to the tuner: the same bits. The tuner runs
// (and probes 1 thread after its warm-up and two windows, whatever the timings) exactly when every
// product of the steps and the validation gives the same bits at every count.
void check_tuned_fit(std::size_t batch, int epochs, std::size_t outputs) {
  if (std::getenv("OMP_NUM_THREADS") != nullptr) GTEST_SKIP() << "OMP_NUM_THREADS fixes the count";
  ThreadCount automatic(0);
  const int cores = num_threads();
  if (cores < 2) GTEST_SKIP() << "one thread: nothing to tune";
  const Data d;
  std::vector<Matrix> fixed;
  {
    ThreadCount t(cores);
    fixed = trained_weights(d, batch, nullptr, nullptr, epochs, outputs);
  }
  ThreadsPerStep steps;
  expect_same_bits(fixed, trained_weights(d, batch, nullptr, &steps, epochs, outputs));
  EXPECT_EQ(num_threads(), cores);  // fit() gives the count back as it found it

  const std::size_t train = Batcher::training_count(d.x.rows(), 0.1), val = d.x.rows() - train;
  const auto model = reference_model(outputs);
  std::vector<GemmShape> products;
  const std::pair<std::size_t, bool> batches[] = {
      {batch, true}, {train % batch, true}, {std::min(val, batch), false}, {val % batch, false}};
  for (const auto& [rows, backward] : batches) {
    for (const auto& layer : model->layers()) {
      if (rows > 0) layer->gemm_products(rows, backward, products);
    }
  }
  const std::size_t per_epoch = (train + batch - 1) / batch;
  ASSERT_EQ(steps.seen.size(), per_epoch * static_cast<std::size_t>(epochs));
  ASSERT_GE(steps.seen.size(), 64u);  // at least 8 windows of 8 steps
  const auto at_one = std::count(steps.seen.begin(), steps.seen.end(), 1);
  ::testing::Test::RecordProperty("tuned", all_same(products, cores) ? "yes" : "no");
  if (all_same(products, cores)) {
    EXPECT_GE(at_one, 2);  // a probe abandoned after 2 steps, or a whole window of 8
    EXPECT_GE(std::count(steps.seen.begin(), steps.seen.end(), cores), 8);
  } else {
    EXPECT_EQ(at_one, 0) << "a product differs at another count: the tuner must not move";
  }
}

// 40 epochs of 15 batches of 128: 600 steps, 0.3 s or more, while the first probe comes after the
// warm-up and two windows of at least 8 steps and 25 ms each.
TEST(Threads, TheTunerMovingBetweenCountsKeepsTheBits) { check_tuned_fit(128, 40, 10); }

// Batch 1024 and one sigmoid output: the last weight gradient (256×1, summed over 1,024 rows) is
// one that oneDNN 2.6 splits between threads on the AVX-512 machine here: the count stays.
TEST(Threads, TheTunerKeepsTheBitsWhenAProductWouldDiffer) { check_tuned_fit(1024, 32, 1); }

}  // namespace
}  // namespace mlp
