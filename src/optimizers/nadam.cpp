// SPDX-License-Identifier: MIT
#include "mlp/optimizers/nadam.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "optimizer_config.hpp"

namespace mlp {

namespace {
constexpr double kMomentumDecay = 0.96;  // Keras' fixed decay of the momentum schedule
}  // namespace

Nadam::Nadam() : Nadam(Options{}) {}

Nadam::Nadam(Options options)
    : Optimizer(base_options(options)), beta_1_(options.beta_1), beta_2_(options.beta_2), epsilon_(options.epsilon) {
  check_argument(beta_1_ >= 0 && beta_1_ < 1, name(), "beta_1", "in [0, 1)", beta_1_);
  check_argument(beta_2_ >= 0 && beta_2_ < 1, name(), "beta_2", "in [0, 1)", beta_2_);
  check_argument(std::isfinite(epsilon_) && epsilon_ >= 0, name(), "epsilon", "a finite number >= 0", epsilon_);
}

std::vector<std::string_view> Nadam::slot_names() const { return {"momentum", "velocity"}; }

// u_product ← u_product·u_t,  u_t = β₁(1 − ½·0.96ᵗ),  t = iterations + 1
void Nadam::begin_step() {
  const auto t = static_cast<double>(iterations() + 1);
  u_product_ *= beta_1_ * (1.0 - 0.5 * std::pow(kMomentumDecay, t));
}

void Nadam::update_step(std::size_t index, Param& param, double lr, std::size_t begin, std::size_t end) {
  const auto t = static_cast<double>(iterations() + 1);
  const double u_t = beta_1_ * (1.0 - 0.5 * std::pow(kMomentumDecay, t));
  const double u_t_1 = beta_1_ * (1.0 - 0.5 * std::pow(kMomentumDecay, t + 1));
  const double u_product_t = u_product_;  // already includes u_t (begin_step)
  const double u_product_t_1 = u_product_t * u_t_1;
  const double beta_2_power = std::pow(beta_2_, t);

  Scalar* __restrict w = param.value.data();
  const Scalar* __restrict g = param.grad.data();
  Scalar* __restrict m = slot(index, 0).data();
  Scalar* __restrict v = slot(index, 1).data();
  const auto one_minus_beta_1 = static_cast<Scalar>(1 - beta_1_);
  const auto one_minus_beta_2 = static_cast<Scalar>(1 - beta_2_);
  const auto m_coef = static_cast<Scalar>(u_t_1 / (1 - u_product_t_1));  // m̂ = m_coef·m + g_coef·g
  const auto g_coef = static_cast<Scalar>((1 - u_t) / (1 - u_product_t));
  const auto v_coef = static_cast<Scalar>(1 / (1 - beta_2_power));  // v̂ = v_coef·v
  const auto eta = static_cast<Scalar>(lr);
  const auto eps = static_cast<Scalar>(epsilon_);
  // m ← m + (g − m)(1 − β₁);  v ← v + (g² − v)(1 − β₂);  w ← w − lr·m̂ / (√v̂ + ε)
#pragma omp simd
  for (std::size_t k = begin; k < end; ++k) {
    m[k] += (g[k] - m[k]) * one_minus_beta_1;
    v[k] += (g[k] * g[k] - v[k]) * one_minus_beta_2;
    const Scalar m_hat = m_coef * m[k] + g_coef * g[k];
    const Scalar v_hat = v_coef * v[k];
    w[k] -= m_hat * eta / (std::sqrt(v_hat) + eps);
  }
}

// ---- config (the table is src/registry/optimizers.cpp) ------------------------------------------

namespace {

std::unique_ptr<Optimizer> from_config(ConfigObject& c) {
  Nadam::Options o;
  optimizer_detail::read_base(c, o);
  o.beta_1 = c.get_double("beta_1", o.beta_1);
  o.beta_2 = c.get_double("beta_2", o.beta_2);
  o.epsilon = c.get_double("epsilon", o.epsilon);
  return std::make_unique<Nadam>(o);
}

void config(const Optimizer& optimizer, nlohmann::json& out) {
  const auto& n = dynamic_cast<const Nadam&>(optimizer);
  out["beta_1"] = n.beta_1();
  out["beta_2"] = n.beta_2();
  out["epsilon"] = n.epsilon();
}

}  // namespace

registry::OptimizerRow nadam_row() { return {"Nadam", &from_config, &config}; }

}  // namespace mlp
