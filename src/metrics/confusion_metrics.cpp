// SPDX-License-Identifier: MIT
// precision, recall and auc; formulas in mlp/metrics/confusion_metrics.hpp.
#include "mlp/metrics/confusion_metrics.hpp"

#include <algorithm>
#include <cmath>

#include "metric_checks.hpp"
#include "mlp/error.hpp"

namespace mlp::metrics {

using metric_detail::check_batch;
using metric_detail::weight_of;

Precision::Precision(std::string name, double threshold) : Metric(std::move(name)), threshold_(threshold) {}

void Precision::reset() { tp_ = fp_ = 0; }

void Precision::update(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights) {
  check_batch(*this, pred, target, weights, pred.cols());
  for (std::size_t r = 0; r < pred.rows(); ++r) {
    const double w = weight_of(weights, r);
    for (std::size_t j = 0; j < pred.cols(); ++j) {
      if (!(static_cast<double>(pred(r, j)) > threshold_)) continue;
      (target(r, j) != 0 ? tp_ : fp_) += w;
    }
  }
}

double Precision::result() const { return tp_ + fp_ != 0 ? tp_ / (tp_ + fp_) : 0.0; }

Recall::Recall(std::string name, double threshold) : Metric(std::move(name)), threshold_(threshold) {}

void Recall::reset() { tp_ = fn_ = 0; }

void Recall::update(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights) {
  check_batch(*this, pred, target, weights, pred.cols());
  for (std::size_t r = 0; r < pred.rows(); ++r) {
    const double w = weight_of(weights, r);
    for (std::size_t j = 0; j < pred.cols(); ++j) {
      if (target(r, j) == 0) continue;
      (static_cast<double>(pred(r, j)) > threshold_ ? tp_ : fn_) += w;
    }
  }
}

double Recall::result() const { return tp_ + fn_ != 0 ? tp_ / (tp_ + fn_) : 0.0; }

AUC::AUC(std::string name, std::size_t num_thresholds)
    : Metric(std::move(name)), positives_(num_thresholds), negatives_(num_thresholds) {
  if (num_thresholds < 2) {
    throw Error("auc: num_thresholds must be > 1, got " + std::to_string(num_thresholds));
  }
}

void AUC::reset() {
  std::fill(positives_.begin(), positives_.end(), 0.0);
  std::fill(negatives_.begin(), negatives_.end(), 0.0);
}

// b(p) = max(⌈clip(p, 0, 1)·(T−1)⌉ − 1, 0), in Scalar precision as Keras computes it in the
// model's dtype; the prediction counts as positive at every threshold k ≤ b(p).
void AUC::update(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights) {
  check_batch(*this, pred, target, weights, pred.cols());
  const std::size_t t = positives_.size();
  const auto scale = static_cast<Scalar>(t - 1);
  for (std::size_t r = 0; r < pred.rows(); ++r) {
    const double w = weight_of(weights, r);
    for (std::size_t j = 0; j < pred.cols(); ++j) {
      const Scalar p = std::clamp(pred(r, j), Scalar(0), Scalar(1));
      const Scalar b = std::ceil(p * scale) - Scalar(1);
      // NaN lands in bucket 0 (counted positive only at the −ε threshold), as Keras' relu of it does.
      const std::size_t bucket = b > 0 ? std::min(static_cast<std::size_t>(b), t - 1) : 0;
      (target(r, j) != 0 ? positives_ : negatives_)[bucket] += w;
    }
  }
}

// TP_k, FP_k are suffix sums of the buckets; P and N⁻ are the bucket totals (TP + FN, FP + TN).
std::vector<double*> AUC::state() {
  std::vector<double*> out;
  for (double& v : positives_) out.push_back(&v);
  for (double& v : negatives_) out.push_back(&v);
  return out;
}

double AUC::result() const {
  const std::size_t t = positives_.size();
  double total_pos = 0, total_neg = 0;
  for (std::size_t k = 0; k < t; ++k) {
    total_pos += positives_[k];
    total_neg += negatives_[k];
  }
  auto rate = [](double part, double whole) { return whole != 0 ? part / whole : 0.0; };  // divide_no_nan
  // From the top threshold down: TP_k = TP_{k+1} + positives_[k].
  double tp = positives_[t - 1], fp = negatives_[t - 1];
  double tpr_above = rate(tp, total_pos), fpr_above = rate(fp, total_neg);
  double auc = 0;
  for (std::size_t k = t - 1; k-- > 0;) {
    tp += positives_[k];
    fp += negatives_[k];
    const double tpr = rate(tp, total_pos), fpr = rate(fp, total_neg);
    auc += (fpr - fpr_above) * (tpr + tpr_above) / 2;
    tpr_above = tpr;
    fpr_above = fpr;
  }
  return auc;
}

}  // namespace mlp::metrics
