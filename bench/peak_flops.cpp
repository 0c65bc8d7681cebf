// SPDX-License-Identifier: MIT
// The FMA limit of this CPU: GFLOP/s of independent fused multiply-add chains on single-precision
// vectors, on 1 thread and on every allowed thread (OpenMP), with the widest vectors the CPU has
// (AVX-512 when present, else AVX2). This is the "100%" the GEMM and training rates of
// bench/compare_pytorch.sh are measured against. Prints one JSON line.
//   bench_peak_flops [THREADS]
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

namespace {
constexpr long kIterations = 200'000'000 / 16;

// 12 independent accumulators hide the FMA latency (4 cycles) on two FMA ports; every iteration
// is 12 FMAs of 8 lanes, 2 FLOP each.
__attribute__((target("avx2,fma"))) float chains_avx2(long iterations) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(0.001f * static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 sum = acc[0];
  for (int i = 1; i < 12; ++i) sum = _mm256_add_ps(sum, acc[i]);
  alignas(32) float out[8];
  _mm256_store_ps(out, sum);
  return out[0];
}

__attribute__((target("avx512f"))) float chains_avx512(long iterations) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(0.001f * static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 sum = acc[0];
  for (int i = 1; i < 12; ++i) sum = _mm512_add_ps(sum, acc[i]);
  alignas(64) float out[16];  // (not _mm512_reduce_add_ps: gcc 12 warns inside its header)
  _mm512_store_ps(out, sum);
  return out[0];
}

// Best of 3 runs of `threads` threads each doing `iterations` iterations.
double gflops(bool avx512, int threads, long iterations) {
  const double flop_per_thread = static_cast<double>(iterations) * 12 * (avx512 ? 16 : 8) * 2;
  double best = 0;
  volatile float sink = 0;
  for (int run = 0; run < 3; ++run) {
    const auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    {
      const float r = avx512 ? chains_avx512(iterations) : chains_avx2(iterations);
#pragma omp critical
      sink = sink + r;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, flop_per_thread * threads / s / 1e9);
  }
  return best;
}
}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::stoi(argv[1]) : omp_get_max_threads();
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    std::printf("{\"isa\": \"none\", \"error\": \"this CPU has no AVX2 FMA\"}\n");
    return 1;
  }
  const double one = gflops(avx512, 1, kIterations);
  const double all = gflops(avx512, threads, kIterations);
  std::printf("{\"isa\": \"%s\", \"threads\": %d, \"gflops_1_thread\": %.1f, \"gflops_all_threads\": %.1f}\n",
              avx512 ? "avx512" : "avx2", threads, one, all);
  return 0;
}
