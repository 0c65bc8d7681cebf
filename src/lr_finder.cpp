// SPDX-License-Identifier: MIT
#include "mlp/lr_finder.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "mlp/batcher.hpp"
#include "mlp/error.hpp"
#include "mlp/random.hpp"

namespace mlp {
namespace {

// The message parts streamed together; doubles as %g with 6 digits ("1", "0.1", "1e-05").
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

[[noreturn]] void fail(const std::string& what) { throw Error("find_learning_rate: " + what); }

}  // namespace

void suggest_learning_rate(LrFinderResult& result) {
  const std::size_t n = result.smoothed.size();
  if (n == 0 || result.lr.size() != n) fail("no recorded points to suggest a learning rate from");
  const std::size_t min_index = static_cast<std::size_t>(
      std::min_element(result.smoothed.begin(), result.smoothed.end()) - result.smoothed.begin());
  result.min_loss_lr = result.lr[min_index];
  const std::size_t skip = std::max<std::size_t>(1, n / 10);
  std::size_t best = n;
  double best_slope = 0;
  for (std::size_t i = skip; i < min_index && i + 1 < n; ++i) {
    const double dx = std::log10(result.lr[i + 1]) - std::log10(result.lr[i - 1]);
    const double slope = (result.smoothed[i + 1] - result.smoothed[i - 1]) / dx;
    if (std::isfinite(slope) && slope < best_slope) {
      best_slope = slope;
      best = i;
    }
  }
  if (best < n) {
    result.suggested_lr = result.lr[best];
    std::ostringstream rule;
    rule.precision(3);
    rule << "steepest descent of the smoothed loss before its minimum, slope " << best_slope << " per decade";
    result.rule = rule.str();
  } else {
    result.suggested_lr = result.min_loss_lr / 10;
    result.rule = "no descent before the minimum: a tenth of the learning rate at the minimum loss";
  }
}

LrFinderResult find_learning_rate(Model& model, InputView x, ConstMatrixView y, const LrFinderOptions& options) {
  if (!model.compiled()) fail("the model must be compiled first (it gives the loss and the optimizer)");
  if (!std::isfinite(options.start_lr) || !std::isfinite(options.end_lr) || options.start_lr <= 0) {
    fail(cat("start_lr and end_lr must be finite and positive, got ", options.start_lr, " and ", options.end_lr));
  }
  if (options.start_lr >= options.end_lr) {
    fail(cat("start_lr (", options.start_lr, ") must be smaller than end_lr (", options.end_lr, ")"));
  }
  if (options.steps < 2) fail(cat("steps must be at least 2, got ", options.steps));
  if (options.batch_size == 0) fail("batch_size must be at least 1, got 0");
  if (!(options.smoothing >= 0 && options.smoothing < 1)) {
    fail(cat("smoothing must be in [0, 1), got ", options.smoothing));
  }
  if (!(options.divergence > 1) || !std::isfinite(options.divergence)) {
    fail(cat("divergence must be a finite number > 1, got ", options.divergence));
  }
  if (x.rows() == 0) fail("no samples");
  if (x.rows() != y.rows()) fail(cat("x has ", x.rows(), " rows but y has ", y.rows()));

  // Batches cycle through epochs, each a fresh shuffle of 0 … n−1 (not a reshuffle of the last).
  Batcher batches({&x, 1}, {&y, 1}, {.batch_size = std::min(options.batch_size, x.rows())});
  Rng rng(options.seed);
  std::size_t b = batches.steps();  // forces a shuffle before the first batch
  Matrix xb;

  LrFinderResult result;
  const double ratio = options.end_lr / options.start_lr;
  double average = 0, best = 0, beta_power = 1;
  for (std::size_t i = 0; i < options.steps; ++i) {
    const double lr =
        options.start_lr * std::pow(ratio, static_cast<double>(i) / static_cast<double>(options.steps - 1));
    if (b == batches.steps()) {  // a new epoch
      batches.reset_order();
      batches.shuffle(rng);
      b = 0;
    }
    batches.gather(batches.batch_begin(b), batches.batch_rows(b), {&xb, 1});
    ++b;

    model.optimizer().set_learning_rate(lr);
    const double loss = model.train_on_batch(xb.cview(), batches.batch_targets()[0]);
    if (!std::isfinite(loss)) {
      result.diverged = true;
      break;
    }
    average = options.smoothing * average + (1 - options.smoothing) * loss;
    beta_power *= options.smoothing;
    const double smoothed = average / (1 - beta_power);
    result.lr.push_back(lr);
    result.loss.push_back(loss);
    result.smoothed.push_back(smoothed);
    if (i == 0 || smoothed < best) best = smoothed;
    if (i > 0 && smoothed > options.divergence * best) {
      result.diverged = true;
      break;
    }
  }
  if (result.lr.empty()) fail(cat("the loss was not finite at the first step (learning rate ", options.start_lr, ")"));
  suggest_learning_rate(result);
  return result;
}

}  // namespace mlp
