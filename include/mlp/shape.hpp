// SPDX-License-Identifier: MIT
#pragma once
// Shape: the logical shape of one sample, without the batch axis: (28, 28) for an MNIST image,
// (784) after Flatten. Data is always stored (N, product of the shape).
#include <cstddef>
#include <string>
#include <vector>

namespace mlp {

using Shape = std::vector<std::size_t>;

/// The most weights a model may hold (every layer's params() and state() together): 2^26, a
/// 256 MiB float copy (the gradients and an optimizer's slots come on top). Far above any MLP this
/// library trains; it makes a config or model file that asks for more (units = 10^12) an Error
/// before anything is allocated, not an out-of-memory crash. Sequential::build checks it, and a
/// sample's feature count against it too.
inline constexpr std::size_t kMaxModelParams = std::size_t{1} << 26;

/// Product of the dimensions (1 for an empty shape). Throws mlp::Error when it does not fit in a
/// size_t.
std::size_t features(const Shape& shape);
/// Keras' notation with the batch axis: "(None, 28, 28)".
std::string format_shape(const Shape& shape);

}  // namespace mlp
