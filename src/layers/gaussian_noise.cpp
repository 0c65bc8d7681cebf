// SPDX-License-Identifier: MIT
#include "mlp/layers/gaussian_noise.hpp"

#include <memory>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "layer_checks.hpp"
#include "mlp/config.hpp"
#include "mlp/parallel.hpp"

namespace mlp {

GaussianNoise::GaussianNoise(Options options) : options_(options) {
  layer_detail::check_option(options_.stddev >= 0 && options_.stddev <= 1, "GaussianNoise", "stddev",
                             "in [0, 1] (as in Keras)", options_.stddev);
  if (options_.seed) seed_rng_.emplace(*options_.seed);
}

Shape GaussianNoise::build(const Shape& input_shape, Rng& /*rng*/) {
  set_built(input_shape, input_shape);
  return input_shape;
}

// y_i = x_i + stddev·ε_i
void GaussianNoise::forward(ConstMatrixView x, MatrixView y, Mode mode) {
  if (mode != Mode::kTrain || options_.stddev == 0) {
    copy(x, y);
    return;
  }
  const std::uint64_t key = layer_detail::batch_key(*this, rng_, seed_rng_);
  const double stddev = options_.stddev;
  const std::size_t cols = x.cols();
  const std::uint64_t row_offset = row_offset_;  // the batch row of row 0 (data-parallel fit)
  // Two transcendental calls per element: worth threads from a few thousand elements on.
  parallel_for(x.rows(), 16 * x.size(), [=](std::size_t r) {
    const Scalar* px = x.row(r);
    Scalar* py = y.row(r);
    const std::uint64_t base = (r + row_offset) * cols;
    for (std::size_t c = 0; c < cols; ++c) {
      const double noise = stddev * layer_detail::keyed_normal(key, base + c);
      py[c] = static_cast<Scalar>(static_cast<double>(px[c]) + noise);
    }
  });
}

void GaussianNoise::backward(ConstMatrixView, ConstMatrixView, ConstMatrixView dy, MatrixView dx) {
  if (!dx.empty()) copy(dy, dx);
}

nlohmann::json GaussianNoise::config() const {
  return {{"stddev", options_.stddev},
          {"seed", options_.seed ? nlohmann::json(*options_.seed) : nlohmann::json(nullptr)}};
}

// ---- config reader (the table is src/registry/layers.cpp) ---------------------------------------

namespace {

std::unique_ptr<Layer> from_config(ConfigObject& c) {
  const double stddev = c.get_double("stddev", 0);
  const auto seed = registry::read_seed(c);
  registry::require(c, "stddev", "the noise's standard deviation");
  return std::make_unique<GaussianNoise>(GaussianNoise::Options{.stddev = stddev, .seed = seed});
}

}  // namespace

registry::LayerRow gaussian_noise_row() { return {"GaussianNoise", &from_config}; }

}  // namespace mlp
