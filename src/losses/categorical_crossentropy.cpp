// SPDX-License-Identifier: MIT
// categorical_crossentropy and sparse_categorical_crossentropy; formulas in
// mlp/losses/categorical_crossentropy.hpp. Each row is computed in double and stored as Scalar.
// The sparse loss reads its label as a one-hot row, so both share the row kernels below.
#include "mlp/losses/categorical_crossentropy.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "loss_checks.hpp"
#include "mlp/error.hpp"

namespace mlp {
namespace {

using loss_detail::row_scale;

constexpr double kLow = loss_detail::kClipLow;
constexpr double kHigh = loss_detail::kClipHigh;

double row_sum(const Scalar* v, std::size_t c) {
  double s = 0;
  for (std::size_t j = 0; j < c; ++j) s += static_cast<double>(v[j]);
  return s;
}

// lse = max + log Σ_j e^{z_j − max}
double log_sum_exp(const Scalar* z, std::size_t c) {
  const double m = static_cast<double>(*std::max_element(z, z + c));
  double s = 0;
  for (std::size_t j = 0; j < c; ++j) s += std::exp(static_cast<double>(z[j]) - m);
  return m + std::log(s);
}

// l = −Σ_j y_j·log clip(p_j/Σp, ε, 1 − ε)
double probs_loss(const Scalar* p, const Scalar* y, std::size_t c) {
  const double sum = row_sum(p, c);
  double l = 0;
  for (std::size_t j = 0; j < c; ++j) {
    if (y[j] == 0) continue;
    const double q = std::clamp(static_cast<double>(p[j]) / sum, kLow, kHigh);
    l -= static_cast<double>(y[j]) * std::log(q);
  }
  return l;
}

// g_j = −y_j/q_j inside the clip range (0 outside);  dp_j = s·(g_j − Σ_k g_k·p̂_k)/Σp
void probs_gradient(const Scalar* p, const Scalar* y, std::size_t c, double s, Scalar* dp) {
  const double sum = row_sum(p, c);
  double dot = 0;  // Σ_k g_k·p̂_k
  for (std::size_t k = 0; k < c; ++k) {
    const double ph = static_cast<double>(p[k]) / sum;
    if (y[k] != 0 && ph >= kLow && ph <= kHigh) dot -= static_cast<double>(y[k]);  // g_k·p̂_k = −y_k
  }
  for (std::size_t j = 0; j < c; ++j) {
    const double ph = static_cast<double>(p[j]) / sum;
    const double g = (y[j] != 0 && ph >= kLow && ph <= kHigh) ? -static_cast<double>(y[j]) / ph : 0.0;
    dp[j] = static_cast<Scalar>(s * (g - dot) / sum);
  }
}

// l = −Σ_j y_j·(z_j − lse)
double logits_loss(const Scalar* z, const Scalar* y, std::size_t c) {
  const double lse = log_sum_exp(z, c);
  double l = 0;
  for (std::size_t j = 0; j < c; ++j) {
    if (y[j] != 0) l -= static_cast<double>(y[j]) * (static_cast<double>(z[j]) - lse);
  }
  return l;
}

// dz_j = s·(softmax(z)_j·Σy − y_j)
void logits_gradient(const Scalar* z, const Scalar* y, std::size_t c, double s, Scalar* dz) {
  const double lse = log_sum_exp(z, c);
  const double ysum = row_sum(y, c);
  for (std::size_t j = 0; j < c; ++j) {
    const double prob = std::exp(static_cast<double>(z[j]) - lse);
    dz[j] = static_cast<Scalar>(s * (prob * ysum - static_cast<double>(y[j])));
  }
}

// dz_j = s·(p_j·Σy − y_j)   (p = softmax(z) already)
void fused_gradient(const Scalar* p, const Scalar* y, std::size_t c, double s, Scalar* dz) {
  const double ysum = row_sum(y, c);
  for (std::size_t j = 0; j < c; ++j) {
    dz[j] = static_cast<Scalar>(s * (static_cast<double>(p[j]) * ysum - static_cast<double>(y[j])));
  }
}

// Row r's target as a pointer to C values: the target row itself, or for the sparse loss a one-hot
// row built in `onehot` from the validated class index.
class TargetRows {
 public:
  TargetRows(const Loss& loss, ConstMatrixView target, std::size_t classes, bool sparse)
      : loss_(loss), target_(target), classes_(classes), sparse_(sparse) {
    if (sparse_) onehot_.assign(classes_, Scalar(0));
  }
  const Scalar* row(std::size_t r) {
    if (!sparse_) return target_.row(r);
    std::fill(onehot_.begin(), onehot_.end(), Scalar(0));
    onehot_[loss_detail::class_index(loss_.name(), target_, r, classes_)] = Scalar(1);
    return onehot_.data();
  }

 private:
  const Loss& loss_;
  ConstMatrixView target_;
  std::size_t classes_;
  bool sparse_;
  std::vector<Scalar> onehot_;
};

void cce_per_sample(const Loss& loss, bool sparse, bool from_logits, ConstMatrixView pred, ConstMatrixView target,
                    std::span<Scalar> out) {
  loss_detail::check_per_sample(loss, pred, target, out.size());
  const std::size_t c = pred.cols();
  TargetRows rows(loss, target, c, sparse);
  for (std::size_t r = 0; r < pred.rows(); ++r) {
    const Scalar* y = rows.row(r);
    out[r] = static_cast<Scalar>(from_logits ? logits_loss(pred.row(r), y, c) : probs_loss(pred.row(r), y, c));
  }
}

void cce_gradient(const Loss& loss, bool sparse, bool from_logits, ConstMatrixView pred, ConstMatrixView target,
                  std::span<const Scalar> weights, MatrixView dpred) {
  loss_detail::check_gradient(loss, pred, target, weights, dpred, "dpred");
  const std::size_t n = pred.rows(), c = pred.cols();
  TargetRows rows(loss, target, c, sparse);
  for (std::size_t r = 0; r < n; ++r) {
    const Scalar* y = rows.row(r);
    const double s = row_scale(weights, r, n);
    if (from_logits) {
      logits_gradient(pred.row(r), y, c, s, dpred.row(r));
    } else {
      probs_gradient(pred.row(r), y, c, s, dpred.row(r));
    }
  }
}

void cce_gradient_wrt_logits(const Loss& loss, bool sparse, bool from_logits, ConstMatrixView pred,
                             ConstMatrixView target, std::span<const Scalar> weights, MatrixView dz) {
  if (from_logits) {
    throw Error(std::string(loss.name()) +
                ": gradient_wrt_logits() needs probabilities from a softmax, but "
                "from_logits is set; use gradient()");
  }
  loss_detail::check_gradient(loss, pred, target, weights, dz, "dz");
  const std::size_t n = pred.rows(), c = pred.cols();
  TargetRows rows(loss, target, c, sparse);
  for (std::size_t r = 0; r < n; ++r) fused_gradient(pred.row(r), rows.row(r), c, row_scale(weights, r, n), dz.row(r));
}

}  // namespace

void CategoricalCrossentropy::per_sample(ConstMatrixView pred, ConstMatrixView target, std::span<Scalar> out) const {
  cce_per_sample(*this, false, options_.from_logits, pred, target, out);
}

void CategoricalCrossentropy::gradient(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                                       MatrixView dpred) const {
  cce_gradient(*this, false, options_.from_logits, pred, target, weights, dpred);
}

bool CategoricalCrossentropy::fuses_with(const ActivationFunction& activation) const {
  return !options_.from_logits && activation.kind == ActivationKind::kSoftmax;
}

void CategoricalCrossentropy::gradient_wrt_logits(ConstMatrixView pred, ConstMatrixView target,
                                                  std::span<const Scalar> weights, MatrixView dz) const {
  cce_gradient_wrt_logits(*this, false, options_.from_logits, pred, target, weights, dz);
}

void SparseCategoricalCrossentropy::per_sample(ConstMatrixView pred, ConstMatrixView target,
                                               std::span<Scalar> out) const {
  cce_per_sample(*this, true, options_.from_logits, pred, target, out);
}

void SparseCategoricalCrossentropy::gradient(ConstMatrixView pred, ConstMatrixView target,
                                             std::span<const Scalar> weights, MatrixView dpred) const {
  cce_gradient(*this, true, options_.from_logits, pred, target, weights, dpred);
}

bool SparseCategoricalCrossentropy::fuses_with(const ActivationFunction& activation) const {
  return !options_.from_logits && activation.kind == ActivationKind::kSoftmax;
}

void SparseCategoricalCrossentropy::gradient_wrt_logits(ConstMatrixView pred, ConstMatrixView target,
                                                        std::span<const Scalar> weights, MatrixView dz) const {
  cce_gradient_wrt_logits(*this, true, options_.from_logits, pred, target, weights, dz);
}

}  // namespace mlp
