// SPDX-License-Identifier: MIT
#pragma once
// Matrix kernels shared by the layers. Every matrix product goes through gemm(): oneDNN's sgemm in
// the float build (src/ops/gemm_dnnl.cpp, the only file that includes a BLAS header), the naive
// reference in the double gradient-check build. Element-wise helpers are OpenMP-parallel and
// deterministic: no reduction depends on the order threads finish in.
#include <cstddef>

#include "mlp/matrix.hpp"

namespace mlp {

enum class Trans { kNone, kA, kB, kAB };

/// One product c (m,n) = op(a) (m,k) · op(b) (k,n): what a layer's batch computes (Layer::gemm_products).
struct GemmShape {
  std::size_t m = 0, n = 0, k = 0;
  Trans trans = Trans::kNone;
  bool operator==(const GemmShape&) const = default;
};

/// c = alpha·op(a)·op(b) + beta·c, op per `trans`. Shapes: op(a) (M,K), op(b) (K,N), c (M,N).
void gemm(ConstMatrixView a, ConstMatrixView b, MatrixView c, Trans trans = Trans::kNone, Scalar alpha = 1,
          Scalar beta = 0);

/// The naive triple loop, kept as the algorithmic reference that tests compare gemm() against.
void gemm_reference(ConstMatrixView a, ConstMatrixView b, MatrixView c, Trans trans = Trans::kNone, Scalar alpha = 1,
                    Scalar beta = 0);

/// Name of the GEMM backend compiled in ("oneDNN 2.6.3 sgemm" or "reference").
const char* gemm_backend();

/// y[r, :] += v[0, :] for every row r.   y (N,F)  v (1,F)
void add_row_vector(MatrixView y, ConstMatrixView v);
/// out[0, c] = Σ_r x[r, c] (overwrites).   x (N,F)  out (1,F)
void sum_rows(ConstMatrixView x, MatrixView out);
/// y += alpha·x, element-wise.
void axpy(Scalar alpha, ConstMatrixView x, MatrixView y);
/// x *= alpha.
void scale(MatrixView x, Scalar alpha);
/// Fills with a value.
void fill(MatrixView x, Scalar value);
/// dst (count, F) ← the rows index[0 … count) of src (·, F), resizing dst (within its capacity:
/// no allocation once it has held a batch). Rows are copied in parallel for large batches.
void gather_rows(ConstMatrixView src, const std::size_t* index, std::size_t count, Matrix& dst);

/// While alive, denormal floats are flushed to zero (FTZ and DAZ in MXCSR) on the calling thread
/// and every OpenMP worker; the previous modes are restored on destruction. fit() holds one:
/// TensorFlow (Keras' backend) trains the same way, and Adam's second moments of rarely active
/// weights otherwise sink into denormals that cost ~40% of an MNIST epoch. No-op off x86-64.
class ScopedFlushDenormals {
 public:
  ScopedFlushDenormals();
  ~ScopedFlushDenormals();
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  unsigned saved_[256] = {};  // MXCSR per OpenMP thread id (the caller is thread 0)
  int threads_ = 0;
};

/// Number of threads the element-wise kernels and oneDNN use (OpenMP's, changed by set_num_threads).
int num_threads();
/// Fixes the thread count at n; 0 gives it back to OpenMP's default and lets fit() choose it from
/// the machine's load (mlp/thread_tuner.hpp). Negative n throws.
void set_num_threads(int n);
/// True when the thread count is fixed: OMP_NUM_THREADS is set, or set_num_threads(n > 0) was the
/// last call.
bool threads_fixed();

}  // namespace mlp
