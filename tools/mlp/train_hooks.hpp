// SPDX-License-Identifier: MIT
#pragma once
// The callbacks `mlp train` adds around a run's own: Ctrl-C handling, and the fault injection the
// resume and divergence tests use (docs/cli.md, "Environment").
#include <csignal>
#include <optional>
#include <utility>

#include "mlp/callback.hpp"

namespace mlp::cli {

/// MLP_FAULT_KILL_AT=E:B sends SIGKILL to the process itself before batch B (1-based) of epoch E
/// (1-based): a crash at an exact point, with no chance to clean up. MLP_FAULT_INTERRUPT_AT=E:B
/// sends SIGINT there instead (Ctrl-C); MLP_FAULT_NAN_AT=E:B sets a weight to NaN there (a
/// divergence at a known batch). Under mpirun (docs/scaling.md), MLP_FAULT_RANK=R keeps these
/// faults to rank R (default: every rank), and MLP_FAULT_DATA=1 changes one training label on
/// those ranks (data that differs).
bool fault_on_this_rank();

class FaultInjection : public Callback {
 public:
  /// The fault `variable` asks for (none when it is unset or names another rank); `signal` 0
  /// poisons a weight instead of raising a signal. A malformed value is an mlp::Error.
  static std::optional<FaultInjection> from_environment(const char* variable, int signal);
  void on_train_batch_begin(TrainContext& ctx) override;

 private:
  FaultInjection(int epoch, int batch, int signal) : epoch_(epoch), batch_(batch), signal_(signal) {}
  int epoch_, batch_, signal_;
};

/// Ctrl-C: the first SIGINT asks training to stop after the current batch (the handler only sets
/// a flag); the handler then resets itself, so a second Ctrl-C ends the process at once. Installed
/// by the constructor, the previous handler restored by the destructor.
class InterruptHandler : public Callback {
 public:
  InterruptHandler();
  ~InterruptHandler() override;
  InterruptHandler(const InterruptHandler&) = delete;
  InterruptHandler& operator=(const InterruptHandler&) = delete;

  void on_train_batch_end(TrainContext& ctx) override;
  /// The 0-based epoch and batch after which training stopped, if it was interrupted.
  const std::optional<std::pair<int, std::size_t>>& where() const { return where_; }

 private:
  struct sigaction previous_ {};
  std::optional<std::pair<int, std::size_t>> where_;
};

}  // namespace mlp::cli
