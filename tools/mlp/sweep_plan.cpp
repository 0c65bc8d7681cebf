// SPDX-License-Identifier: MIT
// mlp sweep's plan (sweep.hpp): --grid axes, --rows files and --seeds read strictly, the
// configurations (rows × grid product, or --random draws) named and given directories, each checked
// as `mlp train` would check it.
#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <random>
#include <set>
#include <sstream>
#include <string_view>

#include "mlp/error.hpp"
#include "mlp/io/toml.hpp"
#include "mlp/serialize.hpp"
#include "model_assembly.hpp"
#include "run_config.hpp"
#include "sweep.hpp"

namespace mlp::cli::sweep {
namespace {

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

}  // namespace

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

}  // namespace mlp::cli::sweep
