// SPDX-License-Identifier: MIT
// GEMM throughput on the shapes of the reference model at batch 128 (what one training step
// multiplies), through mlp::gemm (oneDNN sgemm), with the square 2048³ product as the library's
// large-matrix limit in the same run. Reports GFLOP/s per shape.
//   build/bench/bench_gemm [--benchmark_filter=...]
// Thread count: OMP_NUM_THREADS (default: all cores).
#include <benchmark/benchmark.h>

#include "mlp/matrix.hpp"
#include "mlp/ops.hpp"
#include "mlp/random.hpp"

namespace {
using mlp::Matrix;
using mlp::Trans;

Matrix random_matrix(std::size_t rows, std::size_t cols) {
  mlp::Rng rng(rows * 131 + cols);
  Matrix m(rows, cols);
  for (auto& v : m.values()) v = static_cast<float>(rng.uniform(-1, 1));
  return m;
}

// args: M, N, K, trans (0 none: (M,K)·(K,N); 1 A: (K,M)ᵀ·(K,N); 2 B: (M,K)·(N,K)ᵀ)
void BM_gemm(benchmark::State& state) {
  const auto m = static_cast<std::size_t>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  const auto k = static_cast<std::size_t>(state.range(2));
  const auto trans = static_cast<Trans>(state.range(3));
  const Matrix a = trans == Trans::kA ? random_matrix(k, m) : random_matrix(m, k);
  const Matrix b = trans == Trans::kB ? random_matrix(n, k) : random_matrix(k, n);
  Matrix c(m, n);
  for (auto _ : state) {
    mlp::gemm(a, b, c, trans);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * static_cast<double>(m * n * k);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(mlp::gemm_backend());
}

// The reference model's products at batch 128: forward x·W, weight gradient xᵀ·dz, input
// gradient dz·Wᵀ for the 784→256, 256→256 and 256→10 layers.
BENCHMARK(BM_gemm)
    ->ArgNames({"M", "N", "K", "trans"})
    ->Args({128, 256, 784, 0})     // layer 1 forward
    ->Args({784, 256, 128, 1})     // layer 1 dW
    ->Args({128, 256, 256, 0})     // layer 2 forward
    ->Args({256, 256, 128, 1})     // layer 2 dW
    ->Args({128, 256, 256, 2})     // layer 2 dx
    ->Args({128, 10, 256, 0})      // layer 3 forward
    ->Args({256, 10, 128, 1})      // layer 3 dW
    ->Args({128, 256, 10, 2})      // layer 3 dx
    ->Args({2048, 2048, 2048, 0})  // large square: the library's limit on this machine
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
