// SPDX-License-Identifier: MIT
#pragma once
// TensorBoard: writes TensorBoard event files during fit (keras.callbacks.TensorBoard).
//
//   TensorBoard tb({.log_dir = "logs/run1", .histogram_freq = 1});
//   model.fit(x, y, {.epochs = 10, .validation_split = 0.1}, {&tb});
//   // then: tensorboard --logdir logs
//
// Layout, as Keras writes it: log_dir/train/events.out.tfevents.<seconds>.<host>.<pid>.v2 and
// log_dir/validation/events.out.tfevents... (created when the first "val_" key arrives).
// Per epoch (step = the 0-based epoch):
//   train:      "epoch_<key>" for every logs key without the "val_" prefix, "epoch_learning_rate"
//               (the optimizer's rate at the epoch's end), "epoch_steps_per_second" if asked;
//   validation: "epoch_<key>" for every "val_<key>" (prefix removed: "val_loss" → "epoch_loss").
// Every histogram_freq epochs (epochs 0, f, 2f, ...; Keras' `epoch % histogram_freq == 0`), in
// train, a histogram of every weight of every layer, tag "<layer>/<weight>/histogram" (e.g.
// "dense_1/kernel/histogram", moving statistics included, as Keras' layer.weights), and with
// write_grads the gradient of each trainable weight from the epoch's last batch,
// "<layer>/<weight>/gradient/histogram". Histograms use 30 equal-width buckets (tf.summary's).
// update_freq = N > 0 also writes "batch_<key>" (the running epoch means fit passes to batch
// hooks) every N batches, step = the batch count since training began (1-based, across epochs).
// Keras 3 documents the same; its implementation records every batch once update_freq is not
// "epoch".
// Scalars are stored as float32 simple_value summaries, histograms as HistogramProto. Files are
// opened once per fit, flushed after every epoch (a killed run keeps its finished epochs) and
// closed in on_train_end. Errors (cannot create a directory or file, write failure) are
// mlp::Error naming the path.
// Not written (Keras writes them with TensorFlow): the model graph, weight images, profiles,
// embeddings and evaluation_<key>_vs_iterations.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "mlp/callback.hpp"

namespace mlp {

namespace detail {
class EventFileWriter;
}

class TensorBoard : public Callback {
 public:
  struct Options {
    std::string log_dir = "logs";
    int histogram_freq = 0;               // 0: no histograms; N: every N epochs
    bool write_grads = true;              // gradient histograms with the weight ones (not in Keras 3)
    bool write_steps_per_second = false;  // "epoch_steps_per_second" (and "batch_..." per batch)
    int update_freq = 0;                  // 0: "epoch"; N: batch scalars every N batches ("batch" = 1)
  };
  explicit TensorBoard(Options options);
  ~TensorBoard() override;
  TensorBoard(const TensorBoard&) = delete;
  TensorBoard& operator=(const TensorBoard&) = delete;

  void on_train_begin(TrainContext& ctx) override;
  void on_train_end(TrainContext& ctx) override;
  void on_epoch_begin(TrainContext& ctx) override;
  void on_epoch_end(TrainContext& ctx) override;
  void on_train_batch_begin(TrainContext& ctx) override;
  void on_train_batch_end(TrainContext& ctx) override;

  /// The files of the latest fit (empty before on_train_begin, and validation_file() until the
  /// first "val_" key arrives); they stay set after on_train_end.
  const std::string& train_file() const { return train_file_; }
  const std::string& validation_file() const { return validation_file_; }

 private:
  using Clock = std::chrono::steady_clock;
  detail::EventFileWriter& validation_writer();
  void write_histograms(TrainContext& ctx);

  Options options_;
  std::unique_ptr<detail::EventFileWriter> train_;
  std::unique_ptr<detail::EventFileWriter> validation_;
  std::string train_file_, validation_file_;
  std::int64_t global_batch_ = 0;
  std::int64_t epoch_start_iterations_ = 0;
  Clock::time_point epoch_start_{};
  Clock::time_point batch_start_{};
};

}  // namespace mlp
