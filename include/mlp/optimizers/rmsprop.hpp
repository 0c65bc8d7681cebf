// SPDX-License-Identifier: MIT
#pragma once
// RMSprop (Hinton, "Neural Networks for Machine Learning", lecture 6e, 2012), in Keras 3's form
// (keras/src/optimizers/rmsprop.py), with ε INSIDE the square root:
//   v ← ρ·v + (1 − ρ)·g²                                   ("velocity")
//   centered:  ḡ ← ρ·ḡ + (1 − ρ)·g;  d = v − ḡ² + ε      ("average_gradient")
//   otherwise: d = v + ε
//   Δ = lr·g / √d
//   momentum > 0:  μ ← momentum·μ + Δ;  w ← w − μ          ("momentum", plain not Nesterov)
//   otherwise:     w ← w − Δ
// Shapes: every slot has the parameter's shape; everything is element-wise.
#include <memory>
#include <string_view>
#include <vector>

#include "mlp/optimizer.hpp"

namespace mlp {

class RMSprop : public Optimizer {
 public:
  /// Keras' RMSprop arguments and defaults, in Keras' order.
  struct Options {
    double learning_rate = 0.001;
    std::shared_ptr<const LearningRateSchedule> schedule = nullptr;  // replaces learning_rate
    double rho = 0.9;                                                // in [0, 1)
    double momentum = 0;                                             // in [0, 1]
    double epsilon = 1e-7;                                           // >= 0
    bool centered = false;
    double weight_decay = 0;
    double clipnorm = 0;
    double clipvalue = 0;
    double global_clipnorm = 0;
  };
  /// Keras' defaults.
  RMSprop();
  /// Throws Error naming the argument when an option is out of range.
  explicit RMSprop(Options options);

  std::string_view name() const override { return "RMSprop"; }
  /// {"velocity"}, then "momentum" when momentum > 0, then "average_gradient" when centered.
  std::vector<std::string_view> slot_names() const override;
  double rho() const { return rho_; }
  double momentum() const { return momentum_; }
  double epsilon() const { return epsilon_; }
  bool centered() const { return centered_; }

 protected:
  void update_step(std::size_t index, Param& param, double lr, std::size_t begin, std::size_t end) override;

 private:
  double rho_, momentum_, epsilon_;
  bool centered_;
};

}  // namespace mlp
