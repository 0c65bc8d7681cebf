// SPDX-License-Identifier: MIT
// mlp train CONFIG.toml [--set key=value ...] [--run-dir DIR]
// mlp train --resume RUN_DIR [--set key=value ...]
// Builds the model of the config, trains it on the config's data and writes the run directory:
//   config.toml     the resolved config (overrides applied, every default written out)
//   checkpoint.safetensors  written at every epoch end (mlp/checkpoint.hpp): --resume continues
//                   from it exactly (bit-identical to a run never interrupted)
//   model.safetensors  the trained model with its preprocessing (mlp evaluate / predict read it)
//   history.csv     per-epoch loss and metrics (Keras' CSVLogger columns)
//   metrics.json    {"train": {...}, "validation": {...}, "test": {...}} final values
//   train.log       what the console showed, one line per epoch
//   learning_curves.png  loss and each metric per epoch, train vs validation (gnuplot)
//   weights.png     a histogram of each layer's weights (as in the notebooks' "plotting weights")
#include <fmt/core.h>
#include <omp.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <iostream>
#include <set>
#include <sstream>

#include "commands.hpp"
#include "mlp/callbacks/backup_and_restore.hpp"
#include "mlp/callbacks/progbar_logger.hpp"
#include "mlp/checkpoint.hpp"
#include "mlp/error.hpp"
#include "mlp/model_file.hpp"
#include "mlp/plot/plots.hpp"
#include "mlp/serialize.hpp"
#include "callbacks_config.hpp"
#include "distributed.hpp"
#include "model_assembly.hpp"
#include "run_config.hpp"
#include "run_files.hpp"
#include "train_data.hpp"

namespace mlp::cli {
namespace {

namespace fs = std::filesystem;

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string run_dir;
  std::string resume;
  std::string init_from;     // --init-from: the model (architecture and weights) from this file
  std::string architecture;  // --architecture: for a weights-only Keras file
};

constexpr const char* kCheckpointFile = "checkpoint.safetensors";

// Fault injection for the resume tests (docs/cli.md, "Environment"): MLP_FAULT_KILL_AT=E:B sends
// SIGKILL to the process itself before batch B (1-based) of epoch E (1-based): a crash at an exact
// point, with no chance to clean up. MLP_FAULT_INTERRUPT_AT=E:B sends SIGINT there instead (Ctrl-C);
// MLP_FAULT_NAN_AT=E:B sets a weight to NaN there (a divergence at a known batch).
// Under mpirun (docs/scaling.md), MLP_FAULT_RANK=R keeps these faults to rank R (default: every
// rank), and MLP_FAULT_DATA=1 changes one training label on those ranks (data that differs).
bool fault_on_this_rank() {
  const char* rank = std::getenv("MLP_FAULT_RANK");
  if (rank == nullptr || *rank == '\0') return true;
  const ProcessGroup* group = process_group();
  return std::atoi(rank) == (group == nullptr ? 0 : group->rank());
}

class FaultInjection : public Callback {
 public:
  static std::optional<FaultInjection> from_environment(const char* variable, int signal) {
    const char* spec = std::getenv(variable);
    if (spec == nullptr || *spec == '\0' || !fault_on_this_rank()) return std::nullopt;
    int epoch = 0, batch = 0;
    char end = 0;
    if (std::sscanf(spec, "%d:%d%c", &epoch, &batch, &end) != 2 || epoch < 1 || batch < 1) {
      throw Error(std::string(variable) + ": expected EPOCH:BATCH (both from 1), got '" + spec + "'");
    }
    return FaultInjection(epoch, batch, signal);
  }
  void on_train_batch_begin(TrainContext& ctx) override {
    if (ctx.epoch + 1 != epoch_ || static_cast<int>(ctx.batch) + 1 != batch_) return;
    if (signal_ != 0) {
      std::raise(signal_);
    } else if (ctx.model != nullptr && !ctx.model->params().empty()) {
      // The last layer's last parameter (its bias): no activation before the output can hide it.
      ctx.model->params().back()->value.data()[0] = std::numeric_limits<Scalar>::quiet_NaN();
    }
  }

 private:
  FaultInjection(int epoch, int batch, int signal) : epoch_(epoch), batch_(batch), signal_(signal) {}
  int epoch_, batch_, signal_;
};

// Ctrl-C: the first SIGINT asks training to stop after the current batch (the handler only sets a
// flag); the handler then resets itself, so a second Ctrl-C ends the process at once.
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

class InterruptHandler : public Callback {
 public:
  InterruptHandler() {
    g_interrupted = 0;
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    // SA_ONSTACK: on main()'s SignalStack, so that a Ctrl-C inside a oneDNN kernel does not
    // overwrite what the kernel keeps below its stack pointer (include/mlp/signal_stack.hpp).
    action.sa_flags = SA_RESETHAND | SA_ONSTACK;
    sigaction(SIGINT, &action, &previous_);
  }
  ~InterruptHandler() override { sigaction(SIGINT, &previous_, nullptr); }
  InterruptHandler(const InterruptHandler&) = delete;
  InterruptHandler& operator=(const InterruptHandler&) = delete;

  void on_train_batch_end(TrainContext& ctx) override {
    if (g_interrupted == 0 || where_) return;
    where_ = {ctx.epoch, ctx.batch};
    ctx.stop_training = true;
  }
  /// The 0-based epoch and batch after which training stopped, if it was interrupted.
  const std::optional<std::pair<int, std::size_t>>& where() const { return where_; }

 private:
  struct sigaction previous_ {};
  std::optional<std::pair<int, std::size_t>> where_;
};

// A directory of its own for a rank other than 0 (its callbacks' files, its log), removed with it.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern = (fs::temp_directory_path() / "mlp-rank-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw Error(pattern + ": cannot create a scratch directory");
    path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// OpenMP threads for one of several ranks on this machine: its cores shared evenly (mpirun sets
// OMPI_COMM_WORLD_LOCAL_SIZE), at least one.
int threads_per_process() {
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  const int ranks = local != nullptr ? std::max(1, std::atoi(local)) : 1;
  return std::max(1, omp_get_num_procs() / ranks);
}

nlohmann::json resolved_fit(const FitConfig& fit, int verbose) {
  nlohmann::json out = {{"batch_size", fit.batch_size}, {"epochs", fit.epochs},
                        {"validation_split", fit.validation_split}, {"shuffle", fit.shuffle},
                        {"seed", fit.seed}, {"verbose", verbose}, {"threads", fit.threads}};
  if (!fit.class_weight.empty()) {
    nlohmann::json weights = nlohmann::json::object();
    for (const auto& [cls, w] : fit.class_weight) weights[std::to_string(cls)] = w;
    out["class_weight"] = weights;
  }
  return out;
}

}  // namespace

int train_from_document(ConfigDocument doc, const std::string& config_path, const std::string& run_dir_arg,
                        bool resume) {
  const TrainConfig config = parse_train_config(doc);
  // Under mpirun: rank 0 writes the run directory and prints; the other ranks train alongside it
  // (docs/scaling.md) and keep their files (callbacks' output, the log) in a scratch directory.
  ProcessGroup* const group = process_group();
  const bool primary = primary_process();
  std::optional<ScratchDirectory> scratch;
  if (!primary) {
    scratch.emplace();
    if (std::freopen("/dev/null", "w", stdout) == nullptr) throw Error("cannot silence the output of rank > 0");
  }
  if (config.fit.threads > 0) {
    omp_set_num_threads(config.fit.threads);
  } else if (group != nullptr) {
    omp_set_num_threads(threads_per_process());  // the cores shared by this machine's ranks
  }

  // The model, compile and callback settings are checked before any data is read (a graph whose
  // input widths depend on the data, once it is read).
  std::unique_ptr<Model> model = model_from_train_config(doc, config, nullptr);
  CompileOptions compile = compile_options_from_config(ConfigObject(config.compile, "compile", &doc.source));
  std::string run_dir = run_dir_arg.empty() ? default_run_dir(config_path) : run_dir_arg;
  if (group != nullptr) {
    // The default name has the time in it: every rank must use rank 0's.
    std::vector<double> chars(4096, 0.0);
    if (run_dir.size() >= chars.size()) throw Error(run_dir.substr(0, 64) + "...: the run directory's name is too long");
    for (std::size_t i = 0; i < run_dir.size(); ++i) chars[i] = static_cast<unsigned char>(run_dir[i]);
    group->broadcast_doubles(chars);
    run_dir.clear();
    for (double c : chars) {
      if (c == 0) break;
      run_dir += static_cast<char>(c);
    }
  }
  const std::string files_dir = primary ? run_dir : scratch->path();
  ConfiguredCallbacks callbacks = callbacks_from_config(config.callbacks, &doc.source, files_dir, &std::cout);
  LoadedData data = load_training_data(config, compile.loss.name);
  if (group != nullptr && std::getenv("MLP_FAULT_DATA") != nullptr && fault_on_this_rank() && data.y_train.size() > 0) {
    data.y_train.data()[0] += 1;  // the fault hook: this rank's data differs
  }
  if (config.functional) model = model_from_train_config(doc, config, &data);  // each input's width from the data
  fit_model_to_data(*model, std::move(compile), doc, config, data);
  // A graph's inputs are columns of x; every output learns the same target.
  std::vector<Matrix> train_parts, test_parts;
  const Inputs x_train = model_inputs(data.x_train, data.input_columns, train_parts);
  const Tensors y_train = model_targets(*model, data.y_train);
  callbacks.set_checkpoint_extra(model_extra(data));

  std::error_code ec;
  if (primary) fs::create_directories(run_dir, ec);
  if (ec) throw Error(run_dir + ": cannot create the run directory (" + ec.message() + ")");
  const std::string checkpoint_path = (fs::path(run_dir) / kCheckpointFile).string();
  if (primary && !resume && fs::exists(checkpoint_path)) {
    // A fresh run in a used directory must not continue the old run's checkpoint.
    fs::remove(checkpoint_path, ec);
    if (ec) throw Error(checkpoint_path + ": cannot remove the previous run's checkpoint (" + ec.message() + ")");
  }
  const std::string log_path = (fs::path(files_dir) / "train.log").string();
  std::ofstream log(log_path, resume ? std::ios::app : std::ios::trunc);
  if (!log) throw Error(log_path + ": cannot write the log");
  auto say = [&](const std::string& text) {
    fmt::print("{}", text);
    log << text;
  };

  const int verbose = config.fit.verbose.value_or(isatty(STDOUT_FILENO) ? 1 : 2);
  nlohmann::json resolved = doc.root;
  // Data paths made absolute, so that the run directory's config.toml runs from anywhere.
  for (const char* key : {"train", "test", "train_images", "train_labels", "test_images", "test_labels"}) {
    auto& data_table = resolved["data"];
    if (data_table.contains(key) && !data_table[key].get<std::string>().empty()) {
      data_table[key] = fs::absolute(fs::path(config.base_dir) / data_table[key].get<std::string>()).lexically_normal().string();
    }
  }
  resolved["model"] = resolved_model_config(*model, config);
  resolved["compile"] = compile_config(*model);
  resolved["fit"] = resolved_fit(config.fit, verbose);
  if (primary) write_text((fs::path(run_dir) / "config.toml").string(), to_toml(resolved));

  say(data.description + "\n");
  say(model->summary());
  std::cout.flush();

  FitOptions fit{.batch_size = config.fit.batch_size,
                 .epochs = config.fit.epochs,
                 .validation_split = config.fit.validation_split,
                 .shuffle = config.fit.shuffle,
                 .class_weight = config.fit.class_weight,
                 .verbose = primary ? verbose : 0,
                 .out = &std::cout,
                 .group = group};
  const auto n_train = static_cast<std::size_t>(
      std::floor(static_cast<double>(data.x_train.rows()) * (1.0 - config.fit.validation_split)));
  if (group != nullptr) {
    say(fmt::format("Data-parallel over {} processes: each computes about {} of every batch of {}; gradients "
                    "summed over {} parameters ({} bytes) per step\n",
                    group->size(), config.fit.batch_size / static_cast<std::size_t>(group->size()),
                    config.fit.batch_size, model->count_trainable_params(),
                    model->count_trainable_params() * sizeof(Scalar)));
  }
  if (primary && config.fit.batch_size > n_train && n_train > 0) {
    // Keras allows it (one batch per epoch); it is usually a mistake, so say so.
    const std::string warning = fmt::format(
        "mlp: warning: fit.batch_size {} is larger than the {} training samples: every epoch is one batch of {}\n",
        config.fit.batch_size, n_train, n_train);
    fmt::print(stderr, "{}", warning);
    log << warning;
  }
  if (resume) {
    const int done = checkpoint_epoch(checkpoint_path);
    say(fmt::format("Resuming from {}: {} of {} epochs done\n", checkpoint_path, done, config.fit.epochs));
  }
  ProgbarLogger log_lines(log, 2);
  std::optional<FaultInjection> kill = FaultInjection::from_environment("MLP_FAULT_KILL_AT", SIGKILL);
  std::optional<FaultInjection> interrupt = FaultInjection::from_environment("MLP_FAULT_INTERRUPT_AT", SIGINT);
  std::optional<FaultInjection> poison = FaultInjection::from_environment("MLP_FAULT_NAN_AT", 0);
  // The backup comes last: it saves what every other callback decided for the epoch.
  // The other ranks read rank 0's checkpoint to resume and never write it (in a fresh run they do
  // not look for one: rank 0 may not have removed an old one yet).
  BackupAndRestore backup({.path = checkpoint_path,
                           .delete_checkpoint = false,
                           .extra = model_extra(data),
                           .restore_only = !primary});
  InterruptHandler interrupted;
  std::vector<Callback*> hooks{&interrupted};
  for (Callback* c : callbacks.pointers()) hooks.push_back(c);
  hooks.push_back(&log_lines);
  if (kill) hooks.push_back(&*kill);
  if (interrupt) hooks.push_back(&*interrupt);
  if (poison) hooks.push_back(&*poison);
  if (primary || resume) hooks.push_back(&backup);
  const auto start = std::chrono::steady_clock::now();
  History history = model->fit(x_train, y_train, fit, hooks);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!primary) return interrupted.where() ? kExitInterrupted : kExitOk;  // rank 0 writes the results
  if (interrupted.where()) {
    // Nothing but the last whole-epoch checkpoint is kept: the model of a cut epoch is not final.
    const auto [epoch, batch] = *interrupted.where();
    say(fmt::format("Interrupted in epoch {} after batch {}; {} holds {} finished epochs: continue with "
                    "mlp train --resume {}\n",
                    epoch + 1, batch + 1, checkpoint_path,
                    fs::exists(checkpoint_path) ? checkpoint_epoch(checkpoint_path) : 0, run_dir));
    return kExitInterrupted;
  }

  nlohmann::json metrics = nlohmann::json::object();
  Logs train_logs, val_logs;
  for (const auto& [key, values] : history.history) {
    if (key.starts_with("val_")) {
      val_logs[key.substr(4)] = values.back();
    } else {
      train_logs[key] = values.back();
    }
  }
  metrics["train"] = train_logs;
  if (!val_logs.empty()) metrics["validation"] = val_logs;
  metrics["epochs"] = history.epoch.size();
  metrics["seconds"] = seconds;
  say(fmt::format("Trained {} epochs in {:.1f} s\n", history.epoch.size(), seconds));
  write_text((fs::path(run_dir) / "history.csv").string(), history_csv(history));
  if (callbacks.terminate_on_nan != nullptr && callbacks.terminate_on_nan->terminated()) {
    // A diverged model is not written over anything; checkpoints written before stay.
    write_text((fs::path(run_dir) / "metrics.json").string(), metrics.dump(2) + "\n");
    throw Error(fmt::format("training diverged: the loss became NaN or infinite in epoch {} at batch {}; no model "
                            "saved (lower the learning rate, or clip gradients with clipnorm)",
                            *callbacks.terminate_on_nan->epoch() + 1, *callbacks.terminate_on_nan->batch() + 1));
  }
  if (data.x_test.rows() > 0) {
    const Logs test = model->evaluate(model_inputs(data.x_test, data.input_columns, test_parts),
                                      model_targets(*model, data.y_test),
                                      {.batch_size = std::max<std::size_t>(config.fit.batch_size, 256)});
    metrics["test"] = test;
    say("Test: " + format_logs(test) + "\n");
  }
  const std::string model_path = (fs::path(run_dir) / "model.safetensors").string();
  save_model(model_path, *model, model_extra(data));
  write_text((fs::path(run_dir) / "metrics.json").string(), metrics.dump(2) + "\n");
  // The plots are by-products: without gnuplot the run still succeeds, with a warning.
  const std::string title = model->name() + " (" + fs::path(config_path).stem().string() + ")";
  try {
    plot_learning_curves((fs::path(run_dir) / "learning_curves.png").string(), history.history, title);
    plot_weight_histograms((fs::path(run_dir) / "weights.png").string(), *model, "weights of " + title);
  } catch (const Error& e) {
    const std::string warning = std::string("mlp: warning: plots not drawn: ") + e.what() + "\n";
    fmt::print(stderr, "{}", warning);
    log << warning;
  }
  say("Run directory: " + run_dir +
      " (model.safetensors, checkpoint.safetensors, history.csv, metrics.json, learning_curves.png, weights.png, "
      "config.toml, train.log)\n");
  return kExitOk;
}

namespace {

int run_train(const TrainArgs& args) {
  process_group();  // under mpirun, MPI starts here: an error from now on ends every rank
  if (!args.resume.empty()) {
    // The run directory holds everything: its resolved config and its checkpoint.
    const std::string config = (fs::path(args.resume) / "config.toml").string();
    const std::string checkpoint = (fs::path(args.resume) / kCheckpointFile).string();
    if (!fs::is_directory(args.resume)) throw Error(args.resume + ": no such run directory");
    if (!fs::exists(config)) throw Error(config + ": missing; --resume needs a run directory written by mlp train");
    if (!fs::exists(checkpoint)) {
      throw Error(checkpoint + ": missing; the run saved no checkpoint (it ended before its first epoch did)");
    }
    ConfigDocument doc = read_toml(config);
    for (const auto& o : args.overrides) apply_override(doc, o);
    return train_from_document(std::move(doc), config, args.resume, true);
  }
  ConfigDocument doc = read_toml(args.config);
  for (const auto& o : args.overrides) apply_override(doc, o);
  if (!args.init_from.empty()) {
    // Replaces the config's [model]: paths made absolute (the config's are relative to its directory).
    nlohmann::json model = {{"init_from", fs::absolute(args.init_from).string()}};
    if (!args.architecture.empty()) model["architecture"] = fs::absolute(args.architecture).string();
    doc.root["model"] = std::move(model);
  } else if (!args.architecture.empty()) {
    throw Error("--architecture is only used with --init-from");
  }
  return train_from_document(std::move(doc), args.config, args.run_dir, false);
}

}  // namespace

void add_train_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "Train the model a TOML config describes (docs/config.md)");
  CLI::Option* config = cmd->add_option("config", args->config, "The config file (see examples/*.toml)");
  cmd->add_option("--set", args->overrides,
                  "Override a setting: --set fit.epochs=3 --set model.layers[1].units=128 (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  CLI::Option* run_dir =
      cmd->add_option("--run-dir", args->run_dir, "Where to write the run (default: runs/<config>-<time>)");
  CLI::Option* resume = cmd->add_option("--resume", args->resume,
                                        "Continue the run in this directory from its last checkpoint "
                                        "(its config.toml; --set fit.epochs=N trains longer)");
  CLI::Option* init = cmd->add_option("--init-from", args->init_from,
                                      "Start from this model instead of [model]: a Keras file (.keras, .h5, "
                                      ".weights.h5) or an mlp model file; trains on with mlp's optimizer");
  cmd->add_option("--architecture", args->architecture,
                  "With --init-from and a weights-only Keras file: its architecture (model.to_json(), config.json, "
                  "a .keras file or an mlp model)");
  resume->excludes(config)->excludes(run_dir)->excludes(init);
  cmd->callback([config, resume] {
    if (config->count() == 0 && resume->count() == 0) throw CLI::RequiredError("config (or --resume RUN_DIR)");
  });
  runners.emplace_back(cmd, [args] { return run_train(*args); });
}

}  // namespace mlp::cli
