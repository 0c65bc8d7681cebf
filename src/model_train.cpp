// SPDX-License-Identifier: MIT
// Model, running: the buffers and forward/backward of one batch, the train step, compute_gradients,
// train_on_batch, fit (with validation, callbacks and resume), evaluate and predict. Building and
// compiling the graph are in src/model.cpp.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "mlp/callbacks/progbar_logger.hpp"
#include "mlp/checkpoint.hpp"
#include "mlp/error.hpp"
#include "mlp/model.hpp"
#include "mlp/ops.hpp"
#include "mlp/process_group.hpp"
#include "model_detail.hpp"

namespace mlp {
namespace {

// Class index of row r of a target: argmax of a one-hot row, the value of a sparse (N, 1) row, or
// 0/1 for a single binary column.
std::size_t class_of(ConstMatrixView y, std::size_t r, bool sparse) {
  const Scalar* row = y.row(r);
  if (y.cols() == 1) {
    return sparse ? static_cast<std::size_t>(row[0]) : (row[0] >= Scalar(0.5) ? 1 : 0);
  }
  return static_cast<std::size_t>(std::max_element(row, row + y.cols()) - row);
}

}  // namespace

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
  if (!sample_weight.empty() && sample_weight.size() != n) {
    throw Error(where("train_on_batch") + "sample_weight has " + std::to_string(sample_weight.size()) +
                " values for " + std::to_string(n) + " samples");
  }
  reset_metrics();
  const ScopedFlushDenormals flush_denormals;
  resize_buffers(n);
  for (std::size_t j = 0; j < xs.size(); ++j) xs[j].copy_rows(0, n, inputs_[j]);
  return train_step(ys, sample_weight, n);
}

// ---- fit ----

void Model::make_sample_weights(ConstMatrixView y, std::span<const Scalar> base,
                                const std::map<std::size_t, double>& class_weight,
                                std::vector<Scalar>& out) const {
  out.clear();
  if (base.empty() && class_weight.empty()) return;
  out.assign(y.rows(), Scalar(1));
  if (!base.empty()) std::copy(base.begin(), base.end(), out.begin());
  if (class_weight.empty()) return;
  const bool sparse = y.cols() == 1 && features(output_shape()) > 1;
  for (std::size_t r = 0; r < y.rows(); ++r) {
    const std::size_t cls = class_of(y, r, sparse);
    const auto it = class_weight.find(cls);
    if (it != class_weight.end()) out[r] *= static_cast<Scalar>(it->second);
  }
}

History Model::fit_impl(InputSpan xs, TensorSpan ys, const FitOptions& opt,
                   const std::vector<Callback*>& callbacks) {
  ensure_ready("fit", xs);
  check_data("fit", xs, ys);
  const std::string at = where("fit");
  if (opt.batch_size == 0) throw Error(at + "batch_size must be positive, got 0");
  if (opt.epochs < 0 || opt.initial_epoch < 0 || opt.initial_epoch > opt.epochs) {
    throw Error(at + "need 0 <= initial_epoch <= epochs, got initial_epoch " + std::to_string(opt.initial_epoch) +
                " and epochs " + std::to_string(opt.epochs));
  }
  if (!(opt.validation_split >= 0 && opt.validation_split < 1)) {
    throw Error(at + "validation_split must be in [0, 1), got " + std::to_string(opt.validation_split));
  }
  const std::size_t n_all = xs[0].rows();
  if (!opt.sample_weight.empty() && opt.sample_weight.size() != n_all) {
    throw Error(at + "sample_weight has " + std::to_string(opt.sample_weight.size()) + " values for " +
                std::to_string(n_all) + " samples");
  }
  if (opt.validation_x.has_value() != opt.validation_y.has_value() ||
      opt.validation_inputs.empty() != opt.validation_targets.empty()) {
    throw Error(at + "validation inputs and targets must be given together");
  }
  if (!opt.class_weight.empty() && outputs_.size() != 1) {
    throw Error(at + "class_weight needs a model with one output; model '" + options_.name + "' has " +
                std::to_string(outputs_.size()));
  }

  // Validation data: explicit, or the last fraction of the samples before shuffling (Keras).
  std::size_t n_train = n_all;
  Inputs val_xs;
  Tensors val_ys;
  if (opt.validation_x) {
    val_xs = {*opt.validation_x};
    val_ys = {*opt.validation_y};
  } else if (!opt.validation_inputs.empty()) {
    val_xs = opt.validation_inputs;
    val_ys = opt.validation_targets;
  }
  if (!val_xs.empty()) {
    check_data("fit (validation data)", val_xs, val_ys);
  } else if (opt.validation_split > 0) {
    n_train = static_cast<std::size_t>(std::floor(static_cast<double>(n_all) * (1.0 - opt.validation_split)));
    if (n_all - n_train == 0) {
      throw Error(at + "validation_split " + std::to_string(opt.validation_split) + " of " + std::to_string(n_all) +
                  " samples leaves no validation sample");
    }
    for (const InputView& x : xs) val_xs.push_back(x.row_range(n_train, n_all - n_train));
    for (ConstMatrixView y : ys) val_ys.push_back(y.row_range(n_train, n_all - n_train));
  }
  if (n_train == 0) throw Error(at + "no training samples");
  Inputs train_xs;
  Tensors train_ys;
  for (const InputView& x : xs) train_xs.push_back(x.row_range(0, n_train));
  for (ConstMatrixView y : ys) train_ys.push_back(y.row_range(0, n_train));

  std::vector<Scalar> all_weights;
  make_sample_weights(train_ys[0], opt.sample_weight.empty() ? opt.sample_weight : opt.sample_weight.first(n_train),
                      opt.class_weight, all_weights);
  std::span<const Scalar> val_weights;
  if (opt.validation_x || !opt.validation_inputs.empty()) {
    // explicit validation data carries no sample weights
  } else if (!opt.sample_weight.empty() && !val_xs.empty()) {
    val_weights = opt.sample_weight.subspan(n_train);
  }

  const ScopedFlushDenormals flush_denormals;
  // As in Keras: the progress bar first, History last (it records the logs as the other
  // callbacks left them: ReduceLROnPlateau adds "learning_rate").
  History history;
  std::vector<Callback*> hooks;
  std::optional<ProgbarLogger> progbar;
  if (opt.out != nullptr && opt.verbose > 0) hooks.push_back(&progbar.emplace(*opt.out, opt.verbose));
  hooks.insert(hooks.end(), callbacks.begin(), callbacks.end());
  hooks.push_back(&history);

  std::vector<std::size_t> order(n_train);
  std::iota(order.begin(), order.end(), std::size_t{0});
  TrainContext ctx;
  ctx.model = this;
  ctx.epochs = opt.epochs;
  ctx.steps = (n_train + opt.batch_size - 1) / opt.batch_size;
  ctx.history = &history;
  ctx.callbacks = &callbacks;
  ctx.shuffle_order = &order;
  std::vector<Scalar> batch_w;
  batch_y_.resize(train_ys.size());
  Tensors batch_ys(train_ys.size());
  std::vector<double> output_loss_sums(outputs_.size());
  const bool several = outputs_.size() > 1;

  for (Callback* c : hooks) c->on_train_begin(ctx);
  int first_epoch = opt.initial_epoch;
  if (ctx.resume) {
    resume(*ctx.resume, callbacks, order, history);
    first_epoch = ctx.resume->epoch;
    ctx.stop_training = ctx.resume->stopped;
  }
  ProcessGroup* const group = opt.group;
  if (group != nullptr) group_begin(*group, train_xs, train_ys, all_weights);
  // The stop flag of any process stops every process (an interrupt may reach them at different
  // batches).
  const auto agree_on_stop = [&] {
    if (group == nullptr) return;
    double stop = ctx.stop_training ? 1.0 : 0.0;
    group->sum_doubles({&stop, 1});
    ctx.stop_training = stop > 0;
  };
  for (ctx.epoch = first_epoch; ctx.epoch < opt.epochs && !ctx.stop_training; ++ctx.epoch) {
    if (opt.shuffle) shuffle_rng_.shuffle(order);
    reset_metrics();
    ctx.epoch_cut_short = false;
    ctx.logs.clear();
    ctx.logs["loss"] = 0;
    for (const auto& s : outputs_) {
      if (several) ctx.logs[s.prefix + "loss"] = 0;
      for (const auto& m : s.metrics) ctx.logs[m->name()] = 0;
    }
    std::fill(output_loss_sums.begin(), output_loss_sums.end(), 0.0);
    for (Callback* c : hooks) c->on_epoch_begin(ctx);

    double loss_sum = 0;
    std::size_t seen = 0;
    for (ctx.batch = 0; ctx.batch < ctx.steps; ++ctx.batch) {
      for (Callback* c : hooks) c->on_train_batch_begin(ctx);
      const std::size_t begin = ctx.batch * opt.batch_size;
      const std::size_t count = std::min(opt.batch_size, n_train - begin);
      // This process's rows of the batch: all of them, or its shard [lo, lo + rows) in a group.
      std::size_t lo = begin, rows = count;
      bool empty_shard = false;
      if (group != nullptr) {
        const auto r = static_cast<std::size_t>(group->rank()), p = static_cast<std::size_t>(group->size());
        lo = begin + count * r / p;
        rows = begin + count * (r + 1) / p - lo;
        if (rows == 0) {
          // A batch smaller than the group: compute its first row with weight 0, so that this
          // process draws the batch's dropout keys too and its generators stay in step.
          empty_shard = true;
          lo = begin;
          rows = 1;
        }
      }
      resize_buffers(rows);
      for (std::size_t j = 0; j < train_xs.size(); ++j) {
        train_xs[j].gather(order.data() + lo, rows, inputs_[j]);
      }
      for (std::size_t o = 0; o < train_ys.size(); ++o) {
        gather_rows(train_ys[o], order.data() + lo, rows, batch_y_[o]);
        batch_ys[o] = batch_y_[o];
      }
      batch_w.resize(all_weights.empty() ? 0 : rows);
      for (std::size_t r = 0; r < batch_w.size(); ++r) batch_w[r] = all_weights[order[lo + r]];
      const double batch_loss = group != nullptr ? group_train_step(*group, batch_ys, batch_w, empty_shard ? 0 : rows, lo - begin, count)
                                                 : train_step(batch_ys, batch_w, count);
      // The epoch's loss is the mean of batch losses weighted by batch size (Keras' tracker).
      loss_sum += batch_loss * static_cast<double>(count);
      seen += count;
      ctx.logs["loss"] = loss_sum / static_cast<double>(seen);
      for (std::size_t o = 0; several && o < outputs_.size(); ++o) {
        output_loss_sums[o] += outputs_[o].last_loss * static_cast<double>(count);
        ctx.logs[outputs_[o].prefix + "loss"] = output_loss_sums[o] / static_cast<double>(seen);
      }
      metric_logs(ctx.logs);
      for (Callback* c : hooks) c->on_train_batch_end(ctx);
      agree_on_stop();
      if (ctx.stop_training) {
        ctx.epoch_cut_short = ctx.batch + 1 < ctx.steps;
        break;
      }
    }
    if (group != nullptr) group_average_state(*group);
    if (!val_xs.empty()) {
      const Logs val = evaluate_impl(val_xs, val_ys, {.batch_size = opt.batch_size, .sample_weight = val_weights});
      for (const auto& [key, value] : val) ctx.logs["val_" + key] = value;
    }
    if (group != nullptr) {
      // Every process has the same weights and data, so the same logs; rank 0's, to be sure that
      // every callback decides alike.
      std::vector<double> values;
      for (const auto& [key, value] : ctx.logs) values.push_back(value);
      group->broadcast_doubles(values);
      std::size_t k = 0;
      for (auto& [key, value] : ctx.logs) value = values[k++];
    }
    for (Callback* c : hooks) c->on_epoch_end(ctx);
    agree_on_stop();
  }
  if (group != nullptr) group_end(*group);
  for (Callback* c : hooks) c->on_train_end(ctx);
  return history;
}

void Model::resume(const TrainingState& state, const std::vector<Callback*>& callbacks,
                   std::vector<std::size_t>& order, History& history) {
  const std::string at = where("fit") + "cannot resume: ";
  if (state.shuffle_order.size() != order.size()) {
    throw Error(at + "the checkpoint was trained on " + std::to_string(state.shuffle_order.size()) +
                " samples, this data has " + std::to_string(order.size()) + " training samples");
  }
  for (std::size_t i : state.shuffle_order) {
    if (i >= order.size()) throw Error(at + "the checkpoint's sample order is corrupt");
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
  order = state.shuffle_order;
  history.epoch = state.history.epoch;
  history.history = state.history.history;
}

// ---- evaluate and predict ----

Logs Model::evaluate_impl(InputSpan xs, TensorSpan ys, const EvaluateOptions& opt) {
  ensure_ready("evaluate", xs);
  check_data("evaluate", xs, ys);
  const std::string at = where("evaluate");
  if (opt.batch_size == 0) throw Error(at + "batch_size must be positive, got 0");
  const std::size_t n = xs[0].rows();
  if (n == 0) throw Error(at + "no samples");
  if (!opt.sample_weight.empty() && opt.sample_weight.size() != n) {
    throw Error(at + "sample_weight has " + std::to_string(opt.sample_weight.size()) + " values for " +
                std::to_string(n) + " samples");
  }
  reset_metrics();
  const bool several = outputs_.size() > 1;
  std::vector<double> output_sums(outputs_.size(), 0.0);
  Tensors targets(ys.size());
  double loss_sum = 0;
  for (std::size_t begin = 0; begin < n; begin += opt.batch_size) {
    const std::size_t count = std::min(opt.batch_size, n - begin);
    resize_buffers(count);
    for (std::size_t j = 0; j < xs.size(); ++j) xs[j].copy_rows(begin, count, inputs_[j]);
    forward_batch(count, Mode::kInference);
    for (std::size_t o = 0; o < ys.size(); ++o) targets[o] = ys[o].row_range(begin, count);
    const auto w = opt.sample_weight.empty() ? opt.sample_weight : opt.sample_weight.subspan(begin, count);
    loss_sum += batch_loss(targets, w, count) * static_cast<double>(count);
    for (std::size_t o = 0; o < outputs_.size(); ++o) output_sums[o] += outputs_[o].last_loss * static_cast<double>(count);
    update_metrics(targets, w, count);
  }
  Logs logs{{"loss", loss_sum / static_cast<double>(n)}};
  for (std::size_t o = 0; several && o < outputs_.size(); ++o) {
    logs[outputs_[o].prefix + "loss"] = output_sums[o] / static_cast<double>(n);
  }
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
