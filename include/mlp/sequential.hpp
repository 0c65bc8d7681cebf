// SPDX-License-Identifier: MIT
#pragma once
// Sequential: a stack of layers trained end to end, with Keras' API and defaults.
//
//   Sequential model({.seed = 1});
//   model.add<InputLayer>({.shape = {28, 28}});
//   model.add<Flatten>({});
//   model.add<Dense>({.units = 256, .activation = "relu"});
//   model.add<Dropout>({.rate = 0.45});
//   model.add<Dense>({.units = 10, .activation = "softmax"});
//   model.compile({.optimizer = std::make_unique<Adam>(Adam::Options{}),
//                  .loss = {.name = "categorical_crossentropy"}, .metrics = {"accuracy"}});
//   History h = model.fit(x, y, {.batch_size = 128, .epochs = 20, .validation_split = 0.1});
//
// or from a list: Sequential model({.seed = 1}, layers(InputLayer({.shape = {4}}), Dense({.units = 1}))).
//
// Data: x is (N, features of the input shape), y is (N, output width) or (N, 1) of class indices
// for sparse_categorical_crossentropy. Buffers for activations and gradients are sized once per
// batch size, so a training step does not touch the heap once it reaches steady state.
// Determinism: weights, dropout masks and shuffling all come from generators split off the one
// seed; with the same seed and thread count two runs are bit-identical, and a run resumed from a
// checkpoint (BackupAndRestore, mlp/checkpoint.hpp) ends bit-identical to one never interrupted.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mlp/callback.hpp"
#include "mlp/layer.hpp"
#include "mlp/loss.hpp"
#include "mlp/metric.hpp"
#include "mlp/optimizer.hpp"
#include "mlp/random.hpp"

namespace mlp {

struct ModelOptions {
  std::string name = "sequential_1";
  std::uint64_t seed = 0;
};

struct CompileOptions {
  std::unique_ptr<Optimizer> optimizer;  // null: Keras' default, RMSprop()
  LossOptions loss;
  /// Metrics computed without sample or class weights (Keras' `metrics`).
  std::vector<std::string> metrics;
  /// Metrics weighted by sample and class weights (Keras' `weighted_metrics`); a name also in
  /// `metrics` is logged as "weighted_<name>".
  std::vector<std::string> weighted_metrics;
};

struct FitOptions {
  std::size_t batch_size = 32;
  int epochs = 1;
  /// Fraction of the samples held out for validation, taken from the END of x and y before any
  /// shuffling (Keras).
  double validation_split = 0;
  /// Explicit validation data; overrides validation_split.
  std::optional<ConstMatrixView> validation_x, validation_y;
  bool shuffle = true;
  /// Class index → weight; multiplies the sample weight of each sample of that class.
  std::map<std::size_t, double> class_weight;
  /// One weight per training sample (before the validation split); empty means all 1.
  std::span<const Scalar> sample_weight;
  int initial_epoch = 0;
  /// 0 silent, 1 progress bar, 2 one line per epoch; written to `out` (nothing if null).
  int verbose = 0;
  std::ostream* out = nullptr;
};

struct EvaluateOptions {
  std::size_t batch_size = 32;
  std::span<const Scalar> sample_weight;
};

/// Moves layers into a list for Sequential's list constructor: layers(Flatten(), Dense({...})).
template <class... Ls>
std::vector<std::unique_ptr<Layer>> layers(Ls&&... ls) {
  std::vector<std::unique_ptr<Layer>> list;
  (list.push_back(std::make_unique<std::decay_t<Ls>>(std::forward<Ls>(ls))), ...);
  return list;
}

class Sequential {
 public:
  explicit Sequential(ModelOptions options = {});
  /// Built from a list, as keras.Sequential([...]): layers are added in order.
  Sequential(ModelOptions options, std::vector<std::unique_ptr<Layer>> layers);
  ~Sequential();
  Sequential(const Sequential&) = delete;
  Sequential& operator=(const Sequential&) = delete;

  /// Appends a layer built from its options: model.add<Dense>({.units = 64}).
  template <class L>
  L& add(typename L::Options options) {
    auto layer = std::make_unique<L>(std::move(options));
    L& ref = *layer;
    add(std::move(layer));
    return ref;
  }
  Layer& add(std::unique_ptr<Layer> layer);

  /// Creates the weights for an input of this shape (an InputLayer first does it implicitly).
  void build(const Shape& input_shape);
  void compile(CompileOptions options);

  History fit(ConstMatrixView x, ConstMatrixView y, const FitOptions& options = {},
              const std::vector<Callback*>& callbacks = {});
  /// Loss (with regularization) and every compiled metric, without the "val_" prefix.
  Logs evaluate(ConstMatrixView x, ConstMatrixView y, const EvaluateOptions& options = {});
  /// Outputs in inference mode (dropout off, batch normalization on moving statistics).
  Matrix predict(ConstMatrixView x, std::size_t batch_size = 32);
  /// One optimizer step on this batch; returns the batch loss (with regularization).
  double train_on_batch(ConstMatrixView x, ConstMatrixView y, std::span<const Scalar> sample_weight = {});

  /// Forward in training mode and backward: fills every params()[i]->grad with the gradient of
  /// the batch loss (with regularization), which it returns. No optimizer step.
  double compute_gradients(ConstMatrixView x, ConstMatrixView y, std::span<const Scalar> sample_weight = {});

  /// Keras 2's model.summary() text.
  std::string summary() const;

  std::size_t count_params() const;
  std::size_t count_trainable_params() const;
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  Layer& layer(std::size_t i) { return *layers_.at(i); }
  const std::string& name() const { return options_.name; }
  bool built() const { return built_; }
  bool compiled() const { return loss_ != nullptr; }
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const;
  Optimizer& optimizer();
  const Loss& loss() const;
  /// The compile settings (for saving the model).
  const LossOptions& loss_options() const { return loss_options_; }
  const std::vector<std::string>& metric_names() const { return metric_names_; }
  const std::vector<std::string>& weighted_metric_names() const { return weighted_metric_names_; }
  const ModelOptions& options() const { return options_; }
  /// Every trainable parameter, layer by layer, in params() order.
  std::vector<Param*> params();
  /// Generators: weights, dropout/noise, shuffling (their states are part of a checkpoint).
  Rng& noise_rng() { return noise_rng_; }
  Rng& shuffle_rng() { return shuffle_rng_; }

 private:
  void require_compiled(const char* what) const;
  void prepare();
  void ensure_ready(const char* what, std::size_t input_cols);
  void check_data(const char* what, ConstMatrixView x, ConstMatrixView y) const;
  /// Runs every layer on acts_[0] (already filled); returns the last activation.
  ConstMatrixView forward_batch(std::size_t rows, Mode mode);
  void resize_buffers(std::size_t rows);
  double regularization_loss() const;
  double train_step(ConstMatrixView x, ConstMatrixView y, std::span<const Scalar> weights);
  void update_metrics(ConstMatrixView pred, ConstMatrixView y, std::span<const Scalar> weights);
  void gather(ConstMatrixView src, const std::size_t* index, std::size_t count, Matrix& dst);
  /// Continues from a checkpoint's state (the callback that set ctx.resume restored the model).
  void resume(const TrainingState& state, const std::vector<Callback*>& callbacks, std::vector<std::size_t>& order,
              History& history);
  void make_sample_weights(ConstMatrixView y, std::span<const Scalar> base,
                           const std::map<std::size_t, double>& class_weight,
                           std::vector<Scalar>& out) const;

  ModelOptions options_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::map<std::string, int> name_counts_;
  Shape input_shape_;
  bool built_ = false;
  Rng init_rng_, noise_rng_, shuffle_rng_;

  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<Loss> loss_;
  LossOptions loss_options_;
  std::vector<std::string> metric_names_, weighted_metric_names_;
  std::vector<std::unique_ptr<Metric>> metrics_;
  std::vector<bool> metric_weighted_;  // aligned with metrics_
  bool fused_ = false;
  bool ready_ = false;  // prepare() ran for the current compile

  // Per-batch buffers, reused: acts_[0] is the batch input, acts_[i+1] the output of layer i;
  // grads_[i] is dL/d(acts_[i]).
  std::vector<Matrix> acts_, grads_;
  std::vector<bool> needs_dx_;
  Matrix batch_y_;
  std::vector<Scalar> batch_w_, loss_scratch_;
};

}  // namespace mlp
