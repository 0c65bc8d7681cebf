// SPDX-License-Identifier: MIT
#include "mlp/shape.hpp"

#include <limits>

#include "mlp/error.hpp"

namespace mlp {

std::size_t features(const Shape& shape) {
  std::size_t n = 1;
  for (std::size_t d : shape) {
    if (d != 0 && n > std::numeric_limits<std::size_t>::max() / d) {
      throw Error("shape " + format_shape(shape) + " has more elements than fit in 64 bits");
    }
    n *= d;
  }
  return n;
}

std::string format_shape(const Shape& shape) {
  std::string s = "(None";
  for (std::size_t d : shape) s += ", " + std::to_string(d);
  return s + ")";
}

}  // namespace mlp
