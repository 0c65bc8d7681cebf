// SPDX-License-Identifier: MIT
// oneDNN (mlp::gemm) against OpenBLAS (cblas_sgemm) on the reference model's batch-128 shapes, a
// 2048-wide layer's three products at batch 128, and 2048³, back to back in one run. Built only when Debian's OpenMP
// OpenBLAS is installed; see bench/gemm_libraries.sh. OpenBLAS picks its kernels from OPENBLAS_CORETYPE when set: the
// script runs it with the environment as it is and with SkylakeX kernels forced.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstdlib>

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

template <bool kOpenBlas>
void BM_sgemm(benchmark::State& state) {
  const auto m = static_cast<std::size_t>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  const auto k = static_cast<std::size_t>(state.range(2));
  const auto trans = static_cast<Trans>(state.range(3));
  const Matrix a = trans == Trans::kA ? random_matrix(k, m) : random_matrix(m, k);
  const Matrix b = trans == Trans::kB ? random_matrix(n, k) : random_matrix(k, n);
  Matrix c(m, n);
  for (auto _ : state) {
    if constexpr (kOpenBlas) {
      cblas_sgemm(CblasRowMajor, trans == Trans::kA ? CblasTrans : CblasNoTrans,
                  trans == Trans::kB ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
                  static_cast<int>(k), 1.0f, a.data(), static_cast<int>(a.cols()), b.data(), static_cast<int>(b.cols()),
                  0.0f, c.data(), static_cast<int>(n));
    } else {
      mlp::gemm(a, b, c, trans);
    }
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * static_cast<double>(m * n * k);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  if constexpr (kOpenBlas) {
    const char* core = std::getenv("OPENBLAS_CORETYPE");
    state.SetLabel(std::string("OpenBLAS ") + openblas_get_corename() +
                   " (OPENBLAS_CORETYPE=" + (core ? core : "unset") + ")");
  } else {
    state.SetLabel(mlp::gemm_backend());
  }
}

void shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "N", "K", "trans"});
  for (const auto& args : std::vector<std::vector<std::int64_t>>{{128, 256, 784, 0},
                                                                 {784, 256, 128, 1},
                                                                 {128, 256, 256, 0},
                                                                 {256, 256, 128, 1},
                                                                 {128, 256, 256, 2},
                                                                 // a 2048-wide hidden layer at batch 128:
                                                                 // forward, weight and input gradient
                                                                 {128, 2048, 2048, 0},
                                                                 {2048, 2048, 128, 1},
                                                                 {128, 2048, 2048, 2},
                                                                 {2048, 2048, 2048, 0}}) {
    b->Args(args);
  }
  b->UseRealTime();
}

BENCHMARK(BM_sgemm<false>)->Name("oneDNN")->Apply(shapes);
BENCHMARK(BM_sgemm<true>)->Name("OpenBLAS")->Apply(shapes);

}  // namespace

BENCHMARK_MAIN();
