// SPDX-License-Identifier: MIT
#pragma once
// SGD: gradient descent with optional (Nesterov) momentum, in Keras 3's form
// (keras/src/optimizers/sgd.py; Nesterov momentum as reformulated by Sutskever et al., "On the
// importance of initialization and momentum in deep learning", ICML 2013):
//   momentum = 0:   w ← w − lr·g
//   momentum > 0:   v ← momentum·v − lr·g                (v: the "momentum" slot, zero at build)
//                   w ← w + v                            nesterov = false
//                   w ← w + momentum·v − lr·g            nesterov = true (v already updated)
// Shapes: w, g, v all have the parameter's shape; everything is element-wise.
#include <memory>
#include <string_view>
#include <vector>

#include "mlp/optimizer.hpp"

namespace mlp {

class SGD : public Optimizer {
 public:
  /// Keras' SGD arguments and defaults, in Keras' order.
  struct Options {
    double learning_rate = 0.01;
    std::shared_ptr<const LearningRateSchedule> schedule = nullptr;  // replaces learning_rate
    double momentum = 0;                                             // in [0, 1]
    bool nesterov = false;
    double weight_decay = 0;
    double clipnorm = 0;
    double clipvalue = 0;
    double global_clipnorm = 0;
  };
  /// Keras' defaults.
  SGD();
  /// Throws Error naming the argument when an option is out of range.
  explicit SGD(Options options);

  std::string_view name() const override { return "SGD"; }
  /// {"momentum"} when momentum != 0, else none (as Keras).
  std::vector<std::string_view> slot_names() const override;
  double momentum() const { return momentum_; }
  bool nesterov() const { return nesterov_; }

 protected:
  void update_step(std::size_t index, Param& param, double lr, std::size_t begin, std::size_t end) override;

 private:
  double momentum_;
  bool nesterov_;
};

}  // namespace mlp
