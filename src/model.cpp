// SPDX-License-Identifier: MIT
#include "mlp/model.hpp"

#include <algorithm>
#include <cmath>

#include "mlp/error.hpp"
#include "mlp/layers/input_layer.hpp"
#include "mlp/ops.hpp"
#include "mlp/optimizers/rmsprop.hpp"
#include "model_detail.hpp"

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

}  // namespace

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
    const std::string base =
        functional_ && layer.kind() == "InputLayer" ? std::string("input") : snake_case(layer.kind());
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
      throw Error(where("add") + "layer '" + layer->name() + "' reads a node that is not in model '" + options_.name +
                  "'");
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
    throw Error("Sequential '" + options_.name + "': input shape " + format_shape(input_shape) + " has no features");
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
    throw Error(who + ": " + std::to_string(weights) + " weights up to layer '" + layer.name() + "', more than the " +
                std::to_string(kMaxModelParams) + " a model may hold");
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
    s.weighted_metric_names =
        per != nullptr && per->weighted_metrics ? *per->weighted_metrics : options.weighted_metrics;
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
    s.fused =
        act != nullptr && !s.loss_options.from_logits && s.loss->fuses_with(*act) && consumers[output_layers_[o]] == 0;
    layer.set_fused_output_activation(s.fused);
  }
  optimizer_->build(params());
  ready_ = true;
}

void Model::ensure_ready(const char* what, InputSpan xs) {
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

}  // namespace mlp
