// SPDX-License-Identifier: MIT
#include "mlp/sequential.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <sstream>

#include "mlp/callbacks/progbar_logger.hpp"
#include "mlp/checkpoint.hpp"
#include "mlp/error.hpp"
#include "mlp/layers/input_layer.hpp"
#include "mlp/ops.hpp"
#include "mlp/optimizers/rmsprop.hpp"

namespace mlp {
namespace {
std::string snake_case(std::string_view kind) {
  std::string s;
  for (std::size_t i = 0; i < kind.size(); ++i) {
    const char c = kind[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      const bool prev_lower = i > 0 && !std::isupper(static_cast<unsigned char>(kind[i - 1]));
      const bool next_lower = i + 1 < kind.size() && !std::isupper(static_cast<unsigned char>(kind[i + 1]));
      if (i > 0 && (prev_lower || next_lower)) s += '_';
      s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      s += c;
    }
  }
  return s;
}

std::string with_thousands(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

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

Sequential::Sequential(ModelOptions options) : options_(std::move(options)) {
  Rng root(options_.seed);
  init_rng_ = root.split();
  noise_rng_ = root.split();
  shuffle_rng_ = root.split();
}

Sequential::Sequential(ModelOptions options, std::vector<std::unique_ptr<Layer>> layers)
    : Sequential(std::move(options)) {
  for (auto& layer : layers) add(std::move(layer));
}

Sequential::~Sequential() = default;

Layer& Sequential::add(std::unique_ptr<Layer> layer) {
  if (!layer) throw Error("Sequential::add: null layer");
  if (built_) throw Error("Sequential::add: the model '" + options_.name + "' is already built");
  if (layer->name().empty()) {
    // Keras 2 names: the class name in snake_case with a counter from 1 (dense_1, dense_2, ...).
    // Names given explicitly (e.g. by a loaded config) are skipped.
    const std::string base = snake_case(layer->kind());
    auto taken = [&](const std::string& n) {
      return std::any_of(layers_.begin(), layers_.end(), [&](const auto& l) { return l->name() == n; });
    };
    std::string name;
    do {
      name = base + "_" + std::to_string(++name_counts_[base]);
    } while (taken(name));
    layer->set_name(name);
  }
  for (const auto& other : layers_) {
    if (other->name() == layer->name()) {
      throw Error("Sequential::add: a layer named '" + layer->name() + "' already exists");
    }
  }
  layers_.push_back(std::move(layer));
  return *layers_.back();
}

void Sequential::build(const Shape& input_shape) {
  if (built_) return;
  if (layers_.empty()) throw Error("Sequential '" + options_.name + "': no layers to build");
  if (input_shape.empty() || features(input_shape) == 0) {
    throw Error("Sequential '" + options_.name + "': input shape " + format_shape(input_shape) +
                " has no features");
  }
  input_shape_ = input_shape;
  Shape shape = input_shape;
  std::size_t weights = 0;  // kMaxModelParams: checked before each layer allocates (Dense checks its kernel)
  for (auto& layer : layers_) {
    if (features(shape) > kMaxModelParams) {
      throw Error("Sequential '" + options_.name + "': layer '" + layer->name() + "' gets input " +
                  format_shape(shape) + ", more than the " + std::to_string(kMaxModelParams) + " features allowed");
    }
    shape = layer->build(shape, init_rng_);
    layer->attach_rng(&noise_rng_);
    weights += layer->count_params();
    if (weights > kMaxModelParams) {
      throw Error("Sequential '" + options_.name + "': " + std::to_string(weights) + " weights up to layer '" +
                  layer->name() + "', more than the " + std::to_string(kMaxModelParams) + " a model may hold");
    }
  }
  // A layer must produce dx only if some layer before it has weights to train.
  needs_dx_.assign(layers_.size(), false);
  bool trainable_before = false;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    needs_dx_[i] = trainable_before;
    if (!layers_[i]->params().empty()) trainable_before = true;
  }
  built_ = true;
}

const Shape& Sequential::output_shape() const {
  if (!built_) throw Error("Sequential '" + options_.name + "': not built yet");
  return layers_.back()->output_shape();
}

void Sequential::compile(CompileOptions options) {
  if (!built_) {
    auto* input = layers_.empty() ? nullptr : dynamic_cast<InputLayer*>(layers_.front().get());
    if (input != nullptr) build(input->options().shape);
  }
  optimizer_ = options.optimizer ? std::move(options.optimizer)
                                 : std::make_unique<RMSprop>(RMSprop::Options{});
  loss_options_ = options.loss;
  loss_ = make_loss(loss_options_);
  metric_names_ = std::move(options.metrics);
  weighted_metric_names_ = std::move(options.weighted_metrics);
  metrics_.clear();
  ready_ = false;
  if (built_) prepare();
}

void Sequential::prepare() {
  // What compile() needs the built model for: metrics resolved against the output width (Keras
  // resolves "accuracy" that way), the optimizer's slots, and softmax/sigmoid fusion with the loss.
  const std::size_t out = features(output_shape());
  metrics_.clear();
  metric_weighted_.clear();
  for (const auto& m : metric_names_) {
    metrics_.push_back(make_metric(m, loss_->name(), out));
    metric_weighted_.push_back(false);
  }
  for (const auto& m : weighted_metric_names_) {
    metrics_.push_back(make_metric(m, loss_->name(), out));
    if (std::find(metric_names_.begin(), metric_names_.end(), m) != metric_names_.end()) {
      metrics_.back()->set_name("weighted_" + m);
    }
    metric_weighted_.push_back(true);
  }
  optimizer_->build(params());
  const ActivationFunction* act = layers_.back()->output_activation();
  fused_ = act != nullptr && !loss_options_.from_logits && loss_->fuses_with(*act);
  layers_.back()->set_fused_output_activation(fused_);
  ready_ = true;
}

void Sequential::ensure_ready(const char* what, std::size_t input_cols) {
  require_compiled(what);
  if (!built_) build(Shape{input_cols});
  if (!ready_) prepare();
}

Optimizer& Sequential::optimizer() {
  require_compiled("optimizer");
  return *optimizer_;
}

const Loss& Sequential::loss() const {
  require_compiled("loss");
  return *loss_;
}

std::vector<Param*> Sequential::params() {
  std::vector<Param*> all;
  for (auto& layer : layers_) {
    if (!layer->trainable()) continue;
    for (Param* p : layer->params()) all.push_back(p);
  }
  return all;
}

std::size_t Sequential::count_params() const {
  std::size_t n = 0;
  for (const auto& layer : layers_) n += layer->count_params();
  return n;
}

std::size_t Sequential::count_trainable_params() const {
  std::size_t n = 0;
  for (const auto& layer : layers_) {
    if (!layer->trainable()) continue;
    for (const Param* p : layer->params()) n += p->value.size();
  }
  return n;
}

void Sequential::require_compiled(const char* what) const {
  if (loss_ == nullptr) {
    throw Error(std::string("Sequential::") + what + ": model '" + options_.name +
                "' is not compiled; call compile() first");
  }
}

void Sequential::check_data(const char* what, ConstMatrixView x, ConstMatrixView y) const {
  // Formatted only on the error path: this runs every batch and must not allocate.
  const auto where = [what] { return std::string("Sequential::") + what + ": "; };
  const std::size_t in = features(input_shape_);
  if (x.cols() != in) {
    throw Error(where() + "x has " + std::to_string(x.cols()) + " features per sample but the model's input " +
                format_shape(input_shape_) + " needs " + std::to_string(in));
  }
  if (y.data() == nullptr) return;
  if (x.rows() != y.rows()) {
    throw Error(where() + "x has " + std::to_string(x.rows()) + " samples but y has " + std::to_string(y.rows()));
  }
  if (loss_->name() == "sparse_categorical_crossentropy") {
    // Class indices index the output row: one outside [0, classes) would read past it.
    const std::size_t classes = features(output_shape());
    for (std::size_t r = 0; r < y.rows() && y.cols() == 1; ++r) {
      const Scalar v = y.row(r)[0];
      if (!(v >= 0 && v < static_cast<Scalar>(classes)) || v != std::floor(v)) {
        const bool whole = v == std::floor(v) && std::abs(v) < Scalar(1e15);
        throw Error(where() + "y[" + std::to_string(r) + "] = " +
                    (whole ? std::to_string(static_cast<long long>(v)) : std::to_string(v)) +
                    " is not a class index in [0, " + std::to_string(classes) + ")");
      }
    }
  }
  const std::size_t want = loss_->target_cols(features(output_shape()));
  if (y.cols() != want) {
    throw Error(where() + "y has " + std::to_string(y.cols()) + " columns but loss '" +
                std::string(loss_->name()) + "' with output " + format_shape(output_shape()) + " needs " +
                std::to_string(want));
  }
}

void Sequential::resize_buffers(std::size_t rows) {
  acts_.resize(layers_.size() + 1);
  grads_.resize(layers_.size() + 1);
  acts_[0].resize(rows, features(input_shape_));
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    acts_[i + 1].resize(rows, features(layers_[i]->output_shape()));
  }
}

ConstMatrixView Sequential::forward_batch(std::size_t rows, Mode mode) {
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    layers_[i]->forward(acts_[i].view().row_range(0, rows), acts_[i + 1].view().row_range(0, rows), mode);
  }
  return acts_.back().view().row_range(0, rows);
}

double Sequential::regularization_loss() const {
  double total = 0;
  for (const auto& layer : layers_) total += layer->regularization_loss();
  return total;
}

void Sequential::gather(ConstMatrixView src, const std::size_t* index, std::size_t count, Matrix& dst) {
  dst.resize(count, src.cols());
  for (std::size_t r = 0; r < count; ++r) {
    std::memcpy(dst.row(r), src.row(index[r]), src.cols() * sizeof(Scalar));
  }
}

double Sequential::compute_gradients(ConstMatrixView x, ConstMatrixView y,
                                     std::span<const Scalar> weights) {
  ensure_ready("compute_gradients", x.cols());
  const std::size_t n = x.rows();
  resize_buffers(n);
  copy(x, acts_[0]);
  ConstMatrixView pred = forward_batch(n, Mode::kTrain);
  const double loss = loss_->value(pred, y, weights, loss_scratch_) + regularization_loss();

  const std::size_t last = layers_.size();
  grads_[last].resize(n, pred.cols());
  if (fused_) {
    loss_->gradient_wrt_logits(pred, y, weights, grads_[last]);
  } else {
    loss_->gradient(pred, y, weights, grads_[last]);
  }
  for (std::size_t i = last; i-- > 0;) {
    MatrixView dx;
    if (needs_dx_[i]) {
      grads_[i].resize(n, acts_[i].cols());
      dx = grads_[i];
    }
    layers_[i]->backward(acts_[i], acts_[i + 1], grads_[i + 1], dx);
  }
  return loss;
}

double Sequential::train_step(ConstMatrixView x, ConstMatrixView y, std::span<const Scalar> weights) {
  const double loss = compute_gradients(x, y, weights);
  const ConstMatrixView pred = acts_.back().view().row_range(0, x.rows());
  update_metrics(pred, y, weights);
  optimizer_->step();
  return loss;
}

void Sequential::update_metrics(ConstMatrixView pred, ConstMatrixView y, std::span<const Scalar> weights) {
  for (std::size_t i = 0; i < metrics_.size(); ++i) {
    metrics_[i]->update(pred, y, metric_weighted_[i] ? weights : std::span<const Scalar>{});
  }
}

void Sequential::make_sample_weights(ConstMatrixView y, std::span<const Scalar> base,
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

History Sequential::fit(ConstMatrixView x, ConstMatrixView y, const FitOptions& opt,
                        const std::vector<Callback*>& callbacks) {
  ensure_ready("fit", x.cols());
  check_data("fit", x, y);
  if (opt.batch_size == 0) throw Error("Sequential::fit: batch_size must be positive, got 0");
  if (opt.epochs < 0 || opt.initial_epoch < 0 || opt.initial_epoch > opt.epochs) {
    throw Error("Sequential::fit: need 0 <= initial_epoch <= epochs, got initial_epoch " +
                std::to_string(opt.initial_epoch) + " and epochs " + std::to_string(opt.epochs));
  }
  if (!(opt.validation_split >= 0 && opt.validation_split < 1)) {
    throw Error("Sequential::fit: validation_split must be in [0, 1), got " +
                std::to_string(opt.validation_split));
  }
  if (!opt.sample_weight.empty() && opt.sample_weight.size() != x.rows()) {
    throw Error("Sequential::fit: sample_weight has " + std::to_string(opt.sample_weight.size()) +
                " values for " + std::to_string(x.rows()) + " samples");
  }
  if (opt.validation_x.has_value() != opt.validation_y.has_value()) {
    throw Error("Sequential::fit: validation_x and validation_y must be given together");
  }

  // Validation data: explicit, or the last fraction of the samples before shuffling (Keras).
  std::size_t n_train = x.rows();
  ConstMatrixView val_x, val_y;
  if (opt.validation_x) {
    val_x = *opt.validation_x;
    val_y = *opt.validation_y;
    check_data("fit (validation data)", val_x, val_y);
  } else if (opt.validation_split > 0) {
    n_train = static_cast<std::size_t>(std::floor(static_cast<double>(x.rows()) * (1.0 - opt.validation_split)));
    val_x = x.row_range(n_train, x.rows() - n_train);
    val_y = y.row_range(n_train, y.rows() - n_train);
    if (val_x.rows() == 0) {
      throw Error("Sequential::fit: validation_split " + std::to_string(opt.validation_split) + " of " +
                  std::to_string(x.rows()) + " samples leaves no validation sample");
    }
  }
  if (n_train == 0) throw Error("Sequential::fit: no training samples");
  ConstMatrixView train_x = x.row_range(0, n_train), train_y = y.row_range(0, n_train);

  std::vector<Scalar> all_weights;
  make_sample_weights(train_y, opt.sample_weight.empty() ? opt.sample_weight : opt.sample_weight.first(n_train),
                      opt.class_weight, all_weights);
  std::span<const Scalar> val_weights;
  if (!opt.validation_x && !opt.sample_weight.empty() && val_x.rows() > 0) {
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
  Matrix batch_x;
  std::vector<Scalar> batch_w;

  for (Callback* c : hooks) c->on_train_begin(ctx);
  int first_epoch = opt.initial_epoch;
  if (ctx.resume) {
    resume(*ctx.resume, callbacks, order, history);
    first_epoch = ctx.resume->epoch;
    ctx.stop_training = ctx.resume->stopped;
  }
  for (ctx.epoch = first_epoch; ctx.epoch < opt.epochs && !ctx.stop_training; ++ctx.epoch) {
    if (opt.shuffle) {
      for (std::size_t i = n_train; i > 1; --i) std::swap(order[i - 1], order[shuffle_rng_.below(i)]);
    }
    for (auto& m : metrics_) m->reset();
    ctx.epoch_cut_short = false;
    ctx.logs.clear();
    ctx.logs["loss"] = 0;
    for (const auto& m : metrics_) ctx.logs[m->name()] = 0;
    for (Callback* c : hooks) c->on_epoch_begin(ctx);

    double loss_sum = 0;
    std::size_t seen = 0;
    for (ctx.batch = 0; ctx.batch < ctx.steps; ++ctx.batch) {
      for (Callback* c : hooks) c->on_train_batch_begin(ctx);
      const std::size_t begin = ctx.batch * opt.batch_size;
      const std::size_t count = std::min(opt.batch_size, n_train - begin);
      gather(train_x, order.data() + begin, count, batch_x);
      gather(train_y, order.data() + begin, count, batch_y_);
      batch_w.resize(all_weights.empty() ? 0 : count);
      for (std::size_t r = 0; r < batch_w.size(); ++r) batch_w[r] = all_weights[order[begin + r]];
      const double batch_loss = train_step(batch_x, batch_y_, batch_w);
      // The epoch's loss is the mean of batch losses weighted by batch size (Keras' tracker).
      loss_sum += batch_loss * static_cast<double>(count);
      seen += count;
      ctx.logs["loss"] = loss_sum / static_cast<double>(seen);
      for (const auto& m : metrics_) ctx.logs[m->name()] = m->result();
      for (Callback* c : hooks) c->on_train_batch_end(ctx);
      if (ctx.stop_training) {
        ctx.epoch_cut_short = ctx.batch + 1 < ctx.steps;
        break;
      }
    }
    if (val_x.rows() > 0) {
      const Logs val = evaluate(val_x, val_y, {.batch_size = opt.batch_size, .sample_weight = val_weights});
      for (const auto& [key, value] : val) ctx.logs["val_" + key] = value;
    }
    for (Callback* c : hooks) c->on_epoch_end(ctx);
  }
  for (Callback* c : hooks) c->on_train_end(ctx);
  return history;
}

void Sequential::resume(const TrainingState& state, const std::vector<Callback*>& callbacks,
                        std::vector<std::size_t>& order, History& history) {
  const std::string where = "Sequential::fit: cannot resume: ";
  if (state.shuffle_order.size() != order.size()) {
    throw Error(where + "the checkpoint was trained on " + std::to_string(state.shuffle_order.size()) +
                " samples, this data has " + std::to_string(order.size()) + " training samples");
  }
  for (std::size_t i : state.shuffle_order) {
    if (i >= order.size()) throw Error(where + "the checkpoint's sample order is corrupt");
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
    throw Error(where + "the checkpoint holds the state of the callbacks " + list(saved_kinds) +
                ", this run's callbacks with state are " + list(kinds));
  }
  for (std::size_t i = 0; i < stateful.size(); ++i) stateful[i]->load_state(state.callbacks[i]);
  order = state.shuffle_order;
  history.epoch = state.history.epoch;
  history.history = state.history.history;
}

double Sequential::train_on_batch(ConstMatrixView x, ConstMatrixView y, std::span<const Scalar> sample_weight) {
  ensure_ready("train_on_batch", x.cols());
  check_data("train_on_batch", x, y);
  if (x.rows() == 0) throw Error("Sequential::train_on_batch: empty batch");
  if (!sample_weight.empty() && sample_weight.size() != x.rows()) {
    throw Error("Sequential::train_on_batch: sample_weight has " + std::to_string(sample_weight.size()) +
                " values for " + std::to_string(x.rows()) + " samples");
  }
  for (auto& m : metrics_) m->reset();
  const ScopedFlushDenormals flush_denormals;
  return train_step(x, y, sample_weight);
}

Logs Sequential::evaluate(ConstMatrixView x, ConstMatrixView y, const EvaluateOptions& opt) {
  ensure_ready("evaluate", x.cols());
  check_data("evaluate", x, y);
  if (opt.batch_size == 0) throw Error("Sequential::evaluate: batch_size must be positive, got 0");
  if (x.rows() == 0) throw Error("Sequential::evaluate: no samples");
  if (!opt.sample_weight.empty() && opt.sample_weight.size() != x.rows()) {
    throw Error("Sequential::evaluate: sample_weight has " + std::to_string(opt.sample_weight.size()) +
                " values for " + std::to_string(x.rows()) + " samples");
  }
  for (auto& m : metrics_) m->reset();
  double loss_sum = 0;
  for (std::size_t begin = 0; begin < x.rows(); begin += opt.batch_size) {
    const std::size_t count = std::min(opt.batch_size, x.rows() - begin);
    resize_buffers(count);
    copy(x.row_range(begin, count), acts_[0]);
    ConstMatrixView pred = forward_batch(count, Mode::kInference);
    ConstMatrixView target = y.row_range(begin, count);
    const auto w = opt.sample_weight.empty() ? opt.sample_weight : opt.sample_weight.subspan(begin, count);
    loss_sum += (loss_->value(pred, target, w, loss_scratch_) + regularization_loss()) * static_cast<double>(count);
    update_metrics(pred, target, w);
  }
  Logs logs{{"loss", loss_sum / static_cast<double>(x.rows())}};
  for (const auto& m : metrics_) logs[m->name()] = m->result();
  return logs;
}

Matrix Sequential::predict(ConstMatrixView x, std::size_t batch_size) {
  if (!built_) throw Error("Sequential::predict: model '" + options_.name + "' is not built");
  check_data("predict", x, ConstMatrixView{});
  if (batch_size == 0) throw Error("Sequential::predict: batch_size must be positive, got 0");
  Matrix out(x.rows(), features(output_shape()));
  for (std::size_t begin = 0; begin < x.rows(); begin += batch_size) {
    const std::size_t count = std::min(batch_size, x.rows() - begin);
    resize_buffers(count);
    copy(x.row_range(begin, count), acts_[0]);
    copy(forward_batch(count, Mode::kInference), out.view().row_range(begin, count));
  }
  return out;
}

std::string Sequential::summary() const {
  // Keras 2's print_summary for sequential models: line length 65, columns end at 29, 55, 65;
  // each field is cut to its column and the character before a column is a space.
  constexpr std::size_t kLine = 65;
  constexpr std::size_t kPositions[] = {29, 55, 65};
  std::ostringstream out;
  auto row = [&](const std::string (&fields)[3]) {
    std::string line;
    for (std::size_t i = 0; i < 3; ++i) {
      if (i > 0) line = line.substr(0, line.size() - 1) + ' ';
      line += fields[i];
      line = line.substr(0, kPositions[i]);
      line += std::string(kPositions[i] - line.size(), ' ');
    }
    out << line << '\n';
  };
  out << std::string(kLine, '_') << '\n';
  row({"Layer (type)", "Output Shape", "Param #"});
  out << std::string(kLine, '=') << '\n';
  std::vector<const Layer*> shown;
  for (const auto& layer : layers_) {
    if (layer->kind() != "InputLayer") shown.push_back(layer.get());
  }
  std::size_t trainable = 0, total = 0;
  for (std::size_t i = 0; i < shown.size(); ++i) {
    auto* layer = const_cast<Layer*>(shown[i]);  // params() is non-const; nothing is modified
    const std::size_t count = layer->count_params();
    total += count;
    if (layer->trainable()) {
      for (const Param* p : layer->params()) trainable += p->value.size();
    }
    const std::string shape = layer->built() ? format_shape(layer->output_shape()) : "multiple";
    row({layer->name() + " (" + std::string(layer->kind()) + ")", shape, std::to_string(count)});
    out << std::string(kLine, i + 1 == shown.size() ? '=' : '_') << '\n';
  }
  if (shown.empty()) out << std::string(kLine, '=') << '\n';
  out << "Total params: " << with_thousands(total) << '\n';
  out << "Trainable params: " << with_thousands(trainable) << '\n';
  out << "Non-trainable params: " << with_thousands(total - trainable) << '\n';
  out << std::string(kLine, '_') << '\n';
  return out.str();
}

}  // namespace mlp
