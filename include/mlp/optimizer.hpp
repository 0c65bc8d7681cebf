// SPDX-License-Identifier: MIT
#pragma once
// Optimizer: owns a list of (value, grad) pairs and index-aligned slot buffers; layers never see it.
// step() follows Keras 3's BaseOptimizer.apply(), in this order:
//   1. lr = schedule(iterations) or the constant learning rate; iterations counts the finished
//      steps, so the first step sees 0
//   2. clipping, at most one of (Keras raises when two are set, and so do we):
//        clipnorm          g ← g·c / max(‖g‖, c)      each parameter's gradient on its own
//        global_clipnorm   g ← g·c / max(‖G‖, c)      ‖G‖ = √(Σ ‖g‖²) over every parameter; a
//                                                     non-finite ‖G‖ turns every g into NaN, as in
//                                                     Keras, so that an overflow is not hidden
//        clipvalue         g ← min(max(g, −c), c)     element-wise
//   3. decoupled weight decay when weight_decay > 0, for every optimizer (Keras 3 puts it in the
//      base class): w ← w − w·weight_decay·lr, before the update
//   4. begin_step(), then update_step() of the algorithm over every element of every parameter,
//      then ++iterations. The update runs in one OpenMP region per step (when the parameters hold
//      enough elements and more than one thread is allowed): each thread updates its own slice of
//      every parameter, so the result does not depend on the thread count.
// Gradients are clipped in place (the grad buffers are rewritten by the next backward anyway).
//
// Options: each optimizer has a flat `Options` aggregate that repeats the base fields
// (learning_rate, schedule, weight_decay, clipnorm, clipvalue, global_clipnorm) next to its own,
// in Keras' argument order, so designated initializers read like Keras keyword arguments:
//   Adam opt({.learning_rate = 3e-4, .amsgrad = true, .clipnorm = 1.0});
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/layer.hpp"
#include "mlp/schedule.hpp"

namespace mlp {

/// Settings every optimizer takes (Keras' base optimizer arguments). 0 means "off" for the
/// clipping and decay fields; at most one clipping field may be set.
struct OptimizerOptions {
  double learning_rate = 0.001;
  std::shared_ptr<const LearningRateSchedule> schedule = nullptr;  // replaces learning_rate
  double weight_decay = 0;
  double clipnorm = 0;
  double clipvalue = 0;
  double global_clipnorm = 0;
};

/// The base settings out of an optimizer's flat Options (each has these six fields).
template <class Options>
OptimizerOptions base_options(const Options& o) {
  return {.learning_rate = o.learning_rate,
          .schedule = o.schedule,
          .weight_decay = o.weight_decay,
          .clipnorm = o.clipnorm,
          .clipvalue = o.clipvalue,
          .global_clipnorm = o.global_clipnorm};
}

class Optimizer {
 public:
  /// Validates the options: throws Error naming the argument when one is negative or not finite,
  /// or when more than one clipping field is set.
  explicit Optimizer(OptimizerOptions options);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Keras class name: "SGD", "RMSprop", "Adam", "AdamW", "Nadam", "Adagrad".
  virtual std::string_view name() const = 0;
  /// Names of the slot buffers each parameter gets, in Keras' order ({"momentum", "velocity"}
  /// for Adam). Depends only on the options, so it is known before build().
  virtual std::vector<std::string_view> slot_names() const = 0;

  /// Binds the parameters and creates fresh state: slots (zeroed, or Adagrad's initial value),
  /// scalar state, and iterations = 0. Call again to rebind; the old state is dropped.
  void build(std::vector<Param*> params);
  bool built() const { return built_; }
  /// One update of every bound parameter from its grad (which must have the value's shape).
  /// Throws Error when called before build().
  void step();

  /// The learning rate the next step() will use: schedule(iterations()) or the constant.
  double learning_rate() const;
  /// Sets a constant learning rate and drops any schedule (what LR callbacks call). Keras instead
  /// refuses to set the rate of an optimizer built with a schedule.
  void set_learning_rate(double lr);
  /// Number of finished steps (Keras' `iterations`).
  std::int64_t iterations() const { return iterations_; }
  void set_iterations(std::int64_t iterations) { iterations_ = iterations; }
  /// The base settings; learning_rate and schedule reflect set_learning_rate().
  const OptimizerOptions& options() const { return options_; }

  /// Every slot buffer, in Keras' variable order: slot_names()[0] for every parameter (in
  /// build() order), then slot_names()[1] for every parameter, and so on. For checkpoints.
  std::vector<Matrix*> slots();
  /// Scalar state besides iterations and the slots, in a fixed order, for checkpoints to save and
  /// restore (Nadam: {u_product}). Empty for most optimizers.
  virtual std::vector<double*> scalar_state() { return {}; }

 protected:
  /// Called by build() after the slots exist (Adagrad fills its accumulators, Nadam resets its
  /// running product).
  virtual void init_slots() {}
  /// Called once per step before the per-parameter updates (Nadam advances its running product).
  virtual void begin_step() {}
  /// Updates the elements [begin, end) of params_[index]->value from its grad (already clipped)
  /// with learning rate lr. slot(index, k) is the k-th slot (slot_names()[k]) of that parameter;
  /// iterations() still holds the number of finished steps, so Keras' local_step is
  /// iterations() + 1. Called from several threads at once on disjoint ranges of the same
  /// parameter: it may write only elements [begin, end) of the value and the slots, and must not
  /// change the optimizer's own state (begin_step does that).
  virtual void update_step(std::size_t index, Param& param, double lr, std::size_t begin, std::size_t end) = 0;

  Matrix& slot(std::size_t index, std::size_t k) { return slots_[index * slots_per_param_ + k]; }
  const std::vector<Param*>& bound_params() const { return params_; }

  /// Throws Error("<optimizer>: <argument> must be <requirement>, got <value>") unless ok.
  static void check_argument(bool ok, std::string_view optimizer, std::string_view argument,
                             std::string_view requirement, double value);

 private:
  void clip_gradients();
  void apply_weight_decay(double lr);

  OptimizerOptions options_;
  std::vector<Param*> params_;
  std::vector<Matrix> slots_;  // slots_per_param_ per parameter, parameter-major
  std::size_t slots_per_param_ = 0;
  std::int64_t iterations_ = 0;
  bool built_ = false;
};

/// Builds an optimizer with Keras' defaults from its Keras name, case-insensitively: "sgd",
/// "rmsprop", "adam", "adamw", "nadam", "adagrad" ("SGD", "Adam", ... too). Throws Error on an
/// unknown name.
std::unique_ptr<Optimizer> make_optimizer(std::string_view name);

}  // namespace mlp
