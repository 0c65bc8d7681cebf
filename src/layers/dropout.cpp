// SPDX-License-Identifier: MIT
#include "mlp/layers/dropout.hpp"

#include <memory>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "layer_checks.hpp"
#include "mlp/config.hpp"
#include "mlp/parallel.hpp"

namespace mlp {

Dropout::Dropout(Options options) : options_(options) {
  layer_detail::check_option(options_.rate >= 0 && options_.rate < 1, "Dropout", "rate", "in [0, 1)", options_.rate);
  if (options_.seed) seed_rng_.emplace(*options_.seed);
}

Shape Dropout::build(const Shape& input_shape, Rng& /*rng*/) {
  set_built(input_shape, input_shape);
  return input_shape;
}

// m_i = [u_i >= rate],  s_i = m_i / (1 − rate),  y_i = x_i·s_i;  s (N,F) is kept for backward.
void Dropout::forward(ConstMatrixView x, MatrixView y, Mode mode) {
  masked_ = mode == Mode::kTrain && options_.rate > 0;
  if (!masked_) {
    copy(x, y);
    return;
  }
  const std::uint64_t key = layer_detail::batch_key(*this, rng_, seed_rng_);
  const layer_detail::KeepMask mask(key, options_.rate);
  const auto keep_scale = static_cast<Scalar>(1.0 / (1.0 - options_.rate));
  const std::size_t rows = x.rows(), cols = x.cols();
  const std::uint32_t width = layer_detail::KeepMask::width(cols, "Dropout");
  scale_.resize(rows, cols);                     // keeps its capacity: no allocation per batch
  const std::uint64_t row_offset = row_offset_;  // the batch row of row 0 (data-parallel fit)
  Scalar* scale = scale_.data();
  // Captured by value: loads through the closure would keep the loop from vectorising.
  parallel_for(rows, rows * cols, [=](std::size_t r) {
    const Scalar* __restrict px = x.row(r);
    Scalar* __restrict py = y.row(r);
    Scalar* __restrict ps = scale + r * cols;
    const layer_detail::KeepMask::Row keys = mask.row((std::uint64_t{r} + row_offset) * cols);
    const Scalar s = keep_scale;  // a local, not a closure member: the select stays branch-free
#pragma omp simd
    for (std::uint32_t c = 0; c < width; ++c) {
      ps[c] = keys.keep(c) ? s : Scalar(0);
      py[c] = px[c] * ps[c];
    }
  });
}

// dx = dy ⊙ s
void Dropout::backward(ConstMatrixView, ConstMatrixView, ConstMatrixView dy, MatrixView dx) {
  if (dx.empty()) return;
  if (!masked_) {
    copy(dy, dx);
    return;
  }
  const std::size_t rows = dy.rows(), cols = dy.cols();
  const Scalar* scale = scale_.data();
  parallel_for(rows, rows * cols, [=](std::size_t r) {
    const Scalar* __restrict pdy = dy.row(r);
    const Scalar* __restrict ps = scale + r * cols;
    Scalar* __restrict pdx = dx.row(r);
#pragma omp simd
    for (std::size_t c = 0; c < cols; ++c) pdx[c] = pdy[c] * ps[c];
  });
}

nlohmann::json Dropout::config() const {
  return {{"rate", options_.rate},
          {"seed", options_.seed ? nlohmann::json(*options_.seed) : nlohmann::json(nullptr)},
          {"noise_shape", nullptr}};
}

// ---- config reader (the table is src/registry/layers.cpp) ---------------------------------------

registry::LayerRow dropout_row() { return {"Dropout", &registry::dropout_from_config<Dropout>}; }

}  // namespace mlp
