// SPDX-License-Identifier: MIT
#include "mlp/layer.hpp"

#include <nlohmann/json.hpp>

namespace mlp {

nlohmann::json Layer::config() const { return nlohmann::json::object(); }

std::size_t Layer::count_params() {
  std::size_t n = 0;
  for (const Param* p : params()) n += p->value.size();
  for (const Param* p : state()) n += p->value.size();
  return n;
}

}  // namespace mlp
