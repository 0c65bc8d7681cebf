// SPDX-License-Identifier: MIT
// mlp sweep's results (sweep.hpp): per configuration the mean and spread over its finished seeds,
// written as OUT/results.md, OUT/results.csv (mlp::csv_field) and OUT/results.png (gnuplot).
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "mlp/error.hpp"
#include "mlp/io/csv.hpp"
#include "mlp/plot/gnuplot.hpp"
#include "run_files.hpp"
#include "sweep.hpp"

namespace mlp::cli::sweep {
namespace {

namespace fs = std::filesystem;

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

}  // namespace

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
    csv += ',';
    csv += csv_field(a.key);
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

  const std::string plot_metric = test_keys.count("accuracy")    ? "accuracy"
                                  : !test_keys.empty()           ? *test_keys.begin()
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
      const auto it =
          std::find_if(c.settings.begin(), c.settings.end(), [&](const auto& s) { return s.first == a.key; });
      const std::string value = it == c.settings.end() ? "" : it->second;
      md += " | " + md_cell(value);
      csv += ',';
      csv += csv_field(value);
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
      const std::string mean = seconds  ? fmt::format("{:.1f}", s.mean)
                               : epochs ? fmt::format("{:g}", s.mean)
                                        : fmt::format("{:.4f}", s.mean);
      const std::string spread = seconds  ? fmt::format("{:.1f}", s.spread)
                                 : epochs ? fmt::format("{:g}", s.spread)
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
  md +=
      "\nMean ± spread (the sample standard deviation) over the finished seeds; train values are the last "
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
  for (auto [points, name, offset] :
       {std::tuple{&train_points, "train", -0.1}, std::tuple{&test_points, "test", 0.1}}) {
    if (points->empty()) continue;
    const std::string data = plot.add_data(*points);
    command +=
        fmt::format("{}{} using ($1+{}):2:3 with yerrorbars pointtype 7 title {}", command == "plot " ? "" : ", ", data,
                    offset, gnuplot_quote(std::string(name) + " " + plot_metric));
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

}  // namespace mlp::cli::sweep
