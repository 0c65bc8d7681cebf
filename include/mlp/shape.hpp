// SPDX-License-Identifier: MIT
#pragma once
// Shape: the logical shape of one sample, without the batch axis: (28, 28) for an MNIST image,
// (784) after Flatten. Data is always stored (N, product of the shape).
#include <cstddef>
#include <string>
#include <vector>

namespace mlp {

using Shape = std::vector<std::size_t>;

/// Product of the dimensions (1 for an empty shape).
std::size_t features(const Shape& shape);
/// Keras' notation with the batch axis: "(None, 28, 28)".
std::string format_shape(const Shape& shape);

}  // namespace mlp
