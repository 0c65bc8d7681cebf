// SPDX-License-Identifier: MIT
// train_from_document: what `mlp train` (and --resume, lr-find's follow-up run) does once the
// config is read, as named steps. The run directory it writes:
//   config.toml     the resolved config (overrides applied, every default written out)
//   checkpoint.safetensors  written at every epoch end (mlp/checkpoint.hpp): --resume continues
//                   from it exactly (bit-identical to a run never interrupted)
//   model.safetensors  the trained model with its preprocessing (mlp evaluate / predict read it)
//   history.csv     per-epoch loss and metrics
//   metrics.json    {"train": {...}, "validation": {...}, "test": {...}} final values
//   train.log       what the console showed, one line per epoch
//   learning_curves.png  loss and each metric per epoch, train vs validation (gnuplot)
//   weights.png     a histogram of each layer's weights (as in the notebooks' "plotting weights")
#include <fmt/core.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "callbacks_config.hpp"
#include "commands.hpp"
#include "distributed.hpp"
#include "mlp/batcher.hpp"
#include "mlp/callbacks/backup_and_restore.hpp"
#include "mlp/callbacks/progbar_logger.hpp"
#include "mlp/checkpoint.hpp"
#include "mlp/error.hpp"
#include "mlp/model_file.hpp"
#include "mlp/ops.hpp"
#include "mlp/plot/plots.hpp"
#include "mlp/serialize.hpp"
#include "model_assembly.hpp"
#include "run_config.hpp"
#include "run_files.hpp"
#include "train_data.hpp"
#include "train_hooks.hpp"

namespace mlp::cli {
namespace {

namespace fs = std::filesystem;

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
  nlohmann::json out = {
      {"batch_size", fit.batch_size}, {"epochs", fit.epochs}, {"validation_split", fit.validation_split},
      {"shuffle", fit.shuffle},       {"seed", fit.seed},     {"verbose", verbose},
      {"threads", fit.threads}};
  if (!fit.class_weight.empty()) {
    nlohmann::json weights = nlohmann::json::object();
    for (const auto& [cls, w] : fit.class_weight) weights[std::to_string(cls)] = w;
    out["class_weight"] = weights;
  }
  return out;
}

// The run name every rank uses: rank 0's (the default name has the time in it).
std::string agree_on_run_dir(ProcessGroup& group, std::string run_dir) {
  std::vector<double> chars(4096, 0.0);
  if (run_dir.size() >= chars.size()) throw Error(run_dir.substr(0, 64) + "...: the run directory's name is too long");
  for (std::size_t i = 0; i < run_dir.size(); ++i) chars[i] = static_cast<unsigned char>(run_dir[i]);
  group.broadcast_doubles(chars);
  run_dir.clear();
  for (double c : chars) {
    if (c == 0) break;
    run_dir += static_cast<char>(c);
  }
  return run_dir;
}

// One training run. Under mpirun, rank 0 writes the run directory and prints; the other ranks
// train alongside it (docs/scaling.md) and keep their files (callbacks' output, the log) in a
// scratch directory.
class TrainRun {
 public:
  TrainRun(ConfigDocument doc, std::string config_path, bool resume)
      : doc_(std::move(doc)),
        config_(parse_train_config(doc_)),
        config_path_(std::move(config_path)),
        resume_(resume),
        group_(process_group()),
        primary_(primary_process()) {}
  TrainRun(const TrainRun&) = delete;
  TrainRun& operator=(const TrainRun&) = delete;

  int run(const std::string& run_dir) {
    set_up_process();
    assemble(run_dir);
    open_run_directory();
    write_resolved_config();
    announce();
    const History history = train();
    if (!primary_) return interrupted_->where() ? kExitInterrupted : kExitOk;  // rank 0 writes the results
    if (interrupted_->where()) return report_interrupted();
    write_results(history);
    return kExitOk;
  }

 private:
  void say(const std::string& text) {
    fmt::print("{}", text);
    log_ << text;
  }
  void warn(const std::string& warning) {
    fmt::print(stderr, "{}", warning);
    log_ << warning;
  }

  // This process's output and threads.
  void set_up_process() {
    if (!primary_) {
      scratch_.emplace();
      if (std::freopen("/dev/null", "w", stdout) == nullptr) throw Error("cannot silence the output of rank > 0");
    }
    if (config_.fit.threads > 0) {
      set_num_threads(config_.fit.threads);
    } else if (group_ != nullptr) {
      set_num_threads(threads_per_process());  // the cores shared by this machine's ranks
    }
  }

  // The model, compile and callback settings are checked before any data is read (a graph whose
  // input widths depend on the data, once it is read); then the data, and the model fitted to it.
  void assemble(const std::string& run_dir) {
    model_ = model_from_train_config(doc_, config_, nullptr);
    CompileOptions compile = compile_options_from_config(ConfigObject(config_.compile, "compile", &doc_.source));
    run_dir_ = run_dir.empty() ? default_run_dir(config_path_) : run_dir;
    if (group_ != nullptr) run_dir_ = agree_on_run_dir(*group_, run_dir_);
    files_dir_ = primary_ ? run_dir_ : scratch_->path();
    callbacks_ = callbacks_from_config(config_.callbacks, &doc_.source, files_dir_, &std::cout);
    data_ = load_training_data(config_, compile.loss.name);
    if (group_ != nullptr && std::getenv("MLP_FAULT_DATA") != nullptr && fault_on_this_rank() &&
        data_.y_train.size() > 0) {
      data_.y_train.data()[0] += 1;  // the fault hook: this rank's data differs
    }
    if (config_.functional)
      model_ = model_from_train_config(doc_, config_, &data_);  // each input's width from the data
    fit_model_to_data(*model_, std::move(compile), doc_, config_, data_);
    // A graph's inputs are columns of x; every output learns the same target.
    x_train_ = model_inputs(data_.x_train, data_.input_columns, train_parts_);
    y_train_ = model_targets(*model_, data_.y_train);
    callbacks_.set_checkpoint_extra(model_extra(data_));
  }

  // The directory (rank 0), a fresh run's stale checkpoint removed, the log opened.
  void open_run_directory() {
    std::error_code ec;
    if (primary_) fs::create_directories(run_dir_, ec);
    if (ec) throw Error(run_dir_ + ": cannot create the run directory (" + ec.message() + ")");
    checkpoint_path_ = (fs::path(run_dir_) / kCheckpointFile).string();
    if (primary_ && !resume_ && fs::exists(checkpoint_path_)) {
      // A fresh run in a used directory must not continue the old run's checkpoint.
      fs::remove(checkpoint_path_, ec);
      if (ec) throw Error(checkpoint_path_ + ": cannot remove the previous run's checkpoint (" + ec.message() + ")");
    }
    const std::string log_path = (fs::path(files_dir_) / "train.log").string();
    log_.open(log_path, resume_ ? std::ios::app : std::ios::trunc);
    if (!log_) throw Error(log_path + ": cannot write the log");
  }

  // config.toml: the config as run, every default written out and the data paths made absolute,
  // so that it runs from anywhere (and --resume reads it).
  void write_resolved_config() {
    verbose_ = config_.fit.verbose.value_or(isatty(STDOUT_FILENO) ? 1 : 2);
    nlohmann::json resolved = doc_.root;
    for (const char* key : {"train", "test", "train_images", "train_labels", "test_images", "test_labels"}) {
      auto& data_table = resolved["data"];
      if (data_table.contains(key) && !data_table[key].get<std::string>().empty()) {
        data_table[key] =
            fs::absolute(fs::path(config_.base_dir) / data_table[key].get<std::string>()).lexically_normal().string();
      }
    }
    resolved["model"] = resolved_model_config(*model_, config_);
    resolved["compile"] = compile_config(*model_);
    resolved["fit"] = resolved_fit(config_.fit, verbose_);
    if (primary_) write_text((fs::path(run_dir_) / "config.toml").string(), to_toml(resolved));
  }

  // The data, the model summary, and what is worth knowing before the first epoch.
  void announce() {
    say(data_.description + "\n");
    say(model_->summary());
    std::cout.flush();
    const std::size_t batch_size = config_.fit.batch_size;
    if (group_ != nullptr) {
      say(
          fmt::format("Data-parallel over {} processes: each computes about {} of every batch of {}; gradients "
                      "summed over {} parameters ({} bytes) per step\n",
                      group_->size(), batch_size / static_cast<std::size_t>(group_->size()), batch_size,
                      model_->count_trainable_params(), model_->count_trainable_params() * sizeof(Scalar)));
    }
    const std::size_t n_train = Batcher::training_count(data_.x_train.rows(), config_.fit.validation_split);
    if (primary_ && batch_size > n_train && n_train > 0) {
      // Keras allows it (one batch per epoch); it is usually a mistake, so say so.
      warn(fmt::format(
          "mlp: warning: fit.batch_size {} is larger than the {} training samples: every epoch is one batch of {}\n",
          batch_size, n_train, n_train));
    }
    if (resume_) {
      const int done = checkpoint_epoch(checkpoint_path_);
      say(fmt::format("Resuming from {}: {} of {} epochs done\n", checkpoint_path_, done, config_.fit.epochs));
    }
  }

  // fit, with the run's callbacks: Ctrl-C first, the config's, the log's epoch lines, the fault
  // hooks, and the checkpoint last (it saves what every other callback decided for the epoch).
  History train() {
    const FitOptions fit{.batch_size = config_.fit.batch_size,
                         .epochs = config_.fit.epochs,
                         .validation_split = config_.fit.validation_split,
                         .shuffle = config_.fit.shuffle,
                         .class_weight = config_.fit.class_weight,
                         .verbose = primary_ ? verbose_ : 0,
                         .out = &std::cout,
                         .group = group_};
    ProgbarLogger log_lines(log_, 2);
    std::optional<FaultInjection> kill = FaultInjection::from_environment("MLP_FAULT_KILL_AT", SIGKILL);
    std::optional<FaultInjection> interrupt = FaultInjection::from_environment("MLP_FAULT_INTERRUPT_AT", SIGINT);
    std::optional<FaultInjection> poison = FaultInjection::from_environment("MLP_FAULT_NAN_AT", 0);
    // The other ranks read rank 0's checkpoint to resume and never write it (in a fresh run they do
    // not look for one: rank 0 may not have removed an old one yet).
    BackupAndRestore backup(
        {.path = checkpoint_path_, .delete_checkpoint = false, .extra = model_extra(data_), .restore_only = !primary_});
    interrupted_.emplace();
    std::vector<Callback*> hooks{&*interrupted_};
    for (Callback* c : callbacks_.pointers()) hooks.push_back(c);
    hooks.push_back(&log_lines);
    if (kill) hooks.push_back(&*kill);
    if (interrupt) hooks.push_back(&*interrupt);
    if (poison) hooks.push_back(&*poison);
    if (primary_ || resume_) hooks.push_back(&backup);
    const auto start = std::chrono::steady_clock::now();
    History history = model_->fit(x_train_, y_train_, fit, hooks);
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return history;
  }

  // Nothing but the last whole-epoch checkpoint is kept: the model of a cut epoch is not final.
  int report_interrupted() {
    const auto [epoch, batch] = *interrupted_->where();
    say(
        fmt::format("Interrupted in epoch {} after batch {}; {} holds {} finished epochs: continue with "
                    "mlp train --resume {}\n",
                    epoch + 1, batch + 1, checkpoint_path_,
                    fs::exists(checkpoint_path_) ? checkpoint_epoch(checkpoint_path_) : 0, run_dir_));
    return kExitInterrupted;
  }

  // history.csv, metrics.json (with the test set's loss and metrics), the model and the plots.
  void write_results(const History& history) {
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
    metrics["seconds"] = seconds_;
    say(fmt::format("Trained {} epochs in {:.1f} s\n", history.epoch.size(), seconds_));
    write_text((fs::path(run_dir_) / "history.csv").string(), history_csv(history));
    if (callbacks_.terminate_on_nan != nullptr && callbacks_.terminate_on_nan->terminated()) {
      // A diverged model is not written over anything; checkpoints written before stay.
      write_text((fs::path(run_dir_) / "metrics.json").string(), metrics.dump(2) + "\n");
      throw Error(
          fmt::format("training diverged: the loss became NaN or infinite in epoch {} at batch {}; no model "
                      "saved (lower the learning rate, or clip gradients with clipnorm)",
                      *callbacks_.terminate_on_nan->epoch() + 1, *callbacks_.terminate_on_nan->batch() + 1));
    }
    if (data_.x_test.rows() > 0) {
      const Logs test = model_->evaluate(model_inputs(data_.x_test, data_.input_columns, test_parts_),
                                         model_targets(*model_, data_.y_test),
                                         {.batch_size = std::max<std::size_t>(config_.fit.batch_size, 256)});
      metrics["test"] = test;
      say("Test: " + format_logs(test) + "\n");
    }
    save_model((fs::path(run_dir_) / "model.safetensors").string(), *model_, model_extra(data_));
    write_text((fs::path(run_dir_) / "metrics.json").string(), metrics.dump(2) + "\n");
    // The plots are by-products: without gnuplot the run still succeeds, with a warning.
    const std::string title = model_->name() + " (" + fs::path(config_path_).stem().string() + ")";
    try {
      plot_learning_curves((fs::path(run_dir_) / "learning_curves.png").string(), history.history, title);
      plot_weight_histograms((fs::path(run_dir_) / "weights.png").string(), *model_, "weights of " + title);
    } catch (const Error& e) {
      warn(std::string("mlp: warning: plots not drawn: ") + e.what() + "\n");
    }
    say("Run directory: " + run_dir_ +
        " (model.safetensors, checkpoint.safetensors, history.csv, metrics.json, learning_curves.png, weights.png, "
        "config.toml, train.log)\n");
  }

  ConfigDocument doc_;
  const TrainConfig config_;
  const std::string config_path_;
  const bool resume_;
  ProcessGroup* const group_;
  const bool primary_;
  std::optional<ScratchDirectory> scratch_;
  std::unique_ptr<Model> model_;
  std::string run_dir_, files_dir_, checkpoint_path_;
  ConfiguredCallbacks callbacks_;
  LoadedData data_;
  std::vector<Matrix> train_parts_, test_parts_;
  Inputs x_train_;
  Tensors y_train_;
  std::ofstream log_;
  int verbose_ = 2;
  std::optional<InterruptHandler> interrupted_;
  double seconds_ = 0;
};

}  // namespace

int train_from_document(ConfigDocument doc, const std::string& config_path, const std::string& run_dir, bool resume) {
  return TrainRun(std::move(doc), config_path, resume).run(run_dir);
}

}  // namespace mlp::cli
