// SPDX-License-Identifier: MIT
#include "mlp/layers/dropout.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "mlp/error.hpp"
#include "mlp/parallel.hpp"

namespace mlp {
namespace {
}

Dropout::Dropout(Options options) : options_(options) {
  if (!(options_.rate >= 0 && options_.rate < 1)) {
    throw Error("Dropout: rate must be in [0, 1), got " + std::to_string(options_.rate));
  }
}

Shape Dropout::build(const Shape& input_shape, Rng& /*rng*/) {
  set_built(input_shape, input_shape);
  return input_shape;
}

void Dropout::forward(ConstMatrixView x, MatrixView y, Mode mode) {
  masked_ = mode == Mode::kTrain && options_.rate > 0;
  if (!masked_) {
    copy(x, y);
    return;
  }
  if (rng_ == nullptr) throw Error("Dropout '" + name() + "': training needs an attached Rng (the model's)");
  const std::uint64_t key = rng_->next_u64();
  // Element i is kept when hash_uniform(key, i) >= rate, compared on the 53-bit integer the
  // uniform is made of, so the loop stays in integers and vectorises.
  const auto threshold = static_cast<std::uint64_t>(std::ceil(options_.rate * 0x1.0p53));
  const auto keep_scale = static_cast<Scalar>(1.0 / (1.0 - options_.rate));
  const std::size_t rows = x.rows(), cols = x.cols();
  scale_.resize(rows, cols);
  Scalar* scale = scale_.data();
  // Captured by value: loads through the closure would keep the loop from vectorising.
  parallel_for(rows, rows * cols, [=](std::size_t r) {
    const Scalar* __restrict px = x.row(r);
    Scalar* __restrict py = y.row(r);
    Scalar* __restrict ps = scale + r * cols;
    const std::uint64_t base = r * cols;
#pragma omp simd
    for (std::size_t c = 0; c < cols; ++c) {
      ps[c] = (hash_bits(key, base + c) >> 11) >= threshold ? keep_scale : Scalar(0);
      py[c] = px[c] * ps[c];
    }
  });
}

void Dropout::backward(ConstMatrixView, ConstMatrixView, ConstMatrixView dy, MatrixView dx) {
  if (dx.empty()) return;
  if (!masked_) {
    copy(dy, dx);
    return;
  }
  const std::size_t rows = dy.rows(), cols = dy.cols();
  parallel_for(rows, rows * cols, [&](std::size_t r) {
    const Scalar* pdy = dy.row(r);
    const Scalar* ps = scale_.row(r);
    Scalar* pdx = dx.row(r);
#pragma omp simd
    for (std::size_t c = 0; c < cols; ++c) pdx[c] = pdy[c] * ps[c];
  });
}

nlohmann::json Dropout::config() const { return {{"rate", options_.rate}}; }

}  // namespace mlp
