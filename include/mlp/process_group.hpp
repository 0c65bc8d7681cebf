// SPDX-License-Identifier: MIT
#pragma once
// ProcessGroup: what fit() needs from a group of processes that train one model together
// (synchronous data parallelism, Horovod's model). The library holds no MPI code: the `mlp` CLI
// implements this over MPI (tools/mlp/mpi_group.cpp, built with MLP_MPI) and passes it as
// FitOptions::group. docs/scaling.md has the measurements and the plan past one machine.
//
// With a group of P processes, fit() on every process (same model config, seed, data and options):
//   - broadcasts rank 0's weights, layer state and optimizer slots once, before the first step;
//   - checks that every process holds the same training data (a 64-bit fingerprint of the
//     inputs, targets and sample weights): an Error on every process otherwise;
//   - splits every global batch of B rows (the shuffle order is the same everywhere, from the
//     seed) into P contiguous shards, rank r taking rows [B·r/P, B·(r+1)/P) of it: the last,
//     partial batch too, so a rank may get 0 rows: it then computes the batch's first row with
//     weight 0 (the same dropout draws as the others) and contributes nothing;
//   - after each backward, scales its gradients by n_r / B (its gradient is the mean over its
//     n_r rows, and the regularization gradient is added once per process), sums them over the
//     group with ONE call on one fused buffer (4 bytes × trainable parameters), and steps the
//     optimizer identically everywhere: Σ_r (n_r/B)·g_r is the single-process mean gradient, up
//     to float summation order;
//   - sums the batch loss (× n_r) and the metrics' additive state (Metric::state()) over the
//     group with a second, small call, and the stop flag with a third, so every process logs the
//     same numbers and every callback takes the same decisions;
//   - BatchNormalization normalizes with each shard's own batch statistics (as Horovod does);
//     its moving statistics are averaged over the group at every epoch end, before validation;
//   - validation runs on every process on all of the validation data (identical weights, so
//     identical results; rank 0's logs are broadcast all the same), and the final weights are
//     checked to be bit-identical on every process (an Error otherwise).
// Noise layers (Dropout, GaussianNoise, AlphaDropout) key their draws by the global row of the
// batch (Layer::set_batch_row_offset), so their masks are those of a single process.
#include <span>

#include "mlp/scalar.hpp"

namespace mlp {

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  /// This process's index in [0, size()); rank 0 is the one that writes files.
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Element-wise sum over the group, in place: every process gets the same sums.
  virtual void sum(std::span<Scalar> values) = 0;
  virtual void sum_doubles(std::span<double> values) = 0;
  /// Rank 0's values, written into every process's `values`.
  virtual void broadcast(std::span<Scalar> values) = 0;
  virtual void broadcast_doubles(std::span<double> values) = 0;
};

}  // namespace mlp
