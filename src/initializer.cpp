// SPDX-License-Identifier: MIT
#include "mlp/initializer.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "mlp/error.hpp"

namespace mlp {
namespace {
// stddev of a standard normal truncated to [−2, 2]; Keras divides by it so that the truncated
// draw has the variance the scaling asks for.
constexpr double kTruncatedStddev = 0.87962566103423978;

constexpr std::string_view kNames[] = {
    "zeros",         "ones",      "constant",   "random_normal", "random_uniform", "truncated_normal", "glorot_uniform",
    "glorot_normal", "he_normal", "he_uniform", "lecun_normal",  "lecun_uniform",  "orthogonal",       "identity",
};

// Other identifiers keras.initializers.get() accepts for the same initializers: the class names
// and Keras 3's aliases ("normal", "uniform", "one", "zero").
struct Alias {
  std::string_view alias, name;
};
constexpr Alias kAliases[] = {
    {"Zeros", "zeros"},
    {"zero", "zeros"},
    {"Ones", "ones"},
    {"one", "ones"},
    {"Constant", "constant"},
    {"RandomNormal", "random_normal"},
    {"normal", "random_normal"},
    {"RandomUniform", "random_uniform"},
    {"uniform", "random_uniform"},
    {"TruncatedNormal", "truncated_normal"},
    {"GlorotUniform", "glorot_uniform"},
    {"GlorotNormal", "glorot_normal"},
    {"HeNormal", "he_normal"},
    {"HeUniform", "he_uniform"},
    {"LecunNormal", "lecun_normal"},
    {"LecunUniform", "lecun_uniform"},
    {"Orthogonal", "orthogonal"},
    {"OrthogonalInitializer", "orthogonal"},
    {"orthogonal_initializer", "orthogonal"},
    {"Identity", "identity"},
    {"IdentityInitializer", "identity"},
};

enum class FanMode { kFanIn, kFanOut, kFanAvg };

// Keras' VarianceScaling, n = fan_in | fan_out | (fan_in + fan_out)/2, v = scale / max(1, n):
//   uniform:          U(−√(3v), √(3v))
//   truncated_normal: N(0, s²) redrawn beyond ±2s, s = √v / 0.8796…, so that the kept values
//                     have variance v
void variance_scaling(Matrix& w, double scale, FanMode mode, bool uniform, std::size_t fan_in, std::size_t fan_out,
                      Rng& rng) {
  double n = static_cast<double>(fan_in);
  if (mode == FanMode::kFanOut) n = static_cast<double>(fan_out);
  if (mode == FanMode::kFanAvg) n = (static_cast<double>(fan_in) + static_cast<double>(fan_out)) / 2;
  const double variance = scale / std::max(1.0, n);
  if (uniform) {
    const double limit = std::sqrt(3.0 * variance);
    for (auto& v : w.values()) v = static_cast<Scalar>(rng.uniform(-limit, limit));
  } else {
    const double stddev = std::sqrt(variance) / kTruncatedStddev;
    for (auto& v : w.values()) v = static_cast<Scalar>(stddev * rng.truncated_normal());
  }
}

// Householder QR of a (rows, cols), rows >= cols, row-major: a = Q·R. Returns Q's first cols
// columns (rows, cols) with each column's sign fixed so that diag(R) >= 0 (Keras:
// q *= sign(diag(r))), which makes Q unique and Haar-distributed for a Gaussian a.
//   Step k: x = a[k:, k], α = −sign(x₀)·‖x‖, v = x − α·e₀, H_k = I − 2vvᵀ/(vᵀv), a ← H_k·a,
//   so R[k][k] = α. Then Q = H_0·H_1·…·H_{cols−1}·I[:, :cols], applied right to left.
std::vector<double> orthonormal_columns(std::vector<double> a, std::size_t rows, std::size_t cols) {
  std::vector<std::vector<double>> reflectors(cols);
  std::vector<double> diag(cols);
  for (std::size_t k = 0; k < cols; ++k) {
    double norm = 0;
    for (std::size_t i = k; i < rows; ++i) norm += a[i * cols + k] * a[i * cols + k];
    norm = std::sqrt(norm);
    const double alpha = a[k * cols + k] > 0 ? -norm : norm;
    std::vector<double>& v = reflectors[k];
    v.assign(rows, 0.0);
    for (std::size_t i = k; i < rows; ++i) v[i] = a[i * cols + k];
    v[k] -= alpha;
    double vv = 0;
    for (std::size_t i = k; i < rows; ++i) vv += v[i] * v[i];
    if (vv > 0) {
      for (std::size_t j = k; j < cols; ++j) {
        double dot = 0;
        for (std::size_t i = k; i < rows; ++i) dot += v[i] * a[i * cols + j];
        const double f = 2 * dot / vv;
        for (std::size_t i = k; i < rows; ++i) a[i * cols + j] -= f * v[i];
      }
    }
    diag[k] = a[k * cols + k];
  }
  std::vector<double> q(rows * cols, 0.0);
  for (std::size_t j = 0; j < cols; ++j) q[j * cols + j] = 1.0;
  for (std::size_t k = cols; k-- > 0;) {
    const std::vector<double>& v = reflectors[k];
    double vv = 0;
    for (std::size_t i = k; i < rows; ++i) vv += v[i] * v[i];
    if (vv == 0) continue;
    for (std::size_t j = 0; j < cols; ++j) {
      double dot = 0;
      for (std::size_t i = k; i < rows; ++i) dot += v[i] * q[i * cols + j];
      const double f = 2 * dot / vv;
      for (std::size_t i = k; i < rows; ++i) q[i * cols + j] -= f * v[i];
    }
  }
  for (std::size_t j = 0; j < cols; ++j) {
    if (diag[j] < 0) {
      for (std::size_t i = 0; i < rows; ++i) q[i * cols + j] = -q[i * cols + j];
    }
  }
  return q;
}

// Keras' Orthogonal for w (rows, cols): a ~ N(0, 1) of shape (max(rows, cols), min(rows, cols))
// drawn row-major, Q from its QR with the sign fix, transposed when rows < cols, times gain.
// So WᵀW = gain²·I when rows >= cols and W·Wᵀ = gain²·I otherwise.
void orthogonal(Matrix& w, double gain, Rng& rng) {
  const std::size_t rows = w.rows(), cols = w.cols();
  const std::size_t big = std::max(rows, cols), small = std::min(rows, cols);
  std::vector<double> a(big * small);
  for (auto& v : a) v = rng.normal();
  const std::vector<double> q = orthonormal_columns(std::move(a), big, small);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const double v = rows >= cols ? q[r * small + c] : q[c * small + r];
      w(r, c) = static_cast<Scalar>(gain * v);
    }
  }
}

std::string format_number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}
}  // namespace

Initializer Initializer::from_name(std::string_view name) {
  std::string_view canonical = name;
  for (const Alias& a : kAliases) {
    if (a.alias == name) canonical = a.name;
  }
  for (std::string_view known : kNames) {
    if (known == canonical) {
      Initializer init;
      init.name = std::string(canonical);
      return init;
    }
  }
  std::string list;
  for (std::string_view known : kNames) list += (list.empty() ? "" : ", ") + std::string(known);
  throw Error("unknown initializer '" + std::string(name) + "'; known: " + list +
              " (or Keras' class names: GlorotUniform, HeNormal, ...)");
}

void initialize(const Initializer& init, Matrix& w, std::size_t fan_in, std::size_t fan_out, Rng& rng) {
  const std::string n = Initializer::from_name(init.name).name;  // canonical; throws if unknown
  // zeros: 0   ones: 1   constant: value   identity: gain·I (rectangular allowed)
  // random_normal: mean + stddev·N(0,1)   random_uniform: U(minval, maxval)
  // truncated_normal: mean + stddev·z, z ~ N(0,1) redrawn while |z| > 2
  // glorot_*: scale 1, fan_avg   he_*: scale 2, fan_in   lecun_*: scale 1, fan_in (variance_scaling)
  if (n == "zeros") {
    w.fill(0);
  } else if (n == "ones") {
    w.fill(1);
  } else if (n == "constant") {
    w.fill(static_cast<Scalar>(init.value));
  } else if (n == "random_normal") {
    for (auto& v : w.values()) v = static_cast<Scalar>(init.mean + init.stddev * rng.normal());
  } else if (n == "random_uniform") {
    if (!(init.minval <= init.maxval)) {
      throw Error("random_uniform: minval " + format_number(init.minval) + " exceeds maxval " +
                  format_number(init.maxval));
    }
    for (auto& v : w.values()) v = static_cast<Scalar>(rng.uniform(init.minval, init.maxval));
  } else if (n == "truncated_normal") {
    for (auto& v : w.values()) v = static_cast<Scalar>(init.mean + init.stddev * rng.truncated_normal());
  } else if (n == "glorot_uniform") {
    variance_scaling(w, 1.0, FanMode::kFanAvg, true, fan_in, fan_out, rng);
  } else if (n == "glorot_normal") {
    variance_scaling(w, 1.0, FanMode::kFanAvg, false, fan_in, fan_out, rng);
  } else if (n == "he_normal") {
    variance_scaling(w, 2.0, FanMode::kFanIn, false, fan_in, fan_out, rng);
  } else if (n == "he_uniform") {
    variance_scaling(w, 2.0, FanMode::kFanIn, true, fan_in, fan_out, rng);
  } else if (n == "lecun_normal") {
    variance_scaling(w, 1.0, FanMode::kFanIn, false, fan_in, fan_out, rng);
  } else if (n == "lecun_uniform") {
    variance_scaling(w, 1.0, FanMode::kFanIn, true, fan_in, fan_out, rng);
  } else if (n == "orthogonal") {
    orthogonal(w, init.gain, rng);
  } else if (n == "identity") {
    w.fill(0);
    for (std::size_t i = 0; i < std::min(w.rows(), w.cols()); ++i) w(i, i) = static_cast<Scalar>(init.gain);
  }
}

nlohmann::json to_json(const Initializer& init) {
  const Initializer defaults = Initializer::from_name(init.name);
  nlohmann::json args = nlohmann::json::object();
  const std::string& n = defaults.name;
  if (n == "constant") args["value"] = init.value;
  if (n == "random_normal" || n == "truncated_normal") {
    args["mean"] = init.mean;
    args["stddev"] = init.stddev;
  }
  if (n == "random_uniform") {
    args["minval"] = init.minval;
    args["maxval"] = init.maxval;
  }
  if (n == "orthogonal" || n == "identity") args["gain"] = init.gain;
  Initializer canonical = init;
  canonical.name = n;
  if (canonical == defaults) return n;
  args["type"] = n;
  return args;
}

}  // namespace mlp
