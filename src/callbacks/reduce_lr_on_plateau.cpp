// SPDX-License-Identifier: MIT
#include "mlp/callbacks/reduce_lr_on_plateau.hpp"

#include <algorithm>
#include <limits>
#include <ostream>

#include "mlp/checkpoint.hpp"
#include "mlp/error.hpp"
#include "mlp/sequential.hpp"
#include "monitor.hpp"

namespace mlp {

ReduceLROnPlateau::ReduceLROnPlateau() : ReduceLROnPlateau(Options{}) {}

ReduceLROnPlateau::ReduceLROnPlateau(Options options) : options_(std::move(options)) {
  if (!(options_.factor < 1.0)) {
    throw Error("ReduceLROnPlateau does not support a factor >= 1.0. Received factor=" +
                detail::python_float_repr(options_.factor));
  }
  options_.mode = detail::checked_mode("ReduceLROnPlateau", options_.mode, options_.out);
  reset();
}

void ReduceLROnPlateau::reset() {
  maximize_ = options_.mode == "max" || (options_.mode == "auto" && options_.monitor.find("acc") != std::string::npos);
  best_ = maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  cooldown_counter_ = 0;
  wait_ = 0;
}

void ReduceLROnPlateau::on_train_begin(TrainContext&) { reset(); }

void ReduceLROnPlateau::on_epoch_end(TrainContext& ctx) {
  if (ctx.model == nullptr) throw Error("ReduceLROnPlateau: needs ctx.model");
  Optimizer& optimizer = ctx.model->optimizer();
  ctx.logs["learning_rate"] = optimizer.learning_rate();
  const auto it = ctx.logs.find(options_.monitor);
  if (it == ctx.logs.end()) {
    if (options_.out != nullptr) {
      *options_.out << "Warning: Learning rate reduction is conditioned on metric `" << options_.monitor
                    << "` which is not available. Available metrics are: " << detail::joined_keys(ctx.logs) << ".\n";
    }
    return;
  }
  const double current = it->second;
  if (in_cooldown()) {
    --cooldown_counter_;
    wait_ = 0;
  }
  const bool improved = maximize_ ? current > best_ + options_.min_delta : current < best_ - options_.min_delta;
  if (improved) {
    best_ = current;
    wait_ = 0;
  } else if (!in_cooldown()) {
    ++wait_;
    if (wait_ >= options_.patience) {
      const double old_lr = optimizer.learning_rate();
      // Keras' rate is a float32 variable compared with np.float32(min_lr); comparing both as
      // float keeps a rate already clamped to min_lr from being "reduced" again.
      if (static_cast<float>(old_lr) > static_cast<float>(options_.min_lr)) {
        const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
        optimizer.set_learning_rate(new_lr);
        if (options_.verbose > 0 && options_.out != nullptr) {
          *options_.out << "Epoch " << ctx.epoch + 1 << ": ReduceLROnPlateau reducing learning rate to "
                        << detail::python_float_repr(new_lr) << ".\n";
        }
        cooldown_counter_ = options_.cooldown;
        wait_ = 0;
      }
    }
  }
}

void ReduceLROnPlateau::save_state(CallbackState& state) const {
  state.kind = "ReduceLROnPlateau";
  state.values = {{"best", encode_double(best_)}, {"wait", wait_}, {"cooldown_counter", cooldown_counter_}};
}

void ReduceLROnPlateau::load_state(const CallbackState& state) {
  if (state.kind != "ReduceLROnPlateau") throw Error("ReduceLROnPlateau: the saved state is a " + state.kind + "'s");
  try {
    const double best = decode_double(state.values.at("best"), "ReduceLROnPlateau.best");
    const int wait = state.values.at("wait").get<int>();
    cooldown_counter_ = state.values.at("cooldown_counter").get<int>();
    best_ = best;
    wait_ = wait;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("ReduceLROnPlateau: corrupt saved state: ") + e.what());
  }
}

}  // namespace mlp
