// SPDX-License-Identifier: MIT
#include "mlp/optimizers/rmsprop.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "optimizer_config.hpp"

namespace mlp {

RMSprop::RMSprop() : RMSprop(Options{}) {}

RMSprop::RMSprop(Options options)
    : Optimizer(base_options(options)),
      rho_(options.rho),
      momentum_(options.momentum),
      epsilon_(options.epsilon),
      centered_(options.centered) {
  check_argument(rho_ >= 0 && rho_ < 1, name(), "rho", "in [0, 1)", rho_);
  check_argument(momentum_ >= 0 && momentum_ <= 1, name(), "momentum", "in [0, 1]", momentum_);
  check_argument(std::isfinite(epsilon_) && epsilon_ >= 0, name(), "epsilon", "a finite number >= 0", epsilon_);
}

std::vector<std::string_view> RMSprop::slot_names() const {
  std::vector<std::string_view> names{"velocity"};
  if (momentum_ > 0) names.emplace_back("momentum");
  if (centered_) names.emplace_back("average_gradient");
  return names;
}

void RMSprop::update_step(std::size_t index, Param& param, double lr, std::size_t begin, std::size_t end) {
  Scalar* w = param.value.data();
  const Scalar* g = param.grad.data();
  std::size_t next_slot = 0;
  Scalar* v = slot(index, next_slot++).data();
  Scalar* mom = momentum_ > 0 ? slot(index, next_slot++).data() : nullptr;
  Scalar* avg = centered_ ? slot(index, next_slot++).data() : nullptr;

  const auto rho = static_cast<Scalar>(rho_);
  const auto one_minus_rho = static_cast<Scalar>(1 - rho_);
  const auto eps = static_cast<Scalar>(epsilon_);
  const auto eta = static_cast<Scalar>(lr);
  const auto mu = static_cast<Scalar>(momentum_);
  // v ← ρv + (1−ρ)g²;  [ḡ ← ρḡ + (1−ρ)g];  Δ = lr·g / √(v [− ḡ²] + ε);  [μ ← momentum·μ + Δ]; w ← w − (μ or Δ)
  for (std::size_t k = begin; k < end; ++k) {
    v[k] = rho * v[k] + one_minus_rho * g[k] * g[k];
    Scalar denominator = v[k] + eps;
    if (avg != nullptr) {
      avg[k] = rho * avg[k] + one_minus_rho * g[k];
      denominator = v[k] - avg[k] * avg[k] + eps;
    }
    const Scalar increment = eta * g[k] / std::sqrt(denominator);
    if (mom != nullptr) {
      mom[k] = mu * mom[k] + increment;
      w[k] -= mom[k];
    } else {
      w[k] -= increment;
    }
  }
}

// ---- config (the table is src/registry/optimizers.cpp) ------------------------------------------

namespace {

std::unique_ptr<Optimizer> from_config(ConfigObject& c) {
  RMSprop::Options o;
  optimizer_detail::read_base(c, o);
  o.rho = c.get_double("rho", o.rho);
  o.momentum = c.get_double("momentum", o.momentum);
  o.epsilon = c.get_double("epsilon", o.epsilon);
  o.centered = c.get_bool("centered", o.centered);
  return std::make_unique<RMSprop>(o);
}

void config(const Optimizer& optimizer, nlohmann::json& out) {
  const auto& r = dynamic_cast<const RMSprop&>(optimizer);
  out["rho"] = r.rho();
  out["momentum"] = r.momentum();
  out["epsilon"] = r.epsilon();
  out["centered"] = r.centered();
}

}  // namespace

registry::OptimizerRow rmsprop_row() { return {"RMSprop", &from_config, &config}; }

}  // namespace mlp
