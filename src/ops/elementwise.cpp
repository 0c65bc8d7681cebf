// SPDX-License-Identifier: MIT
#include <omp.h>

#include <algorithm>
#include <string>

#include "mlp/error.hpp"
#include "mlp/input.hpp"
#include "mlp/ops.hpp"
#include "mlp/parallel.hpp"

namespace mlp {
namespace {
// Below this many elements a parallel region costs more than it saves.

void check_same_shape(const char* what, std::size_t r1, std::size_t c1, std::size_t r2, std::size_t c2) {
  if (r1 != r2 || c1 != c2) {
    throw Error(std::string(what) + ": shape mismatch (" + std::to_string(r1) + ", " + std::to_string(c1) + ") vs (" +
                std::to_string(r2) + ", " + std::to_string(c2) + ")");
  }
}
}  // namespace

void add_row_vector(MatrixView y, ConstMatrixView v) {
  check_same_shape("add_row_vector", 1, y.cols(), v.rows(), v.cols());
  const std::size_t n = y.rows(), f = y.cols();
  const Scalar* pv = v.data();
  parallel_for(n, n * f, [&](std::size_t r) {
    Scalar* py = y.row(r);
#pragma omp simd
    for (std::size_t c = 0; c < f; ++c) py[c] += pv[c];
  });
}

void sum_rows(ConstMatrixView x, MatrixView out) {
  check_same_shape("sum_rows", 1, x.cols(), out.rows(), out.cols());
  const std::size_t n = x.rows(), f = x.cols();
  Scalar* po = out.data();
  // Parallel over column blocks, each summed top to bottom: the order of additions is fixed.
  constexpr std::size_t kBlock = 64;
  const std::size_t blocks = (f + kBlock - 1) / kBlock;
  parallel_for(blocks, n * f, [&](std::size_t b) {
    const std::size_t c0 = b * kBlock, c1 = std::min(f, c0 + kBlock);
    for (std::size_t c = c0; c < c1; ++c) po[c] = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const Scalar* px = x.row(r);
#pragma omp simd
      for (std::size_t c = c0; c < c1; ++c) po[c] += px[c];
    }
  });
}

void axpy(Scalar alpha, ConstMatrixView x, MatrixView y) {
  check_same_shape("axpy", x.rows(), x.cols(), y.rows(), y.cols());
  const std::size_t n = y.rows(), f = y.cols();
  parallel_for(n, n * f, [&](std::size_t r) {
    const Scalar* px = x.row(r);
    Scalar* py = y.row(r);
#pragma omp simd
    for (std::size_t c = 0; c < f; ++c) py[c] += alpha * px[c];
  });
}

void scale(MatrixView x, Scalar alpha) {
  const std::size_t n = x.rows(), f = x.cols();
  parallel_for(n, n * f, [&](std::size_t r) {
    Scalar* px = x.row(r);
#pragma omp simd
    for (std::size_t c = 0; c < f; ++c) px[c] *= alpha;
  });
}

void fill(MatrixView x, Scalar value) {
  for (std::size_t r = 0; r < x.rows(); ++r) std::fill(x.row(r), x.row(r) + x.cols(), value);
}

void gather_rows(ConstMatrixView src, const std::size_t* index, std::size_t count, Matrix& dst) {
  InputView(src).gather(index, count, dst);  // the one gather: floats are copied, bytes decoded
}

#if defined(__x86_64__)
namespace {
constexpr unsigned kFlushToZero = 1u << 15;      // MXCSR.FTZ: denormal results become 0
constexpr unsigned kDenormalsAreZero = 1u << 6;  // MXCSR.DAZ: denormal inputs read as 0
}  // namespace

ScopedFlushDenormals::ScopedFlushDenormals() {
  threads_ = std::min(omp_get_max_threads(), 256);
  auto set = [this](int t) {
    const unsigned mxcsr = __builtin_ia32_stmxcsr();
    saved_[t] = mxcsr;
    __builtin_ia32_ldmxcsr(mxcsr | kFlushToZero | kDenormalsAreZero);
  };
  if (threads_ == 1) {
    set(0);  // no OpenMP region: libgomp would allocate a team for a one-thread region
    return;
  }
#pragma omp parallel num_threads(threads_)
  set(omp_get_thread_num());
}

ScopedFlushDenormals::~ScopedFlushDenormals() {
  if (threads_ == 1) {
    __builtin_ia32_ldmxcsr(saved_[0]);
    return;
  }
#pragma omp parallel num_threads(threads_)
  __builtin_ia32_ldmxcsr(saved_[omp_get_thread_num()]);
}
#else
ScopedFlushDenormals::ScopedFlushDenormals() = default;
ScopedFlushDenormals::~ScopedFlushDenormals() = default;
#endif

}  // namespace mlp
