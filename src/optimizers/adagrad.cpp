// SPDX-License-Identifier: MIT
#include "mlp/optimizers/adagrad.hpp"

#include <cmath>

namespace mlp {

Adagrad::Adagrad() : Adagrad(Options{}) {}

Adagrad::Adagrad(Options options)
    : Optimizer(base_options(options)),
      initial_accumulator_value_(options.initial_accumulator_value),
      epsilon_(options.epsilon) {
  check_argument(std::isfinite(initial_accumulator_value_) && initial_accumulator_value_ >= 0, name(),
                 "initial_accumulator_value", "a finite number >= 0", initial_accumulator_value_);
  check_argument(std::isfinite(epsilon_) && epsilon_ >= 0, name(), "epsilon", "a finite number >= 0",
                 epsilon_);
}

void Adagrad::init_slots() {
  for (std::size_t i = 0; i < bound_params().size(); ++i) {
    slot(i, 0).fill(static_cast<Scalar>(initial_accumulator_value_));
  }
}

void Adagrad::update_step(std::size_t index, Param& param, double lr, std::size_t begin, std::size_t end) {
  Scalar* __restrict w = param.value.data();
  const Scalar* __restrict g = param.grad.data();
  Scalar* __restrict a = slot(index, 0).data();
  const auto eta = static_cast<Scalar>(lr);
  const auto eps = static_cast<Scalar>(epsilon_);
  // a ← a + g²;  w ← w − lr·g / √(a + ε)
#pragma omp simd
  for (std::size_t k = begin; k < end; ++k) {
    a[k] += g[k] * g[k];
    w[k] -= eta * g[k] / std::sqrt(a[k] + eps);
  }
}

}  // namespace mlp
