// SPDX-License-Identifier: MIT
#pragma once
// Model's private pieces shared by src/model.cpp (building, compiling) and src/model_train.cpp
// (running batches, fit, evaluate, predict).
#include <memory>
#include <string>
#include <vector>

#include "mlp/loss.hpp"
#include "mlp/metric.hpp"
#include "mlp/model.hpp"

namespace mlp {

// Per output: its loss, its weight in the total, its metrics and the log prefix ("" for a model
// with one output, "<output name>_" otherwise).
struct Model::OutputSlot {
  LossOptions loss_options;
  std::unique_ptr<Loss> loss;
  double weight = 1;
  std::vector<std::string> metric_names, weighted_metric_names;
  std::vector<std::unique_ptr<Metric>> metrics;
  std::vector<bool> metric_weighted;  // aligned with metrics
  bool fused = false;
  std::string prefix;
  double last_loss = 0;  // unweighted, of the latest batch
};

}  // namespace mlp
