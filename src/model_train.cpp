// SPDX-License-Identifier: MIT
// Model, running: the buffers and forward/backward of one batch, the train step, compute_gradients,
// train_on_batch, fit (with validation, callbacks and resume), evaluate and predict. Building and
// compiling the graph are in src/model.cpp.
#include <algorithm>

#include "argument_checks.hpp"
#include "mlp/batcher.hpp"
#include "mlp/callback_list.hpp"
#include "mlp/checkpoint.hpp"
#include "mlp/error.hpp"
#include "mlp/model.hpp"
#include "mlp/ops.hpp"
#include "mlp/process_group.hpp"
#include "mlp/thread_tuner.hpp"
#include "model_detail.hpp"

namespace mlp {

// ---- Forward and backward ----

void Model::resize_buffers(std::size_t rows) {
  const std::size_t n = layers_.size();
  inputs_.resize(input_shapes_.size());
  for (std::size_t j = 0; j < inputs_.size(); ++j) inputs_[j].resize(rows, features(input_shapes_[j]));
  acts_.resize(n);
  grads_.resize(n);
  scratch_.resize(n);
  in_views_.resize(n);
  dx_views_.resize(n);
  grad_filled_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (input_of_layer_[i] < 0) acts_[i].resize(rows, features(layers_[i]->output_shape()));
    const std::size_t k = std::max<std::size_t>(inbound_[i].size(), 1);
    scratch_[i].resize(k);
    in_views_[i].resize(k);
    dx_views_[i].resize(k);
  }
}

ConstMatrixView Model::output_view(std::size_t i, std::size_t rows) const {
  const int j = input_of_layer_[i];
  const Matrix& m = j >= 0 ? inputs_[static_cast<std::size_t>(j)] : acts_[i];
  return m.view().row_range(0, rows);
}

void Model::forward_batch(std::size_t rows, Mode mode) {
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (input_of_layer_[i] >= 0) continue;  // an InputLayer: its output is the input buffer
    auto& views = in_views_[i];
    if (inbound_[i].empty()) {
      views[0] = inputs_[0].view().row_range(0, rows);
    } else {
      for (std::size_t s = 0; s < inbound_[i].size(); ++s) views[s] = output_view(inbound_[i][s], rows);
    }
    MatrixView y = acts_[i].view().row_range(0, rows);
    if (views.size() == 1) {
      layers_[i]->forward(views[0], y, mode);
    } else {
      layers_[i]->forward_inputs(views, y, mode);
    }
  }
}

double Model::regularization_loss() const {
  double total = 0;
  for (const auto& layer : layers_) total += layer->regularization_loss();
  return total;
}

double Model::batch_loss(TensorSpan ys, std::span<const Scalar> weights, std::size_t rows) {
  double total = 0;
  for (std::size_t o = 0; o < outputs_.size(); ++o) {
    OutputSlot& s = outputs_[o];
    s.last_loss = s.loss->value(output_view(output_layers_[o], rows), ys[o], weights, loss_scratch_);
    total += s.weight * s.last_loss;
  }
  return total + regularization_loss();
}

void Model::backward_batch(TensorSpan ys, std::span<const Scalar> weights, std::size_t rows) {
  std::fill(grad_filled_.begin(), grad_filled_.end(), char{0});
  for (std::size_t o = 0; o < outputs_.size(); ++o) {
    const OutputSlot& s = outputs_[o];
    const std::size_t i = output_layers_[o];
    const ConstMatrixView pred = output_view(i, rows);
    grads_[i].resize(rows, pred.cols());
    if (s.fused) {
      s.loss->gradient_wrt_logits(pred, ys[o], weights, grads_[i]);
    } else {
      s.loss->gradient(pred, ys[o], weights, grads_[i]);
    }
    if (s.weight != 1) scale(grads_[i], static_cast<Scalar>(s.weight));
    grad_filled_[i] = 1;
  }
  // Reverse topological order: when layer i runs, every reader of its output has added its part.
  for (std::size_t i = layers_.size(); i-- > 0;) {
    if (input_of_layer_[i] >= 0 || !needs_grad_[i]) continue;  // nothing to train at or before it
    const auto& from = inbound_[i];
    auto& views = in_views_[i];
    auto& dxs = dx_views_[i];
    // dx of input s goes straight into the gradient of the layer it reads when that gradient has
    // no contribution yet; otherwise into scratch, added afterwards (a tensor read several times).
    for (std::size_t s = 0; s < from.size(); ++s) {
      const std::size_t src = from[s];
      views[s] = output_view(src, rows);
      dxs[s] = MatrixView{};
      if (!needs_grad_[src] || input_of_layer_[src] >= 0) continue;
      const std::size_t cols = features(layers_[src]->output_shape());
      const bool earlier_slot = std::find(from.begin(), from.begin() + static_cast<std::ptrdiff_t>(s), src) !=
                                from.begin() + static_cast<std::ptrdiff_t>(s);
      if (!grad_filled_[src] && !earlier_slot) {
        grads_[src].resize(rows, cols);
        dxs[s] = grads_[src];
      } else {
        scratch_[i][s].resize(rows, cols);
        dxs[s] = scratch_[i][s];
      }
    }
    if (from.empty()) views[0] = inputs_[0].view().row_range(0, rows);
    const ConstMatrixView y = acts_[i].view().row_range(0, rows);
    const ConstMatrixView dy = grads_[i].view().row_range(0, rows);
    if (views.size() == 1) {
      layers_[i]->backward(views[0], y, dy, dxs[0]);
    } else {
      layers_[i]->backward_inputs(views, y, dy, dxs);
    }
    for (std::size_t s = 0; s < from.size(); ++s) {
      if (dxs[s].empty()) continue;
      const std::size_t src = from[s];
      if (dxs[s].data() == grads_[src].data()) {
        grad_filled_[src] = 1;
      } else {
        axpy(Scalar(1), scratch_[i][s], grads_[src]);
      }
    }
  }
}

double Model::train_step(TensorSpan ys, std::span<const Scalar> weights, std::size_t rows) {
  forward_batch(rows, Mode::kTrain);
  const double loss = batch_loss(ys, weights, rows);
  backward_batch(ys, weights, rows);
  update_metrics(ys, weights, rows);
  optimizer_->step();
  return loss;
}

void Model::update_metrics(TensorSpan ys, std::span<const Scalar> weights, std::size_t rows) {
  for (std::size_t o = 0; o < outputs_.size(); ++o) {
    OutputSlot& s = outputs_[o];
    const ConstMatrixView pred = output_view(output_layers_[o], rows);
    for (std::size_t m = 0; m < s.metrics.size(); ++m) {
      s.metrics[m]->update(pred, ys[o], s.metric_weighted[m] ? weights : std::span<const Scalar>{});
    }
  }
}

void Model::reset_metrics() {
  for (auto& s : outputs_) {
    for (auto& m : s.metrics) m->reset();
  }
}

void Model::metric_logs(Logs& logs) const {
  for (const auto& s : outputs_) {
    for (const auto& m : s.metrics) logs[m->name()] = m->result();
  }
}

double Model::compute_gradients_impl(InputSpan xs, TensorSpan ys, std::span<const Scalar> weights) {
  ensure_ready("compute_gradients", xs);
  check_data("compute_gradients", xs, ys);
  const std::size_t n = xs[0].rows();
  resize_buffers(n);
  for (std::size_t j = 0; j < xs.size(); ++j) xs[j].copy_rows(0, n, inputs_[j]);
  forward_batch(n, Mode::kTrain);
  const double loss = batch_loss(ys, weights, n);
  backward_batch(ys, weights, n);
  return loss;
}

double Model::train_on_batch_impl(InputSpan xs, TensorSpan ys, std::span<const Scalar> sample_weight) {
  ensure_ready("train_on_batch", xs);
  check_data("train_on_batch", xs, ys);
  const std::size_t n = xs[0].rows();
  if (n == 0) throw Error(where("train_on_batch") + "empty batch");
  // The prefix is formatted only on the error path: this runs every batch and must not allocate.
  if (!sample_weight.empty() && sample_weight.size() != n) {
    detail::check_sample_weight(where("train_on_batch"), sample_weight, n);
  }
  reset_metrics();
  const ScopedFlushDenormals flush_denormals;
  resize_buffers(n);
  for (std::size_t j = 0; j < xs.size(); ++j) xs[j].copy_rows(0, n, inputs_[j]);
  return train_step(ys, sample_weight, n);
}

// ---- fit ----

namespace {
// The distinct matrix products of every layer for batches of each {rows, with backward}.
std::vector<GemmShape> products_of(const Model& model, const std::vector<std::pair<std::size_t, bool>>& batches) {
  std::vector<GemmShape> products, distinct;
  for (const auto& [rows, backward] : batches) {
    if (rows == 0) continue;
    for (const auto& layer : model.layers()) layer->gemm_products(rows, backward, products);
  }
  for (const GemmShape& p : products) {
    if (std::find(distinct.begin(), distinct.end(), p) == distinct.end()) distinct.push_back(p);
  }
  return distinct;
}

// fit's: the full and the last training batch, forward and backward; the validation's, forward.
std::vector<GemmShape> step_products(const Model& model, const Batcher& batches) {
  std::vector<std::pair<std::size_t, bool>> rows;
  if (batches.steps() > 0) rows = {{batches.batch_rows(0), true}, {batches.batch_rows(batches.steps() - 1), true}};
  if (batches.has_validation()) {
    const std::size_t n = batches.validation_inputs()[0].rows(), b = batches.batch_size();
    rows.push_back({std::min(n, b), false});
    rows.push_back({n % b, false});
  }
  return products_of(model, rows);
}

}  // namespace

// Keras' fit loop (mlp/callback.hpp has the hook order); the data, its order and weights are the
// Batcher's, the hooks the CallbackList's.
History Model::fit_impl(InputSpan xs, TensorSpan ys, const FitOptions& opt, const std::vector<Callback*>& callbacks) {
  ensure_ready("fit", xs);
  check_data("fit", xs, ys);
  check_fit_options(xs, opt);
  BatcherOptions data{.batch_size = opt.batch_size,
                      .validation_split = opt.validation_split,
                      .sample_weight = opt.sample_weight,
                      .class_weight = opt.class_weight,
                      .error_prefix = where("fit")};
  if (opt.validation_x) {
    data.validation_inputs = {*opt.validation_x};
    data.validation_targets = {*opt.validation_y};
  } else if (!opt.validation_inputs.empty()) {
    data.validation_inputs = opt.validation_inputs;
    data.validation_targets = opt.validation_targets;
  }
  data.sparse_labels = !opt.class_weight.empty() && !ys.empty() && ys[0].cols() == 1 && features(output_shape()) > 1;
  Batcher batches(xs, ys, std::move(data));

  const ScopedFlushDenormals flush_denormals;
  History history;
  CallbackList hooks(callbacks, history, opt.out, opt.verbose);
  TrainContext ctx{.model = this,
                   .epochs = opt.epochs,
                   .steps = batches.steps(),
                   .history = &history,
                   .callbacks = &callbacks,
                   .shuffle_order = &batches.order()};
  LossTracker losses;

  hooks.on_train_begin(ctx);
  int first_epoch = opt.initial_epoch;
  if (ctx.resume) {
    resume(*ctx.resume, callbacks, batches, history);
    first_epoch = ctx.resume->epoch;
    ctx.stop_training = ctx.resume->stopped;
  }
  ProcessGroup* const group = opt.group;
  // The thread count, measured on this machine's load (if every product allows it).
  const bool tune = group == nullptr && ThreadTuner::count_is_free();
  ThreadTuner threads(tune, tune ? step_products(*this, batches) : std::vector<GemmShape>{});
  if (group != nullptr) group_begin(*group, batches.train_inputs(), batches.train_targets(), batches.train_weights());
  for (ctx.epoch = first_epoch; ctx.epoch < opt.epochs && !ctx.stop_training; ++ctx.epoch) {
    if (opt.shuffle) batches.shuffle(shuffle_rng_);
    ctx.epoch_cut_short = false;
    begin_epoch_logs(ctx.logs);
    losses.reset(outputs_.size());
    hooks.on_epoch_begin(ctx);
    for (ctx.batch = 0; ctx.batch < ctx.steps; ++ctx.batch) {
      hooks.on_train_batch_begin(ctx);
      threads.step_begin();
      const double loss = fit_step(batches, ctx.batch, group);
      threads.step_end();
      losses.add(loss, outputs_, batches.batch_rows(ctx.batch));
      losses.write(ctx.logs, outputs_);
      metric_logs(ctx.logs);
      hooks.on_train_batch_end(ctx);
      if (group != nullptr) group_agree_on_stop(*group, ctx);
      if (ctx.stop_training) {
        ctx.epoch_cut_short = ctx.batch + 1 < ctx.steps;
        break;
      }
    }
    if (group != nullptr) group_average_state(*group);
    if (batches.has_validation()) {
      const Logs val = evaluate_impl(batches.validation_inputs(), batches.validation_targets(),
                                     {.batch_size = opt.batch_size, .sample_weight = batches.validation_weights()});
      for (const auto& [key, value] : val) ctx.logs["val_" + key] = value;
    }
    if (group != nullptr) group_share_logs(*group, ctx.logs);
    hooks.on_epoch_end(ctx);
    if (group != nullptr) group_agree_on_stop(*group, ctx);
  }
  if (group != nullptr) group_end(*group);
  hooks.on_train_end(ctx);
  return history;
}

void Model::begin_epoch_logs(Logs& logs) {
  reset_metrics();
  logs.clear();
  logs["loss"] = 0;
  for (const auto& s : outputs_) {
    if (outputs_.size() > 1) logs[s.prefix + "loss"] = 0;
    for (const auto& m : s.metrics) logs[m->name()] = 0;
  }
}

double Model::fit_step(Batcher& batches, std::size_t b, ProcessGroup* group) {
  const std::size_t begin = batches.batch_begin(b), count = batches.batch_rows(b);
  if (group == nullptr) {
    resize_buffers(count);
    batches.gather(begin, count, inputs_);
    return train_step(batches.batch_targets(), batches.batch_weights(), count);
  }
  // This process's shard [lo, lo + rows) of the batch.
  const auto r = static_cast<std::size_t>(group->rank()), p = static_cast<std::size_t>(group->size());
  std::size_t lo = begin + count * r / p;
  std::size_t rows = begin + count * (r + 1) / p - lo;
  const bool empty_shard = rows == 0;
  if (empty_shard) {
    // A batch smaller than the group: compute its first row with weight 0, so that this process
    // draws the batch's dropout keys too and its generators stay in step.
    lo = begin;
    rows = 1;
  }
  resize_buffers(rows);
  batches.gather(lo, rows, inputs_);
  return group_train_step(*group, batches.batch_targets(), batches.batch_weights(), empty_shard ? 0 : rows, lo - begin,
                          count);
}

// Checkpoint resume (TrainContext::resume): the shuffle order, the callbacks' states and the
// history of the saved run.
void Model::resume(const TrainingState& state, const std::vector<Callback*>& callbacks, Batcher& batches,
                   History& history) {
  const std::string at = where("fit") + "cannot resume: ";
  if (state.shuffle_order.size() != batches.size()) {
    throw Error(at + "the checkpoint was trained on " + std::to_string(state.shuffle_order.size()) +
                " samples, this data has " + std::to_string(batches.size()) + " training samples");
  }
  for (std::size_t i : state.shuffle_order) {
    if (i >= batches.size()) throw Error(at + "the checkpoint's sample order is corrupt");
  }
  // Stateless callbacks (progress output, TerminateOnNaN) may come and go; the ones with state
  // must be the same kinds in the same order.
  std::vector<Callback*> stateful;
  std::string saved_kinds, kinds;
  for (const CallbackState& cs : state.callbacks) saved_kinds += (saved_kinds.empty() ? "" : ", ") + cs.kind;
  for (Callback* c : callbacks) {
    CallbackState now;
    c->save_state(now);
    if (now.kind.empty()) continue;
    stateful.push_back(c);
    kinds += (kinds.empty() ? "" : ", ") + now.kind;
  }
  if (kinds != saved_kinds) {
    const auto list = [](const std::string& k) { return k.empty() ? std::string("none") : k; };
    throw Error(at + "the checkpoint holds the state of the callbacks " + list(saved_kinds) +
                ", this run's callbacks with state are " + list(kinds));
  }
  for (std::size_t i = 0; i < stateful.size(); ++i) stateful[i]->load_state(state.callbacks[i]);
  batches.set_order(state.shuffle_order);
  history.epoch = state.history.epoch;
  history.history = state.history.history;
}

// ---- evaluate and predict ----

Logs Model::evaluate_impl(InputSpan xs, TensorSpan ys, const EvaluateOptions& opt) {
  ensure_ready("evaluate", xs);
  check_data("evaluate", xs, ys);
  check_evaluate_options(xs, opt);
  const std::size_t n = xs[0].rows();
  reset_metrics();
  LossTracker losses;
  losses.reset(outputs_.size());
  Tensors targets(ys.size());
  for (std::size_t begin = 0; begin < n; begin += opt.batch_size) {
    const std::size_t count = std::min(opt.batch_size, n - begin);
    resize_buffers(count);
    for (std::size_t j = 0; j < xs.size(); ++j) xs[j].copy_rows(begin, count, inputs_[j]);
    forward_batch(count, Mode::kInference);
    for (std::size_t o = 0; o < ys.size(); ++o) targets[o] = ys[o].row_range(begin, count);
    const auto w = opt.sample_weight.empty() ? opt.sample_weight : opt.sample_weight.subspan(begin, count);
    losses.add(batch_loss(targets, w, count), outputs_, count);
    update_metrics(targets, w, count);
  }
  Logs logs;
  losses.write(logs, outputs_);
  metric_logs(logs);
  return logs;
}

std::vector<Matrix> Model::predict_impl(InputSpan xs, std::size_t batch_size) {
  if (!built_) throw Error(where("predict") + "model '" + options_.name + "' is not built");
  check_data("predict", xs, TensorSpan{});
  if (batch_size == 0) throw Error(where("predict") + "batch_size must be positive, got 0");
  const std::size_t n = xs[0].rows();
  std::vector<Matrix> out;
  for (std::size_t i : output_layers_) out.emplace_back(n, features(layers_[i]->output_shape()));
  for (std::size_t begin = 0; begin < n; begin += batch_size) {
    const std::size_t count = std::min(batch_size, n - begin);
    resize_buffers(count);
    for (std::size_t j = 0; j < xs.size(); ++j) xs[j].copy_rows(begin, count, inputs_[j]);
    forward_batch(count, Mode::kInference);
    for (std::size_t o = 0; o < out.size(); ++o) {
      copy(output_view(output_layers_[o], count), out[o].view().row_range(begin, count));
    }
  }
  return out;
}

Matrix Model::predict(InputView x, std::size_t batch_size) {
  if (built_ && output_layers_.size() != 1) {
    throw Error(where("predict") + "model '" + options_.name + "' has " + std::to_string(output_layers_.size()) +
                " outputs; pass its inputs as a list (Inputs) to get them all");
  }
  return std::move(predict_impl({&x, 1}, batch_size).front());
}

}  // namespace mlp
