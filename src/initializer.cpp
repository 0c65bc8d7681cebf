// SPDX-License-Identifier: MIT
#include "mlp/initializer.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "mlp/error.hpp"

namespace mlp {
namespace {
// stddev of a standard normal truncated to [−2, 2]; Keras divides by it so that the truncated
// draw has the variance the scaling asks for.
constexpr double kTruncatedStddev = 0.87962566103423978;

constexpr std::string_view kNames[] = {
    "zeros",          "ones",          "constant",     "random_normal", "random_uniform",
    "truncated_normal", "glorot_uniform", "glorot_normal", "he_normal",   "he_uniform",
    "lecun_normal",   "lecun_uniform", "orthogonal",
};

enum class Mode { kFanIn, kFanOut, kFanAvg };

void variance_scaling(Matrix& w, double scale, Mode mode, bool uniform, std::size_t fan_in,
                      std::size_t fan_out, Rng& rng) {
  double n = static_cast<double>(fan_in);
  if (mode == Mode::kFanOut) n = static_cast<double>(fan_out);
  if (mode == Mode::kFanAvg) n = (static_cast<double>(fan_in) + static_cast<double>(fan_out)) / 2;
  n = std::max(1.0, n);
  const double variance = scale / n;
  if (uniform) {
    const double limit = std::sqrt(3.0 * variance);
    for (auto& v : w.values()) v = static_cast<Scalar>(rng.uniform(-limit, limit));
  } else {
    const double stddev = std::sqrt(variance) / kTruncatedStddev;
    for (auto& v : w.values()) v = static_cast<Scalar>(stddev * rng.truncated_normal());
  }
}

// Q of a Householder QR of a (rows ≥ cols) matrix a, with columns' signs fixed so that
// diag(R) > 0 (Keras: q *= sign(diag(r))). Returns (rows, cols), row-major.
std::vector<double> orthonormal_columns(std::vector<double> a, std::size_t rows, std::size_t cols) {
  std::vector<double> q(rows * cols, 0.0);
  for (std::size_t j = 0; j < cols; ++j) q[j * cols + j] = 1.0;  // the first cols columns of I
  std::vector<std::vector<double>> vs;
  std::vector<double> diag(cols);
  for (std::size_t k = 0; k < cols; ++k) {
    double norm = 0;
    for (std::size_t i = k; i < rows; ++i) norm += a[i * cols + k] * a[i * cols + k];
    norm = std::sqrt(norm);
    const double alpha = a[k * cols + k] > 0 ? -norm : norm;
    std::vector<double> v(rows, 0.0);
    for (std::size_t i = k; i < rows; ++i) v[i] = a[i * cols + k];
    v[k] -= alpha;
    double vnorm = 0;
    for (std::size_t i = k; i < rows; ++i) vnorm += v[i] * v[i];
    if (vnorm > 0) {
      // a ← (I − 2vvᵀ/vᵀv)·a on columns k..cols−1
      for (std::size_t j = k; j < cols; ++j) {
        double dot = 0;
        for (std::size_t i = k; i < rows; ++i) dot += v[i] * a[i * cols + j];
        const double f = 2 * dot / vnorm;
        for (std::size_t i = k; i < rows; ++i) a[i * cols + j] -= f * v[i];
      }
    }
    diag[k] = a[k * cols + k];
    vs.push_back(std::move(v));
  }
  // Q = H_0·H_1·…·H_{cols−1}·I[:, :cols], applied right to left.
  for (std::size_t k = cols; k-- > 0;) {
    const std::vector<double>& v = vs[k];
    double vnorm = 0;
    for (std::size_t i = k; i < rows; ++i) vnorm += v[i] * v[i];
    if (vnorm == 0) continue;
    for (std::size_t j = 0; j < cols; ++j) {
      double dot = 0;
      for (std::size_t i = k; i < rows; ++i) dot += v[i] * q[i * cols + j];
      const double f = 2 * dot / vnorm;
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

void orthogonal(Matrix& w, double gain, Rng& rng) {
  // Keras: flat (max(r, c), min(r, c)) normal matrix, Q of its QR with sign fix, transposed when
  // the target has fewer rows than columns.
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
}  // namespace

Initializer Initializer::from_name(std::string_view name) {
  for (std::string_view known : kNames) {
    if (known == name) {
      Initializer init;
      init.name = std::string(name);
      return init;
    }
  }
  std::string list;
  for (std::string_view known : kNames) list += (list.empty() ? "" : ", ") + std::string(known);
  throw Error("unknown initializer '" + std::string(name) + "'; known: " + list);
}

void initialize(const Initializer& init, Matrix& w, std::size_t fan_in, std::size_t fan_out, Rng& rng) {
  const std::string& n = init.name;
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
      throw Error("random_uniform: minval " + std::to_string(init.minval) + " exceeds maxval " +
                  std::to_string(init.maxval));
    }
    for (auto& v : w.values()) v = static_cast<Scalar>(rng.uniform(init.minval, init.maxval));
  } else if (n == "truncated_normal") {
    for (auto& v : w.values()) v = static_cast<Scalar>(init.mean + init.stddev * rng.truncated_normal());
  } else if (n == "glorot_uniform") {
    variance_scaling(w, 1.0, Mode::kFanAvg, true, fan_in, fan_out, rng);
  } else if (n == "glorot_normal") {
    variance_scaling(w, 1.0, Mode::kFanAvg, false, fan_in, fan_out, rng);
  } else if (n == "he_normal") {
    variance_scaling(w, 2.0, Mode::kFanIn, false, fan_in, fan_out, rng);
  } else if (n == "he_uniform") {
    variance_scaling(w, 2.0, Mode::kFanIn, true, fan_in, fan_out, rng);
  } else if (n == "lecun_normal") {
    variance_scaling(w, 1.0, Mode::kFanIn, false, fan_in, fan_out, rng);
  } else if (n == "lecun_uniform") {
    variance_scaling(w, 1.0, Mode::kFanIn, true, fan_in, fan_out, rng);
  } else if (n == "orthogonal") {
    orthogonal(w, init.gain, rng);
  } else {
    (void)Initializer::from_name(n);  // throws the list of known names
  }
}

}  // namespace mlp
