// SPDX-License-Identifier: MIT
#pragma once
// The learning-rate range test (Leslie Smith 2015, "Cyclical Learning Rates", section 3.3; the
// exponential form fast.ai's lr_find uses): train a compiled model for up to `steps` batches while
// the learning rate grows geometrically from start_lr to end_lr, record each batch's loss, and
// stop when the loss blows up. The loss curve against log10(lr) falls, flattens and then rises; a
// good learning rate sits on the steep fall, well before the minimum.
//
//   model.compile(...);
//   LrFinderResult r = find_learning_rate(model, x, y, {.batch_size = 128, .seed = 1});
//   // r.suggested_lr; then build and compile a FRESH model with it (the finder trained this one).
//
// Suggestion rule (one rule, always the same):
//   suggested_lr = the learning rate at the steepest descent of the smoothed loss: the point i,
//   among those after the first 10% of recorded points (noise) and before the point of minimum
//   smoothed loss, whose central-difference slope (smoothed[i+1] - smoothed[i-1]) /
//   (log10 lr[i+1] - log10 lr[i-1]) is the most negative. When no such point has a negative
//   slope (the minimum comes too early, or too few points were recorded), suggested_lr =
//   min_loss_lr / 10.
#include <cstdint>
#include <string>
#include <vector>

#include "mlp/input.hpp"
#include "mlp/matrix.hpp"
#include "mlp/sequential.hpp"

namespace mlp {

struct LrFinderOptions {
  double start_lr = 1e-5;       // the first learning rate, > 0
  double end_lr = 10;           // the last one, > start_lr
  std::size_t steps = 300;      // at most this many batches (>= 2); lr_i = start·(end/start)^(i/(steps−1))
  std::size_t batch_size = 32;  // >= 1; batches cycle through shuffled epochs when steps exceed one
  double smoothing = 0.98;      // β of the loss' exponential moving average (bias-corrected), [0, 1)
  double divergence = 4;        // stop when the smoothed loss > divergence × its minimum so far, > 1
  std::uint64_t seed = 0;       // the shuffling
};

struct LrFinderResult {
  std::vector<double> lr;        // the learning rate of each recorded step
  std::vector<double> loss;      // that batch's training loss (finite)
  std::vector<double> smoothed;  // the bias-corrected moving average of `loss`
  double suggested_lr = 0;       // see the rule above
  double min_loss_lr = 0;        // the learning rate at the minimum of `smoothed`
  std::string rule;              // which branch of the rule gave suggested_lr, in words
  bool diverged = false;         // stopped early: smoothed loss > divergence × minimum, or a non-finite loss
};

/// Runs the range test on `model`, which must be compiled (its loss, metrics and optimizer are
/// used; the optimizer's learning rate is set before every step, replacing any schedule). The
/// model's weights and optimizer state are changed: the caller restores or rebuilds the model.
/// A non-finite batch loss stops the test and is not recorded.
/// Throws mlp::Error for an uncompiled model, start_lr <= 0, start_lr >= end_lr, a non-finite
/// bound, steps < 2, batch_size 0, smoothing outside [0, 1), divergence <= 1, no samples, or x and
/// y with different numbers of rows.
LrFinderResult find_learning_rate(Model& model, InputView x, ConstMatrixView y, const LrFinderOptions& options = {});

/// The suggestion rule alone, on a recorded curve (lr increasing, smoothed of the same size, at
/// least one point): sets result.suggested_lr, min_loss_lr and rule from result.lr and smoothed.
void suggest_learning_rate(LrFinderResult& result);

}  // namespace mlp
