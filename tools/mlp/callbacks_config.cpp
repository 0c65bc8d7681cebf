// SPDX-License-Identifier: MIT
#include "callbacks_config.hpp"

#include <filesystem>

#include "mlp/callbacks/csv_logger.hpp"
#include "mlp/callbacks/early_stopping.hpp"
#include "mlp/callbacks/model_checkpoint.hpp"
#include "mlp/callbacks/reduce_lr_on_plateau.hpp"
#include "mlp/callbacks/tensorboard.hpp"
#include "mlp/error.hpp"
#include "mlp/strings.hpp"

namespace mlp::cli {
namespace {

namespace fs = std::filesystem;

std::string in_run_dir(const std::string& run_dir, const std::string& path) {
  if (fs::path(path).is_absolute()) return path;
  return (fs::path(run_dir) / path).lexically_normal().string();
}

int get_count(ConfigObject& c, std::string_view key, int fallback) {
  const auto v = c.get_int(key, fallback);
  if (v < 0 || v > 1000000) throw c.error(key, "must be in [0, 1000000], got " + std::to_string(v));
  return static_cast<int>(v);
}

std::string get_mode(ConfigObject& c) {
  const std::string mode = c.get_string("mode", "auto");
  if (mode != "auto" && mode != "min" && mode != "max") {
    throw c.error("mode", "expected auto, min or max, got \"" + mode + "\"");
  }
  return mode;
}

// What a reader needs beside its table: the run directory (relative paths), the stream of
// verbose messages, and where to note a TerminateOnNaN (the CLI's SIGINT path stops it).
struct ReadContext {
  const std::string& run_dir;
  std::ostream* out;
  TerminateOnNaN*& nan_callback;
};

// One reader per callback class, Keras' argument names and defaults.
std::unique_ptr<Callback> early_stopping(ConfigObject& c, const ReadContext& ctx) {
  EarlyStopping::Options o;
  o.monitor = c.get_string("monitor", o.monitor);
  o.min_delta = c.get_double("min_delta", o.min_delta);
  o.patience = get_count(c, "patience", o.patience);
  o.verbose = get_count(c, "verbose", 1);
  o.mode = get_mode(c);
  if (const auto* b = c.find("baseline"); b != nullptr && !b->is_null()) o.baseline = c.get_double("baseline");
  o.restore_best_weights = c.get_bool("restore_best_weights", o.restore_best_weights);
  o.start_from_epoch = get_count(c, "start_from_epoch", o.start_from_epoch);
  o.out = ctx.out;
  return std::make_unique<EarlyStopping>(o);
}

std::unique_ptr<Callback> reduce_lr_on_plateau(ConfigObject& c, const ReadContext& ctx) {
  ReduceLROnPlateau::Options o;
  o.monitor = c.get_string("monitor", o.monitor);
  o.factor = c.get_double("factor", o.factor);
  o.patience = get_count(c, "patience", o.patience);
  o.verbose = get_count(c, "verbose", 1);
  o.mode = get_mode(c);
  o.min_delta = c.get_double("min_delta", o.min_delta);
  o.cooldown = get_count(c, "cooldown", o.cooldown);
  o.min_lr = c.get_double("min_lr", o.min_lr);
  o.out = ctx.out;
  return std::make_unique<ReduceLROnPlateau>(o);
}

std::unique_ptr<Callback> terminate_on_nan(ConfigObject& /*c*/, const ReadContext& ctx) {
  auto callback = std::make_unique<TerminateOnNaN>(TerminateOnNaN::Options{.out = ctx.out});
  ctx.nan_callback = callback.get();
  return callback;
}

std::unique_ptr<Callback> csv_logger(ConfigObject& c, const ReadContext& ctx) {
  CSVLogger::Options o;
  o.filename = in_run_dir(ctx.run_dir, c.get_string("filename", "training.csv"));
  const std::string separator = c.get_string("separator", ",");
  if (separator.size() != 1) throw c.error("separator", "expected one character, got \"" + separator + "\"");
  o.separator = separator[0];
  o.append = c.get_bool("append", o.append);
  return std::make_unique<CSVLogger>(o);
}

std::unique_ptr<Callback> model_checkpoint(ConfigObject& c, const ReadContext& ctx) {
  ModelCheckpoint::Options o;
  const auto filepath = c.get_string("filepath");
  if (!filepath)
    throw c.error("filepath", "required, e.g. \"checkpoints/epoch{epoch:02d}-{val_loss:.4f}.safetensors\"");
  o.filepath = in_run_dir(ctx.run_dir, *filepath);
  o.monitor = c.get_string("monitor", o.monitor);
  o.verbose = get_count(c, "verbose", 0);
  o.save_best_only = c.get_bool("save_best_only", o.save_best_only);
  o.save_weights_only = c.get_bool("save_weights_only", o.save_weights_only);
  o.mode = get_mode(c);
  if (const auto* t = c.find("initial_value_threshold"); t != nullptr && !t->is_null()) {
    o.initial_value_threshold = c.get_double("initial_value_threshold");
  }
  o.out = ctx.out;
  return std::make_unique<ModelCheckpoint>(o);
}

std::unique_ptr<Callback> tensorboard(ConfigObject& c, const ReadContext& ctx) {
  TensorBoard::Options o;
  o.log_dir = in_run_dir(ctx.run_dir, c.get_string("log_dir", "tensorboard"));
  o.histogram_freq = get_count(c, "histogram_freq", o.histogram_freq);
  o.write_grads = c.get_bool("write_grads", o.write_grads);
  o.write_steps_per_second = c.get_bool("write_steps_per_second", o.write_steps_per_second);
  if (const auto* u = c.find("update_freq"); u != nullptr && u->is_string()) {
    const std::string freq = c.get_string("update_freq", "epoch");
    if (freq != "epoch" && freq != "batch") {
      throw c.error("update_freq", "expected \"epoch\", \"batch\" or a number of batches, got \"" + freq + "\"");
    }
    o.update_freq = freq == "batch" ? 1 : 0;
  } else {
    o.update_freq = get_count(c, "update_freq", 0);
  }
  return std::make_unique<TensorBoard>(o);
}

struct CallbackRow {
  std::string_view type;
  std::unique_ptr<Callback> (*read)(ConfigObject&, const ReadContext&);
};

// Every callback a config can name, in the order error messages list them.
constexpr CallbackRow kCallbacks[] = {
    {"EarlyStopping", &early_stopping},           {"ModelCheckpoint", &model_checkpoint},
    {"ReduceLROnPlateau", &reduce_lr_on_plateau}, {"CSVLogger", &csv_logger},
    {"TerminateOnNaN", &terminate_on_nan},        {"TensorBoard", &tensorboard},
};

std::unique_ptr<Callback> make(const std::string& type, ConfigObject& c, const ReadContext& ctx) {
  for (const CallbackRow& row : kCallbacks) {
    if (row.type == type) return row.read(c, ctx);
  }
  if (type == "LearningRateScheduler") {
    throw c.error("type",
                  "LearningRateScheduler takes a C++ function; in a config, give a schedule as "
                  "compile.optimizer.learning_rate = { type = \"ExponentialDecay\", ... }");
  }
  throw c.error("type", "unknown callback '" + type + "'; known: " + join(callback_types()));
}

}  // namespace

const std::vector<std::string>& callback_types() {
  static const std::vector<std::string> kTypes = [] {
    std::vector<std::string> types;
    for (const CallbackRow& row : kCallbacks) types.emplace_back(row.type);
    return types;
  }();
  return kTypes;
}

void ConfiguredCallbacks::set_checkpoint_extra(const nlohmann::json& extra) {
  for (auto& c : owned) {
    if (auto* checkpoint = dynamic_cast<ModelCheckpoint*>(c.get())) checkpoint->set_extra(extra);
  }
}

std::vector<Callback*> ConfiguredCallbacks::pointers() const {
  std::vector<Callback*> out;
  for (const auto& c : owned) out.push_back(c.get());
  return out;
}

ConfiguredCallbacks callbacks_from_config(const nlohmann::json& list, const SourceMap* source,
                                          const std::string& run_dir, std::ostream* out) {
  ConfiguredCallbacks result;
  if (list.is_null()) return result;
  if (!list.is_array()) {
    throw Error(config_location(source, "callbacks"),
                "expected an array of tables ([[callbacks]]), got " + describe_json_type(list));
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    ConfigObject c(list[i], config_path("callbacks", i), source);
    const auto type = c.get_string("type");
    if (!type) throw c.error("type", "required: one of " + join(callback_types()));
    try {
      result.owned.push_back(make(*type, c, ReadContext{run_dir, out, result.terminate_on_nan}));
    } catch (const Error& e) {
      rethrow_at(e, c.location(), "(" + *type + "): ");
    }
    c.finish();
  }
  return result;
}

}  // namespace mlp::cli
