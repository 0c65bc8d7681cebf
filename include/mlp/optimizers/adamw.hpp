// SPDX-License-Identifier: MIT
#pragma once
// AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019), in Keras 3's
// form (keras/src/optimizers/adamw.py): Adam (see adam.hpp) with weight_decay = 0.004 by default,
// applied by the base optimizer before the Adam update with the same lr:
//   w ← w − w·weight_decay·lr
//   then Adam's update: w ← w − α·m / (√v + ε),  α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ)
// Note the decay is scaled by lr (Keras, PyTorch), not by a separate schedule multiplier as in the
// paper.
#include <memory>
#include <string_view>

#include "mlp/optimizers/adam.hpp"

namespace mlp {

class AdamW : public Adam {
 public:
  /// Keras' AdamW arguments and defaults, in Keras' order (weight_decay comes second).
  struct Options {
    double learning_rate = 0.001;
    std::shared_ptr<const LearningRateSchedule> schedule = nullptr;  // replaces learning_rate
    double weight_decay = 0.004;
    double beta_1 = 0.9;    // in [0, 1)
    double beta_2 = 0.999;  // in [0, 1)
    double epsilon = 1e-7;  // >= 0
    bool amsgrad = false;
    double clipnorm = 0;
    double clipvalue = 0;
    double global_clipnorm = 0;
  };
  /// Keras' defaults.
  AdamW();
  /// Throws Error naming the argument when an option is out of range.
  explicit AdamW(Options options);

  std::string_view name() const override { return "AdamW"; }
};

}  // namespace mlp
