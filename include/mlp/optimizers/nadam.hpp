// SPDX-License-Identifier: MIT
#pragma once
// Nadam: Adam with Nesterov momentum (Dozat, "Incorporating Nesterov Momentum into Adam", 2016),
// in Keras 3's form (keras/src/optimizers/nadam.py) with its momentum schedule (decay 0.96) and
// the running product u_product of the schedule:
//   t = iterations + 1
//   u_t = β₁·(1 − ½·0.96ᵗ),   u_{t+1} = β₁·(1 − ½·0.96ᵗ⁺¹)
//   u_product ← u_product·u_t                 once per step, before the parameters (1 at build)
//   m ← m + (g − m)·(1 − β₁)                  ("momentum")
//   v ← v + (g² − v)·(1 − β₂)                 ("velocity")
//   m̂ = u_{t+1}·m / (1 − u_product·u_{t+1}) + (1 − u_t)·g / (1 − u_product)
//   v̂ = v / (1 − β₂ᵗ)
//   w ← w − lr·m̂ / (√v̂ + ε)
// Shapes: every slot has the parameter's shape; everything is element-wise. u_product is a scalar
// exposed by scalar_state() so that checkpoints restore it.
#include <memory>
#include <string_view>
#include <vector>

#include "mlp/optimizer.hpp"

namespace mlp {

class Nadam : public Optimizer {
 public:
  /// Keras' Nadam arguments and defaults, in Keras' order.
  struct Options {
    double learning_rate = 0.001;
    std::shared_ptr<const LearningRateSchedule> schedule = nullptr;  // replaces learning_rate
    double beta_1 = 0.9;                                             // in [0, 1)
    double beta_2 = 0.999;                                           // in [0, 1)
    double epsilon = 1e-7;                                           // >= 0
    double weight_decay = 0;
    double clipnorm = 0;
    double clipvalue = 0;
    double global_clipnorm = 0;
  };
  /// Keras' defaults.
  Nadam();
  /// Throws Error naming the argument when an option is out of range.
  explicit Nadam(Options options);

  std::string_view name() const override { return "Nadam"; }
  /// {"momentum", "velocity"}.
  std::vector<std::string_view> slot_names() const override;
  /// {&u_product}: the running product of the momentum schedule, Π u_1..u_t.
  std::vector<double*> scalar_state() override { return {&u_product_}; }
  double beta_1() const { return beta_1_; }
  double beta_2() const { return beta_2_; }
  double epsilon() const { return epsilon_; }
  double u_product() const { return u_product_; }

 protected:
  void init_slots() override { u_product_ = 1; }
  void begin_step() override;
  void update_step(std::size_t index, Param& param, double lr, std::size_t begin, std::size_t end) override;

 private:
  double beta_1_, beta_2_, epsilon_;
  double u_product_ = 1;
};

}  // namespace mlp
