// SPDX-License-Identifier: MIT
#include "mlp/model.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

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

// Per output: its loss, its weight in the total, its metrics and the log prefix ("" for a model
// with one output, "<output name>_" otherwise).
struct Model::OutputSlot {
  LossOptions loss_options;
  std::unique_ptr<Loss> loss;
  double weight = 1;
  std::vector<std::string> metric_names, weighted_metric_names;
  std::vector<std::unique_ptr<Metric>> metrics;
  std::vector<bool> metric_weighted;  // aligned with metrics
  bool fused = false;
  std::string prefix;
  double last_loss = 0;  // unweighted, of the latest batch
};

Model::Model(ModelOptions options) : Model(std::move(options), true) {}

Model::Model(ModelOptions options, bool functional) : options_(std::move(options)), functional_(functional) {
  if (options_.name.empty()) options_.name = functional_ ? "model_1" : "sequential_1";
  Rng root(options_.seed);
  init_rng_ = root.split();
  noise_rng_ = root.split();
  shuffle_rng_ = root.split();
}

Model::~Model() = default;

std::string Model::where(const char* what) const {
  return std::string(functional_ ? "Model::" : "Sequential::") + what + ": ";
}

std::string Model::name_layer(Layer& layer, std::string name) {
  if (!name.empty()) layer.set_name(std::move(name));
  if (layer.name().empty()) {
    // Keras 2 names: the class name in snake_case with a counter from 1 (dense_1, dense_2, ...).
    // Names given explicitly (e.g. by a loaded config) are skipped.
    const std::string base = functional_ && layer.kind() == "InputLayer" ? std::string("input") : snake_case(layer.kind());
    auto taken = [&](const std::string& n) {
      return std::any_of(layers_.begin(), layers_.end(), [&](const auto& l) { return l->name() == n; });
    };
    std::string generated;
    do {
      generated = base + "_" + std::to_string(++name_counts_[base]);
    } while (taken(generated));
    layer.set_name(generated);
  }
  for (const auto& other : layers_) {
    if (other->name() == layer.name()) {
      throw Error(where("add") + "a layer named '" + layer.name() + "' already exists");
    }
  }
  return layer.name();
}

// ---- Building ----

Node Model::input(const Shape& shape, std::string name) {
  if (!functional_) throw Error("Sequential::input: a Sequential takes its input from add(InputLayer(...))");
  if (built_) throw Error(where("input") + "the model '" + options_.name + "' is already built");
  auto layer = std::make_unique<InputLayer>(InputLayer::Options{.shape = shape});
  name_layer(*layer, std::move(name));
  layer->build(shape, init_rng_);
  layers_.push_back(std::move(layer));
  inbound_.emplace_back();
  input_layers_.push_back(layers_.size() - 1);
  input_shapes_.push_back(shape);
  return Node{layers_.size() - 1};
}

Node Model::add(std::unique_ptr<Layer> layer, const std::vector<Node>& inputs, std::string name) {
  if (!functional_) throw Error("Sequential::add: a Sequential's layers take no inputs; use add(layer)");
  if (!layer) throw Error(where("add") + "null layer");
  if (built_) throw Error(where("add") + "the model '" + options_.name + "' is already built");
  if (layer->kind() == "InputLayer") throw Error(where("add") + "declare inputs with input(shape, name)");
  name_layer(*layer, std::move(name));
  if (inputs.empty()) throw Error(where("add") + "layer '" + layer->name() + "' is called on no input");
  std::vector<std::size_t> from;
  for (const Node& n : inputs) {
    if (n.index >= layers_.size()) {
      throw Error(where("add") + "layer '" + layer->name() + "' reads a node that is not in model '" +
                  options_.name + "'");
    }
    from.push_back(n.index);
  }
  layers_.push_back(std::move(layer));
  inbound_.push_back(std::move(from));
  try {
    build_layer(layers_.size() - 1);
  } catch (...) {
    layers_.pop_back();
    inbound_.pop_back();
    throw;
  }
  return Node{layers_.size() - 1};
}

void Model::set_outputs(const std::vector<Node>& outputs) {
  if (!functional_) throw Error("Sequential::set_outputs: a Sequential's output is its last layer");
  if (built_) throw Error(where("set_outputs") + "the outputs of model '" + options_.name + "' are already set");
  if (input_layers_.empty()) throw Error(where("set_outputs") + "model '" + options_.name + "' has no input");
  if (outputs.empty()) throw Error(where("set_outputs") + "model '" + options_.name + "' needs at least one output");
  std::vector<bool> reaches(layers_.size(), false);
  for (const Node& n : outputs) {
    if (n.index >= layers_.size()) throw Error(where("set_outputs") + "an output is not a node of this model");
    if (reaches[n.index]) throw Error(where("set_outputs") + "layer '" + layers_[n.index]->name() + "' is given twice");
    reaches[n.index] = true;
    output_layers_.push_back(n.index);
  }
  for (std::size_t i = layers_.size(); i-- > 0;) {
    if (!reaches[i]) continue;
    for (std::size_t from : inbound_[i]) reaches[from] = true;
  }
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (reaches[i]) continue;
    output_layers_.clear();
    const bool is_input = std::find(input_layers_.begin(), input_layers_.end(), i) != input_layers_.end();
    throw Error(where("set_outputs") + (is_input ? "input '" : "layer '") + layers_[i]->name() +
                "' does not lead to any output");
  }
  finish_build();
}

Layer& Model::append(std::unique_ptr<Layer> layer, const char* who) {
  if (!layer) throw Error(std::string(who) + ": null layer");
  if (built_) throw Error(std::string(who) + ": the model '" + options_.name + "' is already built");
  name_layer(*layer, {});
  const bool first = layers_.empty();
  if (first && layer->kind() == "InputLayer") input_layers_.push_back(0);
  inbound_.push_back(first ? std::vector<std::size_t>{} : std::vector<std::size_t>{layers_.size() - 1});
  layers_.push_back(std::move(layer));
  return *layers_.back();
}

void Model::build_chain(const Shape& input_shape) {
  if (built_) return;
  if (layers_.empty()) throw Error("Sequential '" + options_.name + "': no layers to build");
  if (input_shape.empty() || features(input_shape) == 0) {
    throw Error("Sequential '" + options_.name + "': input shape " + format_shape(input_shape) +
                " has no features");
  }
  input_shapes_ = {input_shape};
  for (std::size_t i = 0; i < layers_.size(); ++i) build_layer(i);
  output_layers_ = {layers_.size() - 1};
  finish_build();
}

void Model::build(const Shape& input_shape) {
  if (!functional_) return build_chain(input_shape);
  if (!built_) throw Error("Model::build: model '" + options_.name + "' is built by set_outputs()");
  if (input_shapes_.size() != 1 || input_shapes_[0] != input_shape) {
    throw Error("Model::build: model '" + options_.name + "' was built for other inputs than " +
                format_shape(input_shape));
  }
}

void Model::build_layer(std::size_t i) {
  Layer& layer = *layers_[i];
  const std::string who = functional_ ? "Model '" + options_.name + "'" : "Sequential '" + options_.name + "'";
  std::vector<Shape> shapes;
  if (inbound_[i].empty()) {
    shapes.push_back(input_shapes_.at(0));  // a Sequential's first layer
  } else {
    for (std::size_t from : inbound_[i]) shapes.push_back(layers_[from]->output_shape());
  }
  // kMaxModelParams: checked before each layer allocates (Dense checks its kernel too).
  for (const Shape& shape : shapes) {
    if (features(shape) > kMaxModelParams) {
      throw Error(who + ": layer '" + layer.name() + "' gets input " + format_shape(shape) + ", more than the " +
                  std::to_string(kMaxModelParams) + " features allowed");
    }
  }
  layer.build_inputs(shapes, init_rng_);
  layer.attach_rng(&noise_rng_);
  std::size_t weights = 0;
  for (std::size_t k = 0; k <= i; ++k) weights += layers_[k]->count_params();
  if (weights > kMaxModelParams) {
    throw Error(who + ": " + std::to_string(weights) + " weights up to layer '" + layer.name() +
                "', more than the " + std::to_string(kMaxModelParams) + " a model may hold");
  }
}

void Model::finish_build() {
  const std::size_t n = layers_.size();
  input_of_layer_.assign(n, -1);
  for (std::size_t j = 0; j < input_layers_.size(); ++j) input_of_layer_[input_layers_[j]] = static_cast<int>(j);
  if (!functional_ && input_layers_.size() == 1) input_shapes_ = {layers_[0]->output_shape()};
  // A layer's output needs a gradient only if it or some layer before it has weights to train.
  needs_grad_.assign(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    bool needs = !layers_[i]->params().empty();
    for (std::size_t from : inbound_[i]) needs = needs || needs_grad_[from];
    needs_grad_[i] = needs;
  }
  built_ = true;
}

const Shape& Model::input_shape() const {
  static const Shape kUnbuilt;  // a Sequential not built yet has no input shape
  if (input_shapes_.empty()) return kUnbuilt;
  if (input_shapes_.size() != 1) {
    throw Error("Model '" + options_.name + "': " + std::to_string(input_shapes_.size()) + " inputs, not one");
  }
  return input_shapes_[0];
}

const Shape& Model::output_shape() const {
  if (!built_) throw Error((functional_ ? "Model '" : "Sequential '") + options_.name + "': not built yet");
  if (output_layers_.size() != 1) {
    throw Error("Model '" + options_.name + "': " + std::to_string(output_layers_.size()) + " outputs, not one");
  }
  return layers_[output_layers_[0]]->output_shape();
}

std::vector<Shape> Model::output_shapes() const {
  std::vector<Shape> shapes;
  for (std::size_t i : output_layers_) shapes.push_back(layers_[i]->output_shape());
  return shapes;
}

std::vector<std::string> Model::output_names() const {
  std::vector<std::string> names;
  for (std::size_t i : output_layers_) names.push_back(layers_[i]->name());
  return names;
}

// ---- Compiling ----

void Model::compile(CompileOptions options) {
  if (!built_) {
    if (functional_) {
      throw Error("Model::compile: model '" + options_.name + "' has no outputs yet; call set_outputs() first");
    }
    auto* input = layers_.empty() ? nullptr : dynamic_cast<InputLayer*>(layers_.front().get());
    if (input != nullptr) build_chain(input->options().shape);
  }
  const std::size_t n_out = built_ ? output_layers_.size() : 1;
  // Per-output settings, by position or by output name.
  std::vector<const OutputCompileOptions*> per_output(n_out, nullptr);
  const bool by_name = std::any_of(options.outputs.begin(), options.outputs.end(),
                                   [](const OutputCompileOptions& o) { return !o.output.empty(); });
  if (by_name) {
    for (const OutputCompileOptions& o : options.outputs) {
      std::size_t k = 0;
      while (k < n_out && (!built_ || layers_[output_layers_[k]]->name() != o.output)) ++k;
      if (o.output.empty() || k == n_out) {
        std::string names;
        for (std::size_t j = 0; built_ && j < n_out; ++j) names += (j ? ", " : "") + layers_[output_layers_[j]]->name();
        throw Error(where("compile") + "'" + o.output + "' is not an output of model '" + options_.name +
                    "'; its outputs: " + names);
      }
      if (per_output[k] != nullptr) throw Error(where("compile") + "output '" + o.output + "' is given twice");
      per_output[k] = &o;
    }
  } else if (!options.outputs.empty()) {
    if (options.outputs.size() != n_out) {
      throw Error(where("compile") + "settings for " + std::to_string(options.outputs.size()) +
                  " outputs, but model '" + options_.name + "' has " + std::to_string(n_out));
    }
    for (std::size_t o = 0; o < n_out; ++o) per_output[o] = &options.outputs[o];
  }
  std::vector<OutputSlot> slots(n_out);
  for (std::size_t o = 0; o < n_out; ++o) {
    const OutputCompileOptions* per = per_output[o];
    OutputSlot& s = slots[o];
    s.loss_options = per != nullptr && per->loss ? *per->loss : options.loss;
    s.loss = make_loss(s.loss_options);
    s.weight = per != nullptr ? per->loss_weight : 1.0;
    if (!std::isfinite(s.weight) || s.weight < 0) {
      throw Error(where("compile") + "loss weight of output " + std::to_string(o) + " must be finite and >= 0, got " +
                  std::to_string(s.weight));
    }
    s.metric_names = per != nullptr && per->metrics ? *per->metrics : options.metrics;
    s.weighted_metric_names = per != nullptr && per->weighted_metrics ? *per->weighted_metrics : options.weighted_metrics;
  }
  optimizer_ = options.optimizer ? std::move(options.optimizer) : std::make_unique<RMSprop>(RMSprop::Options{});
  outputs_ = std::move(slots);
  ready_ = false;
  if (built_) prepare();
}

void Model::prepare() {
  // What compile() needs the built model for: metrics resolved against the output width (Keras
  // resolves "accuracy" that way), the optimizer's slots, and softmax/sigmoid fusion with the loss.
  std::vector<std::size_t> consumers(layers_.size(), 0);
  for (const auto& from : inbound_) {
    for (std::size_t f : from) ++consumers[f];
  }
  const bool several = output_layers_.size() > 1;
  for (std::size_t o = 0; o < outputs_.size(); ++o) {
    OutputSlot& s = outputs_[o];
    Layer& layer = *layers_[output_layers_[o]];
    s.prefix = several ? layer.name() + "_" : std::string();
    const std::size_t out = features(layer.output_shape());
    s.metrics.clear();
    s.metric_weighted.clear();
    for (const auto& m : s.metric_names) {
      s.metrics.push_back(make_metric(m, s.loss->name(), out));
      s.metrics.back()->set_name(s.prefix + s.metrics.back()->name());
      s.metric_weighted.push_back(false);
    }
    for (const auto& m : s.weighted_metric_names) {
      s.metrics.push_back(make_metric(m, s.loss->name(), out));
      const bool both = std::find(s.metric_names.begin(), s.metric_names.end(), m) != s.metric_names.end();
      s.metrics.back()->set_name(s.prefix + (both ? "weighted_" : "") + s.metrics.back()->name());
      s.metric_weighted.push_back(true);
    }
    // Fusing hands the layer dL/d(pre-activation); only valid when the loss is its only reader.
    const ActivationFunction* act = layer.output_activation();
    s.fused = act != nullptr && !s.loss_options.from_logits && s.loss->fuses_with(*act) &&
              consumers[output_layers_[o]] == 0;
    layer.set_fused_output_activation(s.fused);
  }
  optimizer_->build(params());
  ready_ = true;
}

void Model::ensure_ready(const char* what, TensorSpan xs) {
  require_compiled(what);
  if (!built_ && xs.size() == 1) build_chain(Shape{xs[0].cols()});
  if (!ready_) prepare();
}

Optimizer& Model::optimizer() {
  require_compiled("optimizer");
  return *optimizer_;
}

const Loss& Model::loss(std::size_t o) const {
  require_compiled("loss");
  return *outputs_.at(o).loss;
}

const LossOptions& Model::loss_options(std::size_t o) const {
  require_compiled("loss_options");
  return outputs_.at(o).loss_options;
}

double Model::loss_weight(std::size_t o) const {
  require_compiled("loss_weight");
  return outputs_.at(o).weight;
}

const std::vector<std::string>& Model::metric_names(std::size_t o) const {
  require_compiled("metric_names");
  return outputs_.at(o).metric_names;
}

const std::vector<std::string>& Model::weighted_metric_names(std::size_t o) const {
  require_compiled("weighted_metric_names");
  return outputs_.at(o).weighted_metric_names;
}

std::vector<Param*> Model::params() {
  std::vector<Param*> all;
  for (auto& layer : layers_) {
    if (!layer->trainable()) continue;
    for (Param* p : layer->params()) all.push_back(p);
  }
  return all;
}

std::size_t Model::count_params() const {
  std::size_t n = 0;
  for (const auto& layer : layers_) n += layer->count_params();
  return n;
}

std::size_t Model::count_trainable_params() const {
  std::size_t n = 0;
  for (const auto& layer : layers_) {
    if (!layer->trainable()) continue;
    for (const Param* p : layer->params()) n += p->value.size();
  }
  return n;
}

void Model::require_compiled(const char* what) const {
  if (outputs_.empty()) {
    throw Error(where(what) + "model '" + options_.name + "' is not compiled; call compile() first");
  }
}

// ---- Data checks ----

void Model::check_data(const char* what, TensorSpan xs, TensorSpan ys) const {
  // Formatted only on the error path: this runs every batch and must not allocate.
  const auto at = [&] { return where(what); };
  const bool one_in = input_shapes_.size() == 1, one_out = output_layers_.size() == 1;
  const auto input_name = [&](std::size_t j) {
    return one_in ? std::string("x") : "input '" + layers_[input_layers_[j]]->name() + "'";
  };
  const auto target_name = [&](std::size_t o) {
    return one_out ? std::string("y") : "the target of output '" + layers_[output_layers_[o]]->name() + "'";
  };
  if (xs.size() != input_shapes_.size()) {
    throw Error(at() + std::to_string(xs.size()) + " input matrices for a model with " +
                std::to_string(input_shapes_.size()) + " inputs");
  }
  for (std::size_t j = 0; j < xs.size(); ++j) {
    const std::size_t in = features(input_shapes_[j]);
    if (xs[j].cols() != in) {
      throw Error(at() + input_name(j) + " has " + std::to_string(xs[j].cols()) +
                  " features per sample but the model's input " + format_shape(input_shapes_[j]) + " needs " +
                  std::to_string(in));
    }
    if (xs[j].rows() != xs[0].rows()) {
      throw Error(at() + input_name(j) + " has " + std::to_string(xs[j].rows()) + " samples but " +
                  input_name(0) + " has " + std::to_string(xs[0].rows()));
    }
  }
  if (ys.empty()) return;
  if (ys.size() != output_layers_.size()) {
    throw Error(at() + std::to_string(ys.size()) + " target matrices for a model with " +
                std::to_string(output_layers_.size()) + " outputs");
  }
  for (std::size_t o = 0; o < ys.size(); ++o) {
    const ConstMatrixView y = ys[o];
    const Loss& loss = *outputs_[o].loss;
    const Shape& out_shape = layers_[output_layers_[o]]->output_shape();
    if (xs[0].rows() != y.rows()) {
      throw Error(at() + input_name(0) + " has " + std::to_string(xs[0].rows()) + " samples but " + target_name(o) +
                  " has " + std::to_string(y.rows()));
    }
    if (loss.name() == "sparse_categorical_crossentropy") {
      // Class indices index the output row: one outside [0, classes) would read past it.
      const std::size_t classes = features(out_shape);
      for (std::size_t r = 0; r < y.rows() && y.cols() == 1; ++r) {
        const Scalar v = y.row(r)[0];
        if (!(v >= 0 && v < static_cast<Scalar>(classes)) || v != std::floor(v)) {
          const bool whole = v == std::floor(v) && std::abs(v) < Scalar(1e15);
          throw Error(at() + (one_out ? "y" : target_name(o)) + "[" + std::to_string(r) + "] = " +
                      (whole ? std::to_string(static_cast<long long>(v)) : std::to_string(v)) +
                      " is not a class index in [0, " + std::to_string(classes) + ")");
        }
      }
    }
    const std::size_t want = loss.target_cols(features(out_shape));
    if (y.cols() != want) {
      throw Error(at() + target_name(o) + " has " + std::to_string(y.cols()) + " columns but loss '" +
                  std::string(loss.name()) + "' with output " + format_shape(out_shape) + " needs " +
                  std::to_string(want));
    }
  }
}

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

double Model::compute_gradients_impl(TensorSpan xs, TensorSpan ys, std::span<const Scalar> weights) {
  ensure_ready("compute_gradients", xs);
  check_data("compute_gradients", xs, ys);
  const std::size_t n = xs[0].rows();
  resize_buffers(n);
  for (std::size_t j = 0; j < xs.size(); ++j) copy(xs[j], inputs_[j]);
  forward_batch(n, Mode::kTrain);
  const double loss = batch_loss(ys, weights, n);
  backward_batch(ys, weights, n);
  return loss;
}

double Model::train_on_batch_impl(TensorSpan xs, TensorSpan ys, std::span<const Scalar> sample_weight) {
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
  for (std::size_t j = 0; j < xs.size(); ++j) copy(xs[j], inputs_[j]);
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

History Model::fit_impl(TensorSpan xs, TensorSpan ys, const FitOptions& opt,
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
  Tensors val_xs, val_ys;
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
    for (ConstMatrixView x : xs) val_xs.push_back(x.row_range(n_train, n_all - n_train));
    for (ConstMatrixView y : ys) val_ys.push_back(y.row_range(n_train, n_all - n_train));
  }
  if (n_train == 0) throw Error(at + "no training samples");
  Tensors train_xs, train_ys;
  for (ConstMatrixView x : xs) train_xs.push_back(x.row_range(0, n_train));
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
  for (ctx.epoch = first_epoch; ctx.epoch < opt.epochs && !ctx.stop_training; ++ctx.epoch) {
    if (opt.shuffle) {
      for (std::size_t i = n_train; i > 1; --i) std::swap(order[i - 1], order[shuffle_rng_.below(i)]);
    }
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
      resize_buffers(count);
      for (std::size_t j = 0; j < train_xs.size(); ++j) {
        gather_rows(train_xs[j], order.data() + begin, count, inputs_[j]);
      }
      for (std::size_t o = 0; o < train_ys.size(); ++o) {
        gather_rows(train_ys[o], order.data() + begin, count, batch_y_[o]);
        batch_ys[o] = batch_y_[o];
      }
      batch_w.resize(all_weights.empty() ? 0 : count);
      for (std::size_t r = 0; r < batch_w.size(); ++r) batch_w[r] = all_weights[order[begin + r]];
      const double batch_loss = train_step(batch_ys, batch_w, count);
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
      if (ctx.stop_training) {
        ctx.epoch_cut_short = ctx.batch + 1 < ctx.steps;
        break;
      }
    }
    if (!val_xs.empty()) {
      const Logs val = evaluate_impl(val_xs, val_ys, {.batch_size = opt.batch_size, .sample_weight = val_weights});
      for (const auto& [key, value] : val) ctx.logs["val_" + key] = value;
    }
    for (Callback* c : hooks) c->on_epoch_end(ctx);
  }
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

Logs Model::evaluate_impl(TensorSpan xs, TensorSpan ys, const EvaluateOptions& opt) {
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
    for (std::size_t j = 0; j < xs.size(); ++j) copy(xs[j].row_range(begin, count), inputs_[j]);
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

std::vector<Matrix> Model::predict_impl(TensorSpan xs, std::size_t batch_size) {
  if (!built_) throw Error(where("predict") + "model '" + options_.name + "' is not built");
  check_data("predict", xs, TensorSpan{});
  if (batch_size == 0) throw Error(where("predict") + "batch_size must be positive, got 0");
  const std::size_t n = xs[0].rows();
  std::vector<Matrix> out;
  for (std::size_t i : output_layers_) out.emplace_back(n, features(layers_[i]->output_shape()));
  for (std::size_t begin = 0; begin < n; begin += batch_size) {
    const std::size_t count = std::min(batch_size, n - begin);
    resize_buffers(count);
    for (std::size_t j = 0; j < xs.size(); ++j) copy(xs[j].row_range(begin, count), inputs_[j]);
    forward_batch(count, Mode::kInference);
    for (std::size_t o = 0; o < out.size(); ++o) {
      copy(output_view(output_layers_[o], count), out[o].view().row_range(begin, count));
    }
  }
  return out;
}

Matrix Model::predict(ConstMatrixView x, std::size_t batch_size) {
  if (built_ && output_layers_.size() != 1) {
    throw Error(where("predict") + "model '" + options_.name + "' has " + std::to_string(output_layers_.size()) +
                " outputs; pass its inputs as Tensors to get them all");
  }
  return std::move(predict_impl({&x, 1}, batch_size).front());
}

}  // namespace mlp
