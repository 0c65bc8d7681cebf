// SPDX-License-Identifier: MIT
#pragma once
// Keras' confusion-matrix metrics. Every (label, prediction) pair of the batch counts on its own
// (multi-column outputs are flattened), weighted by its row's sample weight; a label is positive
// when it is non-zero, a prediction when it is strictly above the threshold.
//   precision  TP / (TP + FP)   at threshold 0.5   (0 while TP + FP = 0)
//   recall     TP / (TP + FN)   at threshold 0.5   (0 while TP + FN = 0)
//   auc        area under the ROC curve from T = num_thresholds thresholds
//              t_0 = −ε, t_k = k/(T−1) for 0 < k < T−1, t_{T−1} = 1 + ε      (T = 200, ε = 1e-7)
//              predictions clipped to [0, 1] and bucketed as Keras' evenly-spaced fast path does:
//                  b(p) = max(⌈p·(T−1)⌉ − 1, 0),   TP_k = Σ_{b(p) ≥ k} w·[y],  FP_k = Σ_{b(p) ≥ k} w·[¬y]
//              TPR_k = TP_k / P,  FPR_k = FP_k / N⁻,
//              AUC = Σ_{k<T−1} (FPR_k − FPR_{k+1})·(TPR_k + TPR_{k+1})/2      (trapezoids,
//              Keras' summation_method="interpolation")
#include <cstddef>
#include <string>
#include <vector>

#include "mlp/metric.hpp"

namespace mlp::metrics {

class Precision : public Metric {
 public:
  explicit Precision(std::string name = "precision", double threshold = 0.5);
  void reset() override;
  void update(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights) override;
  double result() const override;
  std::vector<double*> state() override { return {&tp_, &fp_}; }
  double true_positives() const { return tp_; }
  double false_positives() const { return fp_; }

 private:
  double threshold_;
  double tp_ = 0, fp_ = 0;
};

class Recall : public Metric {
 public:
  explicit Recall(std::string name = "recall", double threshold = 0.5);
  void reset() override;
  void update(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights) override;
  double result() const override;
  std::vector<double*> state() override { return {&tp_, &fn_}; }
  double true_positives() const { return tp_; }
  double false_negatives() const { return fn_; }

 private:
  double threshold_;
  double tp_ = 0, fn_ = 0;
};

class AUC : public Metric {
 public:
  /// Throws mlp::Error unless num_thresholds > 1.
  explicit AUC(std::string name = "auc", std::size_t num_thresholds = 200);
  void reset() override;
  void update(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights) override;
  double result() const override;
  std::vector<double*> state() override;
  std::size_t num_thresholds() const { return positives_.size(); }

 private:
  // Weight of positive / negative labels whose prediction falls in each bucket b(p).
  std::vector<double> positives_, negatives_;
};

}  // namespace mlp::metrics
