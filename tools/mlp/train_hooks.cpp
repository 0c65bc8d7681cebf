// SPDX-License-Identifier: MIT
#include "train_hooks.hpp"

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "distributed.hpp"
#include "mlp/error.hpp"
#include "mlp/model.hpp"

namespace mlp::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

}  // namespace

bool fault_on_this_rank() {
  const char* rank = std::getenv("MLP_FAULT_RANK");
  if (rank == nullptr || *rank == '\0') return true;
  const ProcessGroup* group = process_group();
  return std::atoi(rank) == (group == nullptr ? 0 : group->rank());
}

std::optional<FaultInjection> FaultInjection::from_environment(const char* variable, int signal) {
  const char* spec = std::getenv(variable);
  if (spec == nullptr || *spec == '\0' || !fault_on_this_rank()) return std::nullopt;
  int epoch = 0, batch = 0;
  char end = 0;
  if (std::sscanf(spec, "%d:%d%c", &epoch, &batch, &end) != 2 || epoch < 1 || batch < 1) {
    throw Error(std::string(variable) + ": expected EPOCH:BATCH (both from 1), got '" + spec + "'");
  }
  return FaultInjection(epoch, batch, signal);
}

void FaultInjection::on_train_batch_begin(TrainContext& ctx) {
  if (ctx.epoch + 1 != epoch_ || static_cast<int>(ctx.batch) + 1 != batch_) return;
  if (signal_ != 0) {
    std::raise(signal_);
  } else if (ctx.model != nullptr && !ctx.model->params().empty()) {
    // The last layer's last parameter (its bias): no activation before the output can hide it.
    ctx.model->params().back()->value.data()[0] = std::numeric_limits<Scalar>::quiet_NaN();
  }
}

InterruptHandler::InterruptHandler() {
  g_interrupted = 0;
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  // SA_ONSTACK: on main()'s SignalStack, so that a Ctrl-C inside a oneDNN kernel does not
  // overwrite what the kernel keeps below its stack pointer (include/mlp/signal_stack.hpp).
  action.sa_flags = SA_RESETHAND | SA_ONSTACK;
  sigaction(SIGINT, &action, &previous_);
}

InterruptHandler::~InterruptHandler() { sigaction(SIGINT, &previous_, nullptr); }

void InterruptHandler::on_train_batch_end(TrainContext& ctx) {
  if (g_interrupted == 0 || where_) return;
  where_ = {ctx.epoch, ctx.batch};
  ctx.stop_training = true;
}

}  // namespace mlp::cli
