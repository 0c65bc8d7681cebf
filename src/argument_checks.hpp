// SPDX-License-Identifier: MIT
#pragma once
// The argument checks that fit, evaluate and Batcher share, so that they fail with one message.
// `at` is the caller's prefix ("Sequential::fit: ").
#include <cstddef>
#include <span>
#include <string>

#include "mlp/error.hpp"
#include "mlp/scalar.hpp"

namespace mlp::detail {

inline void check_batch_size(const std::string& at, std::size_t batch_size) {
  if (batch_size == 0) throw Error(at + "batch_size must be positive, got 0");
}

inline void check_validation_split(const std::string& at, double split) {
  if (!(split >= 0 && split < 1)) throw Error(at + "validation_split must be in [0, 1), got " + std::to_string(split));
}

// Empty (every weight 1) or one weight per sample.
inline void check_sample_weight(const std::string& at, std::span<const Scalar> weights, std::size_t samples) {
  if (!weights.empty() && weights.size() != samples) {
    throw Error(at + "sample_weight has " + std::to_string(weights.size()) + " values for " + std::to_string(samples) +
                " samples");
  }
}

}  // namespace mlp::detail
