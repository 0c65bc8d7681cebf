// SPDX-License-Identifier: MIT
#include "mlp/layers/dense.hpp"

#include <memory>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "mlp/config.hpp"
#include "mlp/error.hpp"
#include "mlp/ops.hpp"
#include "mlp/serialize.hpp"

namespace mlp {

Dense::Dense(Options options)
    : options_(std::move(options)), activation_(ActivationFunction::from_name(options_.activation)) {
  if (options_.units == 0) throw Error("Dense: units must be positive, got 0");
}

Shape Dense::build(const Shape& input_shape, Rng& rng) {
  if (input_shape.size() != 1) {
    throw Error("Dense '" + name() + "': expects flat input (None, features) but got " + format_shape(input_shape) +
                "; add a Flatten layer before it");
  }
  const std::size_t in = input_shape[0], out = options_.units;
  if (in > kMaxModelParams || out > kMaxModelParams || in * out > kMaxModelParams - out) {
    throw Error("Dense '" + name() + "': a (" + std::to_string(in) + ", " + std::to_string(out) +
                ") kernel is more than the " + std::to_string(kMaxModelParams) + " weights a model may hold");
  }
  kernel_ = {"kernel", Matrix(in, out), Matrix(in, out)};
  initialize(options_.kernel_initializer, kernel_.value, in, out, rng);
  if (options_.use_bias) {
    bias_ = {"bias", Matrix(1, out), Matrix(1, out)};
    initialize(options_.bias_initializer, bias_.value, out, out, rng);
  }
  const Shape output{out};
  set_built(input_shape, output);
  return output;
}

void Dense::forward(ConstMatrixView x, MatrixView y, Mode /*mode*/) {
  gemm(x, kernel_.value, y);  // one GEMM per batch
  // Then one pass for bias and activation (keeping z only where f' needs it).
  MatrixView z;
  if (activation_.needs_input()) {
    z_.resize(y.rows(), y.cols());
    z = z_;
  }
  bias_activation_forward(activation_, options_.use_bias ? bias_.value.cview() : ConstMatrixView{}, y, z);
  activity_penalty_ = 0;
  // Keras adds the activity penalty on every call, evaluate() included.
  if (options_.activity_regularizer.active() && y.rows() > 0) {
    activity_penalty_ = options_.activity_regularizer.penalty(y) / static_cast<double>(y.rows());
  }
}

void Dense::gemm_products(std::size_t rows, bool backward, std::vector<GemmShape>& out) const {
  const std::size_t in = kernel_.value.rows(), units = kernel_.value.cols();
  out.push_back({.m = rows, .n = units, .k = in, .trans = Trans::kNone});  // forward: x·W
  if (!backward) return;
  out.push_back({.m = in, .n = units, .k = rows, .trans = Trans::kA});  // dW = xᵀ·dz
  out.push_back({.m = rows, .n = in, .k = units, .trans = Trans::kB});  // dx = dz·Wᵀ
}

void Dense::backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) {
  dz_.resize(dy.rows(), dy.cols());
  copy(dy, dz_);
  if (options_.activity_regularizer.active() && y.rows() > 0) {
    options_.activity_regularizer.add_gradient(y, dz_, 1.0 / static_cast<double>(y.rows()));
  }
  if (!fused_output_activation_) activation_backward(activation_, z_, y, dz_, dz_);
  gemm(x, dz_, kernel_.grad, Trans::kA);
  options_.kernel_regularizer.add_gradient(kernel_.value, kernel_.grad);
  if (options_.use_bias) {
    sum_rows(dz_, bias_.grad);
    options_.bias_regularizer.add_gradient(bias_.value, bias_.grad);
  }
  if (!dx.empty()) gemm(dz_, kernel_.value, dx, Trans::kB);
}

std::vector<Param*> Dense::params() {
  if (options_.use_bias) return {&kernel_, &bias_};
  return {&kernel_};
}

double Dense::regularization_loss() const {
  double total = activity_penalty_;
  if (!built()) return total;
  total += options_.kernel_regularizer.penalty(kernel_.value);
  if (options_.use_bias) total += options_.bias_regularizer.penalty(bias_.value);
  return total;
}

nlohmann::json Dense::config() const {
  return {{"units", options_.units},
          {"activation", activation_.name()},
          {"use_bias", options_.use_bias},
          {"kernel_initializer", to_json(options_.kernel_initializer)},
          {"bias_initializer", to_json(options_.bias_initializer)},
          {"kernel_regularizer", to_json(options_.kernel_regularizer)},
          {"bias_regularizer", to_json(options_.bias_regularizer)},
          {"activity_regularizer", to_json(options_.activity_regularizer)}};
}

// ---- config reader (the table is src/registry/layers.cpp) ---------------------------------------

namespace {

std::unique_ptr<Layer> from_config(ConfigObject& c) {
  Dense::Options o;
  o.units = c.get_size("units", 0);
  o.activation = c.get_string("activation", o.activation);
  o.use_bias = c.get_bool("use_bias", o.use_bias);
  o.kernel_initializer = initializer_from_config(c, "kernel_initializer", "glorot_uniform");
  o.bias_initializer = initializer_from_config(c, "bias_initializer", "zeros");
  o.kernel_regularizer = regularizer_from_config(c, "kernel_regularizer");
  o.bias_regularizer = regularizer_from_config(c, "bias_regularizer");
  o.activity_regularizer = regularizer_from_config(c, "activity_regularizer");
  registry::require(c, "units", "the number of output units");
  return std::make_unique<Dense>(o);
}

}  // namespace

registry::LayerRow dense_row() { return {"Dense", &from_config}; }

}  // namespace mlp
