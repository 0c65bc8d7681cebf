// SPDX-License-Identifier: MIT
#pragma once
// Option checks and keyed randomness shared by the layer implementations (private to src/layers).
#include <algorithm>
#include <cmath>
#include <cstddef>
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
inline void check_option(bool ok, std::string_view layer, std::string_view argument, std::string_view requirement,
                         double value) {
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

/// Whether keyed element i of a batch is kept by a dropout of `rate`. The mask uses a 32-bit
/// counter-based hash so that its loop vectorises with AVX2 (which has 32-bit but no 64-bit
/// vector multiplies): u_i = mix(mix(i ^ k0) + k1) / 2³², kept when u_i ≥ rate, compared on the
/// integer (threshold = ⌈rate·2³²⌉, at most 2³² − 1 since rate < 1). mix is a two-multiply
/// xorshift-multiply integer finalizer (full avalanche, bijective); k0, k1 are the two halves of
/// the batch key, and each row folds the high word of its first index into k0 (KeepMask::row).
/// Element i's draw does not depend on the thread split.
inline std::uint32_t mix32(std::uint32_t x) {
  x ^= x >> 16;
  x *= 0x21f0aaadU;
  x ^= x >> 15;
  x *= 0x735a2d97U;
  x ^= x >> 15;
  return x;
}

struct KeepMask {
  std::uint32_t k0, k1, threshold;

  /// A row width as the 32-bit count a mask loop runs over; throws for wider rows.
  static std::uint32_t width(std::size_t cols, std::string_view layer) {
    if (cols > 0xffffffffU) {
      throw Error(std::string(layer) + ": rows of more than 2^32 - 1 features are not supported");
    }
    return static_cast<std::uint32_t>(cols);
  }

  KeepMask(std::uint64_t key, double rate)
      : k0(static_cast<std::uint32_t>(key)),
        k1(static_cast<std::uint32_t>(key >> 32)),
        threshold(static_cast<std::uint32_t>(std::min(std::ceil(rate * 0x1.0p32), 0x1.0p32 - 1))) {}

  /// The keys of the elements [base, base + n) (one row, n < 2³²): keep(c) for c in [0, n) decides
  /// element base + c. Loops over c should count in std::uint32_t: with a 64-bit counter GCC 12
  /// does not vectorise the mixed-width loop.
  struct Row {
    std::uint32_t k0, k1, threshold, low;
    bool keep(std::uint32_t c) const { return mix32(mix32((low + c) ^ k0) + k1) >= threshold; }
  };
  Row row(std::uint64_t base) const {
    // A row that crosses a multiple of 2³² elements keeps its first element's high word, so its
    // elements past that multiple repeat draws of the block before: only a batch of 16 GiB or more
    // could have such a row.
    const auto high = static_cast<std::uint32_t>(base >> 32);
    return {k0 ^ (high * 0x9e3779b9U), k1, threshold, static_cast<std::uint32_t>(base)};
  }
};

}  // namespace mlp::layer_detail
