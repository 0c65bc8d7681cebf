// SPDX-License-Identifier: MIT
#pragma once
// Weight initializers by their Keras names and with Keras' defaults and formulas.
//   zeros, ones, constant(value)
//   random_normal(mean 0, stddev 0.05), random_uniform(minval −0.05, maxval 0.05),
//   truncated_normal(mean 0, stddev 0.05; redrawn beyond 2 stddev)
//   variance scaling, n = fan_in | fan_out | (fan_in + fan_out)/2:
//     glorot_uniform  U(±√(3·scale/n)), scale 1, fan_avg     (Dense's default kernel initializer)
//     glorot_normal   truncated N(0, √(scale/n)/0.8796…),   scale 1, fan_avg
//     he_normal / he_uniform      scale 2, fan_in
//     lecun_normal / lecun_uniform scale 1, fan_in
//   orthogonal(gain 1): Q of the QR of a normal matrix, signs fixed by diag(R), transposed when
//   rows < cols, times gain.
//   identity(gain 1): gain·I (rectangular allowed).
// Keras' class names and aliases are accepted too ("GlorotUniform", "normal", "uniform", "one", "zero").
// Fans follow Keras: a kernel (I, O) has fan_in = I and fan_out = O; a vector of length n has
// fan_in = fan_out = n.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "mlp/matrix.hpp"
#include "mlp/random.hpp"

namespace mlp {

struct Initializer {
  std::string name = "glorot_uniform";
  double value = 0;       // constant
  double mean = 0;        // random_normal, truncated_normal
  double stddev = 0.05;   // random_normal, truncated_normal
  double minval = -0.05;  // random_uniform
  double maxval = 0.05;   // random_uniform
  double gain = 1;        // orthogonal, identity

  /// Parses a Keras name with its defaults. Throws mlp::Error listing the known names.
  static Initializer from_name(std::string_view name);
  bool operator==(const Initializer&) const = default;
};

/// The name alone when every argument is that initializer's default, else
/// {"type": name, <its arguments>} (what serialize.hpp reads back).
nlohmann::json to_json(const Initializer& init);

/// Fills w (rows, cols) for the given fans. Throws mlp::Error for an unknown name.
void initialize(const Initializer& init, Matrix& w, std::size_t fan_in, std::size_t fan_out, Rng& rng);

}  // namespace mlp
