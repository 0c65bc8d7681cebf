// SPDX-License-Identifier: MIT
#include "mlp/optimizers/sgd.hpp"

#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "optimizer_config.hpp"

namespace mlp {

SGD::SGD() : SGD(Options{}) {}

SGD::SGD(Options options) : Optimizer(base_options(options)), momentum_(options.momentum), nesterov_(options.nesterov) {
  check_argument(momentum_ >= 0 && momentum_ <= 1, name(), "momentum", "in [0, 1]", momentum_);
}

std::vector<std::string_view> SGD::slot_names() const {
  if (momentum_ != 0) return {"momentum"};
  return {};
}

void SGD::update_step(std::size_t index, Param& param, double lr, std::size_t begin, std::size_t end) {
  Scalar* __restrict w = param.value.data();
  const Scalar* __restrict g = param.grad.data();
  const auto eta = static_cast<Scalar>(lr);
  if (momentum_ == 0) {
    // w ← w − lr·g
#pragma omp simd
    for (std::size_t k = begin; k < end; ++k) w[k] -= g[k] * eta;
    return;
  }
  // v ← momentum·v − lr·g;  w ← w + v  (nesterov: w ← w + momentum·v − lr·g)
  Scalar* __restrict v = slot(index, 0).data();
  const auto mu = static_cast<Scalar>(momentum_);
  if (nesterov_) {
#pragma omp simd
    for (std::size_t k = begin; k < end; ++k) {
      v[k] = v[k] * mu - g[k] * eta;
      w[k] += v[k] * mu - g[k] * eta;
    }
  } else {
#pragma omp simd
    for (std::size_t k = begin; k < end; ++k) {
      v[k] = v[k] * mu - g[k] * eta;
      w[k] += v[k];
    }
  }
}

// ---- config (the table is src/registry/optimizers.cpp) ------------------------------------------

namespace {

std::unique_ptr<Optimizer> from_config(ConfigObject& c) {
  SGD::Options o;
  optimizer_detail::read_base(c, o);
  o.momentum = c.get_double("momentum", o.momentum);
  o.nesterov = c.get_bool("nesterov", o.nesterov);
  return std::make_unique<SGD>(o);
}

void config(const Optimizer& optimizer, nlohmann::json& out) {
  const auto& o = dynamic_cast<const SGD&>(optimizer);
  out["momentum"] = o.momentum();
  out["nesterov"] = o.nesterov();
}

}  // namespace

registry::OptimizerRow sgd_row() { return {"SGD", &from_config, &config}; }

}  // namespace mlp
