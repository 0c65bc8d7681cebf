// SPDX-License-Identifier: MIT
#include "mlp/optimizers/adagrad.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "optimizer_config.hpp"

namespace mlp {

Adagrad::Adagrad() : Adagrad(Options{}) {}

Adagrad::Adagrad(Options options)
    : Optimizer(base_options(options)),
      initial_accumulator_value_(options.initial_accumulator_value),
      epsilon_(options.epsilon) {
  check_argument(std::isfinite(initial_accumulator_value_) && initial_accumulator_value_ >= 0, name(),
                 "initial_accumulator_value", "a finite number >= 0", initial_accumulator_value_);
  check_argument(std::isfinite(epsilon_) && epsilon_ >= 0, name(), "epsilon", "a finite number >= 0", epsilon_);
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

// ---- config (the table is src/registry/optimizers.cpp) ------------------------------------------

namespace {

std::unique_ptr<Optimizer> from_config(ConfigObject& c) {
  Adagrad::Options o;
  optimizer_detail::read_base(c, o);
  o.initial_accumulator_value = c.get_double("initial_accumulator_value", o.initial_accumulator_value);
  o.epsilon = c.get_double("epsilon", o.epsilon);
  return std::make_unique<Adagrad>(o);
}

void config(const Optimizer& optimizer, nlohmann::json& out) {
  const auto& g = dynamic_cast<const Adagrad&>(optimizer);
  out["initial_accumulator_value"] = g.initial_accumulator_value();
  out["epsilon"] = g.epsilon();
}

}  // namespace

registry::OptimizerRow adagrad_row() { return {"Adagrad", &from_config, &config}; }

}  // namespace mlp
