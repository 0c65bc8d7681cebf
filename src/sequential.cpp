// SPDX-License-Identifier: MIT
#include "mlp/sequential.hpp"

namespace mlp {

Sequential::Sequential(ModelOptions options) : Model(std::move(options), /*functional=*/false) {}

Sequential::Sequential(ModelOptions options, std::vector<std::unique_ptr<Layer>> layers)
    : Sequential(std::move(options)) {
  for (auto& layer : layers) add(std::move(layer));
}

}  // namespace mlp
