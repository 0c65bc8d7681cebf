// SPDX-License-Identifier: MIT
#include "mlp/optimizers/sgd.hpp"

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

}  // namespace mlp
