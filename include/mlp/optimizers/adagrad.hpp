// SPDX-License-Identifier: MIT
#pragma once
// Adagrad (Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and
// Stochastic Optimization", JMLR 2011), in Keras 3's form (keras/src/optimizers/adagrad.py), with
// ε INSIDE the square root:
//   a ← a + g²                       ("accumulator", initial_accumulator_value at build)
//   w ← w − lr·g / √(a + ε)
// Shapes: the accumulator has the parameter's shape; everything is element-wise.
#include <memory>
#include <string_view>
#include <vector>

#include "mlp/optimizer.hpp"

namespace mlp {

class Adagrad : public Optimizer {
 public:
  /// Keras' Adagrad arguments and defaults, in Keras' order.
  struct Options {
    double learning_rate = 0.001;
    std::shared_ptr<const LearningRateSchedule> schedule = nullptr;  // replaces learning_rate
    double initial_accumulator_value = 0.1;                          // >= 0
    double epsilon = 1e-7;                                           // >= 0
    double weight_decay = 0;
    double clipnorm = 0;
    double clipvalue = 0;
    double global_clipnorm = 0;
  };
  /// Keras' defaults.
  Adagrad();
  /// Throws Error naming the argument when an option is out of range.
  explicit Adagrad(Options options);

  std::string_view name() const override { return "Adagrad"; }
  /// {"accumulator"}.
  std::vector<std::string_view> slot_names() const override { return {"accumulator"}; }
  double initial_accumulator_value() const { return initial_accumulator_value_; }
  double epsilon() const { return epsilon_; }

 protected:
  void init_slots() override;
  void update_step(std::size_t index, Param& param, double lr, std::size_t begin, std::size_t end) override;

 private:
  double initial_accumulator_value_, epsilon_;
};

}  // namespace mlp
