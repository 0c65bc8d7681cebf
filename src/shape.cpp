// SPDX-License-Identifier: MIT
#include "mlp/shape.hpp"

namespace mlp {

std::size_t features(const Shape& shape) {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

std::string format_shape(const Shape& shape) {
  std::string s = "(None";
  for (std::size_t d : shape) s += ", " + std::to_string(d);
  return s + ")";
}

}  // namespace mlp
