// SPDX-License-Identifier: MIT
#include "mlp/callbacks/terminate_on_nan.hpp"

#include <cmath>
#include <ostream>

namespace mlp {

TerminateOnNaN::TerminateOnNaN() : TerminateOnNaN(Options{}) {}

TerminateOnNaN::TerminateOnNaN(Options options) : options_(options) {}

void TerminateOnNaN::on_train_begin(TrainContext&) {
  epoch_.reset();
  batch_.reset();
}

void TerminateOnNaN::on_train_batch_end(TrainContext& ctx) {
  const auto it = ctx.logs.find("loss");
  if (it == ctx.logs.end() || std::isfinite(it->second)) return;
  if (options_.out != nullptr) *options_.out << "Batch " << ctx.batch << ": Invalid loss, terminating training\n";
  ctx.stop_training = true;
  if (!epoch_) {
    epoch_ = ctx.epoch;
    batch_ = ctx.batch;
  }
}

}  // namespace mlp
