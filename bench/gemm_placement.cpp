// SPDX-License-Identifier: MIT
// How much mlp::gemm (oneDNN sgemm) depends on where its operands lie in memory: each product of
// a 2048-wide layer and of the reference model at batch 128, with all three operands starting
// the same number of bytes past a page boundary (0, 16, 32, 64), timed `--runs` times each,
// alternating, GFLOP/s per run (docs/performance.md, "GEMM libraries on this machine").
//   bench_gemm_placement [--runs 5]
// Matrix allocates 64-byte aligned, which for large buffers is 64 bytes past a page boundary.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mlp/error.hpp"
#include "mlp/matrix.hpp"
#include "mlp/ops.hpp"
#include "mlp/random.hpp"

namespace {
using namespace mlp;

constexpr std::size_t kPage = 4096;

// `count` floats starting `offset` bytes past a page boundary, filled with uniform [-1, 1).
struct Placed {
  Placed(std::size_t count, std::size_t offset, std::uint64_t seed)
      : base(
            static_cast<Scalar*>(std::aligned_alloc(kPage, (count * sizeof(Scalar) + offset + kPage) / kPage * kPage))),
        data(base + offset / sizeof(Scalar)) {
    if (base == nullptr) throw Error("out of memory");
    Rng rng(seed);
    for (std::size_t i = 0; i < count; ++i) data[i] = static_cast<Scalar>(rng.uniform(-1, 1));
  }
  ~Placed() { std::free(base); }
  Placed(const Placed&) = delete;
  Placed& operator=(const Placed&) = delete;
  Scalar* base;
  Scalar* data;
};

double gflops(std::size_t m, std::size_t n, std::size_t k, Trans trans, std::size_t offset) {
  const bool ta = trans == Trans::kA, tb = trans == Trans::kB;
  Placed a(m * k, offset, 1), b(k * n, offset, 2), c(m * n, offset, 3);
  const ConstMatrixView av(a.data, ta ? k : m, ta ? m : k), bv(b.data, tb ? n : k, tb ? k : n);
  const MatrixView cv(c.data, m, n);
  gemm(av, bv, cv, trans);  // warm-up
  const double flop = 2.0 * static_cast<double>(m * n * k);
  const int reps = std::max(10, static_cast<int>(2e9 / flop));
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) gemm(av, bv, cv, trans);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return flop * reps / seconds * 1e-9;
}

}  // namespace

int main(int argc, char** argv) try {
  int runs = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::stoi(argv[++i]);
    } else {
      throw Error("unknown argument " + arg + " (usage: bench_gemm_placement [--runs N])");
    }
  }
  struct Shape {
    const char* name;
    std::size_t m, n, k;
    Trans trans;
  };
  const std::vector<Shape> shapes{{"2048-wide forward 128x2048x2048", 128, 2048, 2048, Trans::kNone},
                                  {"2048-wide dW 2048x2048x128 (A^T)", 2048, 2048, 128, Trans::kA},
                                  {"2048-wide dx 128x2048x2048 (B^T)", 128, 2048, 2048, Trans::kB},
                                  {"reference layer 1 forward 128x256x784", 128, 256, 784, Trans::kNone},
                                  {"reference layer 2 forward 128x256x256", 128, 256, 256, Trans::kNone},
                                  {"reference layer 2 dx 128x256x256 (B^T)", 128, 256, 256, Trans::kB}};
  const std::vector<std::size_t> offsets{0, 16, 32, 64};
  std::printf("GFLOP/s of mlp::gemm (%s), %d threads, %d runs per placement\n", gemm_backend(), num_threads(), runs);
  for (const Shape& s : shapes) {
    std::printf("%s\n", s.name);
    std::vector<std::vector<double>> results(offsets.size());
    for (int r = 0; r < runs; ++r) {
      for (std::size_t o = 0; o < offsets.size(); ++o) results[o].push_back(gflops(s.m, s.n, s.k, s.trans, offsets[o]));
    }
    for (std::size_t o = 0; o < offsets.size(); ++o) {
      std::printf("  +%2zu bytes:", offsets[o]);
      for (double g : results[o]) std::printf(" %6.1f", g);
      std::printf("\n");
    }
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_gemm_placement: error: %s\n", e.what());
  return 1;
}
