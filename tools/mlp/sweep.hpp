// SPDX-License-Identifier: MIT
#pragma once
// mlp sweep's pieces (docs/sweeps.md): the arguments, the plan (sweep_plan.cpp: --grid axes, --rows
// files, --seeds, the configurations and their checks) and the results table (sweep_results.cpp:
// results.md, results.csv, results.png). The command itself (child processes, resume) is
// sweep_command.cpp.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlp::cli::sweep {

/// A run is finished when this file exists in its run directory.
inline constexpr const char* kCompletedFile = "completed.json";

struct SweepArgs {
  std::string config;
  std::vector<std::string> grids, sets;
  std::string rows;
  std::size_t random = 0;
  std::uint64_t random_seed = 0;
  std::string seeds = "1";
  int jobs = 1;
  std::string out;
  bool dry_run = false;
};

/// One --grid: a config key and the values it takes (each as --set would read it).
struct Axis {
  std::string key, arg;
  std::vector<std::string> values;
};

/// One configuration of the sweep: its name, its directory name and the overrides that make it.
struct Configuration {
  std::string name, dir;
  std::string row;                                            // the row's name (rows file), else empty
  std::vector<std::pair<std::string, std::string>> settings;  // grid key → value text
  std::vector<std::string> overrides;                         // key=value, applied after --set
};

struct PlannedRun {
  std::size_t config = 0;  // index into the configurations
  std::uint64_t seed = 0;
  std::string dir;
  bool finished = false;
};

/// One --grid KEY=[v1,v2,...] argument.
Axis parse_axis(const std::string& arg);
/// --seeds 1,2,3: distinct non-negative integers.
std::vector<std::uint64_t> parse_seeds(const std::string& text);
/// Every configuration: the rows (or one empty base) × the grid's product, or --random draws from it.
std::vector<Configuration> plan_configurations(const SweepArgs& args, const std::vector<Axis>& axes);
/// Reads the config with the configuration's overrides and checks it as `mlp train` would before it
/// reads any data, so that a bad key or value stops the sweep before its first run.
void check_configuration(const SweepArgs& args, const Configuration& c);
/// One row per configuration with at least one finished seed: OUT/results.md, results.csv, results.png.
void write_results(const SweepArgs& args, const std::vector<Configuration>& configs,
                   const std::vector<PlannedRun>& runs, const std::vector<Axis>& axes, std::size_t n_seeds);

}  // namespace mlp::cli::sweep
