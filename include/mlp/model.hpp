// SPDX-License-Identifier: MIT
#pragma once
// Model: a directed acyclic graph of layers with one or more inputs and outputs, trained end to
// end with Keras' API and defaults (Keras' functional API). Sequential (mlp/sequential.hpp) is
// the same machinery with a chain for a graph.
//
//   Model model({.name = "wide_deep", .seed = 1});
//   Node wide = model.input({5}, "wide_input");
//   Node deep = model.input({6}, "deep_input");
//   Node h1 = model.add(Dense({.units = 30, .activation = "relu"}), {deep});
//   Node h2 = model.add(Dense({.units = 30, .activation = "relu"}), {h1});
//   Node joined = model.add(Concatenate({}), {wide, h2});
//   Node out = model.add(Dense({.units = 1}), {joined}, "output");
//   Node aux = model.add(Dense({.units = 1}), {h2}, "aux_output");
//   model.set_outputs({out, aux});
//   model.compile({.optimizer = ..., .loss = {.name = "mse"}, .outputs = {{.loss_weight = 0.9},
//                                                                       {.loss_weight = 0.1}}});
//   History h = model.fit({x_wide, x_deep}, {y, y}, {.epochs = 20});
//
// Letters: N batch; one (N, F) matrix per input and per output, F the features of its shape.
// Layers are added after the layers they read (so the order of layers() is a topological order);
// each layer object is called once (no shared layers). A tensor read by several layers receives
// the sum of their gradients; the loss of several outputs is Σ loss_weight_o · loss_o, plus the
// regularization penalties.
// Buffers for activations and gradients are sized once per batch size, so a training step does
// not touch the heap once it reaches steady state. Determinism: weights, dropout masks and
// shuffling come from generators split off the one seed; same seed and thread count, same bits.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mlp/callback.hpp"
#include "mlp/input.hpp"
#include "mlp/layer.hpp"
#include "mlp/loss.hpp"
#include "mlp/metric.hpp"
#include "mlp/optimizer.hpp"
#include "mlp/random.hpp"

namespace mlp {

class Batcher;
class InputLayer;
class ProcessGroup;

struct ModelOptions {
  std::string name;  ///< empty: Keras' default, "sequential_1" or "model_1"
  std::uint64_t seed = 0;
};

/// One output's loss, its weight in the total loss, and its metrics (Keras' per-output compile
/// arguments). Unset fields fall back to CompileOptions' loss / metrics.
struct OutputCompileOptions {
  /// The output layer's name; when empty the entries apply to the outputs by position.
  std::string output;
  std::optional<LossOptions> loss;
  double loss_weight = 1;
  std::optional<std::vector<std::string>> metrics;
  std::optional<std::vector<std::string>> weighted_metrics;
};

struct CompileOptions {
  std::unique_ptr<Optimizer> optimizer;  // null: Keras' default, RMSprop()
  LossOptions loss;
  /// Metrics computed without sample or class weights (Keras' `metrics`).
  std::vector<std::string> metrics;
  /// Metrics weighted by sample and class weights (Keras' `weighted_metrics`); a name also in
  /// `metrics` is logged as "weighted_<name>".
  std::vector<std::string> weighted_metrics;
  /// Several outputs: one entry per output in output order, or entries naming their outputs
  /// (Keras' dicts keyed by output name; outputs not named keep the defaults). Empty: `loss` and
  /// the metrics above for every output, each with weight 1.
  std::vector<OutputCompileOptions> outputs;
};

/// Targets of a model with several outputs: one matrix per output, in order. (Inputs, one per
/// input, are InputViews: floats or bytes, mlp/input.hpp.)
using Tensors = std::vector<ConstMatrixView>;
/// The same without owning the list (what the methods work on; no allocation per call).
using TensorSpan = std::span<const ConstMatrixView>;

struct FitOptions {
  std::size_t batch_size = 32;
  int epochs = 1;
  /// Fraction of the samples held out for validation, taken from the END of x and y before any
  /// shuffling (Keras).
  double validation_split = 0;
  /// Explicit validation data; overrides validation_split. validation_x/_y for a model with one
  /// input and one output, validation_inputs/_targets for any model.
  std::optional<InputView> validation_x;
  std::optional<ConstMatrixView> validation_y;
  Inputs validation_inputs;
  Tensors validation_targets;
  bool shuffle = true;
  /// Class index → weight; multiplies the sample weight of each sample of that class (models
  /// with one output).
  std::map<std::size_t, double> class_weight;
  /// One weight per training sample (before the validation split); empty means all 1.
  std::span<const Scalar> sample_weight;
  int initial_epoch = 0;
  /// 0 silent, 1 progress bar, 2 one line per epoch; written to `out` (nothing if null).
  int verbose = 0;
  std::ostream* out = nullptr;
  /// Data-parallel training with the other processes of this group (mlp/process_group.hpp):
  /// every process calls fit with the same model, data and options, and each computes its shard
  /// of every batch. Null: one process (the group code is not entered at all).
  ProcessGroup* group = nullptr;
};

struct EvaluateOptions {
  std::size_t batch_size = 32;
  std::span<const Scalar> sample_weight;
};

/// A tensor of a model under construction: the output of one of its layers (an Input's too).
struct Node {
  std::size_t index = 0;  // into Model::layers()
};

/// Moves layers into a list: layers(Flatten(), Dense({...})).
template <class... Ls>
std::vector<std::unique_ptr<Layer>> layers(Ls&&... ls) {
  std::vector<std::unique_ptr<Layer>> list;
  (list.push_back(std::make_unique<std::decay_t<Ls>>(std::forward<Ls>(ls))), ...);
  return list;
}

class Model {
 public:
  explicit Model(ModelOptions options = {});
  virtual ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // ---- Building a graph (Keras' functional API) ----
  /// A new input of this sample shape (keras.Input); the name defaults to input_1, input_2, ...
  Node input(const Shape& shape, std::string name = {});
  /// Calls `layer` on `inputs` (one tensor, or several for Concatenate/Add/...): builds it for
  /// their shapes and returns its output. `name` overrides the layer's (default: Keras' dense_1...).
  Node add(std::unique_ptr<Layer> layer, const std::vector<Node>& inputs, std::string name = {});
  template <class L>
  requires std::derived_from<std::decay_t<L>, Layer> Node add(L&& layer, const std::vector<Node>& inputs,
                                                              std::string name = {}) {
    return add(std::make_unique<std::decay_t<L>>(std::forward<L>(layer)), inputs, std::move(name));
  }
  /// Declares the outputs (in order) and checks the graph: every layer must lead to an output,
  /// every input must be used.
  void set_outputs(const std::vector<Node>& outputs);

  /// A Sequential: creates the weights for an input of this shape (an InputLayer first does it
  /// implicitly). A graph is built by set_outputs(); for it this only checks the shape.
  void build(const Shape& input_shape);
  void compile(CompileOptions options);

  // ---- Training and inference; xs one InputView per input (a Matrix, a view, or bytes with
  // their scaling), ys one matrix per output, in order ----
  History fit(const Inputs& xs, const Tensors& ys, const FitOptions& options = {},
              const std::vector<Callback*>& callbacks = {}) {
    return fit_impl(xs, ys, options, callbacks);
  }
  History fit(InputView x, ConstMatrixView y, const FitOptions& options = {},
              const std::vector<Callback*>& callbacks = {}) {
    return fit_impl({&x, 1}, {&y, 1}, options, callbacks);
  }
  /// Total loss (with regularization) and every compiled metric, without the "val_" prefix; with
  /// several outputs also "<output>_loss" and "<output>_<metric>".
  Logs evaluate(const Inputs& xs, const Tensors& ys, const EvaluateOptions& options = {}) {
    return evaluate_impl(xs, ys, options);
  }
  Logs evaluate(InputView x, ConstMatrixView y, const EvaluateOptions& options = {}) {
    return evaluate_impl({&x, 1}, {&y, 1}, options);
  }
  /// Outputs in inference mode (dropout off, batch normalization on moving statistics).
  std::vector<Matrix> predict(const Inputs& xs, std::size_t batch_size = 32) { return predict_impl(xs, batch_size); }
  /// The one output of a model with one input and one output.
  Matrix predict(InputView x, std::size_t batch_size = 32);
  /// One optimizer step on this batch; returns the batch loss (with regularization).
  double train_on_batch(const Inputs& xs, const Tensors& ys, std::span<const Scalar> sample_weight = {}) {
    return train_on_batch_impl(xs, ys, sample_weight);
  }
  double train_on_batch(InputView x, ConstMatrixView y, std::span<const Scalar> sample_weight = {}) {
    return train_on_batch_impl({&x, 1}, {&y, 1}, sample_weight);
  }
  /// Forward in training mode and backward: fills every params()[i]->grad with the gradient of
  /// the batch loss (with regularization), which it returns. No optimizer step.
  double compute_gradients(const Inputs& xs, const Tensors& ys, std::span<const Scalar> sample_weight = {}) {
    return compute_gradients_impl(xs, ys, sample_weight);
  }
  double compute_gradients(InputView x, ConstMatrixView y, std::span<const Scalar> sample_weight = {}) {
    return compute_gradients_impl({&x, 1}, {&y, 1}, sample_weight);
  }

  /// Keras 2's model.summary(): the sequential table, or the functional one with "Connected to".
  std::string summary() const;

  // ---- Structure ----
  /// True for a graph built with input()/add()/set_outputs(), false for a Sequential.
  bool functional() const { return functional_; }
  std::size_t count_params() const;
  std::size_t count_trainable_params() const;
  /// Every layer in a topological order (a functional model's InputLayers included).
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  Layer& layer(std::size_t i) { return *layers_.at(i); }
  /// The layers each layer reads (indices into layers(); empty for an input).
  const std::vector<std::size_t>& inbound(std::size_t i) const { return inbound_.at(i); }
  /// Indices into layers() of the inputs and outputs, in order (a Sequential's implicit input,
  /// when it has no InputLayer, is not a layer: input_layers() is empty then).
  const std::vector<std::size_t>& input_layers() const { return input_layers_; }
  const std::vector<std::size_t>& output_layers() const { return output_layers_; }
  std::size_t num_inputs() const { return input_shapes_.size(); }
  std::size_t num_outputs() const { return output_layers_.size(); }
  const std::string& name() const { return options_.name; }
  bool built() const { return built_; }
  bool compiled() const { return !outputs_.empty(); }
  const Shape& input_shape() const;   // the one input's
  const Shape& output_shape() const;  // the one output's
  const std::vector<Shape>& input_shapes() const { return input_shapes_; }
  std::vector<Shape> output_shapes() const;
  /// Names of the outputs (their layers' names); prefixes of their logs when there are several.
  std::vector<std::string> output_names() const;
  Optimizer& optimizer();
  /// The loss of output o.
  const Loss& loss(std::size_t o = 0) const;
  /// The compile settings (for saving the model).
  const LossOptions& loss_options(std::size_t o = 0) const;
  double loss_weight(std::size_t o) const;
  const std::vector<std::string>& metric_names(std::size_t o = 0) const;
  const std::vector<std::string>& weighted_metric_names(std::size_t o = 0) const;
  const ModelOptions& options() const { return options_; }
  /// Every trainable parameter, layer by layer, in params() order.
  std::vector<Param*> params();
  /// Generators: weights, dropout/noise, shuffling (their states are part of a checkpoint).
  Rng& noise_rng() { return noise_rng_; }
  Rng& shuffle_rng() { return shuffle_rng_; }

 protected:
  /// For Sequential (functional = false): a chain built with append().
  Model(ModelOptions options, bool functional);
  /// For Sequential: appends `layer` reading the previous layer (the first reads the input).
  Layer& append(std::unique_ptr<Layer> layer, const char* who);
  /// Builds a Sequential's layers for an input of this shape.
  void build_chain(const Shape& input_shape);
  void require_compiled(const char* what) const;
  /// "Sequential::fit: " or "Model::fit: ", for messages.
  std::string where(const char* what) const;

 private:
  struct OutputSlot;   // per output: loss, weight, metrics (model_detail.hpp)
  struct LossTracker;  // the running loss means of fit and evaluate (model_detail.hpp)
  History fit_impl(InputSpan xs, TensorSpan ys, const FitOptions& options, const std::vector<Callback*>& callbacks);
  Logs evaluate_impl(InputSpan xs, TensorSpan ys, const EvaluateOptions& options);
  std::vector<Matrix> predict_impl(InputSpan xs, std::size_t batch_size);
  double train_on_batch_impl(InputSpan xs, TensorSpan ys, std::span<const Scalar> sample_weight);
  double compute_gradients_impl(InputSpan xs, TensorSpan ys, std::span<const Scalar> sample_weight);
  std::string name_layer(Layer& layer, std::string name);
  void build_layer(std::size_t i);
  void finish_build();
  void prepare();
  void ensure_ready(const char* what, InputSpan xs);
  // Argument checks (src/model_checks.cpp).
  void check_data(const char* what, InputSpan xs, TensorSpan ys) const;
  void check_fit_options(InputSpan xs, const FitOptions& options) const;
  void check_evaluate_options(InputSpan xs, const EvaluateOptions& options) const;
  void resize_buffers(std::size_t rows);
  /// Runs every layer on the input buffers (already filled) for the first `rows` rows.
  void forward_batch(std::size_t rows, Mode mode);
  ConstMatrixView output_view(std::size_t o, std::size_t rows) const;
  double regularization_loss() const;
  double batch_loss(TensorSpan ys, std::span<const Scalar> weights, std::size_t rows);
  void backward_batch(TensorSpan ys, std::span<const Scalar> weights, std::size_t rows);
  double train_step(TensorSpan ys, std::span<const Scalar> weights, std::size_t rows);
  /// fit's step on batch b of `batches` (this process's shard of it in a group); its loss.
  double fit_step(Batcher& batches, std::size_t b, ProcessGroup* group);
  /// fit's logs at an epoch's start: every key the epoch will log, at 0.
  void begin_epoch_logs(Logs& logs);
  void update_metrics(TensorSpan ys, std::span<const Scalar> weights, std::size_t rows);
  void reset_metrics();
  void metric_logs(Logs& logs) const;
  void resume(const TrainingState& state, const std::vector<Callback*>& callbacks, Batcher& batches, History& history);
  // Data-parallel fit (FitOptions::group; src/model_group.cpp).
  void group_begin(ProcessGroup& group, InputSpan xs, TensorSpan ys, std::span<const Scalar> weights);
  double group_train_step(ProcessGroup& group, TensorSpan ys, std::span<const Scalar> weights, std::size_t rows,
                          std::size_t offset, std::size_t batch_rows);
  void group_average_state(ProcessGroup& group);
  void group_end(ProcessGroup& group);
  /// ctx.stop_training ← whether any process's is set (an interrupt may reach them at different batches).
  static void group_agree_on_stop(ProcessGroup& group, TrainContext& ctx);
  /// ctx.logs ← rank 0's, so that every callback decides alike.
  static void group_share_logs(ProcessGroup& group, Logs& logs);

  ModelOptions options_;
  bool functional_ = false;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<std::vector<std::size_t>> inbound_;  // per layer: layers read
  std::vector<std::size_t> input_layers_, output_layers_;
  std::vector<Shape> input_shapes_;
  std::map<std::string, int> name_counts_;
  bool built_ = false;
  Rng init_rng_, noise_rng_, shuffle_rng_;

  std::unique_ptr<Optimizer> optimizer_;
  std::vector<OutputSlot> outputs_;
  bool ready_ = false;  // prepare() ran for the current compile

  // Per-batch buffers, reused. inputs_[j] holds input j's batch (for an InputLayer, that is also
  // its output); acts_[i] is layer i's output (empty for an InputLayer, which reads inputs_);
  // grads_[i] is dL/d(output of layer i); scratch_[i][s] receives dx of input s of layer i when
  // it must be added to a gradient that already holds another contribution.
  std::vector<Matrix> inputs_, acts_, grads_;
  std::vector<std::vector<Matrix>> scratch_;
  std::vector<int> input_of_layer_;                     // per layer: the input j an InputLayer stands for, or -1
  std::vector<bool> needs_grad_;                        // per layer: some layer at or before it has weights
  std::vector<char> grad_filled_;                       // per layer, during backward: grads_[i] holds a contribution
  std::vector<std::vector<ConstMatrixView>> in_views_;  // per layer, reused by forward/backward
  std::vector<std::vector<MatrixView>> dx_views_;
  std::vector<Scalar> loss_scratch_;
  // Data-parallel fit: the trainable parameters, the fused gradient buffer, the metrics' state,
  // and the loss and metric sums of one step (sized by group_begin).
  std::vector<Param*> group_params_;
  std::vector<Scalar> group_grads_;
  std::vector<double*> group_metric_state_;
  std::vector<double> group_metric_before_, group_stats_;
};

}  // namespace mlp
