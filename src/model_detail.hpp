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

// The running means of the total loss and of each output's loss over the batches seen, each
// batch weighted by its rows (Keras' loss tracker): fit's logs after every batch, evaluate's at
// the end. Output o's loss is only logged ("<output>_loss") when there are several outputs.
struct Model::LossTracker {
  double total = 0;
  std::vector<double> per_output;  // sums of last_loss · rows, per output
  std::size_t rows = 0;

  void reset(std::size_t outputs) {
    total = 0;
    per_output.assign(outputs, 0.0);
    rows = 0;
  }
  // `loss`: the batch's total loss (batch_loss), the outputs' last_loss of the same batch.
  void add(double loss, const std::vector<OutputSlot>& outputs, std::size_t batch_rows) {
    total += loss * static_cast<double>(batch_rows);
    for (std::size_t o = 0; o < outputs.size(); ++o)
      per_output[o] += outputs[o].last_loss * static_cast<double>(batch_rows);
    rows += batch_rows;
  }
  void write(Logs& logs, const std::vector<OutputSlot>& outputs) const {
    logs["loss"] = total / static_cast<double>(rows);
    for (std::size_t o = 0; outputs.size() > 1 && o < outputs.size(); ++o) {
      logs[outputs[o].prefix + "loss"] = per_output[o] / static_cast<double>(rows);
    }
  }
};

}  // namespace mlp
