// SPDX-License-Identifier: MIT
#pragma once
// Optimizer: owns a list of (value, grad) pairs and index-aligned slot buffers; layers never see it.
// step() follows Keras 3's apply_gradients, in this order:
//   1. lr = schedule(iterations) or the constant learning rate
//   2. clipping: clipvalue (each element to ±clipvalue), clipnorm (each gradient to norm ≤ clipnorm),
//      global_clipnorm (all gradients scaled together so their joint norm ≤ global_clipnorm)
//   3. decoupled weight decay when weight_decay > 0: w ← w − w·weight_decay·lr
//   4. update_step() of the algorithm for each parameter, then ++iterations
// Gradients are clipped in place (the grad buffers are rewritten by the next backward anyway).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/layer.hpp"
#include "mlp/schedule.hpp"

namespace mlp {

/// Settings every optimizer takes (Keras' base optimizer arguments). 0 means "off" for the
/// clipping and decay fields.
struct OptimizerOptions {
  double learning_rate = 0.001;
  std::shared_ptr<const LearningRateSchedule> schedule;  // when set, replaces learning_rate
  double clipnorm = 0;
  double clipvalue = 0;
  double global_clipnorm = 0;
  double weight_decay = 0;
};

class Optimizer {
 public:
  explicit Optimizer(OptimizerOptions options);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  virtual std::string_view name() const = 0;
  /// Binds the parameters and creates the slots (zeroed). Call again to rebind.
  void build(std::vector<Param*> params);
  /// One update of every bound parameter from its grad.
  void step();

  /// The learning rate the next step() will use.
  double learning_rate() const;
  /// Sets a constant learning rate (drops any schedule): what LR callbacks call.
  void set_learning_rate(double lr);
  std::int64_t iterations() const { return iterations_; }
  void set_iterations(std::int64_t iterations) { iterations_ = iterations; }
  const OptimizerOptions& options() const { return options_; }
  /// Every slot buffer in a fixed order (for checkpoints).
  std::vector<Matrix*> slots();

 protected:
  /// Number of slot buffers each parameter needs (m, v, ...), each shaped like the parameter.
  virtual std::size_t slots_per_param() const = 0;
  /// Called once per build after the slots exist (e.g. Adagrad fills its accumulators).
  virtual void init_slots() {}
  /// Updates params_[index]->value from g (already clipped) with learning rate lr.
  /// slot(index, k) is the k-th slot of that parameter.
  virtual void update_step(std::size_t index, Param& param, double lr) = 0;
  /// Called before the per-parameter updates of a step (Nadam keeps a running product).
  virtual void begin_step() {}

  Matrix& slot(std::size_t index, std::size_t k) { return slots_[index * slots_per_param() + k]; }
  const std::vector<Param*>& bound_params() const { return params_; }

 private:
  void clip_gradients();

  OptimizerOptions options_;
  std::vector<Param*> params_;
  std::vector<Matrix> slots_;  // slots_per_param() per parameter, parameter-major
  std::int64_t iterations_ = 0;
};

/// Builds an optimizer from its Keras name ("sgd", "adam", "SGD", "Adam", ...) with defaults.
std::unique_ptr<Optimizer> make_optimizer(std::string_view name);

}  // namespace mlp
