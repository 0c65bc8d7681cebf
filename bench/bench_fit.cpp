// SPDX-License-Identifier: MIT
// Training and inference throughput of the reference model (784-256-256-10, ReLU, Dropout 0.45,
// Adam, batch 128) on MNIST-shaped data: one epoch of 60,000 samples per iteration for training,
// reported as samples/s; predict() at batch 1024 and batch 1.
//   build/bench/bench_fit
#include <benchmark/benchmark.h>

#include "mlp/mlp.hpp"
#include "mlp/models/reference.hpp"

namespace {
using namespace mlp;

void make_data(std::size_t n, Matrix& x, Matrix& y) {
  Rng rng(3);
  x.resize(n, 784);
  y.resize(n, 10);
  y.fill(0);
  for (auto& v : x.values()) v = static_cast<Scalar>(rng.uniform());
  for (std::size_t r = 0; r < n; ++r) y(r, rng.below(10)) = 1;
}

void BM_fit_epoch(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Matrix x, y;
  make_data(n, x, y);
  Sequential model({.seed = 1});
  add_reference_mnist_layers(model);
  compile_reference_mnist(model);
  for (auto _ : state) model.fit(x, y, {.batch_size = 128, .epochs = 1});
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_fit_epoch)->Arg(60000)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(5);

void BM_predict(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  Matrix x, y;
  make_data(batch, x, y);
  Sequential model({.seed = 1});
  add_reference_mnist_layers(model);
  compile_reference_mnist(model);
  for (auto _ : state) {
    Matrix p = model.predict(x, batch);
    benchmark::DoNotOptimize(p.data());
  }
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_predict)->Arg(1)->Arg(1024)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
