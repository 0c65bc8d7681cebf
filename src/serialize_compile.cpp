// SPDX-License-Identifier: MIT
// Optimizers, learning-rate schedules, losses and compile settings from their flat configs, and
// back. The names are looked up in the optimizer and schedule tables (src/registry/registry.hpp),
// whose rows read and write each class's own arguments; this file holds the checks and error
// locations around them. The layer half of serialize.hpp is in serialize.cpp.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "mlp/metric.hpp"
#include "mlp/optimizers/rmsprop.hpp"
#include "mlp/serialize.hpp"
#include "mlp/strings.hpp"
#include "registry/registry.hpp"

namespace mlp {
namespace {

// Rethrows a constructor's Error at the config's location, unless it has one already:
// "compile.optimizer (Adam): beta_1 must be in [0, 1), got 1.5" from "Adam: beta_1 must be ...".
[[noreturn]] void rethrow_at(const ConfigObject& c, const std::string& type, const Error& e) {
  mlp::rethrow_at(e, c.location(type));
}

}  // namespace

std::unique_ptr<Optimizer> optimizer_from_config(ConfigObject& parent, std::string_view key) {
  const auto* v = parent.find(key);
  if (v == nullptr) return std::make_unique<RMSprop>(RMSprop::Options{});
  std::string type_arg;
  std::optional<ConfigObject> table;
  if (v->is_string()) {
    type_arg = v->get<std::string>();
  } else if (v->is_object()) {
    table.emplace(*v, config_path(parent.path(), key), parent.source());
    const auto t = table->get_string("type");
    if (!t) throw table->error("type", "required: the optimizer, one of " + join(optimizer_types()));
    type_arg = *t;
  } else {
    throw parent.error(key, "expected an optimizer name or a table with a type, got " + describe_json_type(*v));
  }
  const registry::OptimizerRow* row = registry::find(registry::optimizers(), type_arg);
  if (row == nullptr) {
    const std::string message = "unknown optimizer '" + type_arg + "'; known: " + join(optimizer_types());
    throw table ? table->error("type", message) : parent.error(key, message);
  }
  nlohmann::json empty = nlohmann::json::object();
  ConfigObject c = table ? *table : ConfigObject(empty, config_path(parent.path(), key), parent.source());
  std::unique_ptr<Optimizer> optimizer;
  try {
    optimizer = row->from_config(c);
  } catch (const Error& e) {
    rethrow_at(c, std::string(row->name), e);
  }
  c.finish();
  return optimizer;
}

nlohmann::json optimizer_config(const Optimizer& optimizer) {
  const OptimizerOptions& base = optimizer.options();
  nlohmann::json out = {{"type", optimizer.name()}};
  if (base.schedule) {
    out["learning_rate"] = schedule_config(*base.schedule);
  } else {
    out["learning_rate"] = base.learning_rate;
  }
  out["weight_decay"] = base.weight_decay;
  auto clip = [](double v) { return v > 0 ? nlohmann::json(v) : nlohmann::json(nullptr); };
  out["clipnorm"] = clip(base.clipnorm);
  out["clipvalue"] = clip(base.clipvalue);
  out["global_clipnorm"] = clip(base.global_clipnorm);
  const registry::OptimizerRow* row = registry::find_exact(registry::optimizers(), optimizer.name());
  if (row == nullptr) {
    throw Error("optimizer_config: optimizer '" + std::string(optimizer.name()) + "' is not in the serialize list");
  }
  row->config(optimizer, out);
  return out;
}

std::shared_ptr<const LearningRateSchedule> schedule_from_config(ConfigObject c) {
  const auto type_arg = c.get_string("type");
  if (!type_arg) throw c.error("type", "required: the schedule, one of " + join(schedule_types()));
  const registry::ScheduleRow* row = registry::find(registry::schedules(), *type_arg);
  if (row == nullptr) {
    throw c.error("type", "unknown schedule '" + *type_arg + "'; known: " + join(schedule_types()));
  }
  std::shared_ptr<const LearningRateSchedule> schedule;
  try {
    schedule = row->from_config(c);
  } catch (const Error& e) {
    rethrow_at(c, std::string(row->name), e);
  }
  c.allow({"name"});
  c.finish();
  return schedule;
}

nlohmann::json schedule_config(const LearningRateSchedule& schedule) {
  const registry::ScheduleRow* row = registry::find_exact(registry::schedules(), schedule.name());
  if (row == nullptr) {
    throw Error("schedule_config: schedule '" + schedule.name() + "' is not in the serialize list");
  }
  nlohmann::json out = {{"type", row->name}};
  row->config(schedule, out);
  return out;
}

LossOptions loss_from_config(ConfigObject& parent, std::string_view key) {
  const auto* v = parent.find(key);
  LossOptions loss;
  if (v == nullptr) return loss;
  std::optional<ConfigObject> table;
  if (v->is_string()) {
    loss.name = v->get<std::string>();
  } else if (v->is_object()) {
    ConfigObject& c = table.emplace(*v, config_path(parent.path(), key), parent.source());
    const auto type = c.get_string("type");
    if (!type) throw c.error("type", "required: the loss's name, e.g. \"categorical_crossentropy\"");
    loss.name = *type;
    loss.from_logits = c.get_bool("from_logits", loss.from_logits);
    loss.delta = c.get_double("delta", loss.delta);
    c.allow({"reduction", "name"});
    if (const auto r = c.get_string("reduction"); r && *r != "sum_over_batch_size") {
      throw c.error("reduction", "only \"sum_over_batch_size\" (Keras' default) is supported, got \"" + *r + "\"");
    }
    c.finish();
  } else {
    throw parent.error(key, "expected a loss name or a table with a type, got " + describe_json_type(*v));
  }
  try {
    loss.name = std::string(make_loss(loss)->name());  // validates, and canonicalises aliases
  } catch (const Error& e) {
    throw parent.error(key, e.what());
  }
  if (table && table->has("delta") && loss.name != "huber") {
    throw table->error("delta", "only the huber loss takes a delta, not " + loss.name);
  }
  return loss;
}

nlohmann::json loss_config(const LossOptions& loss) {
  // The canonical name, so that an alias ("huber_loss", "mse") keeps its arguments and reads back.
  const std::string name(make_loss(loss)->name());
  nlohmann::json out = {{"type", name}};
  if (loss.from_logits) out["from_logits"] = true;
  if (name == "huber") out["delta"] = loss.delta;
  return out;
}

namespace {
// Metric names are checked here so that a typo names its key; "accuracy" is resolved later,
// against the model's output width.
void check_metrics(ConfigObject& c, const std::vector<std::string>& metrics, const std::vector<std::string>& weighted,
                   const std::string& loss) {
  for (const auto* key : {"metrics", "weighted_metrics"}) {
    for (const auto& m : key == std::string_view("metrics") ? metrics : weighted) {
      try {
        make_metric(m, loss, 2);
      } catch (const Error& e) {
        throw c.error(key, e.what());
      }
    }
  }
}
}  // namespace

CompileOptions compile_options_from_config(ConfigObject c) {
  CompileOptions options;
  options.optimizer = optimizer_from_config(c, "optimizer");
  options.loss = loss_from_config(c, "loss");
  options.metrics = c.get_strings("metrics");
  options.weighted_metrics = c.get_strings("weighted_metrics");
  // "outputs": {"<output layer name>": {"loss", "loss_weight", "metrics", "weighted_metrics"}}
  if (const nlohmann::json* outs = c.find("outputs"); outs != nullptr && !outs->is_null()) {
    if (!outs->is_object()) {
      throw c.error("outputs", "expected a table keyed by output name, got " + describe_json_type(*outs));
    }
    for (const auto& [name, value] : outs->items()) {
      ConfigObject o(value, config_path(config_path(c.path(), "outputs"), name), c.source());
      OutputCompileOptions out;
      out.output = name;
      if (o.has("loss")) out.loss = loss_from_config(o, "loss");
      out.loss_weight = o.get_double("loss_weight", 1.0);
      if (!(out.loss_weight >= 0) || !std::isfinite(out.loss_weight)) {
        throw o.error("loss_weight", "must be finite and >= 0, got " + nlohmann::json(out.loss_weight).dump());
      }
      if (o.has("metrics")) out.metrics = o.get_strings("metrics");
      if (o.has("weighted_metrics")) out.weighted_metrics = o.get_strings("weighted_metrics");
      o.finish();
      check_metrics(o, out.metrics.value_or(options.metrics), out.weighted_metrics.value_or(options.weighted_metrics),
                    out.loss.value_or(options.loss).name);
      options.outputs.push_back(std::move(out));
    }
  }
  c.finish();
  check_metrics(c, options.metrics, options.weighted_metrics, options.loss.name);
  return options;
}

nlohmann::json compile_config(Model& model) {
  nlohmann::json out = {{"optimizer", optimizer_config(model.optimizer())},
                        {"loss", loss_config(model.loss_options())},
                        {"metrics", model.metric_names()},
                        {"weighted_metrics", model.weighted_metric_names()}};
  if (model.num_outputs() > 1) {
    nlohmann::json outputs = nlohmann::json::object();
    const auto names = model.output_names();
    for (std::size_t o = 0; o < names.size(); ++o) {
      outputs[names[o]] = {{"loss", loss_config(model.loss_options(o))},
                           {"loss_weight", model.loss_weight(o)},
                           {"metrics", model.metric_names(o)},
                           {"weighted_metrics", model.weighted_metric_names(o)}};
    }
    out["outputs"] = std::move(outputs);
  }
  return out;
}

}  // namespace mlp
