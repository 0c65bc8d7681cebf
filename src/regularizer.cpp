// SPDX-License-Identifier: MIT
#include "mlp/regularizer.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "mlp/error.hpp"

namespace mlp {

// The string identifiers with the factors Keras documents for them: L1's and L2's constructor
// defaults (0.01) and, for "l1_l2", l1 = l2 = 0.01 (keras.regularizers.L1L2's docstring and Keras
// 2's l1_l2() function). Keras 3's regularizers.get() itself only knows "l1l2" (to_snake_case of
// the class name), which builds L1L2() with its constructor defaults l1 = l2 = 0, a no-op; we keep
// the documented meaning instead.
Regularizer Regularizer::from_name(std::string_view name) {
  if (name == "l1") return {.l1 = 0.01, .l2 = 0};
  if (name == "l2") return {.l1 = 0, .l2 = 0.01};
  if (name == "l1_l2") return {.l1 = 0.01, .l2 = 0.01};
  throw Error("unknown regularizer '" + std::string(name) + "'; known: l1, l2, l1_l2");
}

// l1·Σ|w| + l2·Σw², summed in double.
double Regularizer::penalty(ConstMatrixView w) const {
  if (!active()) return 0;
  double abs_sum = 0, square_sum = 0;
  for (std::size_t r = 0; r < w.rows(); ++r) {
    const Scalar* p = w.row(r);
    for (std::size_t c = 0; c < w.cols(); ++c) {
      const auto v = static_cast<double>(p[c]);
      abs_sum += std::abs(v);
      square_sum += v * v;
    }
  }
  return l1 * abs_sum + l2 * square_sum;
}

// dw += scale·(l1·sign(w) + 2·l2·w), sign(0) = 0 (the subgradient TensorFlow's abs() gives).
void Regularizer::add_gradient(ConstMatrixView w, MatrixView dw, double scale) const {
  if (!active()) return;
  if (w.rows() != dw.rows() || w.cols() != dw.cols()) {
    throw Error("Regularizer::add_gradient: w is (" + std::to_string(w.rows()) + ", " + std::to_string(w.cols()) +
                ") but dw is (" + std::to_string(dw.rows()) + ", " + std::to_string(dw.cols()) + ")");
  }
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

nlohmann::json to_json(const Regularizer& regularizer) {
  if (!regularizer.active()) return nullptr;
  return {{"l1", regularizer.l1}, {"l2", regularizer.l2}};
}

}  // namespace mlp
