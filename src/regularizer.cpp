// SPDX-License-Identifier: MIT
#include "mlp/regularizer.hpp"

#include <cmath>
#include <string>

#include "mlp/error.hpp"

namespace mlp {

Regularizer Regularizer::from_name(std::string_view name) {
  // Keras 3: regularizers.get("l1") is L1(l1=0.01), "l2" is L2(l2=0.01), "l1_l2" is
  // L1L2(l1=0.01, l2=0.01) through the l1_l2 function's defaults.
  if (name == "l1") return {.l1 = 0.01, .l2 = 0};
  if (name == "l2") return {.l1 = 0, .l2 = 0.01};
  if (name == "l1_l2") return {.l1 = 0.01, .l2 = 0.01};
  throw Error("unknown regularizer '" + std::string(name) + "'; known: l1, l2, l1_l2");
}

double Regularizer::penalty(ConstMatrixView w) const {
  if (!active()) return 0;
  double abs_sum = 0, square_sum = 0;
  for (std::size_t r = 0; r < w.rows(); ++r) {
    const Scalar* p = w.row(r);
    for (std::size_t c = 0; c < w.cols(); ++c) {
      abs_sum += std::abs(static_cast<double>(p[c]));
      square_sum += static_cast<double>(p[c]) * static_cast<double>(p[c]);
    }
  }
  return l1 * abs_sum + l2 * square_sum;
}

void Regularizer::add_gradient(ConstMatrixView w, MatrixView dw, double scale) const {
  if (!active()) return;
  if (w.rows() != dw.rows() || w.cols() != dw.cols()) throw Error("Regularizer::add_gradient: shape mismatch");
  const auto a = static_cast<Scalar>(l1 * scale);
  const auto b = static_cast<Scalar>(2 * l2 * scale);
  for (std::size_t r = 0; r < w.rows(); ++r) {
    const Scalar* p = w.row(r);
    Scalar* g = dw.row(r);
    for (std::size_t c = 0; c < w.cols(); ++c) {
      const Scalar sign = p[c] > 0 ? Scalar(1) : (p[c] < 0 ? Scalar(-1) : Scalar(0));
      g[c] += a * sign + b * p[c];
    }
  }
}

}  // namespace mlp
