// SPDX-License-Identifier: MIT
#pragma once
// Finite-difference gradient checks for the double build (Scalar = double).
// For a layer f and a fixed random r, L(x, θ) = Σ f(x; θ) ⊙ r, so dL/dy = r. Every parameter and
// input element is perturbed by ±h (central differences, h = 1e-6) and the numeric derivative is
// compared with backward()'s by relative error |g − ĝ| / max(|g|, |ĝ|, tiny), the worst element
// reported. Training-time randomness is frozen: the layer's Rng is restored to the same state
// before every forward, so dropout masks and noise are identical across evaluations.
#include <algorithm>
#include <cmath>
#include <functional>
#include <type_traits>

#include "mlp/layer.hpp"
#include "mlp/matrix.hpp"
#include "mlp/random.hpp"

namespace mlp::gradcheck {

static_assert(std::is_same_v<Scalar, double>, "gradient checks run in the double build only");

inline constexpr double kStep = 1e-6;
inline constexpr double kTiny = 1e-10;

inline Matrix random_matrix(std::size_t rows, std::size_t cols, Rng& rng, double scale = 1.0) {
  Matrix m(rows, cols);
  for (auto& v : m.values()) v = scale * rng.normal();
  return m;
}

inline double relative_error(double analytic, double numeric) {
  const double denom = std::max({std::abs(analytic), std::abs(numeric), kTiny});
  return std::abs(analytic - numeric) / denom;
}

/// Relative error of the worst element between analytic and numeric gradients, where an element
/// whose both values are below `floor` in magnitude counts as agreeing (differences of 1e-10 on a
/// gradient of 1e-12 are rounding, not a bug).
inline double compare(const Matrix& analytic, const Matrix& numeric, double floor = 1e-8) {
  double worst = 0;
  for (std::size_t i = 0; i < analytic.size(); ++i) {
    if (std::abs(analytic[i]) < floor && std::abs(numeric[i]) < floor) continue;
    worst = std::max(worst, relative_error(analytic[i], numeric[i]));
  }
  return worst;
}

/// Numeric gradient of a scalar function of the entries of m (m is perturbed and restored).
inline Matrix numeric_gradient(Matrix& m, const std::function<double()>& loss) {
  Matrix g(m.rows(), m.cols());
  for (std::size_t i = 0; i < m.size(); ++i) {
    const double old = m[i];
    m[i] = old + kStep;
    const double up = loss();
    m[i] = old - kStep;
    const double down = loss();
    m[i] = old;
    g[i] = (up - down) / (2 * kStep);
  }
  return g;
}

struct LayerResult {
  double input = 0;   // worst relative error of dx
  double params = 0;  // worst over every parameter
};

/// Checks a built layer at input x in the given mode. Its Rng (if it uses one) is attached here.
inline LayerResult check_layer(Layer& layer, Matrix x, Mode mode, std::uint64_t seed = 11) {
  Rng noise(seed);
  const Rng::State frozen = noise.state();
  layer.attach_rng(&noise);
  const std::size_t out = [&] {
    std::size_t n = 1;
    for (std::size_t d : layer.output_shape()) n *= d;
    return n;
  }();
  Rng rr(seed + 1);
  const Matrix r = random_matrix(x.rows(), out, rr);
  Matrix y(x.rows(), out);

  auto loss = [&]() {
    noise.set_state(frozen);
    layer.forward(x, y, mode);
    double s = 0;
    for (std::size_t i = 0; i < y.size(); ++i) s += y[i] * r[i];
    return s + layer.regularization_loss();
  };

  loss();
  Matrix dx(x.rows(), x.cols());
  layer.backward(x, y, r, dx);
  LayerResult result;
  // Copy analytic grads before numeric evaluation (forward may touch scratch, never grads).
  std::vector<Matrix> analytic;
  for (Param* p : layer.params()) analytic.push_back(p->grad);

  result.input = compare(dx, numeric_gradient(x, loss));
  std::size_t k = 0;
  for (Param* p : layer.params()) {
    result.params = std::max(result.params, compare(analytic[k++], numeric_gradient(p->value, loss)));
  }
  return result;
}

}  // namespace mlp::gradcheck
