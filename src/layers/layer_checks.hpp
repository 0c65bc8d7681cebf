// SPDX-License-Identifier: MIT
#pragma once
// Option checks and keyed randomness shared by the layer implementations (private to src/layers).
#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "mlp/error.hpp"
#include "mlp/layer.hpp"
#include "mlp/random.hpp"

namespace mlp::layer_detail {

/// Throws mlp::Error("<Layer>: <argument> must be <requirement>, got <value>") unless ok.
inline void check_option(bool ok, std::string_view layer, std::string_view argument,
                         std::string_view requirement, double value) {
  if (ok) return;
  std::ostringstream message;
  message << layer << ": " << argument << " must be " << requirement << ", got " << value;
  throw Error(message.str());
}

/// The key of one training batch's random draws: from the layer's own generator when it was given
/// a seed (Keras' `seed` argument), else from the model's training Rng attached to the layer.
inline std::uint64_t batch_key(const Layer& layer, Rng* attached, std::optional<Rng>& own) {
  if (own) return own->next_u64();
  if (attached == nullptr) {
    throw Error(std::string(layer.kind()) + " '" + layer.name() +
                "': training needs the model's Rng (attach_rng) or a seed option");
  }
  return attached->next_u64();
}

/// Standard normal number i of a batch: Box–Muller on the keyed uniforms 2i and 2i + 1 (the
/// first is mapped to (0, 1] so that the logarithm stays finite).
inline double keyed_normal(std::uint64_t key, std::uint64_t i) {
  const double u1 = 1.0 - hash_uniform(key, 2 * i);
  const double u2 = hash_uniform(key, 2 * i + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

/// Whether keyed element i is kept by a dropout of `rate`: hash_uniform(key, i) >= rate, compared
/// on the 53-bit integer the uniform is made of (threshold = ⌈rate·2⁵³⌉), so the mask loops stay
/// in integers and vectorise.
inline std::uint64_t keep_threshold(double rate) {
  return static_cast<std::uint64_t>(std::ceil(rate * 0x1.0p53));
}
inline bool keyed_keep(std::uint64_t key, std::uint64_t i, std::uint64_t threshold) {
  return (hash_bits(key, i) >> 11) >= threshold;
}

}  // namespace mlp::layer_detail
