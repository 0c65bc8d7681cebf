// SPDX-License-Identifier: MIT
// mlp sweep CONFIG [--grid KEY=[v1,v2,...]]... [--rows ROWS.toml] [--random N] [--seeds 1,2,3]
//                  [--jobs J] [--out DIR] [--set KEY=VALUE]... [--dry-run]
// Hyper-parameter sweeps (docs/sweeps.md): every configuration (the rows of a rows file, times the
// cartesian product of the grids, or N random draws from it) × every seed is one independent
// `mlp train` in its own run directory OUT/runs/<configuration>/seed-<S>, J of them at a time as
// child processes with cores / J OpenMP threads each (fit.threads). A run is finished when its
// completed.json exists (written atomically once its `mlp train` exited 0); a sweep run again with
// the same arguments skips finished runs and resumes a cut one from its checkpoint. At the end:
// OUT/results.md, OUT/results.csv (one row per configuration, mean and spread over its seeds) and
// OUT/results.png (gnuplot).
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "commands.hpp"
#include "mlp/error.hpp"
#include "run_files.hpp"
#include "sweep.hpp"

namespace fs = std::filesystem;

namespace mlp::cli {
namespace {

using sweep::Axis;
using sweep::check_configuration;
using sweep::Configuration;
using sweep::kCompletedFile;
using sweep::parse_axis;
using sweep::parse_seeds;
using sweep::plan_configurations;
using sweep::PlannedRun;
using sweep::SweepArgs;
using sweep::write_results;

volatile std::sig_atomic_t g_sweep_interrupted = 0;
extern "C" void on_sweep_interrupt(int) { g_sweep_interrupted = 1; }

struct Child {
  std::size_t run = 0;
  std::chrono::steady_clock::time_point start;
};

// Starts `argv` with stdout and stderr appended to `log_path`; the child dies with the sweep
// (PR_SET_PDEATHSIG), so a killed sweep leaves no training running behind it.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(log_path + ": cannot write the log (" + std::strerror(errno) + ")");
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  ::close(fd);
  if (null_fd >= 0) ::close(null_fd);
  if (pid < 0) throw Error(std::string("cannot start a training process (") + std::strerror(errno) + ")");
  return pid;
}

int run_sweep(SweepArgs args) {
  if (args.jobs < 1) throw Error("--jobs " + std::to_string(args.jobs) + ": expected at least 1");
  if (args.grids.empty() && args.rows.empty()) {
    throw Error("nothing to sweep: give --grid KEY=[v1,v2,...] (repeatable) and/or --rows ROWS.toml");
  }
  std::vector<Axis> axes;
  for (const auto& g : args.grids) {
    axes.push_back(parse_axis(g));
    for (std::size_t i = 0; i + 1 < axes.size(); ++i) {
      if (axes[i].key == axes.back().key) throw Error("--grid " + g + ": the key " + axes[i].key + " is swept twice");
    }
  }
  const std::vector<std::uint64_t> seeds = parse_seeds(args.seeds);
  if (args.out.empty()) args.out = (fs::path("sweeps") / fs::path(args.config).stem()).string();
  const std::vector<Configuration> configs = plan_configurations(args, axes);
  std::set<std::string> dirs;
  for (const Configuration& c : configs) {
    if (!dirs.insert(c.dir).second) throw Error("configuration '" + c.name + "' is planned twice");
    check_configuration(args, c);
  }

  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  const int jobs = std::min<int>(args.jobs, static_cast<int>(configs.size() * seeds.size()));
  const int threads = std::max(1, static_cast<int>(cores) / jobs);
  if (static_cast<unsigned>(args.jobs) > cores) {
    fmt::print(stderr, "mlp: warning: --jobs {} is more than the {} cores: runs share cores, 1 thread each\n",
               args.jobs, cores);
  }
  std::vector<PlannedRun> runs;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    for (std::uint64_t seed : seeds) {
      PlannedRun r{i, seed, (fs::path(args.out) / "runs" / configs[i].dir / ("seed-" + std::to_string(seed))).string()};
      r.finished = fs::exists(fs::path(r.dir) / kCompletedFile);
      runs.push_back(std::move(r));
    }
  }
  const auto done =
      static_cast<std::size_t>(std::count_if(runs.begin(), runs.end(), [](const auto& r) { return r.finished; }));
  fmt::print(
      "Sweep of {}: {} configurations × {} seeds = {} runs ({} finished before), {} at a time, {} threads "
      "each ({} cores); output in {}\n",
      args.config, configs.size(), seeds.size(), runs.size(), done, jobs, threads, cores, args.out);

  const std::string exe = fs::read_symlink("/proc/self/exe").string();
  const std::string config_abs = fs::absolute(args.config).string();
  auto command_of = [&](const PlannedRun& r) {
    if (fs::exists(fs::path(r.dir) / "checkpoint.safetensors") && fs::exists(fs::path(r.dir) / "config.toml")) {
      return std::vector<std::string>{exe, "train", "--resume", r.dir};  // a cut run continues
    }
    std::vector<std::string> argv{exe, "train", config_abs};
    for (const auto& s : args.sets) argv.insert(argv.end(), {"--set", s});
    for (const auto& o : configs[r.config].overrides) argv.insert(argv.end(), {"--set", o});
    argv.insert(argv.end(), {"--set", "fit.seed=" + std::to_string(r.seed), "--set",
                             "fit.threads=" + std::to_string(threads), "--set", "fit.verbose=2", "--run-dir", r.dir});
    return argv;
  };
  if (args.dry_run) {
    for (std::size_t i = 0; i < runs.size(); ++i) {
      std::string line;
      for (const auto& a : command_of(runs[i])) line += (line.empty() ? "mlp" : " " + a);
      fmt::print("{:>4} {} {} seed {}: {}\n", i + 1, runs[i].finished ? "finished" : "planned ",
                 configs[runs[i].config].name, runs[i].seed, runs[i].finished ? runs[i].dir : line);
    }
    return kExitOk;
  }
  std::error_code ec;
  fs::create_directories(args.out, ec);
  if (ec) throw Error(args.out + ": cannot create the sweep directory (" + ec.message() + ")");

  // Fault injection for the resume test (docs/cli.md, "Environment"): the sweep SIGKILLs itself
  // after this many runs have finished (their children die with it).
  long kill_after = -1;
  if (const char* spec = std::getenv("MLP_FAULT_KILL_SWEEP_AFTER"); spec != nullptr && *spec != '\0') {
    char* end = nullptr;
    kill_after = std::strtol(spec, &end, 10);
    if (*end != '\0' || kill_after < 1) {
      throw Error(std::string("MLP_FAULT_KILL_SWEEP_AFTER: expected a number of runs (from 1), got '") + spec + "'");
    }
  }
  g_sweep_interrupted = 0;
  struct sigaction action {
  }, previous{};
  action.sa_handler = on_sweep_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_ONSTACK;           // on main()'s SignalStack (include/mlp/signal_stack.hpp)
  sigaction(SIGINT, &action, &previous);  // no SA_RESTART: waitpid returns on Ctrl-C

  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!runs[i].finished) pending.push_back(i);
  }
  std::reverse(pending.begin(), pending.end());
  std::map<pid_t, Child> running;
  std::vector<std::string> failures;
  long finished_now = 0;
  const std::size_t todo = pending.size();
  std::size_t started = 0;
  while (!pending.empty() || !running.empty()) {
    while (!pending.empty() && static_cast<int>(running.size()) < jobs && g_sweep_interrupted == 0) {
      const std::size_t i = pending.back();
      pending.pop_back();
      const PlannedRun& r = runs[i];
      fs::create_directories(r.dir, ec);
      if (ec) throw Error(r.dir + ": cannot create the run directory (" + ec.message() + ")");
      const std::vector<std::string> argv = command_of(r);
      const pid_t pid = spawn(argv, (fs::path(r.dir) / "sweep.log").string());
      running[pid] = {i, std::chrono::steady_clock::now()};
      fmt::print("[{}/{}] start  {} seed {}{}\n", ++started, todo, configs[r.config].name, r.seed,
                 argv[2] == "--resume" ? " (resumed from its checkpoint)" : "");
      std::fflush(stdout);
    }
    if (running.empty()) break;  // interrupted before anything else started
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("waiting for a training process failed (") + std::strerror(errno) + ")");
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const std::size_t index = it->second.run;
    const PlannedRun& r = runs[index];
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.start).count();
    running.erase(it);
    const std::string label = configs[r.config].name + " seed " + std::to_string(r.seed);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      const nlohmann::json marker = {{"configuration", configs[r.config].name},
                                     {"seed", r.seed},
                                     {"overrides", configs[r.config].overrides},
                                     {"wall_seconds", seconds}};
      write_text((fs::path(r.dir) / kCompletedFile).string(), marker.dump(2) + "\n");
      runs[index].finished = true;
      fmt::print("        done   {} ({:.1f} s)\n", label, seconds);
      std::fflush(stdout);
      if (kill_after > 0 && ++finished_now == kill_after) std::raise(SIGKILL);
    } else {
      const std::string why = WIFEXITED(status) ? fmt::format("exit code {}", WEXITSTATUS(status))
                                                : fmt::format("signal {}", WTERMSIG(status));
      failures.push_back(fmt::format("{} ({}; see {})", label, why, (fs::path(r.dir) / "sweep.log").string()));
      fmt::print("        FAILED {} ({})\n", label, why);
    }
  }
  sigaction(SIGINT, &previous, nullptr);
  write_results(args, configs, runs, axes, seeds.size());
  if (g_sweep_interrupted != 0) {
    fmt::print("Interrupted: run the same command again to continue the unfinished runs\n");
    return kExitInterrupted;
  }
  if (!failures.empty()) {
    std::string list;
    for (const auto& f : failures) list += "\n  " + f;
    throw Error(fmt::format("{} of {} runs failed:{}", failures.size(), runs.size(), list));
  }
  return kExitOk;
}

}  // namespace

void add_sweep_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand("sweep", "Train a config over a grid of settings × seeds (docs/sweeps.md)");
  cmd->add_option("config", args->config, "The base config file")->required();
  cmd->add_option("--grid", args->grids,
                  "A setting and its values: --grid fit.batch_size=[64,128] (repeatable: the product)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  cmd->add_option("--rows", args->rows,
                  "Named configurations: a TOML file of [[rows]] name = \"...\", set = [\"key=value\", ...]");
  cmd->add_option("--random", args->random, "Run N distinct random draws from the grid instead of all of it");
  cmd->add_option("--random-seed", args->random_seed, "The seed of the --random draws (default 0)");
  cmd->add_option("--seeds", args->seeds, "fit.seed of each repetition: 1,2,3 (default 1)");
  cmd->add_option("--jobs", args->jobs, "Runs at a time (default 1); each gets cores / J threads");
  cmd->add_option("--out", args->out, "The sweep directory (default sweeps/<config>)");
  cmd->add_option("--set", args->sets, "A fixed override for every run: --set fit.epochs=5 (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  cmd->add_flag("--dry-run", args->dry_run, "List the planned runs (checking every configuration) and stop");
  runners.emplace_back(cmd, [args] { return run_sweep(*args); });
}

}  // namespace mlp::cli
