// SPDX-License-Identifier: MIT
#include "mlp/callbacks/early_stopping.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>

#include "mlp/checkpoint.hpp"
#include "mlp/error.hpp"
#include "mlp/sequential.hpp"
#include "monitor.hpp"

namespace mlp {
namespace {
// Every buffer set_weights would write: params() then state(), layer by layer.
std::vector<Param*> all_buffers(Model& model) {
  std::vector<Param*> out;
  for (const auto& layer : model.layers()) {
    for (Param* p : layer->params()) out.push_back(p);
    for (Param* p : layer->state()) out.push_back(p);
  }
  return out;
}
}  // namespace

EarlyStopping::EarlyStopping() : EarlyStopping(Options{}) {}

EarlyStopping::EarlyStopping(Options options) : options_(std::move(options)) {
  options_.min_delta = std::abs(options_.min_delta);
  options_.mode = detail::checked_mode("EarlyStopping", options_.mode, options_.out);
}

void EarlyStopping::on_train_begin(TrainContext&) {
  wait_ = 0;
  stopped_epoch_ = 0;
  best_.reset();
  best_epoch_ = 0;
  have_best_weights_ = false;
}

// Keras: monitor_op(value - min_delta, reference) with min_delta negated when minimizing.
bool EarlyStopping::is_improvement(double value, double reference) const {
  return *maximize_ ? value - options_.min_delta > reference : value + options_.min_delta < reference;
}

void EarlyStopping::snapshot(Model& model) {
  const std::vector<Param*> buffers = all_buffers(model);
  best_weights_.resize(buffers.size());  // copies reuse the buffers of the previous snapshot
  for (std::size_t i = 0; i < buffers.size(); ++i) best_weights_[i] = buffers[i]->value;
  have_best_weights_ = true;
}

void EarlyStopping::on_epoch_end(TrainContext& ctx) {
  if (!maximize_) maximize_ = detail::monitor_maximizes("EarlyStopping", options_.monitor, options_.mode, ctx.model);
  const auto it = ctx.logs.find(options_.monitor);
  if (it == ctx.logs.end()) {
    if (options_.out != nullptr) {
      *options_.out << "Warning: Early stopping conditioned on metric `" << options_.monitor
                    << "` which is not available. Available metrics are: " << detail::joined_keys(ctx.logs) << "\n";
    }
    return;
  }
  if (ctx.epoch < options_.start_from_epoch) return;
  const double current = it->second;
  if (options_.restore_best_weights && !have_best_weights_) {
    if (ctx.model == nullptr) throw Error("EarlyStopping: restore_best_weights needs ctx.model");
    snapshot(*ctx.model);
    best_epoch_ = ctx.epoch;
  }
  ++wait_;
  if (!best_ || is_improvement(current, *best_)) {
    best_ = current;
    best_epoch_ = ctx.epoch;
    if (options_.restore_best_weights) snapshot(*ctx.model);
    // Only restart the wait if the value beats both the previous best and the baseline.
    if (!options_.baseline || is_improvement(current, *options_.baseline)) wait_ = 0;
    return;
  }
  if (wait_ >= options_.patience && ctx.epoch > 0) {
    stopped_epoch_ = ctx.epoch;
    ctx.stop_training = true;
  }
}

void EarlyStopping::on_train_end(TrainContext& ctx) {
  if (stopped_epoch_ > 0 && options_.verbose > 0 && options_.out != nullptr) {
    *options_.out << "Epoch " << stopped_epoch_ + 1 << ": early stopping\n";
  }
  if (options_.restore_best_weights && have_best_weights_) {
    if (options_.verbose > 0 && options_.out != nullptr) {
      *options_.out << "Restoring model weights from the end of the best epoch: " << best_epoch_ + 1 << ".\n";
    }
    const std::vector<Param*> buffers = all_buffers(*ctx.model);
    if (buffers.size() != best_weights_.size()) {
      throw Error("EarlyStopping: the model's layers changed during training; cannot restore the best weights");
    }
    for (std::size_t i = 0; i < buffers.size(); ++i) buffers[i]->value = best_weights_[i];
  }
}

void EarlyStopping::save_state(CallbackState& state) const {
  state.kind = "EarlyStopping";
  state.values = {{"wait", wait_},
                  {"stopped_epoch", stopped_epoch_},
                  {"best_epoch", best_epoch_},
                  {"best", best_ ? encode_double(*best_) : nlohmann::json()},
                  {"maximize", maximize_ ? nlohmann::json(*maximize_) : nlohmann::json()},
                  {"best_weights", have_best_weights_ ? best_weights_.size() : 0}};
  if (!have_best_weights_) return;
  for (std::size_t i = 0; i < best_weights_.size(); ++i) {
    const Matrix& m = best_weights_[i];
    Tensor t{.name = "best_weights/" + std::to_string(i), .shape = {m.rows(), m.cols()}, .data = {}};
    t.data.reserve(m.size());
    for (std::size_t r = 0; r < m.rows(); ++r) {
      for (std::size_t c = 0; c < m.cols(); ++c) t.data.push_back(static_cast<float>(m.row(r)[c]));
    }
    state.tensors.push_back(std::move(t));
  }
}

void EarlyStopping::load_state(const CallbackState& state) {
  if (state.kind != "EarlyStopping") throw Error("EarlyStopping: the saved state is a " + state.kind + "'s");
  try {
    const auto& v = state.values;
    const std::size_t count = v.at("best_weights").get<std::size_t>();
    std::vector<Matrix> weights(count);
    for (std::size_t i = 0; i < count; ++i) {
      const std::string name = "best_weights/" + std::to_string(i);
      const auto it =
          std::find_if(state.tensors.begin(), state.tensors.end(), [&](const Tensor& t) { return t.name == name; });
      if (it == state.tensors.end() || it->shape.size() != 2)
        throw Error("EarlyStopping: saved tensor " + name + " is missing");
      weights[i].resize(it->shape[0], it->shape[1]);
      std::size_t k = 0;
      for (std::size_t r = 0; r < it->shape[0]; ++r) {
        for (std::size_t c = 0; c < it->shape[1]; ++c) weights[i].row(r)[c] = static_cast<Scalar>(it->data[k++]);
      }
    }
    wait_ = v.at("wait").get<int>();
    stopped_epoch_ = v.at("stopped_epoch").get<int>();
    best_epoch_ = v.at("best_epoch").get<int>();
    if (v.at("best").is_null()) {
      best_.reset();
    } else {
      best_ = decode_double(v.at("best"), "EarlyStopping.best");
    }
    if (v.at("maximize").is_null()) {
      maximize_.reset();
    } else {
      maximize_ = v.at("maximize").get<bool>();
    }
    best_weights_ = std::move(weights);
    have_best_weights_ = count > 0;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("EarlyStopping: corrupt saved state: ") + e.what());
  }
}

}  // namespace mlp
