// SPDX-License-Identifier: MIT
// No heap allocation per batch in steady state. This executable replaces the C allocator entry
// points with counting wrappers around glibc's, so every allocation is seen: ours, the standard
// library's and oneDNN's.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstddef>

#include "mlp/mlp.hpp"
#include "mlp/models/reference.hpp"
#include "test_util.hpp"

// The sanitizer build (MLP_SANITIZE, docs/reliability.md) leaves the replacement out: ASan owns
// malloc there, and counting wrappers around glibc's allocator would hide every allocation from it
// (and free ASan's blocks with glibc's free). The tests below then skip; they are still compiled.
#ifdef MLP_SANITIZE
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

namespace {
std::atomic<long> g_allocations{0};
}

#ifndef MLP_SANITIZE
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

extern "C" {
void* malloc(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(std::size_t count, std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(count, n);
}
void* realloc(void* p, std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(alignment, n);
}
void* memalign(std::size_t alignment, std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  *out = __libc_memalign(alignment, n);
  return *out != nullptr ? 0 : ENOMEM;
}
}
#endif  // MLP_SANITIZE

namespace mlp {
namespace {

void random_data(std::size_t n, Matrix& x, Matrix& y) {
  Rng rng(1);
  x.resize(n, 784);
  y.resize(n, 10);
  y.fill(0);
  for (auto& v : x.values()) v = static_cast<Scalar>(rng.uniform());
  for (std::size_t r = 0; r < n; ++r) y(r, rng.below(10)) = 1;
}

using test::ThreadCount;

// oneDNN's sgemm allocates a buffer of its own on every call (one per call at one thread, two
// at two threads). Everything else must not allocate: a training step may allocate exactly what
// the reference model's eight GEMMs allocate when replayed alone with the same shapes.
long gemm_allocations_per_step(ConstMatrixView x) {
  Matrix h(128, 256), w1(784, 256), w2(256, 256), w3(256, 10), o(128, 10), dh(128, 256);
  auto step_gemms = [&] {
    gemm(x, w1, h);              // dense_1 forward
    gemm(h, w2, dh);             // dense_2 forward
    gemm(dh, w3, o);             // dense_3 forward
    gemm(dh, o, w3, Trans::kA);  // dense_3 dW
    gemm(o, w3, dh, Trans::kB);  // dense_3 dx
    gemm(h, dh, w2, Trans::kA);  // dense_2 dW
    gemm(dh, w2, h, Trans::kB);  // dense_2 dx
    gemm(x, h, w1, Trans::kA);   // dense_1 dW (no dx: nothing before it is trained)
  };
  step_gemms();
  const long before = g_allocations.load();
  for (int i = 0; i < 10; ++i) step_gemms();
  return (g_allocations.load() - before) / 10;
}

class AllocationsPerStep : public ::testing::TestWithParam<int> {};

TEST_P(AllocationsPerStep, TrainOnBatchAllocatesNothingBeyondOneDnnsOwnBuffers) {
  if (kSanitized) GTEST_SKIP() << "malloc is ASan's in the sanitizer build; allocations are not counted";
  ThreadCount threads(GetParam());
  Matrix x, y;
  random_data(128, x, y);
  Sequential model({.seed = 1});
  add_reference_mnist_layers(model);
  compile_reference_mnist(model);
  for (int i = 0; i < 3; ++i) model.train_on_batch(x, y);  // warm-up: buffers and slots
  const long before = g_allocations.load();
  for (int i = 0; i < 20; ++i) model.train_on_batch(x, y);
  const long total = g_allocations.load() - before;
  const long gemm = gemm_allocations_per_step(x);
  RecordProperty("onednn_allocations_per_step", std::to_string(gemm));
  EXPECT_LE(gemm, 8 * 4);  // at most a few per GEMM call, never per element or per row
  EXPECT_EQ(total, 20 * gemm);
}

INSTANTIATE_TEST_SUITE_P(Threads, AllocationsPerStep, ::testing::Values(1, 2));

long allocations_of_one_epoch(Model& model, const Matrix& x, const Matrix& y) {
  const long before = g_allocations.load();
  model.fit(x, y, {.batch_size = 32, .epochs = 1});
  return g_allocations.load() - before;
}

TEST(Allocations, AnEpochAllocatesTheSameWhateverItsNumberOfBatches) {
  if (kSanitized) GTEST_SKIP() << "malloc is ASan's in the sanitizer build; allocations are not counted";
  // fit() allocates per epoch (History, logs, the shuffle order), never per batch: an epoch of
  // 40 batches costs exactly what an epoch of 10 batches costs.
  ThreadCount one(1);
  Matrix x_small, y_small, x_large, y_large;
  random_data(320, x_small, y_small);
  random_data(1280, x_large, y_large);
  Sequential model({.seed = 2});
  add_reference_mnist_layers(model);
  compile_reference_mnist(model);
  model.fit(x_large, y_large, {.batch_size = 32, .epochs = 1});  // warm-up
  // Less oneDNN's own per-call buffers (gemm_allocations_per_step measures them at batch 128;
  // the count per call does not depend on the batch size).
  const long gemm = gemm_allocations_per_step(x_large.view().row_range(0, 128));
  const long small = allocations_of_one_epoch(model, x_small, y_small) - 10 * gemm;
  const long large = allocations_of_one_epoch(model, x_large, y_large) - 40 * gemm;
  EXPECT_EQ(small, large);
}

}  // namespace
}  // namespace mlp
