// SPDX-License-Identifier: MIT
// Optimizers, learning-rate schedules, losses and compile settings from their flat configs, and
// back. The layer half of serialize.hpp is in serialize.cpp.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "mlp/metric.hpp"
#include "mlp/optimizers/adagrad.hpp"
#include "mlp/optimizers/adam.hpp"
#include "mlp/optimizers/adamw.hpp"
#include "mlp/optimizers/nadam.hpp"
#include "mlp/optimizers/rmsprop.hpp"
#include "mlp/optimizers/sgd.hpp"
#include "mlp/serialize.hpp"
#include "mlp/strings.hpp"
#include "serialize_detail.hpp"

namespace mlp {
namespace {

using serialize_detail::find_type;

// Reads the six base arguments into any optimizer's flat Options; learning_rate may be a number
// or a schedule table.
template <class Options>
void read_base(ConfigObject& c, Options& o) {
  if (const auto* lr = c.find("learning_rate"); lr != nullptr && lr->is_object()) {
    o.schedule = schedule_from_config(*c.get_object("learning_rate"));
  } else {
    o.learning_rate = c.get_double("learning_rate", o.learning_rate);
  }
  o.weight_decay = c.get_double("weight_decay", o.weight_decay);
  // Keras writes null for an unset clipping argument.
  for (auto [key, field] : {std::pair{"clipnorm", &o.clipnorm}, std::pair{"clipvalue", &o.clipvalue},
                            std::pair{"global_clipnorm", &o.global_clipnorm}}) {
    const auto* v = c.find(key);
    if (v != nullptr && !v->is_null()) *field = c.get_double(key, 0);
  }
}

std::unique_ptr<Optimizer> make_optimizer_from(const std::string& type, ConfigObject& c) {
  if (type == "SGD") {
    SGD::Options o;
    read_base(c, o);
    o.momentum = c.get_double("momentum", o.momentum);
    o.nesterov = c.get_bool("nesterov", o.nesterov);
    return std::make_unique<SGD>(o);
  }
  if (type == "RMSprop") {
    RMSprop::Options o;
    read_base(c, o);
    o.rho = c.get_double("rho", o.rho);
    o.momentum = c.get_double("momentum", o.momentum);
    o.epsilon = c.get_double("epsilon", o.epsilon);
    o.centered = c.get_bool("centered", o.centered);
    return std::make_unique<RMSprop>(o);
  }
  if (type == "Adam" || type == "AdamW") {
    auto read = [&](auto& o) {
      read_base(c, o);
      o.beta_1 = c.get_double("beta_1", o.beta_1);
      o.beta_2 = c.get_double("beta_2", o.beta_2);
      o.epsilon = c.get_double("epsilon", o.epsilon);
      o.amsgrad = c.get_bool("amsgrad", o.amsgrad);
    };
    if (type == "Adam") {
      Adam::Options o;
      read(o);
      return std::make_unique<Adam>(o);
    }
    AdamW::Options o;
    read(o);
    return std::make_unique<AdamW>(o);
  }
  if (type == "Nadam") {
    Nadam::Options o;
    read_base(c, o);
    o.beta_1 = c.get_double("beta_1", o.beta_1);
    o.beta_2 = c.get_double("beta_2", o.beta_2);
    o.epsilon = c.get_double("epsilon", o.epsilon);
    return std::make_unique<Nadam>(o);
  }
  Adagrad::Options o;  // type == "Adagrad"
  read_base(c, o);
  o.initial_accumulator_value = c.get_double("initial_accumulator_value", o.initial_accumulator_value);
  o.epsilon = c.get_double("epsilon", o.epsilon);
  return std::make_unique<Adagrad>(o);
}

// Rethrows a constructor's Error at the config's location, unless it has one already:
// "compile.optimizer (Adam): beta_1 must be in [0, 1), got 1.5" from "Adam: beta_1 must be ...".
[[noreturn]] void rethrow_at(const ConfigObject& c, const std::string& type, const Error& e) {
  mlp::rethrow_at(e, c.location(type));
}

}  // namespace

const std::vector<std::string>& optimizer_types() {
  static const std::vector<std::string> kTypes = {"SGD", "RMSprop", "Adam", "AdamW", "Nadam", "Adagrad"};
  return kTypes;
}

const std::vector<std::string>& schedule_types() {
  static const std::vector<std::string> kTypes = {"ExponentialDecay", "PiecewiseConstantDecay", "CosineDecay"};
  return kTypes;
}

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
  const std::string type = find_type(optimizer_types(), type_arg);
  if (type.empty()) {
    const std::string message = "unknown optimizer '" + type_arg + "'; known: " + join(optimizer_types());
    throw table ? table->error("type", message) : parent.error(key, message);
  }
  nlohmann::json empty = nlohmann::json::object();
  ConfigObject c = table ? *table : ConfigObject(empty, config_path(parent.path(), key), parent.source());
  std::unique_ptr<Optimizer> optimizer;
  try {
    optimizer = make_optimizer_from(type, c);
  } catch (const Error& e) {
    rethrow_at(c, type, e);
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
  if (const auto* o = dynamic_cast<const SGD*>(&optimizer)) {
    out["momentum"] = o->momentum();
    out["nesterov"] = o->nesterov();
  } else if (const auto* r = dynamic_cast<const RMSprop*>(&optimizer)) {
    out["rho"] = r->rho();
    out["momentum"] = r->momentum();
    out["epsilon"] = r->epsilon();
    out["centered"] = r->centered();
  } else if (const auto* a = dynamic_cast<const Adam*>(&optimizer)) {  // AdamW too
    out["beta_1"] = a->beta_1();
    out["beta_2"] = a->beta_2();
    out["epsilon"] = a->epsilon();
    out["amsgrad"] = a->amsgrad();
  } else if (const auto* n = dynamic_cast<const Nadam*>(&optimizer)) {
    out["beta_1"] = n->beta_1();
    out["beta_2"] = n->beta_2();
    out["epsilon"] = n->epsilon();
  } else if (const auto* g = dynamic_cast<const Adagrad*>(&optimizer)) {
    out["initial_accumulator_value"] = g->initial_accumulator_value();
    out["epsilon"] = g->epsilon();
  } else {
    throw Error("optimizer_config: optimizer '" + std::string(optimizer.name()) + "' is not in the serialize list");
  }
  return out;
}

std::shared_ptr<const LearningRateSchedule> schedule_from_config(ConfigObject c) {
  const auto type_arg = c.get_string("type");
  if (!type_arg) throw c.error("type", "required: the schedule, one of " + join(schedule_types()));
  const std::string type = find_type(schedule_types(), *type_arg);
  if (type.empty()) {
    throw c.error("type", "unknown schedule '" + *type_arg + "'; known: " + join(schedule_types()));
  }
  std::shared_ptr<const LearningRateSchedule> schedule;
  try {
    if (type == "ExponentialDecay") {
      ExponentialDecay::Options o;
      o.initial_learning_rate = c.get_double("initial_learning_rate", o.initial_learning_rate);
      o.decay_steps = c.get_int("decay_steps", o.decay_steps);
      o.decay_rate = c.get_double("decay_rate", o.decay_rate);
      o.staircase = c.get_bool("staircase", o.staircase);
      schedule = std::make_shared<ExponentialDecay>(o);
    } else if (type == "PiecewiseConstantDecay") {
      PiecewiseConstantDecay::Options o;
      for (std::size_t b : c.get_sizes("boundaries")) o.boundaries.push_back(static_cast<std::int64_t>(b));
      o.values = c.get_doubles("values");
      schedule = std::make_shared<PiecewiseConstantDecay>(o);
    } else {
      CosineDecay::Options o;
      o.initial_learning_rate = c.get_double("initial_learning_rate", o.initial_learning_rate);
      o.decay_steps = c.get_int("decay_steps", o.decay_steps);
      o.alpha = c.get_double("alpha", o.alpha);
      if (const auto* w = c.find("warmup_target"); w != nullptr && !w->is_null()) {
        o.warmup_target = c.get_double("warmup_target");
      }
      o.warmup_steps = c.get_int("warmup_steps", o.warmup_steps);
      schedule = std::make_shared<CosineDecay>(o);
    }
  } catch (const Error& e) {
    rethrow_at(c, type, e);
  }
  c.allow({"name"});
  c.finish();
  return schedule;
}

nlohmann::json schedule_config(const LearningRateSchedule& schedule) {
  if (const auto* e = dynamic_cast<const ExponentialDecay*>(&schedule)) {
    const auto& o = e->options();
    return {{"type", "ExponentialDecay"},
            {"initial_learning_rate", o.initial_learning_rate},
            {"decay_steps", o.decay_steps},
            {"decay_rate", o.decay_rate},
            {"staircase", o.staircase}};
  }
  if (const auto* p = dynamic_cast<const PiecewiseConstantDecay*>(&schedule)) {
    const auto& o = p->options();
    return {{"type", "PiecewiseConstantDecay"}, {"boundaries", o.boundaries}, {"values", o.values}};
  }
  if (const auto* cd = dynamic_cast<const CosineDecay*>(&schedule)) {
    const auto& o = cd->options();
    return {{"type", "CosineDecay"},
            {"initial_learning_rate", o.initial_learning_rate},
            {"decay_steps", o.decay_steps},
            {"alpha", o.alpha},
            {"warmup_target", o.warmup_target ? nlohmann::json(*o.warmup_target) : nlohmann::json(nullptr)},
            {"warmup_steps", o.warmup_steps}};
  }
  throw Error("schedule_config: schedule '" + schedule.name() + "' is not in the serialize list");
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
