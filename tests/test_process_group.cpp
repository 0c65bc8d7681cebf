// SPDX-License-Identifier: MIT
// Data-parallel fit (FitOptions::group, mlp/process_group.hpp) without MPI: P threads, each with
// its own model, joined by an in-process ProcessGroup. P processes must give the weights and the
// logs of one process up to float summation order (sample weights, an L2 penalty, dropout, a last
// batch smaller than the group, AUC's histogram), keep BatchNormalization's state identical on
// every process, and refuse data that differs. The MPI group itself is tested by mpi.* (ctest
// label mpi, tests/cli_mpi.cmake).
#include <gtest/gtest.h>

#include <barrier>
#include <cmath>
#include <cstring>
#include <functional>
#include <thread>

#include "mlp/mlp.hpp"
#include "mlp/process_group.hpp"

namespace mlp {
namespace {

// Every collective: each thread publishes its buffer, waits, computes the result from all of them
// in rank order (so every thread gets the same bits), waits, writes it back.
class ThreadGroup {
 public:
  explicit ThreadGroup(int size) : size_(size), barrier_(size), buffers_(static_cast<std::size_t>(size)) {}

  class Member : public ProcessGroup {
   public:
    Member(ThreadGroup& shared, int rank) : shared_(shared), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return shared_.size_; }
    void sum(std::span<Scalar> values) override { shared_.sum(rank_, values); }
    void sum_doubles(std::span<double> values) override { shared_.sum(rank_, values); }
    void broadcast(std::span<Scalar> values) override { shared_.broadcast(rank_, values); }
    void broadcast_doubles(std::span<double> values) override { shared_.broadcast(rank_, values); }

   private:
    ThreadGroup& shared_;
    int rank_;
  };

 private:
  template <class T>
  void sum(int rank, std::span<T> values) {
    buffers_[static_cast<std::size_t>(rank)] = values.data();
    barrier_.arrive_and_wait();
    std::vector<T> total(values.size(), T(0));
    for (const void* b : buffers_) {
      const T* p = static_cast<const T*>(b);
      for (std::size_t i = 0; i < total.size(); ++i) total[i] += p[i];
    }
    barrier_.arrive_and_wait();
    std::copy(total.begin(), total.end(), values.begin());
  }
  template <class T>
  void broadcast(int rank, std::span<T> values) {
    buffers_[static_cast<std::size_t>(rank)] = values.data();
    barrier_.arrive_and_wait();
    if (rank != 0) std::memcpy(values.data(), buffers_[0], values.size_bytes());
    barrier_.arrive_and_wait();
  }

  int size_;
  std::barrier<> barrier_;
  std::vector<void*> buffers_;
};

struct Trained {
  std::unique_ptr<Sequential> model;
  History history;
  std::string error;
};

// A 2-class problem with a third, rare class and per-sample weights.
void make_data(std::size_t n, Matrix& x, Matrix& y, std::vector<Scalar>& w) {
  Rng rng(7);
  x.resize(n, 6);
  y.resize(n, 3);
  y.fill(0);
  w.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < 6; ++j) x(i, j) = static_cast<Scalar>(rng.normal());
    const double s = x(i, 0) + x(i, 1) - x(i, 2);
    y(i, s > 1.2 ? 2 : s > 0 ? 1 : 0) = 1;
    w[i] = static_cast<Scalar>(0.5 + rng.uniform());
  }
}

std::unique_ptr<Sequential> make_model(bool batch_norm) {
  auto model = std::make_unique<Sequential>(ModelOptions{.seed = 3});
  model->add<InputLayer>({.shape = {6}});
  model->add<Dense>({.units = 32, .activation = "relu", .kernel_regularizer = {.l2 = 1e-3}});
  if (batch_norm) model->add<BatchNormalization>({});
  model->add<Dropout>({.rate = 0.25});
  model->add<Dense>({.units = 3, .activation = "softmax"});
  model->compile({.optimizer = make_optimizer("adam"),
                  .loss = {.name = "categorical_crossentropy"},
                  .metrics = {"accuracy", "auc"},
                  .weighted_metrics = {"accuracy"}});
  return model;
}

// Trains `size` processes (size 0: one plain process, no group) and returns every run.
std::vector<Trained> train(int size, std::size_t n, std::size_t batch, bool batch_norm,
                           const std::function<void(int, Matrix&)>& change_data = {}) {
  Matrix x, y;
  std::vector<Scalar> w;
  make_data(n, x, y, w);
  const FitOptions base{.batch_size = batch, .epochs = 3, .validation_split = 0.2, .sample_weight = w};
  if (size == 0) {
    std::vector<Trained> one(1);
    one[0].model = make_model(batch_norm);
    one[0].history = one[0].model->fit(x, y, base);
    return one;
  }
  ThreadGroup shared(size);
  std::vector<Trained> runs(static_cast<std::size_t>(size));
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&, r] {
      Trained& run = runs[static_cast<std::size_t>(r)];
      ThreadGroup::Member member(shared, r);
      Matrix my_x = x;
      if (change_data) change_data(r, my_x);
      FitOptions options = base;
      options.group = &member;
      run.model = make_model(batch_norm);
      try {
        run.history = run.model->fit(my_x, y, options);
      } catch (const Error& e) {
        run.error = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  return runs;
}

double max_weight_gap(Model& a, Model& b) {
  double gap = 0;
  const auto pa = a.params(), pb = b.params();
  EXPECT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    for (std::size_t k = 0; k < pa[i]->value.size(); ++k) {
      gap = std::max(gap, std::abs(static_cast<double>(pa[i]->value.data()[k] - pb[i]->value.data()[k])));
    }
  }
  return gap;
}

bool bit_identical(Model& a, Model& b) {
  bool same = true;
  for (std::size_t l = 0; l < a.layers().size(); ++l) {
    auto pa = a.layer(l).params(), pb = b.layer(l).params();
    auto sa = a.layer(l).state(), sb = b.layer(l).state();
    pa.insert(pa.end(), sa.begin(), sa.end());
    pb.insert(pb.end(), sb.begin(), sb.end());
    for (std::size_t i = 0; i < pa.size(); ++i) {
      same &= 0 == std::memcmp(pa[i]->value.data(), pb[i]->value.data(), pa[i]->value.size() * sizeof(Scalar));
    }
  }
  return same;
}

TEST(ProcessGroup, SeveralProcessesTrainLikeOne) {
  // 500 samples, 400 for training: batches of 64 leave a last batch of 16.
  std::vector<Trained> one = train(0, 500, 64, false);
  for (int size : {2, 3, 4}) {
    std::vector<Trained> runs = train(size, 500, 64, false);
    for (const Trained& r : runs) ASSERT_EQ(r.error, "") << size;
    EXPECT_LT(max_weight_gap(*one[0].model, *runs[0].model), 1e-5) << size << " processes";
    for (const Trained& r : runs) EXPECT_TRUE(bit_identical(*runs[0].model, *r.model)) << size;
    for (const auto& [key, values] : one[0].history.history) {
      const auto& got = runs[0].history.history.at(key);
      ASSERT_EQ(got.size(), values.size()) << key;
      for (std::size_t e = 0; e < values.size(); ++e) {
        EXPECT_NEAR(got[e], values[e], 1e-5 * std::max(1.0, std::abs(values[e]))) << key << " epoch " << e;
      }
      // Every process logs the same numbers (the sums, not means of means).
      for (const Trained& r : runs) EXPECT_EQ(r.history.history.at(key), got) << key;
    }
  }
}

TEST(ProcessGroup, ALastBatchSmallerThanTheGroupLeavesSomeProcessesEmpty) {
  // 325 samples, 260 for training, batches of 128: the last has 4 rows for 8 processes.
  std::vector<Trained> one = train(0, 325, 128, false);
  std::vector<Trained> runs = train(8, 325, 128, false);
  for (const Trained& r : runs) ASSERT_EQ(r.error, "");
  EXPECT_LT(max_weight_gap(*one[0].model, *runs[0].model), 1e-5);
  EXPECT_NEAR(runs[0].history.history.at("loss").back(), one[0].history.history.at("loss").back(), 1e-5);
  EXPECT_NEAR(runs[0].history.history.at("auc").back(), one[0].history.history.at("auc").back(), 1e-6);
}

TEST(ProcessGroup, BatchNormalizationStateIsAveragedAndIdenticalEverywhere) {
  std::vector<Trained> runs = train(3, 500, 64, true);
  for (const Trained& r : runs) ASSERT_EQ(r.error, "");
  for (const Trained& r : runs) EXPECT_TRUE(bit_identical(*runs[0].model, *r.model));
  // Per-shard batch statistics: close to one process's training, not equal to it.
  std::vector<Trained> one = train(0, 500, 64, true);
  const double gap = max_weight_gap(*one[0].model, *runs[0].model);
  EXPECT_GT(gap, 1e-6);
  EXPECT_LT(gap, 0.1);
}

TEST(ProcessGroup, DataThatDiffersIsAnErrorOnEveryProcess) {
  std::vector<Trained> runs = train(3, 300, 32, false, [](int rank, Matrix& x) {
    if (rank == 2) x(5, 1) += 1;
  });
  for (const Trained& r : runs) {
    EXPECT_EQ(r.error,
              "Sequential::fit: data-parallel over 3 processes: the training data of rank 2 differs from "
              "rank 0's (every process must read the same data with the same config and seed)");
  }
}

}  // namespace
}  // namespace mlp
