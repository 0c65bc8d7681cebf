// SPDX-License-Identifier: MIT
#include "mlp/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>

#include "mlp/error.hpp"
#include "mlp/parallel.hpp"

namespace mlp {

namespace {

bool is_non_negative(double value) { return std::isfinite(value) && value >= 0; }

// Built by appending: `"(" + std::to_string(...)` trips GCC 12's false -Wrestrict positive.
std::string shape_string(const Matrix& m) {
  std::string out(1, '(');
  out.append(std::to_string(m.rows())).append(", ").append(std::to_string(m.cols())).push_back(')');
  return out;
}

// Σ g² of one gradient, accumulated in double.
double squared_norm(const Matrix& g) {
  double sum = 0;
  for (const Scalar x : g.values()) sum += static_cast<double>(x) * static_cast<double>(x);
  return sum;
}

void scale_in_place(Matrix& g, double factor) {
  const auto f = static_cast<Scalar>(factor);
  for (Scalar& x : g.values()) x *= f;
}

}  // namespace

void Optimizer::check_argument(bool ok, std::string_view optimizer, std::string_view argument,
                               std::string_view requirement, double value) {
  if (ok) return;
  std::ostringstream message;
  message << optimizer << ": " << argument << " must be " << requirement << ", got " << value;
  throw Error(message.str());
}

Optimizer::Optimizer(OptimizerOptions options) : options_(std::move(options)) {
  constexpr std::string_view kWho = "Optimizer";
  check_argument(is_non_negative(options_.learning_rate), kWho, "learning_rate", "a finite number >= 0",
                 options_.learning_rate);
  check_argument(is_non_negative(options_.weight_decay), kWho, "weight_decay", "a finite number >= 0 (0 turns it off)",
                 options_.weight_decay);
  check_argument(is_non_negative(options_.clipnorm), kWho, "clipnorm", "a finite number >= 0 (0 turns it off)",
                 options_.clipnorm);
  check_argument(is_non_negative(options_.clipvalue), kWho, "clipvalue", "a finite number >= 0 (0 turns it off)",
                 options_.clipvalue);
  check_argument(is_non_negative(options_.global_clipnorm), kWho, "global_clipnorm",
                 "a finite number >= 0 (0 turns it off)", options_.global_clipnorm);
  const int clip_args = (options_.clipnorm > 0) + (options_.clipvalue > 0) + (options_.global_clipnorm > 0);
  if (clip_args > 1) {
    std::ostringstream message;
    message << "Optimizer: only one of clipnorm, clipvalue and global_clipnorm can be set, got clipnorm="
            << options_.clipnorm << ", clipvalue=" << options_.clipvalue
            << ", global_clipnorm=" << options_.global_clipnorm;
    throw Error(message.str());
  }
}

void Optimizer::build(std::vector<Param*> params) {
  params_ = std::move(params);
  slots_per_param_ = slot_names().size();
  slots_.clear();
  slots_.reserve(params_.size() * slots_per_param_);
  for (const Param* p : params_) {
    for (std::size_t k = 0; k < slots_per_param_; ++k) slots_.emplace_back(p->value.rows(), p->value.cols());
  }
  iterations_ = 0;
  built_ = true;
  init_slots();
}

std::vector<Matrix*> Optimizer::slots() {
  std::vector<Matrix*> out;
  out.reserve(slots_.size());
  for (std::size_t k = 0; k < slots_per_param_; ++k) {
    for (std::size_t i = 0; i < params_.size(); ++i) out.push_back(&slot(i, k));
  }
  return out;
}

double Optimizer::learning_rate() const {
  return options_.schedule ? (*options_.schedule)(iterations_) : options_.learning_rate;
}

void Optimizer::set_learning_rate(double lr) {
  check_argument(is_non_negative(lr), name(), "learning_rate", "a finite number >= 0", lr);
  options_.learning_rate = lr;
  options_.schedule.reset();
}

void Optimizer::step() {
  if (!built_) {
    throw Error(std::string(name()) +
                ": step() called before build(); call build(params) with the trainable parameters first");
  }
  // Keras: an empty gradient list is a no-op that does not count as an iteration.
  if (params_.empty()) return;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Param& p = *params_[i];
    if (p.grad.rows() != p.value.rows() || p.grad.cols() != p.value.cols()) {
      throw Error(std::string(name()) + ": the gradient of parameter " + std::to_string(i) + " ('" + p.name +
                  "') has shape " + shape_string(p.grad) + " but its value has shape " + shape_string(p.value));
    }
    if (slots_per_param_ > 0 && slot(i, 0).size() != p.value.size()) {
      throw Error(std::string(name()) + ": parameter " + std::to_string(i) + " ('" + p.name + "') changed shape to " +
                  shape_string(p.value) + " since build(); call build() again");
    }
  }

  const double lr = learning_rate();
  clip_gradients();
  if (options_.weight_decay > 0) apply_weight_decay(lr);
  begin_step();
  std::size_t total = 0;
  for (const Param* p : params_) total += p->value.size();
  // One region for every parameter: thread t of T updates elements [n·t/T, n·(t+1)/T) of each.
  parallel_threads(total, [&](std::size_t t, std::size_t count) {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const std::size_t n = params_[i]->value.size();
      const std::size_t begin = n * t / count, end = n * (t + 1) / count;
      if (begin < end) update_step(i, *params_[i], lr, begin, end);
    }
  });
  ++iterations_;
}

// Keras' _clip_gradients: clipnorm, else global_clipnorm, else clipvalue (the constructor allows
// only one). Norms are accumulated in double.
void Optimizer::clip_gradients() {
  if (options_.clipnorm > 0) {
    // g ← g·c / max(‖g‖, c)
    const double c = options_.clipnorm;
    for (Param* p : params_) {
      const double norm = std::sqrt(squared_norm(p->grad));
      if (norm > c || !std::isfinite(norm)) scale_in_place(p->grad, c / std::max(norm, c));
    }
  } else if (options_.global_clipnorm > 0) {
    // ‖G‖ = √(Σ_params ‖g‖²);  scale = c·min(1/‖G‖, 1/c) + (‖G‖ − ‖G‖): 1 when ‖G‖ <= c, and NaN
    // when ‖G‖ is inf or NaN (Keras' deliberate poisoning of non-finite gradients).
    const double c = options_.global_clipnorm;
    double sum = 0;
    for (const Param* p : params_) sum += squared_norm(p->grad);
    const double norm = std::sqrt(sum);
    const double factor = c * std::min(1.0 / norm, 1.0 / c) + (norm - norm);
    if (factor != 1.0) {
      for (Param* p : params_) scale_in_place(p->grad, factor);
    }
  } else if (options_.clipvalue > 0) {
    // g ← min(max(g, −c), c)
    const auto c = static_cast<Scalar>(options_.clipvalue);
    for (Param* p : params_) {
      for (Scalar& x : p->grad.values()) x = std::clamp(x, -c, c);
    }
  }
}

// w ← w − w·weight_decay·lr   (Keras 3 base optimizer, every variable, before update_step)
void Optimizer::apply_weight_decay(double lr) {
  const auto decay = static_cast<Scalar>(options_.weight_decay * lr);
  for (Param* p : params_) {
    Scalar* w = p->value.data();
    const std::size_t n = p->value.size();
    parallel_for(n, n, [&](std::size_t k) { w[k] -= w[k] * decay; });
  }
}

// make_optimizer is in src/registry/optimizers.cpp, next to the optimizer table.

}  // namespace mlp
