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
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "commands.hpp"
#include "mlp/error.hpp"
#include "mlp/io/csv.hpp"
#include "mlp/plot/gnuplot.hpp"
#include "mlp/serialize.hpp"
#include "model_assembly.hpp"
#include "run_config.hpp"
#include "run_files.hpp"

namespace fs = std::filesystem;

namespace mlp::cli {
namespace {

constexpr const char* kCompletedFile = "completed.json";

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
  std::string row;                                           // the row's name (rows file), else empty
  std::vector<std::pair<std::string, std::string>> settings;  // grid key → value text
  std::vector<std::string> overrides;                        // key=value, applied after --set
};

struct PlannedRun {
  std::size_t config = 0;  // index into the configurations
  std::uint64_t seed = 0;
  std::string dir;
  bool finished = false;
};

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// "[1, 'a,b', {type = "SGD", momentum = 0.9}, [1,2]]" → its top-level elements, as text.
std::vector<std::string> split_list(const std::string& text, const std::string& arg) {
  auto bad = [&](const std::string& why) {
    return Error("--grid " + arg + ": " + why + " (expected KEY=[v1,v2,...], e.g. fit.batch_size=[64,128])");
  };
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') throw bad("the values must be a [list]");
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  char quote = 0;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth < 0) throw bad("unbalanced '" + std::string(1, c) + "'");
    } else if (c == ',' && depth == 0) {
      out.push_back(trim(current));
      current.clear();
      continue;
    }
    current.push_back(c);
  }
  if (quote != 0) throw bad("unclosed quote");
  if (depth != 0) throw bad("unbalanced brackets");
  out.push_back(trim(current));
  if (out.size() == 1 && out[0].empty()) throw bad("the list is empty");
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].empty()) throw bad("value " + std::to_string(i + 1) + " is empty");
  }
  std::set<std::string> seen;
  for (const auto& v : out) {
    if (!seen.insert(v).second) throw bad("the value " + v + " is listed twice");
  }
  return out;
}

Axis parse_axis(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || trim(arg.substr(0, eq)).empty()) {
    throw Error("--grid " + arg + ": expected KEY=[v1,v2,...], e.g. fit.batch_size=[64,128]");
  }
  Axis axis{trim(arg.substr(0, eq)), arg, split_list(trim(arg.substr(eq + 1)), arg)};
  return axis;
}

std::vector<std::uint64_t> parse_seeds(const std::string& text) {
  std::vector<std::uint64_t> seeds;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = trim(item);
    if (item.empty() || item.size() > 19 ||
        !std::all_of(item.begin(), item.end(), [](unsigned char c) { return std::isdigit(c); })) {
      throw Error("--seeds " + text + ": expected a comma-separated list of non-negative integers, e.g. 1,2,3");
    }
    const std::uint64_t seed = std::stoull(item);
    if (std::find(seeds.begin(), seeds.end(), seed) != seeds.end()) {
      throw Error("--seeds " + text + ": seed " + item + " is listed twice");
    }
    seeds.push_back(seed);
  }
  if (seeds.empty() || text.back() == ',') {
    throw Error("--seeds " + text + ": expected a comma-separated list of non-negative integers, e.g. 1,2,3");
  }
  return seeds;
}

// A directory name from a configuration's name: safe characters, at most 60 of them, and a hash of
// the whole name so that two names that read alike never share a directory.
std::string dir_name(const std::string& name) {
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : name) hash = (hash ^ c) * 1099511628211ULL;
  std::string slug;
  for (char c : name) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '=' || c == '_';
    slug.push_back(keep ? c : '_');
    if (slug.size() == 60) break;
  }
  return slug + fmt::format("-{:08x}", static_cast<std::uint32_t>(hash ^ (hash >> 32)));
}

// The rows file: [[rows]] tables, each { name = "...", set = ["key=value", ...] }.
std::vector<Configuration> read_rows(const std::string& path) {
  const ConfigDocument doc = read_toml(path);
  auto where = [&](const std::string& field) {
    auto it = doc.source.lines.find(field);
    return path + (it != doc.source.lines.end() ? ":" + std::to_string(it->second) : std::string()) + ": " + field;
  };
  for (const auto& [key, value] : doc.root.items()) {
    if (key != "rows") throw Error(where(key) + ": unknown key '" + key + "'; allowed here: rows");
  }
  if (!doc.root.contains("rows") || !doc.root["rows"].is_array() || doc.root["rows"].empty()) {
    throw Error(path + ": expected [[rows]] tables, each with a name and a set = [\"key=value\", ...] list");
  }
  std::vector<Configuration> rows;
  std::set<std::string> names;
  const auto& array = doc.root["rows"];
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string at = "rows[" + std::to_string(i) + "]";
    const auto& row = array[i];
    if (!row.is_object()) throw Error(where(at) + ": expected a table");
    for (const auto& [key, value] : row.items()) {
      if (key != "name" && key != "set") {
        throw Error(where(at + "." + key) + ": unknown key '" + key + "'; allowed here: name, set");
      }
    }
    if (!row.contains("name") || !row["name"].is_string() || row["name"].get<std::string>().empty()) {
      throw Error(where(at) + ": name: required, a non-empty string");
    }
    Configuration c;
    c.row = c.name = row["name"].get<std::string>();
    if (!names.insert(c.name).second) throw Error(where(at + ".name") + ": the name '" + c.name + "' is used twice");
    if (row.contains("set")) {
      if (!row["set"].is_array()) throw Error(where(at + ".set") + ": expected a list of \"key=value\" strings");
      for (const auto& s : row["set"]) {
        if (!s.is_string()) throw Error(where(at + ".set") + ": expected a list of \"key=value\" strings");
        c.overrides.push_back(s.get<std::string>());
      }
    }
    rows.push_back(std::move(c));
  }
  return rows;
}

// Every configuration: rows (or one empty base) × the grid's product, or `random` draws from it.
std::vector<Configuration> plan_configurations(const SweepArgs& args, const std::vector<Axis>& axes) {
  std::vector<Configuration> bases = args.rows.empty() ? std::vector<Configuration>(1) : read_rows(args.rows);
  std::vector<Configuration> all;
  for (const Configuration& base : bases) {
    std::vector<std::size_t> index(axes.size(), 0);
    while (true) {
      Configuration c = base;
      std::string grid_name;
      for (std::size_t a = 0; a < axes.size(); ++a) {
        const std::string& value = axes[a].values[index[a]];
        c.settings.emplace_back(axes[a].key, value);
        c.overrides.push_back(axes[a].key + "=" + value);
        grid_name += (grid_name.empty() ? "" : ",") + axes[a].key + "=" + value;
      }
      c.name = base.row.empty() ? (grid_name.empty() ? "base" : grid_name)
                                : base.row + (grid_name.empty() ? "" : " " + grid_name);
      c.dir = dir_name(c.name);
      all.push_back(std::move(c));
      std::size_t a = axes.size();
      while (a > 0 && ++index[a - 1] == axes[a - 1].values.size()) index[--a] = 0;
      if (a == 0) break;
    }
  }
  if (args.random > 0 && args.random < all.size()) {
    // N distinct draws, the same for the same --random-seed on every platform (no std distribution).
    std::mt19937_64 rng(args.random_seed);
    for (std::size_t i = 0; i < args.random; ++i) std::swap(all[i], all[i + rng() % (all.size() - i)]);
    all.resize(args.random);
  }
  return all;
}

// Reads the config with the configuration's overrides and checks it as `mlp train` would before it
// reads any data, so that a bad key or value stops the sweep before its first run.
void check_configuration(const SweepArgs& args, const Configuration& c) {
  ConfigDocument doc = read_toml(args.config);
  for (const auto& s : args.sets) apply_override(doc, s);
  try {
    for (const auto& o : c.overrides) apply_override(doc, o);
    const TrainConfig config = parse_train_config(doc);
    model_from_train_config(doc, config, nullptr);
    compile_options_from_config(ConfigObject(config.compile, "compile", &doc.source));
  } catch (const Error& e) {
    throw Error("configuration '" + c.name + "': " + e.what());
  }
}

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

struct Stat {
  double mean = 0, spread = 0;
  std::size_t n = 0;
};

Stat stat_of(const std::vector<double>& v) {
  Stat s;
  s.n = v.size();
  if (v.empty()) return s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  if (v.size() > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.spread = std::sqrt(ss / static_cast<double>(v.size() - 1));  // sample standard deviation
  }
  return s;
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

// One row per configuration with at least one finished seed: results.md, results.csv, results.png.
void write_results(const SweepArgs& args, const std::vector<Configuration>& configs,
                   const std::vector<PlannedRun>& runs, const std::vector<Axis>& axes, std::size_t n_seeds) {
  // metric column ("train_accuracy") → per configuration → values over its finished seeds.
  std::vector<std::map<std::string, std::vector<double>>> values(configs.size());
  std::set<std::string> train_keys, test_keys;
  for (const PlannedRun& r : runs) {
    if (!r.finished) continue;
    const std::string path = (fs::path(r.dir) / "metrics.json").string();
    std::ifstream in(path);
    nlohmann::json m = nlohmann::json::parse(in, nullptr, false);
    if (m.is_discarded() || !m.is_object()) throw Error(path + ": not the metrics.json of an mlp train run");
    auto& v = values[r.config];
    for (const char* part : {"train", "test"}) {
      if (!m.contains(part)) continue;
      for (const auto& [key, value] : m[part].items()) {
        if (!value.is_number()) continue;
        v[std::string(part) + "_" + key].push_back(value.get<double>());
        (std::string(part) == "train" ? train_keys : test_keys).insert(key);
      }
    }
    v["epochs"].push_back(m.value("epochs", 0.0));
    v["seconds"].push_back(m.value("seconds", 0.0));
  }
  // Columns: loss first, then the metrics, train before test (as Keras prints logs).
  std::vector<std::string> columns;
  for (const auto* keys : {&train_keys, &test_keys}) {
    const std::string part = keys == &train_keys ? "train_" : "test_";
    if (keys->count("loss")) columns.push_back(part + "loss");
    for (const auto& k : *keys) {
      if (k != "loss") columns.push_back(part + k);
    }
  }
  columns.push_back("epochs");
  columns.push_back("seconds");

  std::string md = "| # | configuration";
  std::string csv = "index,configuration";
  for (const Axis& a : axes) {
    md += " | " + md_cell(a.key);
    csv += "," + csv_field(a.key);
  }
  md += " | seeds";
  csv += ",overrides,seeds";
  for (const auto& c : columns) {
    std::string title = c;
    std::replace(title.begin(), title.end(), '_', ' ');
    md += " | " + title;
    csv += "," + c + "_mean," + c + "_spread";
  }
  md += " |\n|---|---";
  for (std::size_t i = 0; i < axes.size() + 1 + columns.size(); ++i) md += "|---";
  md += "|\n";
  csv += "\n";

  const std::string plot_metric = test_keys.count("accuracy") ? "accuracy"
                                  : !test_keys.empty()        ? *test_keys.begin()
                                  : train_keys.count("accuracy") ? "accuracy"
                                                                 : "loss";
  // The plot: per configuration, the mean over seeds with the spread as an error bar (train, test).
  std::string train_points, test_points;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    const auto& v = values[i];
    if (v.empty()) continue;
    ++shown;
    const Configuration& c = configs[i];
    md += fmt::format("| {} | {}", shown, md_cell(c.row.empty() ? c.name : c.row));
    csv += fmt::format("{},{}", shown, csv_field(c.row.empty() ? c.name : c.row));
    for (const Axis& a : axes) {
      const auto it = std::find_if(c.settings.begin(), c.settings.end(), [&](const auto& s) { return s.first == a.key; });
      const std::string value = it == c.settings.end() ? "" : it->second;
      md += " | " + md_cell(value);
      csv += "," + csv_field(value);
    }
    const std::size_t n = v.at("epochs").size();
    std::string overrides;
    for (const auto& o : c.overrides) overrides += (overrides.empty() ? "" : "; ") + o;
    md += fmt::format(" | {}/{}", n, n_seeds);
    csv += fmt::format(",{},{}", csv_field(overrides), n);
    for (const auto& col : columns) {
      const auto it = v.find(col);
      if (it == v.end()) {
        md += " | ";
        csv += ",,";
        continue;
      }
      const Stat s = stat_of(it->second);
      const bool seconds = col == "seconds", epochs = col == "epochs";
      const std::string mean = seconds ? fmt::format("{:.1f}", s.mean) : epochs ? fmt::format("{:g}", s.mean)
                                                                                : fmt::format("{:.4f}", s.mean);
      const std::string spread = seconds ? fmt::format("{:.1f}", s.spread) : epochs ? fmt::format("{:g}", s.spread)
                                                                                    : fmt::format("{:.4f}", s.spread);
      md += " | " + (s.n > 1 ? mean + " ± " + spread : mean);
      csv += fmt::format(",{:.9g},{:.9g}", s.mean, s.spread);
    }
    md += " |\n";
    csv += "\n";
    for (auto [points, part] : {std::pair{&train_points, "train_"}, std::pair{&test_points, "test_"}}) {
      const auto it = v.find(part + plot_metric);
      if (it == v.end()) continue;
      const Stat st = stat_of(it->second);
      *points += fmt::format("{} {} {}\n", shown, gnuplot_number(st.mean), gnuplot_number(st.spread));
    }
  }
  md += "\nMean ± spread (the sample standard deviation) over the finished seeds; train values are the last "
        "epoch's, test values from the test set after training.\n";
  const fs::path out(args.out);
  write_text((out / "results.md").string(), md);
  write_text((out / "results.csv").string(), csv);
  fmt::print("\n{}", md);
  if (train_points.empty() && test_points.empty()) return;
  GnuplotScript plot;
  plot.add("set title " + gnuplot_quote("sweep of " + fs::path(args.config).filename().string() + ": " + plot_metric +
                                        " per configuration (mean ± spread over seeds)"));
  plot.add("set xlabel " + gnuplot_quote("configuration (# in results.md)"));
  plot.add("set ylabel " + gnuplot_quote(plot_metric));
  plot.add(fmt::format("set xrange [0.5:{}.5]", shown));
  plot.add("set xtics 1");
  plot.add("set grid ytics");
  plot.add("set key outside bottom center horizontal");
  std::string command = "plot ";
  for (auto [points, name, offset] : {std::tuple{&train_points, "train", -0.1}, std::tuple{&test_points, "test", 0.1}}) {
    if (points->empty()) continue;
    const std::string data = plot.add_data(*points);
    command += fmt::format("{}{} using ($1+{}):2:3 with yerrorbars pointtype 7 title {}", command == "plot " ? "" : ", ",
                           data, offset, gnuplot_quote(std::string(name) + " " + plot_metric));
  }
  plot.add(command);
  try {
    render_png((out / "results.png").string(), plot, {std::max<std::size_t>(800, 40 * shown + 200), 600});
  } catch (const Error& e) {
    fmt::print(stderr, "mlp: warning: results.png not drawn: {}\n", e.what());
  }
  fmt::print("Results: {}, {}, {}\n", (out / "results.md").string(), (out / "results.csv").string(),
             (out / "results.png").string());
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
  const auto done = static_cast<std::size_t>(std::count_if(runs.begin(), runs.end(), [](const auto& r) { return r.finished; }));
  fmt::print("Sweep of {}: {} configurations × {} seeds = {} runs ({} finished before), {} at a time, {} threads "
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
  struct sigaction action {}, previous {};
  action.sa_handler = on_sweep_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_ONSTACK;  // on main()'s SignalStack (include/mlp/signal_stack.hpp)
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
      const nlohmann::json marker = {{"configuration", configs[r.config].name}, {"seed", r.seed},
                                     {"overrides", configs[r.config].overrides}, {"wall_seconds", seconds}};
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
