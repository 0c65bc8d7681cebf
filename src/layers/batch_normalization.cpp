// SPDX-License-Identifier: MIT
#include "mlp/layers/batch_normalization.hpp"

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "layer_checks.hpp"
#include "mlp/config.hpp"
#include "mlp/parallel.hpp"
#include "mlp/serialize.hpp"

namespace mlp {

BatchNormalization::BatchNormalization() : BatchNormalization(Options{}) {}

BatchNormalization::BatchNormalization(Options options) : options_(std::move(options)) {
  constexpr std::string_view kWho = "BatchNormalization";
  layer_detail::check_option(options_.momentum >= 0 && options_.momentum <= 1, kWho, "momentum", "in [0, 1]",
                             options_.momentum);
  layer_detail::check_option(std::isfinite(options_.epsilon) && options_.epsilon > 0, kWho, "epsilon",
                             "a finite number > 0", options_.epsilon);
}

Shape BatchNormalization::build(const Shape& input_shape, Rng& rng) {
  if (input_shape.empty() || features(input_shape) == 0) {
    throw Error("BatchNormalization '" + name() + "': needs an input with a feature axis, got " +
                format_shape(input_shape));
  }
  const std::size_t c = input_shape.back();  // Keras' axis = -1
  channels_ = c;
  // Keras' order of add_weight: gamma, beta, moving_mean, moving_variance; a (C,) vector has
  // fan_in = fan_out = C.
  auto make = [&](const char* param_name, const Initializer& init, bool trainable) {
    Param p{param_name, Matrix(1, c), trainable ? Matrix(1, c) : Matrix()};
    initialize(init, p.value, c, c, rng);
    return p;
  };
  if (options_.scale) gamma_ = make("gamma", options_.gamma_initializer, true);
  if (options_.center) beta_ = make("beta", options_.beta_initializer, true);
  moving_mean_ = make("moving_mean", options_.moving_mean_initializer, false);
  moving_variance_ = make("moving_variance", options_.moving_variance_initializer, false);
  mean_.assign(c, 0.0);
  inv_std_.assign(c, 0.0);
  sum_dy_.assign(c, 0.0);
  sum_dy_xh_.assign(c, 0.0);
  set_built(input_shape, input_shape);
  return input_shape;
}

// Position (r, g) of the (M, C) view is row r, columns [g·C, (g+1)·C) of the (N, F) storage.
// Every loop below runs over a range of channels [cb, ce) and, inside, over the M positions in
// order: channels are split among threads, so each sum has the same order with any thread count.
void BatchNormalization::forward(ConstMatrixView x, MatrixView y, Mode mode) {
  if (!built() || x.cols() != features(input_shape())) {
    throw Error("BatchNormalization '" + name() + "': input has " + std::to_string(x.cols()) +
                " features, the layer was built for " + format_shape(input_shape()));
  }
  const std::size_t n = x.rows(), f = x.cols(), c_count = channels_, groups = f / c_count;
  const double m = static_cast<double>(n * groups);
  batch_statistics_ = mode == Mode::kTrain && trainable();
  x_hat_.resize(n, f);
  const double eps = options_.epsilon, momentum = options_.momentum;
  const bool train = batch_statistics_;
  parallel_chunks(c_count, n * f, [&](std::size_t cb, std::size_t ce) {
    if (train) {
      // μ = Σ x / M, then σ² = Σ (x − μ)² / M (two passes: no cancellation).
      for (std::size_t c = cb; c < ce; ++c) mean_[c] = inv_std_[c] = 0;
      for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t g = 0; g < groups; ++g) {
          const Scalar* px = x.row(r) + g * c_count;
          for (std::size_t c = cb; c < ce; ++c) mean_[c] += static_cast<double>(px[c]);
        }
      }
      for (std::size_t c = cb; c < ce; ++c) mean_[c] /= m;
      for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t g = 0; g < groups; ++g) {
          const Scalar* px = x.row(r) + g * c_count;
          for (std::size_t c = cb; c < ce; ++c) {
            const double d = static_cast<double>(px[c]) - mean_[c];
            inv_std_[c] += d * d;
          }
        }
      }
      for (std::size_t c = cb; c < ce; ++c) {
        const double var = inv_std_[c] / m;
        inv_std_[c] = 1.0 / std::sqrt(var + eps);
        Scalar& mm = moving_mean_.value[c];
        Scalar& mv = moving_variance_.value[c];
        mm = static_cast<Scalar>(static_cast<double>(mm) * momentum + mean_[c] * (1 - momentum));
        mv = static_cast<Scalar>(static_cast<double>(mv) * momentum + var * (1 - momentum));
      }
    } else {
      for (std::size_t c = cb; c < ce; ++c) {
        mean_[c] = static_cast<double>(moving_mean_.value[c]);
        inv_std_[c] = 1.0 / std::sqrt(static_cast<double>(moving_variance_.value[c]) + eps);
      }
    }
    // x̂ = (x − μ)·inv_std,  y = gamma·x̂ + beta
    const Scalar* gamma = options_.scale ? gamma_.value.data() : nullptr;
    const Scalar* beta = options_.center ? beta_.value.data() : nullptr;
    for (std::size_t r = 0; r < n; ++r) {
      for (std::size_t g = 0; g < groups; ++g) {
        const std::size_t offset = g * c_count;
        const Scalar* px = x.row(r) + offset;
        Scalar* pxh = x_hat_.row(r) + offset;
        Scalar* py = y.row(r) + offset;
        for (std::size_t c = cb; c < ce; ++c) {
          const double xh = (static_cast<double>(px[c]) - mean_[c]) * inv_std_[c];
          const double gc = gamma != nullptr ? static_cast<double>(gamma[c]) : 1.0;
          const double bc = beta != nullptr ? static_cast<double>(beta[c]) : 0.0;
          pxh[c] = static_cast<Scalar>(xh);
          py[c] = static_cast<Scalar>(gc * xh + bc);
        }
      }
    }
  });
}

void BatchNormalization::backward(ConstMatrixView, ConstMatrixView, ConstMatrixView dy, MatrixView dx) {
  const std::size_t n = dy.rows(), f = dy.cols(), c_count = channels_, groups = f / c_count;
  const double inv_m = 1.0 / static_cast<double>(n * groups);
  const bool train = batch_statistics_;
  parallel_chunks(c_count, n * f, [&](std::size_t cb, std::size_t ce) {
    // Σ dy and Σ dy·x̂ per channel.
    for (std::size_t c = cb; c < ce; ++c) sum_dy_[c] = sum_dy_xh_[c] = 0;
    for (std::size_t r = 0; r < n; ++r) {
      for (std::size_t g = 0; g < groups; ++g) {
        const std::size_t offset = g * c_count;
        const Scalar* pdy = dy.row(r) + offset;
        const Scalar* pxh = x_hat_.row(r) + offset;
        for (std::size_t c = cb; c < ce; ++c) {
          sum_dy_[c] += static_cast<double>(pdy[c]);
          sum_dy_xh_[c] += static_cast<double>(pdy[c]) * static_cast<double>(pxh[c]);
        }
      }
    }
    for (std::size_t c = cb; c < ce; ++c) {
      if (options_.center) beta_.grad[c] = static_cast<Scalar>(sum_dy_[c]);
      if (options_.scale) gamma_.grad[c] = static_cast<Scalar>(sum_dy_xh_[c]);
    }
    if (dx.empty()) return;
    // train:     dx = k·(dy − mean(dy) − x̂·mean(dy·x̂)),  k = gamma·inv_std
    // inference: dx = k·dy   (μ, σ² are constants there)
    const Scalar* gamma = options_.scale ? gamma_.value.data() : nullptr;
    const double keep_mean = train ? 1.0 : 0.0;
    for (std::size_t r = 0; r < n; ++r) {
      for (std::size_t g = 0; g < groups; ++g) {
        const std::size_t offset = g * c_count;
        const Scalar* pdy = dy.row(r) + offset;
        const Scalar* pxh = x_hat_.row(r) + offset;
        Scalar* pdx = dx.row(r) + offset;
        for (std::size_t c = cb; c < ce; ++c) {
          const double k = (gamma != nullptr ? static_cast<double>(gamma[c]) : 1.0) * inv_std_[c];
          const double centred = static_cast<double>(pdy[c]) -
                                 keep_mean * (sum_dy_[c] + static_cast<double>(pxh[c]) * sum_dy_xh_[c]) * inv_m;
          pdx[c] = static_cast<Scalar>(k * centred);
        }
      }
    }
  });
  if (options_.center) options_.beta_regularizer.add_gradient(beta_.value, beta_.grad);
  if (options_.scale) options_.gamma_regularizer.add_gradient(gamma_.value, gamma_.grad);
}

std::vector<Param*> BatchNormalization::params() {
  std::vector<Param*> p;
  if (options_.scale) p.push_back(&gamma_);
  if (options_.center) p.push_back(&beta_);
  return p;
}

std::vector<Param*> BatchNormalization::state() { return {&moving_mean_, &moving_variance_}; }

double BatchNormalization::regularization_loss() const {
  if (!built()) return 0;
  double total = 0;
  if (options_.center) total += options_.beta_regularizer.penalty(beta_.value);
  if (options_.scale) total += options_.gamma_regularizer.penalty(gamma_.value);
  return total;
}

nlohmann::json BatchNormalization::config() const {
  return {{"axis", -1},
          {"momentum", options_.momentum},
          {"epsilon", options_.epsilon},
          {"center", options_.center},
          {"scale", options_.scale},
          {"beta_initializer", to_json(options_.beta_initializer)},
          {"gamma_initializer", to_json(options_.gamma_initializer)},
          {"moving_mean_initializer", to_json(options_.moving_mean_initializer)},
          {"moving_variance_initializer", to_json(options_.moving_variance_initializer)},
          {"beta_regularizer", to_json(options_.beta_regularizer)},
          {"gamma_regularizer", to_json(options_.gamma_regularizer)}};
}

// ---- config reader (the table is src/registry/layers.cpp) ---------------------------------------

namespace {

std::unique_ptr<Layer> from_config(ConfigObject& c) {
  BatchNormalization::Options o;
  registry::fixed_key(c, "axis", -1);
  o.momentum = c.get_double("momentum", o.momentum);
  o.epsilon = c.get_double("epsilon", o.epsilon);
  o.center = c.get_bool("center", o.center);
  o.scale = c.get_bool("scale", o.scale);
  o.beta_initializer = initializer_from_config(c, "beta_initializer", "zeros");
  o.gamma_initializer = initializer_from_config(c, "gamma_initializer", "ones");
  o.moving_mean_initializer = initializer_from_config(c, "moving_mean_initializer", "zeros");
  o.moving_variance_initializer = initializer_from_config(c, "moving_variance_initializer", "ones");
  o.beta_regularizer = regularizer_from_config(c, "beta_regularizer");
  o.gamma_regularizer = regularizer_from_config(c, "gamma_regularizer");
  return std::make_unique<BatchNormalization>(o);
}

}  // namespace

registry::LayerRow batch_normalization_row() { return {"BatchNormalization", &from_config}; }

}  // namespace mlp
