// SPDX-License-Identifier: MIT
#include "mlp/layers/gaussian_noise.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>

#include "mlp/error.hpp"

namespace mlp {

GaussianNoise::GaussianNoise(Options options) : options_(options) {
  if (!(options_.stddev >= 0 && std::isfinite(options_.stddev))) {
    throw Error("GaussianNoise: stddev must be a finite number >= 0, got " + std::to_string(options_.stddev));
  }
}

Shape GaussianNoise::build(const Shape& input_shape, Rng& /*rng*/) {
  set_built(input_shape, input_shape);
  return input_shape;
}

void GaussianNoise::forward(ConstMatrixView x, MatrixView y, Mode mode) {
  copy(x, y);
  if (mode != Mode::kTrain || options_.stddev == 0) return;
  if (rng_ == nullptr) throw Error("GaussianNoise '" + name() + "': training needs an attached Rng (the model's)");
  const std::uint64_t key = rng_->next_u64();
  for (std::size_t r = 0; r < y.rows(); ++r) {
    for (std::size_t c = 0; c < y.cols(); ++c) {
      const std::uint64_t i = 2 * (r * y.cols() + c);
      const double u1 = 1.0 - hash_uniform(key, i);  // (0, 1]: log is finite
      const double u2 = hash_uniform(key, i + 1);
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
      y(r, c) += static_cast<Scalar>(options_.stddev * z);
    }
  }
}

void GaussianNoise::backward(ConstMatrixView, ConstMatrixView, ConstMatrixView dy, MatrixView dx) {
  if (!dx.empty()) copy(dy, dx);
}

nlohmann::json GaussianNoise::config() const { return {{"stddev", options_.stddev}}; }

}  // namespace mlp
