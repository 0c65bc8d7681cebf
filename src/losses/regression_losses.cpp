// SPDX-License-Identifier: MIT
// mean_squared_error, mean_absolute_error, huber, log_cosh; formulas in
// mlp/losses/regression_losses.hpp. Each is an element-wise ρ(d), d = p − y, averaged over columns,
// so one pair of loops serves all four.
#include "mlp/losses/regression_losses.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "loss_checks.hpp"
#include "mlp/error.hpp"

namespace mlp {
namespace {

// l_i = mean_j ρ(p_ij − y_ij)
template <class Rho>
void mean_per_sample(const Loss& loss, ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out, Rho rho) {
  loss_detail::check_per_sample(loss, pred, target, out.size());
  const std::size_t c = pred.cols();
  for (std::size_t r = 0; r < pred.rows(); ++r) {
    const Scalar* p = pred.row(r);
    const Scalar* y = target.row(r);
    double l = 0;
    for (std::size_t j = 0; j < c; ++j) l += rho(static_cast<double>(p[j]) - static_cast<double>(y[j]));
    out[r] = static_cast<Scalar>(l / static_cast<double>(c));
  }
}

// dpred_ij = (w_i/N)·ρ'(d_ij)/C
template <class DRho>
void mean_gradient(const Loss& loss, ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                   MatrixView dpred, DRho drho) {
  loss_detail::check_gradient(loss, pred, target, weights, dpred, "dpred");
  const std::size_t n = pred.rows(), c = pred.cols();
  for (std::size_t r = 0; r < n; ++r) {
    const double s = loss_detail::row_scale(weights, r, n) / static_cast<double>(c);
    const Scalar* p = pred.row(r);
    const Scalar* y = target.row(r);
    Scalar* d = dpred.row(r);
    for (std::size_t j = 0; j < c; ++j) {
      d[j] = static_cast<Scalar>(s * drho(static_cast<double>(p[j]) - static_cast<double>(y[j])));
    }
  }
}

double sign(double d) { return d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0); }

// softplus(x) = max(x, 0) + log(1 + e^{−|x|})
double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }

}  // namespace

void MeanSquaredError::per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const {
  mean_per_sample(*this, pred, target, out, [](double d) { return d * d; });
}
void MeanSquaredError::gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                                MatrixView dpred) const {
  mean_gradient(*this, pred, target, weights, dpred, [](double d) { return 2 * d; });
}

void MeanAbsoluteError::per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const {
  mean_per_sample(*this, pred, target, out, [](double d) { return std::abs(d); });
}
void MeanAbsoluteError::gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                                 MatrixView dpred) const {
  mean_gradient(*this, pred, target, weights, dpred, sign);
}

Huber::Huber(Options options) : options_(options) {
  if (!(options_.delta > 0)) {
    throw Error("huber: delta must be > 0, got " + loss_detail::format_number(options_.delta));
  }
}
void Huber::per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const {
  const double delta = options_.delta;
  mean_per_sample(*this, pred, target, out, [delta](double d) {
    const double a = std::abs(d);
    return a <= delta ? 0.5 * d * d : delta * a - 0.5 * delta * delta;
  });
}
void Huber::gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                     MatrixView dpred) const {
  const double delta = options_.delta;
  mean_gradient(*this, pred, target, weights, dpred, [delta](double d) { return std::clamp(d, -delta, delta); });
}

void LogCosh::per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const {
  mean_per_sample(*this, pred, target, out, [](double d) { return d + softplus(-2 * d) - std::numbers::ln2; });
}
void LogCosh::gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                       MatrixView dpred) const {
  mean_gradient(*this, pred, target, weights, dpred, [](double d) { return std::tanh(d); });
}

}  // namespace mlp
