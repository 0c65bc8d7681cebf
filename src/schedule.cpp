// SPDX-License-Identifier: MIT
#include "mlp/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "mlp/error.hpp"

namespace mlp {

namespace {

// Throws Error("<schedule>: <argument> must be <requirement>, got <value>") unless ok.
template <class T>
void check_argument(bool ok, std::string_view schedule, std::string_view argument,
                    std::string_view requirement, T value) {
  if (ok) return;
  std::ostringstream message;
  message << schedule << ": " << argument << " must be " << requirement << ", got " << value;
  throw Error(message.str());
}

bool is_rate(double value) { return std::isfinite(value) && value >= 0; }

}  // namespace

ExponentialDecay::ExponentialDecay(Options options) : options_(options) {
  check_argument(is_rate(options_.initial_learning_rate), name(), "initial_learning_rate",
                 "a finite number >= 0", options_.initial_learning_rate);
  check_argument(options_.decay_steps > 0, name(), "decay_steps", "positive", options_.decay_steps);
  check_argument(std::isfinite(options_.decay_rate) && options_.decay_rate > 0, name(), "decay_rate",
                 "a finite number > 0", options_.decay_rate);
}

// p = step / decay_steps (⌊p⌋ when staircase);  lr = initial · rate^p
double ExponentialDecay::operator()(std::int64_t step) const {
  double p = static_cast<double>(step) / static_cast<double>(options_.decay_steps);
  if (options_.staircase) p = std::floor(p);
  return options_.initial_learning_rate * std::pow(options_.decay_rate, p);
}

PiecewiseConstantDecay::PiecewiseConstantDecay(Options options) : options_(std::move(options)) {
  const std::size_t n = options_.boundaries.size();
  check_argument(options_.values.size() == n + 1, name(), "values.size()",
                 "boundaries.size() + 1 = " + std::to_string(n + 1), options_.values.size());
  for (std::size_t i = 1; i < n; ++i) {
    check_argument(options_.boundaries[i - 1] < options_.boundaries[i], name(),
                   "boundaries[" + std::to_string(i) + "]",
                   "greater than boundaries[" + std::to_string(i - 1) +
                       "] = " + std::to_string(options_.boundaries[i - 1]) +
                       " (boundaries must be strictly increasing)",
                   options_.boundaries[i]);
  }
  for (std::size_t i = 0; i < options_.values.size(); ++i) {
    check_argument(is_rate(options_.values[i]), name(), "values[" + std::to_string(i) + "]",
                   "a finite number >= 0", options_.values[i]);
  }
}

// values[i] for the first i with step <= boundaries[i]; values.back() past the last boundary.
double PiecewiseConstantDecay::operator()(std::int64_t step) const {
  const auto& b = options_.boundaries;
  const auto i = std::lower_bound(b.begin(), b.end(), step) - b.begin();
  return options_.values[static_cast<std::size_t>(i)];
}

CosineDecay::CosineDecay(Options options) : options_(options) {
  check_argument(is_rate(options_.initial_learning_rate), name(), "initial_learning_rate",
                 "a finite number >= 0", options_.initial_learning_rate);
  check_argument(options_.decay_steps > 0, name(), "decay_steps", "positive", options_.decay_steps);
  check_argument(options_.alpha >= 0 && options_.alpha <= 1, name(), "alpha", "in [0, 1]",
                 options_.alpha);
  check_argument(options_.warmup_steps >= 0, name(), "warmup_steps", ">= 0",
                 options_.warmup_steps);
  if (options_.warmup_target) {
    check_argument(is_rate(*options_.warmup_target), name(), "warmup_target",
                   "a finite number >= 0", *options_.warmup_target);
  }
}

// No warm-up:  s = min(step, D);  lr = initial·((1 − α)·½(1 + cos(π s / D)) + α)
// Warm-up:     s = min(step, W + D);
//              s < W:  lr = initial + (target − initial)·s / W
//              else:   the cosine from target on s − W
double CosineDecay::operator()(std::int64_t step) const {
  const double decay_steps = static_cast<double>(options_.decay_steps);
  const auto decayed = [&](double s, double from) {
    const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * s / decay_steps));
    return from * ((1.0 - options_.alpha) * cosine + options_.alpha);
  };
  const double s = static_cast<double>(step);
  if (!options_.warmup_target) return decayed(std::min(s, decay_steps), options_.initial_learning_rate);

  const double warmup_steps = static_cast<double>(options_.warmup_steps);
  const double target = *options_.warmup_target;
  const double clamped = std::min(s, warmup_steps + decay_steps);
  if (clamped < warmup_steps) {
    const double initial = options_.initial_learning_rate;
    return initial + (target - initial) * clamped / warmup_steps;
  }
  return decayed(clamped - warmup_steps, target);
}

}  // namespace mlp
