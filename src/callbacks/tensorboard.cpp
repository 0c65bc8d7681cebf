// SPDX-License-Identifier: MIT
#include "mlp/callbacks/tensorboard.hpp"

#include <filesystem>

#include "event_file_writer.hpp"
#include "mlp/error.hpp"
#include "mlp/layer.hpp"
#include "mlp/optimizer.hpp"
#include "mlp/sequential.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

std::span<const Scalar> elements(const Matrix& m) { return {m.data(), m.size()}; }

bool has_optimizer(const TrainContext& ctx) { return ctx.model != nullptr && ctx.model->compiled(); }

}  // namespace

TensorBoard::TensorBoard(Options options) : options_(std::move(options)) {
  if (options_.log_dir.empty()) throw Error("TensorBoard: log_dir is empty");
  if (options_.histogram_freq < 0) {
    throw Error("TensorBoard: histogram_freq must be >= 0, got " + std::to_string(options_.histogram_freq));
  }
  if (options_.update_freq < 0) {
    throw Error("TensorBoard: update_freq must be >= 0 (0 = \"epoch\"), got " + std::to_string(options_.update_freq));
  }
}

TensorBoard::~TensorBoard() = default;

detail::EventFileWriter& TensorBoard::validation_writer() {
  if (!validation_) {
    validation_ = std::make_unique<detail::EventFileWriter>((fs::path(options_.log_dir) / "validation").string());
    validation_file_ = validation_->path();
  }
  return *validation_;
}

void TensorBoard::on_train_begin(TrainContext&) {
  validation_.reset();  // a new fit writes new files, as Keras' set_model resets its writers
  train_file_.clear();
  validation_file_.clear();
  train_ = std::make_unique<detail::EventFileWriter>((fs::path(options_.log_dir) / "train").string());
  train_file_ = train_->path();
  global_batch_ = 0;
}

void TensorBoard::on_train_end(TrainContext&) {
  // Released before closing, so that a failing close is reported once and never retried.
  const auto train = std::move(train_);
  const auto validation = std::move(validation_);
  if (train) train->close();
  if (validation) validation->close();
}

void TensorBoard::on_epoch_begin(TrainContext& ctx) {
  epoch_start_ = Clock::now();
  epoch_start_iterations_ = has_optimizer(ctx) ? ctx.model->optimizer().iterations() : 0;
}

void TensorBoard::on_train_batch_begin(TrainContext&) {
  ++global_batch_;
  if (options_.write_steps_per_second) batch_start_ = Clock::now();
}

void TensorBoard::on_train_batch_end(TrainContext& ctx) {
  if (options_.update_freq == 0 || global_batch_ % options_.update_freq != 0 || !train_) return;
  if (options_.write_steps_per_second) {
    const double seconds = std::chrono::duration<double>(Clock::now() - batch_start_).count();
    if (seconds > 0) train_->add_scalar("batch_steps_per_second", 1.0 / seconds, global_batch_);
  }
  for (const auto& [key, value] : ctx.logs) train_->add_scalar("batch_" + key, value, global_batch_);
}

void TensorBoard::on_epoch_end(TrainContext& ctx) {
  if (!train_) {
    throw Error("TensorBoard: '" + options_.log_dir + "' is not open (on_train_begin was not called)");
  }
  const std::int64_t step = ctx.epoch;
  bool any_validation = false;
  for (const auto& [key, value] : ctx.logs) {
    if (key.starts_with("val_")) {
      validation_writer().add_scalar("epoch_" + key.substr(4), value, step);
      any_validation = true;
    } else {
      train_->add_scalar("epoch_" + key, value, step);
    }
  }
  if (has_optimizer(ctx)) {
    Optimizer& optimizer = ctx.model->optimizer();
    train_->add_scalar("epoch_learning_rate", optimizer.learning_rate(), step);
    if (options_.write_steps_per_second) {
      const double seconds = std::chrono::duration<double>(Clock::now() - epoch_start_).count();
      const auto steps = static_cast<double>(optimizer.iterations() - epoch_start_iterations_);
      if (seconds > 0) train_->add_scalar("epoch_steps_per_second", steps / seconds, step);
    }
  }
  if (options_.histogram_freq > 0 && ctx.epoch % options_.histogram_freq == 0) write_histograms(ctx);
  train_->flush();
  if (any_validation) validation_->flush();
}

void TensorBoard::write_histograms(TrainContext& ctx) {
  if (ctx.model == nullptr) return;
  const std::int64_t step = ctx.epoch;
  for (const auto& layer : ctx.model->layers()) {
    for (Param* p : layer->params()) {
      const std::string tag = layer->name() + "/" + p->name;
      train_->add_histogram(tag + "/histogram", detail::make_histogram(elements(p->value)), step);
      // A frozen layer's grads are not refreshed; a weight never trained has none.
      if (options_.write_grads && layer->trainable() && p->grad.size() == p->value.size()) {
        train_->add_histogram(tag + "/gradient/histogram", detail::make_histogram(elements(p->grad)), step);
      }
    }
    for (Param* p : layer->state()) {
      train_->add_histogram(layer->name() + "/" + p->name + "/histogram", detail::make_histogram(elements(p->value)),
                            step);
    }
  }
}

}  // namespace mlp
