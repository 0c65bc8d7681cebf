// SPDX-License-Identifier: MIT
#include "mlp/callbacks/learning_rate_scheduler.hpp"

#include <cmath>
#include <ostream>

#include "mlp/error.hpp"
#include "mlp/sequential.hpp"
#include "monitor.hpp"

namespace mlp {

LearningRateScheduler::LearningRateScheduler(Options options) : options_(std::move(options)) {
  if (!options_.schedule) throw Error("LearningRateScheduler: schedule is empty; give it a function (epoch, lr) -> lr");
}

void LearningRateScheduler::on_epoch_begin(TrainContext& ctx) {
  if (ctx.model == nullptr) throw Error("LearningRateScheduler: needs ctx.model");
  Optimizer& optimizer = ctx.model->optimizer();
  const double lr = options_.schedule(ctx.epoch, optimizer.learning_rate());
  if (!std::isfinite(lr) || lr < 0) {
    throw Error("LearningRateScheduler: the schedule returned " + detail::python_float_repr(lr) + " for epoch " +
                std::to_string(ctx.epoch) + "; a learning rate must be finite and >= 0");
  }
  optimizer.set_learning_rate(lr);
  if (options_.verbose > 0 && options_.out != nullptr) {
    *options_.out << "Epoch " << ctx.epoch + 1 << ": LearningRateScheduler setting learning rate to "
                  << detail::python_float_repr(lr) << ".\n";
  }
}

void LearningRateScheduler::on_epoch_end(TrainContext& ctx) {
  if (ctx.model == nullptr) throw Error("LearningRateScheduler: needs ctx.model");
  ctx.logs["learning_rate"] = ctx.model->optimizer().learning_rate();
}

}  // namespace mlp
