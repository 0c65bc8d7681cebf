// SPDX-License-Identifier: MIT
#pragma once
// Regularizer: penalty = l1·Σ|w| + l2·Σw², added to the reported loss; gradient l1·sign(w) + 2·l2·w.
// By name, Keras' documented factors: "l1" → l1 = 0.01, "l2" → l2 = 0.01, "l1_l2" → l1 = l2 = 0.01.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "mlp/matrix.hpp"

namespace mlp {

struct Regularizer {
  double l1 = 0;
  double l2 = 0;

  bool active() const { return l1 != 0 || l2 != 0; }
  /// "l1", "l2", "l1_l2" with Keras' default factors.
  static Regularizer from_name(std::string_view name);
  /// l1·Σ|w| + l2·Σw².
  double penalty(ConstMatrixView w) const;
  /// dw += l1·sign(w) + 2·l2·w (scaled by `scale`).
  void add_gradient(ConstMatrixView w, MatrixView dw, double scale = 1) const;
};

/// null when inactive, else {"l1": l1, "l2": l2}.
nlohmann::json to_json(const Regularizer& regularizer);

}  // namespace mlp
