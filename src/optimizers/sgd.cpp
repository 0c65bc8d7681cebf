// SPDX-License-Identifier: MIT
#include "mlp/optimizers/sgd.hpp"

#include "mlp/parallel.hpp"

namespace mlp {

SGD::SGD() : SGD(Options{}) {}

SGD::SGD(Options options)
    : Optimizer(base_options(options)), momentum_(options.momentum), nesterov_(options.nesterov) {
  check_argument(momentum_ >= 0 && momentum_ <= 1, name(), "momentum", "in [0, 1]", momentum_);
}

std::vector<std::string_view> SGD::slot_names() const {
  if (momentum_ != 0) return {"momentum"};
  return {};
}

void SGD::update_step(std::size_t index, Param& param, double lr) {
  Scalar* w = param.value.data();
  const Scalar* g = param.grad.data();
  const std::size_t n = param.value.size();
  const auto eta = static_cast<Scalar>(lr);
  if (momentum_ == 0) {
    // w ← w − lr·g
    parallel_for(n, n, [&](std::size_t k) { w[k] -= g[k] * eta; });
    return;
  }
  // v ← momentum·v − lr·g;  w ← w + v  (nesterov: w ← w + momentum·v − lr·g)
  Scalar* v = slot(index, 0).data();
  const auto mu = static_cast<Scalar>(momentum_);
  const bool nesterov = nesterov_;
  parallel_for(n, n, [&](std::size_t k) {
    v[k] = v[k] * mu - g[k] * eta;
    w[k] += nesterov ? v[k] * mu - g[k] * eta : v[k];
  });
}

}  // namespace mlp
