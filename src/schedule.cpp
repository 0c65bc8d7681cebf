// SPDX-License-Identifier: MIT
#include "mlp/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mlp/config.hpp"
#include "mlp/error.hpp"
#include "mlp/serialize.hpp"
#include "registry/registry.hpp"

namespace mlp {

namespace {

// Throws Error("<schedule>: <argument> must be <requirement>, got <value>") unless ok.
template <class T>
void check_argument(bool ok, std::string_view schedule, std::string_view argument, std::string_view requirement,
                    T value) {
  if (ok) return;
  std::ostringstream message;
  message << schedule << ": " << argument << " must be " << requirement << ", got " << value;
  throw Error(message.str());
}

bool is_rate(double value) { return std::isfinite(value) && value >= 0; }

}  // namespace

ExponentialDecay::ExponentialDecay(Options options) : options_(options) {
  check_argument(is_rate(options_.initial_learning_rate), name(), "initial_learning_rate", "a finite number >= 0",
                 options_.initial_learning_rate);
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
    check_argument(options_.boundaries[i - 1] < options_.boundaries[i], name(), "boundaries[" + std::to_string(i) + "]",
                   "greater than boundaries[" + std::to_string(i - 1) + "] = " +
                       std::to_string(options_.boundaries[i - 1]) + " (boundaries must be strictly increasing)",
                   options_.boundaries[i]);
  }
  for (std::size_t i = 0; i < options_.values.size(); ++i) {
    check_argument(is_rate(options_.values[i]), name(), "values[" + std::to_string(i) + "]", "a finite number >= 0",
                   options_.values[i]);
  }
}

// values[i] for the first i with step <= boundaries[i]; values.back() past the last boundary.
double PiecewiseConstantDecay::operator()(std::int64_t step) const {
  const auto& b = options_.boundaries;
  const auto i = std::lower_bound(b.begin(), b.end(), step) - b.begin();
  return options_.values[static_cast<std::size_t>(i)];
}

CosineDecay::CosineDecay(Options options) : options_(options) {
  check_argument(is_rate(options_.initial_learning_rate), name(), "initial_learning_rate", "a finite number >= 0",
                 options_.initial_learning_rate);
  check_argument(options_.decay_steps > 0, name(), "decay_steps", "positive", options_.decay_steps);
  check_argument(options_.alpha >= 0 && options_.alpha <= 1, name(), "alpha", "in [0, 1]", options_.alpha);
  check_argument(options_.warmup_steps >= 0, name(), "warmup_steps", ">= 0", options_.warmup_steps);
  if (options_.warmup_target) {
    check_argument(is_rate(*options_.warmup_target), name(), "warmup_target", "a finite number >= 0",
                   *options_.warmup_target);
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

// ---- configs: the schedule table (src/registry/registry.hpp) -------------------------------------

namespace {

std::shared_ptr<const LearningRateSchedule> exponential_decay_from_config(ConfigObject& c) {
  ExponentialDecay::Options o;
  o.initial_learning_rate = c.get_double("initial_learning_rate", o.initial_learning_rate);
  o.decay_steps = c.get_int("decay_steps", o.decay_steps);
  o.decay_rate = c.get_double("decay_rate", o.decay_rate);
  o.staircase = c.get_bool("staircase", o.staircase);
  return std::make_shared<ExponentialDecay>(o);
}

void exponential_decay_config(const LearningRateSchedule& schedule, nlohmann::json& out) {
  const auto& o = dynamic_cast<const ExponentialDecay&>(schedule).options();
  out["initial_learning_rate"] = o.initial_learning_rate;
  out["decay_steps"] = o.decay_steps;
  out["decay_rate"] = o.decay_rate;
  out["staircase"] = o.staircase;
}

std::shared_ptr<const LearningRateSchedule> piecewise_constant_decay_from_config(ConfigObject& c) {
  PiecewiseConstantDecay::Options o;
  for (std::size_t b : c.get_sizes("boundaries")) o.boundaries.push_back(static_cast<std::int64_t>(b));
  o.values = c.get_doubles("values");
  return std::make_shared<PiecewiseConstantDecay>(o);
}

void piecewise_constant_decay_config(const LearningRateSchedule& schedule, nlohmann::json& out) {
  const auto& o = dynamic_cast<const PiecewiseConstantDecay&>(schedule).options();
  out["boundaries"] = o.boundaries;
  out["values"] = o.values;
}

std::shared_ptr<const LearningRateSchedule> cosine_decay_from_config(ConfigObject& c) {
  CosineDecay::Options o;
  o.initial_learning_rate = c.get_double("initial_learning_rate", o.initial_learning_rate);
  o.decay_steps = c.get_int("decay_steps", o.decay_steps);
  o.alpha = c.get_double("alpha", o.alpha);
  if (const auto* w = c.find("warmup_target"); w != nullptr && !w->is_null()) {
    o.warmup_target = c.get_double("warmup_target");
  }
  o.warmup_steps = c.get_int("warmup_steps", o.warmup_steps);
  return std::make_shared<CosineDecay>(o);
}

void cosine_decay_config(const LearningRateSchedule& schedule, nlohmann::json& out) {
  const auto& o = dynamic_cast<const CosineDecay&>(schedule).options();
  out["initial_learning_rate"] = o.initial_learning_rate;
  out["decay_steps"] = o.decay_steps;
  out["alpha"] = o.alpha;
  out["warmup_target"] = o.warmup_target ? nlohmann::json(*o.warmup_target) : nlohmann::json(nullptr);
  out["warmup_steps"] = o.warmup_steps;
}

// The order is the order schedule_types() and the error messages list the names in.
constexpr registry::ScheduleRow kSchedules[] = {
    {"ExponentialDecay", &exponential_decay_from_config, &exponential_decay_config},
    {"PiecewiseConstantDecay", &piecewise_constant_decay_from_config, &piecewise_constant_decay_config},
    {"CosineDecay", &cosine_decay_from_config, &cosine_decay_config},
};

}  // namespace

std::span<const registry::ScheduleRow> registry::schedules() { return kSchedules; }

const std::vector<std::string>& schedule_types() {
  static const std::vector<std::string> kTypes = registry::names(registry::schedules());
  return kTypes;
}

}  // namespace mlp
