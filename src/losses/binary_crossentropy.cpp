// SPDX-License-Identifier: MIT
// binary_crossentropy; formulas in mlp/losses/binary_crossentropy.hpp. Each element is computed in
// double and stored as Scalar.
#include "mlp/losses/binary_crossentropy.hpp"

#include <algorithm>
#include <cmath>

#include "loss_checks.hpp"
#include "mlp/error.hpp"

namespace mlp {
namespace {

using loss_detail::row_scale;

constexpr double kLow = loss_detail::kClipLow;
constexpr double kHigh = loss_detail::kClipHigh;

// −(y·log q + (1 − y)·log(1 − q)),  q = clip(p, ε, 1 − ε)
double probs_term(double p, double y) {
  const double q = std::clamp(p, kLow, kHigh);
  return -(y * std::log(q) + (1 - y) * std::log1p(-q));
}

// d/dp of probs_term: (1 − y)/(1 − q) − y/q inside the clip range, 0 outside
double probs_derivative(double p, double y) {
  if (p < kLow || p > kHigh) return 0;
  return (1 - y) / (1 - p) - y / p;
}

// max(z, 0) − z·y + log(1 + e^{−|z|})
double logits_term(double z, double y) { return std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::abs(z))); }

double sigmoid(double z) {
  if (z >= 0) return 1 / (1 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1 + e);
}

}  // namespace

void BinaryCrossentropy::per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const {
  loss_detail::check_per_sample(*this, pred, target, out.size());
  const std::size_t c = pred.cols();
  for (std::size_t r = 0; r < pred.rows(); ++r) {
    const Scalar* p = pred.row(r);
    const Scalar* y = target.row(r);
    double l = 0;
    for (std::size_t j = 0; j < c; ++j) {
      const double pj = static_cast<double>(p[j]), yj = static_cast<double>(y[j]);
      l += options_.from_logits ? logits_term(pj, yj) : probs_term(pj, yj);
    }
    out[r] = static_cast<Scalar>(l / static_cast<double>(c));
  }
}

void BinaryCrossentropy::gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                                  MatrixView dpred) const {
  loss_detail::check_gradient(*this, pred, target, weights, dpred, "dpred");
  const std::size_t n = pred.rows(), c = pred.cols();
  for (std::size_t r = 0; r < n; ++r) {
    const double s = row_scale(weights, r, n) / static_cast<double>(c);
    const Scalar* p = pred.row(r);
    const Scalar* y = target.row(r);
    Scalar* d = dpred.row(r);
    for (std::size_t j = 0; j < c; ++j) {
      const double pj = static_cast<double>(p[j]), yj = static_cast<double>(y[j]);
      const double g = options_.from_logits ? sigmoid(pj) - yj : probs_derivative(pj, yj);
      d[j] = static_cast<Scalar>(s * g);
    }
  }
}

bool BinaryCrossentropy::fuses_with(const ActivationFunction& activation) const {
  return !options_.from_logits && activation.kind == ActivationKind::kSigmoid;
}

// dz = (w_i/N)·(p − y)/C
void BinaryCrossentropy::gradient_wrt_logits(ConstMatrixView pred, ConstMatrixView target,
                                             std::span<const Scalar> weights, MatrixView dz) const {
  if (options_.from_logits) {
    throw Error(
        "binary_crossentropy: gradient_wrt_logits() needs probabilities from a sigmoid, but from_logits "
        "is set; use gradient()");
  }
  loss_detail::check_gradient(*this, pred, target, weights, dz, "dz");
  const std::size_t n = pred.rows(), c = pred.cols();
  for (std::size_t r = 0; r < n; ++r) {
    const double s = row_scale(weights, r, n) / static_cast<double>(c);
    const Scalar* p = pred.row(r);
    const Scalar* y = target.row(r);
    Scalar* d = dz.row(r);
    for (std::size_t j = 0; j < c; ++j) {
      d[j] = static_cast<Scalar>(s * (static_cast<double>(p[j]) - static_cast<double>(y[j])));
    }
  }
}

}  // namespace mlp
