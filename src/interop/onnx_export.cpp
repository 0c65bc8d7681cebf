// SPDX-License-Identifier: MIT
// The ONNX exporter: walks the model's layers in their topological order and emits, per layer,
// the ops of include/mlp/interop/onnx.hpp's table. Each layer's result is one tensor named after
// the layer (intermediate tensors "<layer>/<op>"); layers that are the identity at inference add
// no node and pass their input's tensor on.
#include <cmath>
#include <typeinfo>

#include "mlp/error.hpp"
#include "mlp/interop/onnx.hpp"
#include "mlp/io/files.hpp"
#include "mlp/layers/activation.hpp"
#include "mlp/layers/alpha_dropout.hpp"
#include "mlp/layers/batch_normalization.hpp"
#include "mlp/layers/dense.hpp"
#include "mlp/layers/dropout.hpp"
#include "mlp/layers/flatten.hpp"
#include "mlp/layers/gaussian_noise.hpp"
#include "mlp/layers/input_layer.hpp"
#include "mlp/layers/leaky_relu.hpp"
#include "mlp/layers/merge.hpp"
#include "onnx_activation.hpp"
#include "onnx_graph.hpp"

namespace mlp {
namespace {
using onnx_export::Attribute;
using onnx_export::OnnxGraph;

constexpr std::string_view kExportable[] = {
    "InputLayer",         "Flatten",     "Dense", "Activation", "Dropout", "AlphaDropout", "GaussianNoise", "LeakyReLU",
    "BatchNormalization", "Concatenate", "Add",   "Average",    "Multiply"};

[[noreturn]] void refuse(const Layer& layer) {
  const std::string where = "ONNX export: layer '" + layer.name() + "' (" + std::string(layer.kind()) + ")";
  std::string list;
  for (std::string_view k : kExportable) {
    if (k == layer.kind()) {
      throw Error(where + " is a class derived from mlp's " + std::string(k) +
                  ", whose computation export cannot know; only mlp's own layers are exported");
    }
    list += (list.empty() ? "" : ", ") + std::string(k);
  }
  throw Error(where + " has no ONNX mapping; exportable layers: " + list);
}

template <class L>
bool is(const Layer& layer) {
  return typeid(layer) == typeid(L);  // exactly L: a derived class may compute something else
}

std::vector<float> to_floats(const Matrix& m) {
  std::vector<float> out(m.size());
  for (std::size_t k = 0; k < m.size(); ++k) out[k] = static_cast<float>(m.data()[k]);
  return out;
}

// Inference BatchNormalization as y = x·a + s per channel: a = γ/√(σ² + ε), s = β − μ·a (double).
struct BatchNormAffine {
  std::vector<double> a, s;
};
BatchNormAffine affine_of(BatchNormalization& bn) {
  const std::size_t c = bn.moving_mean().value.size();
  BatchNormAffine out{std::vector<double>(c), std::vector<double>(c)};
  const auto& o = bn.options();
  for (std::size_t k = 0; k < c; ++k) {
    const double gamma = o.scale ? static_cast<double>(bn.gamma().value.data()[k]) : 1.0;
    const double beta = o.center ? static_cast<double>(bn.beta().value.data()[k]) : 0.0;
    const double mean = static_cast<double>(bn.moving_mean().value.data()[k]);
    out.a[k] = gamma / std::sqrt(static_cast<double>(bn.moving_variance().value.data()[k]) + o.epsilon);
    out.s[k] = beta - mean * out.a[k];
  }
  return out;
}

class Exporter {
 public:
  Exporter(const Model& model, const OnnxExportOptions& options, onnx::GraphProto& graph)
      : model_(model), options_(options), g_(graph), tensor_(model.layers().size()) {}

  void run() {
    find_folds();
    add_inputs();
    const auto& layers = model_.layers();
    for (std::size_t i = 0; i < layers.size(); ++i) {
      if (!is<InputLayer>(*layers[i])) emit(i);  // an input's tensor is set by add_inputs
    }
    add_outputs();
  }

 private:
  const Model& model_;
  const OnnxExportOptions& options_;
  OnnxGraph g_;
  std::vector<std::string> tensor_;     // per layer: the tensor holding its output
  std::string implicit_input_;          // a Sequential without InputLayer: what its first layer reads
  std::vector<std::size_t> fold_into_;  // per Dense: the BatchNormalization folded into it, or npos

  bool is_output(std::size_t i) const {
    const auto& outs = model_.output_layers();
    return std::find(outs.begin(), outs.end(), i) != outs.end();
  }
  // A layer's result name: its own, unless it is an output that output_scale still multiplies.
  std::string base(std::size_t i) const {
    const std::string& name = model_.layers()[i]->name();
    return is_output(i) && options_.output_scale != 1 ? name + "/unscaled" : name;
  }
  std::size_t rank(std::size_t i) const { return model_.layers()[i]->output_shape().size() + 1; }

  // A BatchNormalization folds into its Dense when that Dense is linear, read by it alone and not
  // an output: nothing else can see the unnormalised values.
  void find_folds() {
    const auto& layers = model_.layers();
    fold_into_.assign(layers.size(), std::string::npos);
    if (!options_.fold_batch_normalization) return;
    std::vector<std::size_t> readers(layers.size(), 0);
    for (std::size_t i = 0; i < layers.size(); ++i) {
      for (std::size_t from : model_.inbound(i)) ++readers[from];
    }
    for (std::size_t i = 0; i < layers.size(); ++i) {
      if (!is<BatchNormalization>(*layers[i]) || model_.inbound(i).size() != 1) continue;
      const std::size_t d = model_.inbound(i)[0];
      if (!is<Dense>(*layers[d]) || readers[d] != 1 || is_output(d)) continue;
      if (static_cast<const Dense&>(*layers[d]).options().activation != "linear") continue;
      fold_into_[d] = i;
    }
  }

  std::vector<std::string> input_names() const {
    std::vector<std::string> names;
    for (std::size_t i : model_.input_layers()) names.push_back(model_.layers()[i]->name());
    if (names.empty()) names.push_back(model_.layers().at(0)->name() + "_input");  // Keras 2's name
    return names;
  }

  void add_inputs() {
    const std::vector<std::string> names = input_names();
    const auto& shapes = model_.input_shapes();
    if (!options_.input_scaling.empty() && options_.input_scaling.size() != shapes.size()) {
      throw Error("ONNX export: " + std::to_string(options_.input_scaling.size()) + " input scalings for " +
                  std::to_string(shapes.size()) + " model inputs");
    }
    for (std::size_t j = 0; j < shapes.size(); ++j) {
      g_.add_input(g_.claim(names[j]), shapes[j]);
      std::string t = names[j];
      if (!options_.input_scaling.empty()) t = scale_input(t, shapes[j], options_.input_scaling[j]);
      if (model_.input_layers().empty()) {
        implicit_input_ = t;
      } else {
        tensor_[model_.input_layers()[j]] = t;
      }
    }
  }

  // x·scale − shift, with a scalar where every feature shares the value, and no op where it is 1 / 0.
  std::string scale_input(const std::string& in, const Shape& shape, const ColumnScaling& s) {
    const std::size_t f = features(shape);
    if (s.scale.size() != f || s.shift.size() != f) {
      throw Error("ONNX export: input '" + in + "' " + format_shape(shape) + " has " + std::to_string(f) +
                  " features, its scaling has " + std::to_string(s.scale.size()) + " scales and " +
                  std::to_string(s.shift.size()) + " shifts");
    }
    std::vector<std::int64_t> dims(shape.begin(), shape.end());
    auto term = [&](const std::vector<Scalar>& v, Scalar neutral, const char* op, const char* what,
                    const std::string& x) {
      std::vector<float> values(v.begin(), v.end());
      const bool uniform = std::all_of(values.begin(), values.end(), [&](float e) { return e == values[0]; });
      if (uniform && values[0] == static_cast<float>(neutral)) return x;
      const std::string c =
          uniform ? g_.scalar(in + "/" + what, values[0]) : g_.constant(in + "/" + what, dims, values);
      return g_.node(op, {x, c}, in + "/" + (op == std::string("Mul") ? "scaled" : "shifted"));
    };
    if (f == 0) return in;
    return term(s.shift, 0, "Sub", "shift", term(s.scale, 1, "Mul", "scale", in));
  }

  std::vector<std::string> inputs_of(std::size_t i) const {
    std::vector<std::string> in;
    for (std::size_t from : model_.inbound(i)) in.push_back(tensor_[from]);
    if (in.empty()) in.push_back(implicit_input_);  // a Sequential's first layer
    return in;
  }

  void emit(std::size_t i) {
    Layer& layer = *model_.layers()[i];
    const std::vector<std::string> in = inputs_of(i);
    const std::string out = base(i);
    std::string& result = tensor_[i];
    if (is<Dense>(layer)) {
      const std::size_t bn = fold_into_[i];
      result = dense(static_cast<Dense&>(layer), in[0], bn == std::string::npos ? out : base(bn),
                     bn == std::string::npos ? nullptr : &static_cast<BatchNormalization&>(*model_.layers()[bn]));
    } else if (is<BatchNormalization>(layer)) {
      const bool folded = !model_.inbound(i).empty() && fold_into_[model_.inbound(i)[0]] == i;
      result = folded ? in[0] : batch_norm(static_cast<BatchNormalization&>(layer), in[0], out, rank(i));
    } else if (is<Activation>(layer)) {
      result = onnx_export::activation(
          g_, ActivationFunction::from_name(static_cast<Activation&>(layer).options().activation), in[0], out,
          model_.layers()[i]->output_shape());
    } else if (is<LeakyReLU>(layer)) {
      const auto slope = static_cast<float>(static_cast<LeakyReLU&>(layer).options().negative_slope);
      result = g_.node("LeakyRelu", in, out, {{"alpha", slope}});
    } else if (is<Flatten>(layer)) {
      result = layer.input_shape().size() > 1 ? g_.node("Flatten", in, out, {{"axis", std::int64_t{1}}}) : in[0];
    } else if (is<Dropout>(layer) || is<AlphaDropout>(layer) || is<GaussianNoise>(layer)) {
      result = in[0];
    } else if (is<Concatenate>(layer)) {
      result = g_.node("Concat", in, out, {{"axis", static_cast<std::int64_t>(rank(i) - 1)}});
    } else if (is<Add>(layer)) {
      result = g_.node(in.size() == 2 ? "Add" : "Sum", in, out);
    } else if (is<Average>(layer)) {
      // OpenCV 4.6 has no Mean op; Sum then the product by 1/K is also what mlp computes.
      const std::string sum = g_.node("Sum", in, out + "/Sum");
      const std::string inv = g_.scalar(out + "/inverse_count", 1.0f / static_cast<float>(in.size()));
      result = g_.node("Mul", {sum, inv}, out);
    } else if (is<Multiply>(layer)) {
      std::string acc = in[0];
      for (std::size_t k = 1; k < in.size(); ++k)
        acc = g_.node("Mul", {acc, in[k]}, k + 1 == in.size() ? out : out + "/Mul");
      result = acc;
    } else {
      refuse(layer);
    }
  }

  // Gemm(x, Wᵀ, b, transB = 1): OpenCV 4.6 cannot load a Gemm whose constant kernel is not
  // transposed, and every runtime reads this form. A folded BatchNormalization scales the columns.
  std::string dense(Dense& d, const std::string& x, const std::string& out, BatchNormalization* bn) {
    const Matrix& w = d.kernel().value;  // (I, O)
    const std::size_t in = w.rows(), units = w.cols();
    BatchNormAffine fold;
    if (bn != nullptr) fold = affine_of(*bn);
    std::vector<float> wt(in * units);
    for (std::size_t r = 0; r < in; ++r) {
      for (std::size_t c = 0; c < units; ++c) {
        const double v = static_cast<double>(w.row(r)[c]);
        wt[c * in + r] = static_cast<float>(bn != nullptr ? v * fold.a[c] : v);
      }
    }
    const std::string name = d.name();
    std::vector<std::string> args{
        x, g_.constant(name + "/kernel", {static_cast<std::int64_t>(units), static_cast<std::int64_t>(in)}, wt)};
    if (d.options().use_bias || bn != nullptr) {
      std::vector<float> b(units);
      for (std::size_t c = 0; c < units; ++c) {
        const double v = d.options().use_bias ? static_cast<double>(d.bias().value.data()[c]) : 0.0;
        b[c] = static_cast<float>(bn != nullptr ? v * fold.a[c] + fold.s[c] : v);
      }
      args.push_back(g_.constant(name + "/bias", {static_cast<std::int64_t>(units)}, b));
    }
    const ActivationFunction act = ActivationFunction::from_name(d.options().activation);
    const bool linear = act.kind == ActivationKind::kLinear;
    const std::string z = g_.node("Gemm", args, linear ? out : out + "/Gemm", {{"transB", std::int64_t{1}}});
    return linear ? z : onnx_export::activation(g_, act, z, out, d.output_shape());
  }

  std::string batch_norm(BatchNormalization& bn, const std::string& x, const std::string& out, std::size_t rank) {
    const std::size_t c = bn.moving_mean().value.size();
    const auto dims = std::vector<std::int64_t>{static_cast<std::int64_t>(c)};
    const std::string name = bn.name();
    if (rank == 2) {  // ONNX's BatchNormalization normalises axis 1, which is the channel axis here
      const auto& o = bn.options();
      const std::vector<float> ones(c, 1.0f), zeros(c, 0.0f);
      const std::string gamma = g_.constant(name + "/gamma", dims, o.scale ? to_floats(bn.gamma().value) : ones);
      const std::string beta = g_.constant(name + "/beta", dims, o.center ? to_floats(bn.beta().value) : zeros);
      const std::string mean = g_.constant(name + "/moving_mean", dims, to_floats(bn.moving_mean().value));
      const std::string var = g_.constant(name + "/moving_variance", dims, to_floats(bn.moving_variance().value));
      return g_.node("BatchNormalization", {x, gamma, beta, mean, var}, out,
                     {{"epsilon", static_cast<float>(o.epsilon)}});
    }
    // y = x·a + s along the last axis, with a and s repeated to the whole sample shape: OpenCV 4.6
    // broadcasts a 1-D constant along axis 1 (its channel axis), not along the last as ONNX says.
    const BatchNormAffine f = affine_of(bn);
    const Shape& shape = bn.input_shape();
    std::vector<float> a(features(shape)), s(a.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
      a[k] = static_cast<float>(f.a[k % c]);
      s[k] = static_cast<float>(f.s[k % c]);
    }
    const std::vector<std::int64_t> full(shape.begin(), shape.end());
    const std::string scaled = g_.node("Mul", {x, g_.constant(name + "/scale", full, a)}, out + "/Mul");
    return g_.node("Add", {scaled, g_.constant(name + "/shift", full, s)}, out);
  }

  void add_outputs() {
    const auto& outs = model_.output_layers();
    if (outs.empty()) throw Error("ONNX export: the model has no outputs (is it built?)");
    for (std::size_t i : outs) {
      const Layer& layer = *model_.layers()[i];
      std::string t = tensor_[i];
      if (options_.output_scale != 1) {
        const std::string s = g_.scalar(layer.name() + "/output_scale", static_cast<float>(options_.output_scale));
        t = g_.node("Mul", {t, s}, layer.name());
      } else if (t != layer.name()) {  // an identity layer, or one a later layer was folded into
        t = g_.node("Identity", {t}, layer.name());
      }
      if (t != layer.name())
        throw Error("ONNX export: output '" + layer.name() + "' clashes with another tensor's name");
      g_.add_output(t, layer.output_shape());
    }
  }
};

}  // namespace

std::string onnx_model_bytes(const Model& model, const OnnxExportOptions& options) {
  if (!model.built() || model.layers().empty()) throw Error("ONNX export: the model is not built");
  if (!std::isfinite(options.output_scale) || options.output_scale == 0) {
    throw Error("ONNX export: output_scale must be finite and non-zero");
  }
  onnx::ModelProto proto;
  proto.set_ir_version(kOnnxIrVersion);
  onnx::OperatorSetIdProto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  proto.set_producer_name("mlp");
  proto.set_producer_version(MLP_VERSION);
  proto.set_doc_string(options.input_scaling.empty()
                           ? "Inference graph of an mlp model; inputs are taken already preprocessed"
                           : "Inference graph of an mlp model; its first ops apply the model's preprocessing");
  for (const auto& [key, value] : options.metadata) {
    onnx::StringStringEntryProto* entry = proto.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }
  onnx::GraphProto* graph = proto.mutable_graph();
  graph->set_name(model.name().empty() ? "mlp_model" : model.name());
  Exporter(model, options, *graph).run();
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) throw Error("ONNX export: the model could not be serialized (over 2 GiB?)");
  return bytes;
}

void save_onnx(const std::string& path, const Model& model, const OnnxExportOptions& options) {
  const std::string bytes = onnx_model_bytes(model, options);
  write_file_atomic(path, {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

}  // namespace mlp
