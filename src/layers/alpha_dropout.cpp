// SPDX-License-Identifier: MIT
#include "mlp/layers/alpha_dropout.hpp"

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "layer_checks.hpp"
#include "mlp/config.hpp"
#include "mlp/parallel.hpp"

namespace mlp {
namespace {
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kAlphaP = -kSeluAlpha * kSeluScale;  // α' = −λα, SELU's limit at −∞
}  // namespace

AlphaDropout::AlphaDropout(Options options) : options_(options) {
  layer_detail::check_option(options_.rate >= 0 && options_.rate < 1, "AlphaDropout", "rate", "in [0, 1)",
                             options_.rate);
  if (options_.seed) seed_rng_.emplace(*options_.seed);
}

Shape AlphaDropout::build(const Shape& input_shape, Rng& /*rng*/) {
  set_built(input_shape, input_shape);
  return input_shape;
}

// kept:    y = a·x + b,   s = a
// dropped: y = a·α' + b,  s = 0
void AlphaDropout::forward(ConstMatrixView x, MatrixView y, Mode mode) {
  masked_ = mode == Mode::kTrain && options_.rate > 0;
  if (!masked_) {
    copy(x, y);
    return;
  }
  const std::uint64_t key = layer_detail::batch_key(*this, rng_, seed_rng_);
  const double rate = options_.rate;
  const double a = 1.0 / std::sqrt((1 - rate) * (1 + rate * kAlphaP * kAlphaP));
  const double b = -a * kAlphaP * rate;
  const layer_detail::KeepMask mask(key, rate);
  const auto sa = static_cast<Scalar>(a), sb = static_cast<Scalar>(b);
  const auto dropped = static_cast<Scalar>(a * kAlphaP + b);
  const std::size_t rows = x.rows(), cols = x.cols();
  const std::uint32_t width = layer_detail::KeepMask::width(cols, "AlphaDropout");
  dscale_.resize(rows, cols);                    // keeps its capacity: no allocation per batch
  const std::uint64_t row_offset = row_offset_;  // the batch row of row 0 (data-parallel fit)
  Scalar* dscale = dscale_.data();
  parallel_for(rows, rows * cols, [=](std::size_t r) {
    const Scalar* __restrict px = x.row(r);
    Scalar* __restrict py = y.row(r);
    Scalar* __restrict ps = dscale + r * cols;
    const layer_detail::KeepMask::Row keys = mask.row((std::uint64_t{r} + row_offset) * cols);
    const Scalar scale_kept = sa, shift_kept = sb, value_dropped = dropped;  // locals: branch-free
#pragma omp simd
    for (std::uint32_t c = 0; c < width; ++c) {
      const bool keep = keys.keep(c);
      ps[c] = keep ? scale_kept : Scalar(0);
      py[c] = keep ? scale_kept * px[c] + shift_kept : value_dropped;
    }
  });
}

// dx = dy ⊙ a·k
void AlphaDropout::backward(ConstMatrixView, ConstMatrixView, ConstMatrixView dy, MatrixView dx) {
  if (dx.empty()) return;
  if (!masked_) {
    copy(dy, dx);
    return;
  }
  const std::size_t rows = dy.rows(), cols = dy.cols();
  const Scalar* dscale = dscale_.data();
  parallel_for(rows, rows * cols, [=](std::size_t r) {
    const Scalar* __restrict pdy = dy.row(r);
    const Scalar* __restrict ps = dscale + r * cols;
    Scalar* __restrict pdx = dx.row(r);
#pragma omp simd
    for (std::size_t c = 0; c < cols; ++c) pdx[c] = pdy[c] * ps[c];
  });
}

nlohmann::json AlphaDropout::config() const {
  return {{"rate", options_.rate},
          {"seed", options_.seed ? nlohmann::json(*options_.seed) : nlohmann::json(nullptr)},
          {"noise_shape", nullptr}};
}

// ---- config reader (the table is src/registry/layers.cpp) ---------------------------------------

registry::LayerRow alpha_dropout_row() { return {"AlphaDropout", &registry::dropout_from_config<AlphaDropout>}; }

}  // namespace mlp
