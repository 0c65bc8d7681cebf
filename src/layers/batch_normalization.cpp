// SPDX-License-Identifier: MIT
#include "mlp/layers/batch_normalization.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "mlp/error.hpp"

namespace mlp {

BatchNormalization::BatchNormalization() : BatchNormalization(Options{}) {}

BatchNormalization::BatchNormalization(Options options) : options_(std::move(options)) {
  if (!(options_.momentum >= 0 && options_.momentum <= 1)) {
    throw Error("BatchNormalization: momentum must be in [0, 1], got " + std::to_string(options_.momentum));
  }
  if (!(options_.epsilon > 0)) {
    throw Error("BatchNormalization: epsilon must be positive, got " + std::to_string(options_.epsilon));
  }
}

Shape BatchNormalization::build(const Shape& input_shape, Rng& rng) {
  if (input_shape.size() != 1) {
    throw Error("BatchNormalization '" + name() + "': expects flat input (None, features) but got " +
                format_shape(input_shape) + "; add a Flatten layer before it");
  }
  const std::size_t f = input_shape[0];
  auto make = [&](const char* param_name, const Initializer& init, bool trainable) {
    Param p{param_name, Matrix(1, f), trainable ? Matrix(1, f) : Matrix()};
    initialize(init, p.value, f, f, rng);
    return p;
  };
  if (options_.scale) gamma_ = make("gamma", options_.gamma_initializer, true);
  if (options_.center) beta_ = make("beta", options_.beta_initializer, true);
  moving_mean_ = make("moving_mean", options_.moving_mean_initializer, false);
  moving_variance_ = make("moving_variance", options_.moving_variance_initializer, false);
  set_built(input_shape, input_shape);
  return input_shape;
}

void BatchNormalization::forward(ConstMatrixView x, MatrixView y, Mode mode) {
  const std::size_t n = x.rows(), f = x.cols();
  last_mode_ = mode;
  x_hat_.resize(n, f);
  inv_std_.resize(1, f);
  const double eps = options_.epsilon;
  const double momentum = options_.momentum;
  // Per feature: statistics in double over the batch (column c summed top to bottom).
  for (std::size_t c = 0; c < f; ++c) {
    double mean = 0, var = 0;
    if (mode == Mode::kTrain) {
      for (std::size_t r = 0; r < n; ++r) mean += static_cast<double>(x(r, c));
      mean /= static_cast<double>(n);
      for (std::size_t r = 0; r < n; ++r) {
        const double d = static_cast<double>(x(r, c)) - mean;
        var += d * d;
      }
      var /= static_cast<double>(n);
      moving_mean_.value[c] = static_cast<Scalar>(moving_mean_.value[c] * momentum + mean * (1 - momentum));
      moving_variance_.value[c] =
          static_cast<Scalar>(moving_variance_.value[c] * momentum + var * (1 - momentum));
    } else {
      mean = moving_mean_.value[c];
      var = moving_variance_.value[c];
    }
    const double inv_std = 1.0 / std::sqrt(var + eps);
    inv_std_[c] = static_cast<Scalar>(inv_std);
    const double g = options_.scale ? static_cast<double>(gamma_.value[c]) : 1.0;
    const double b = options_.center ? static_cast<double>(beta_.value[c]) : 0.0;
    for (std::size_t r = 0; r < n; ++r) {
      const double xh = (static_cast<double>(x(r, c)) - mean) * inv_std;
      x_hat_(r, c) = static_cast<Scalar>(xh);
      y(r, c) = static_cast<Scalar>(g * xh + b);
    }
  }
}

void BatchNormalization::backward(ConstMatrixView, ConstMatrixView, ConstMatrixView dy, MatrixView dx) {
  const std::size_t n = dy.rows(), f = dy.cols();
  const double inv_n = 1.0 / static_cast<double>(n);
  for (std::size_t c = 0; c < f; ++c) {
    double sum_dy = 0, sum_dy_xh = 0;
    for (std::size_t r = 0; r < n; ++r) {
      sum_dy += static_cast<double>(dy(r, c));
      sum_dy_xh += static_cast<double>(dy(r, c)) * static_cast<double>(x_hat_(r, c));
    }
    if (options_.center) beta_.grad[c] = static_cast<Scalar>(sum_dy);
    if (options_.scale) gamma_.grad[c] = static_cast<Scalar>(sum_dy_xh);
    if (dx.empty()) continue;
    const double g = options_.scale ? static_cast<double>(gamma_.value[c]) : 1.0;
    const double k = g * static_cast<double>(inv_std_[c]);
    if (last_mode_ == Mode::kTrain) {
      const double mean_dy = sum_dy * inv_n, mean_dy_xh = sum_dy_xh * inv_n;
      for (std::size_t r = 0; r < n; ++r) {
        dx(r, c) = static_cast<Scalar>(
            k * (static_cast<double>(dy(r, c)) - mean_dy - static_cast<double>(x_hat_(r, c)) * mean_dy_xh));
      }
    } else {
      for (std::size_t r = 0; r < n; ++r) dx(r, c) = static_cast<Scalar>(k * static_cast<double>(dy(r, c)));
    }
  }
}

std::vector<Param*> BatchNormalization::params() {
  std::vector<Param*> p;
  if (options_.scale) p.push_back(&gamma_);
  if (options_.center) p.push_back(&beta_);
  return p;
}

std::vector<Param*> BatchNormalization::state() { return {&moving_mean_, &moving_variance_}; }

nlohmann::json BatchNormalization::config() const {
  return {{"momentum", options_.momentum},
          {"epsilon", options_.epsilon},
          {"center", options_.center},
          {"scale", options_.scale},
          {"beta_initializer", options_.beta_initializer.name},
          {"gamma_initializer", options_.gamma_initializer.name},
          {"moving_mean_initializer", options_.moving_mean_initializer.name},
          {"moving_variance_initializer", options_.moving_variance_initializer.name}};
}

}  // namespace mlp
