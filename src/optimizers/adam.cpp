// SPDX-License-Identifier: MIT
#include "mlp/optimizers/adam.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "optimizer_config.hpp"

namespace mlp {

Adam::Adam() : Adam(Options{}) {}

Adam::Adam(Options options)
    : Optimizer(base_options(options)),
      beta_1_(options.beta_1),
      beta_2_(options.beta_2),
      epsilon_(options.epsilon),
      amsgrad_(options.amsgrad) {
  check_argument(beta_1_ >= 0 && beta_1_ < 1, name(), "beta_1", "in [0, 1)", beta_1_);
  check_argument(beta_2_ >= 0 && beta_2_ < 1, name(), "beta_2", "in [0, 1)", beta_2_);
  check_argument(std::isfinite(epsilon_) && epsilon_ >= 0, name(), "epsilon", "a finite number >= 0", epsilon_);
}

std::vector<std::string_view> Adam::slot_names() const {
  if (amsgrad_) return {"momentum", "velocity", "velocity_hat"};
  return {"momentum", "velocity"};
}

void Adam::update_step(std::size_t index, Param& param, double lr, std::size_t begin, std::size_t end) {
  // t = iterations + 1;  α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ)
  const auto t = static_cast<double>(iterations() + 1);
  const double alpha_d = lr * std::sqrt(1 - std::pow(beta_2_, t)) / (1 - std::pow(beta_1_, t));

  Scalar* w = param.value.data();
  const Scalar* g = param.grad.data();
  Scalar* m = slot(index, 0).data();
  Scalar* v = slot(index, 1).data();
  Scalar* v_hat = amsgrad_ ? slot(index, 2).data() : nullptr;
  const auto alpha = static_cast<Scalar>(alpha_d);
  const auto one_minus_beta_1 = static_cast<Scalar>(1 - beta_1_);
  const auto one_minus_beta_2 = static_cast<Scalar>(1 - beta_2_);
  const auto eps = static_cast<Scalar>(epsilon_);
  // m ← m + (g − m)(1 − β₁);  v ← v + (g² − v)(1 − β₂);  [v̂ ← max(v̂, v)];  w ← w − α·m / (√v + ε)
  // Restrict-qualified locals: the compiler may keep the scalars in registers and vectorise.
  Scalar* __restrict pw = w;
  Scalar* __restrict pm = m;
  Scalar* __restrict pv = v;
  const Scalar* __restrict pg = g;
  if (v_hat == nullptr) {
#pragma omp simd
    for (std::size_t k = begin; k < end; ++k) {
      pm[k] += (pg[k] - pm[k]) * one_minus_beta_1;
      pv[k] += (pg[k] * pg[k] - pv[k]) * one_minus_beta_2;
      pw[k] -= pm[k] * alpha / (std::sqrt(pv[k]) + eps);
    }
  } else {
    Scalar* __restrict ph = v_hat;
#pragma omp simd
    for (std::size_t k = begin; k < end; ++k) {
      pm[k] += (pg[k] - pm[k]) * one_minus_beta_1;
      pv[k] += (pg[k] * pg[k] - pv[k]) * one_minus_beta_2;
      ph[k] = std::max(ph[k], pv[k]);
      pw[k] -= pm[k] * alpha / (std::sqrt(ph[k]) + eps);
    }
  }
}

// ---- config (the table is src/registry/optimizers.cpp) ------------------------------------------

namespace {

std::unique_ptr<Optimizer> from_config(ConfigObject& c) {
  Adam::Options o;
  optimizer_detail::read_adam(c, o);
  return std::make_unique<Adam>(o);
}

void config(const Optimizer& optimizer, nlohmann::json& out) {
  optimizer_detail::write_adam(dynamic_cast<const Adam&>(optimizer), out);
}

}  // namespace

registry::OptimizerRow adam_row() { return {"Adam", &from_config, &config}; }

}  // namespace mlp
