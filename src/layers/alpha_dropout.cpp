// SPDX-License-Identifier: MIT
#include "mlp/layers/alpha_dropout.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "mlp/error.hpp"

namespace mlp {
namespace {
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
}  // namespace

AlphaDropout::AlphaDropout(Options options) : options_(options) {
  if (!(options_.rate >= 0 && options_.rate < 1)) {
    throw Error("AlphaDropout: rate must be in [0, 1), got " + std::to_string(options_.rate));
  }
}

Shape AlphaDropout::build(const Shape& input_shape, Rng& /*rng*/) {
  set_built(input_shape, input_shape);
  return input_shape;
}

void AlphaDropout::forward(ConstMatrixView x, MatrixView y, Mode mode) {
  masked_ = mode == Mode::kTrain && options_.rate > 0;
  if (!masked_) {
    copy(x, y);
    return;
  }
  if (rng_ == nullptr) throw Error("AlphaDropout '" + name() + "': training needs an attached Rng (the model's)");
  const double rate = options_.rate;
  const double alpha_p = -kSeluAlpha * kSeluScale;
  const double a = 1.0 / std::sqrt((1 - rate) * (1 + rate * alpha_p * alpha_p));
  const double b = -a * alpha_p * rate;
  const std::uint64_t key = rng_->next_u64();
  keep_.resize(x.rows(), x.cols());
  for (std::size_t r = 0; r < x.rows(); ++r) {
    for (std::size_t c = 0; c < x.cols(); ++c) {
      const bool keep = hash_uniform(key, r * x.cols() + c) >= rate;
      keep_(r, c) = keep ? Scalar(1) : Scalar(0);
      const double v = keep ? static_cast<double>(x(r, c)) : alpha_p;
      y(r, c) = static_cast<Scalar>(a * v + b);
    }
  }
}

void AlphaDropout::backward(ConstMatrixView, ConstMatrixView, ConstMatrixView dy, MatrixView dx) {
  if (dx.empty()) return;
  if (!masked_) {
    copy(dy, dx);
    return;
  }
  const double rate = options_.rate;
  const double alpha_p = -kSeluAlpha * kSeluScale;
  const auto a = static_cast<Scalar>(1.0 / std::sqrt((1 - rate) * (1 + rate * alpha_p * alpha_p)));
  for (std::size_t r = 0; r < dy.rows(); ++r) {
    for (std::size_t c = 0; c < dy.cols(); ++c) dx(r, c) = dy(r, c) * a * keep_(r, c);
  }
}

nlohmann::json AlphaDropout::config() const { return {{"rate", options_.rate}}; }

}  // namespace mlp
