// SPDX-License-Identifier: MIT
#pragma once
// Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015), in Keras 3's form
// (keras/src/optimizers/adam.py): the bias corrections are folded into the step size and ε is
// added to √v, not to √v̂ (PyTorch's form, m̂/(√v̂ + ε), differs slightly):
//   t = iterations + 1
//   α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ)
//   m ← m + (g − m)·(1 − β₁)                 ("momentum")
//   v ← v + (g² − v)·(1 − β₂)                ("velocity")
//   amsgrad (Reddi et al., "On the Convergence of Adam and Beyond", ICLR 2018):
//     v̂ ← max(v̂, v) and v̂ replaces v below  ("velocity_hat")
//   w ← w − α·m / (√v + ε)
// Shapes: every slot has the parameter's shape; everything is element-wise.
#include <memory>
#include <string_view>
#include <vector>

#include "mlp/optimizer.hpp"

namespace mlp {

class Adam : public Optimizer {
 public:
  /// Keras' Adam arguments and defaults, in Keras' order.
  struct Options {
    double learning_rate = 0.001;
    std::shared_ptr<const LearningRateSchedule> schedule = nullptr;  // replaces learning_rate
    double beta_1 = 0.9;                                             // in [0, 1)
    double beta_2 = 0.999;                                           // in [0, 1)
    double epsilon = 1e-7;                                           // >= 0
    bool amsgrad = false;
    double weight_decay = 0;
    double clipnorm = 0;
    double clipvalue = 0;
    double global_clipnorm = 0;
  };
  /// Keras' defaults.
  Adam();
  /// Throws Error naming the argument when an option is out of range.
  explicit Adam(Options options);

  std::string_view name() const override { return "Adam"; }
  /// {"momentum", "velocity"}, plus "velocity_hat" with amsgrad.
  std::vector<std::string_view> slot_names() const override;
  double beta_1() const { return beta_1_; }
  double beta_2() const { return beta_2_; }
  double epsilon() const { return epsilon_; }
  bool amsgrad() const { return amsgrad_; }

 protected:
  void update_step(std::size_t index, Param& param, double lr, std::size_t begin, std::size_t end) override;

 private:
  double beta_1_, beta_2_, epsilon_;
  bool amsgrad_;
};

}  // namespace mlp
