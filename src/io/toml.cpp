// SPDX-License-Identifier: MIT
#include "mlp/io/toml.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>

#include "mlp/error.hpp"

namespace mlp {
namespace {

void note_line(SourceMap& source, const std::string& path, const toml::node& node) {
  const auto line = node.source().begin.line;
  if (line > 0 && !source.lines.contains(path)) source.lines[path] = static_cast<int>(line);
}

nlohmann::json to_json(const toml::node& node, const std::string& path, SourceMap& source) {
  note_line(source, path, node);
  if (const auto* table = node.as_table()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : *table) {
      const std::string child = config_path(path, key.str());
      if (const auto line = key.source().begin.line; line > 0) source.lines[child] = static_cast<int>(line);
      out[std::string(key.str())] = to_json(value, child, source);
    }
    return out;
  }
  if (const auto* array = node.as_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < array->size(); ++i)
      out.push_back(to_json(*array->get(i), config_path(path, i), source));
    return out;
  }
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return i->get();
  if (const auto* f = node.as_floating_point()) return f->get();
  if (const auto* b = node.as_boolean()) return b->get();
  throw Error(source.locate(path) + (path.empty() ? std::string("value") : path) +
              ": dates and times are not used by any setting");
}

// TOML text from JSON, written by hand rather than with toml++'s formatter so that floats come
// out in their shortest round-trip form (0.9, not 0.90000000000000002).
std::string toml_key(const std::string& key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
  return bare ? key : nlohmann::json(key).dump();
}

bool is_table_array(const nlohmann::json& v) {
  return v.is_array() && !v.empty() && std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_object(); });
}

std::string toml_value(const nlohmann::json& v) {
  if (v.is_object()) {
    std::string out = "{ ";
    bool first = true;
    for (const auto& [key, e] : v.items()) {
      if (e.is_null()) continue;
      out += (first ? "" : ", ") + toml_key(key) + " = " + toml_value(e);
      first = false;
    }
    return out + (first ? "}" : " }");
  }
  if (v.is_array()) {
    std::string out = "[";
    bool first = true;
    for (const auto& e : v) {
      if (e.is_null()) continue;
      out += (first ? "" : ", ") + toml_value(e);
      first = false;
    }
    return out + "]";
  }
  if (v.is_number_float()) {
    std::string text = v.dump();  // shortest round trip; add ".0" so TOML reads a float back
    if (text.find_first_of(".eE") == std::string::npos) text += ".0";
    return text;
  }
  return v.dump();  // strings (JSON escapes are valid TOML basic-string escapes), integers, booleans
}

void emit_table(const nlohmann::json& table, const std::string& path, std::string& out) {
  for (const auto& [key, v] : table.items()) {
    if (v.is_null() || v.is_object() || is_table_array(v)) continue;
    out += toml_key(key) + " = " + toml_value(v) + "\n";
  }
  for (const auto& [key, v] : table.items()) {
    const std::string child = path.empty() ? toml_key(key) : path + "." + toml_key(key);
    if (v.is_object()) {
      out += "\n[" + child + "]\n";
      emit_table(v, child, out);
    } else if (is_table_array(v)) {
      for (const auto& e : v) {
        out += "\n[[" + child + "]]\n";
        emit_table(e, child, out);
      }
    }
  }
}

// "model.layers[1].units" → {"model", "layers", 1, "units"} (indices as numbers).
struct PathPart {
  std::string key;
  std::optional<std::size_t> index;
};

std::vector<PathPart> split_path(std::string_view path, std::string_view assignment) {
  std::vector<PathPart> parts;
  std::size_t i = 0;
  auto bad = [&](const std::string& why) {
    return Error("--set " + std::string(assignment) + ": " + why +
                 " (expected a dotted key such as fit.epochs or model.layers[1].units)");
  };
  while (i < path.size()) {
    std::size_t j = i;
    while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
    if (j == i) throw bad("empty key");
    parts.push_back({std::string(path.substr(i, j - i)), std::nullopt});
    while (j < path.size() && path[j] == '[') {
      const auto close = path.find(']', j);
      if (close == std::string_view::npos) throw bad("unclosed [");
      const std::string digits(path.substr(j + 1, close - j - 1));
      if (digits.empty() || digits.size() > 9 ||
          !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); })) {
        throw bad("bad index [" + digits + "]");
      }
      parts.push_back({"", static_cast<std::size_t>(std::stoul(digits))});
      j = close + 1;
    }
    if (j < path.size()) {
      if (path[j] != '.') throw bad("unexpected '" + std::string(1, path[j]) + "'");
      ++j;
      if (j == path.size()) throw bad("empty key");
    }
    i = j;
  }
  if (parts.empty()) throw bad("empty key");
  return parts;
}

}  // namespace

ConfigDocument parse_toml(std::string_view text, const std::string& source) {
  ConfigDocument doc;
  doc.source.file = source;
  toml::table table;
  try {
    table = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw Error(source + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " +
                std::string(e.description()));
  }
  doc.root = to_json(table, "", doc.source);
  doc.source.lines.erase("");
  return doc;
}

ConfigDocument read_toml(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open config file (" + std::strerror(errno) + ")");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return parse_toml(text, path);
}

void apply_override(ConfigDocument& doc, std::string_view assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    throw Error("--set " + std::string(assignment) + ": expected key=value, e.g. fit.epochs=3");
  }
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  const std::string_view key = trim(assignment.substr(0, eq));
  const std::string_view text = trim(assignment.substr(eq + 1));
  const auto parts = split_path(key, assignment);

  nlohmann::json value;
  try {
    const toml::table t = toml::parse("v = " + std::string(text));
    SourceMap unused;
    value = to_json(*t.get("v"), "", unused);
  } catch (const std::exception&) {
    value = std::string(text);  // compile.loss=mse
  }

  // Works on a copy so that a refused assignment leaves the document as it was.
  nlohmann::json root = doc.root;
  nlohmann::json* node = &root;
  std::string walked;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    if (parts[i].index) {
      walked.append("[").append(std::to_string(*parts[i].index)).append("]");
      if (!node->is_array() || *parts[i].index >= node->size()) {
        throw Error("--set " + std::string(assignment) + ": " + walked + " does not exist" +
                    (node->is_array() ? " (the array has " + std::to_string(node->size()) + " entries)" : ""));
      }
      node = &(*node)[*parts[i].index];
    } else {
      if (node->is_null()) *node = nlohmann::json::object();
      if (!node->is_object()) {  // `walked` is the value that is not a table
        throw Error("--set " + std::string(assignment) + ": cannot set a key inside " + walked +
                    ", which is not a table");
      }
      if (!walked.empty()) walked.push_back('.');
      walked.append(parts[i].key);
      node = &(*node)[parts[i].key];
    }
    if (last) *node = value;
  }
  doc.root = std::move(root);
  // The file's lines no longer describe the new value nor anything that was below the old one.
  std::erase_if(doc.source.lines, [&](const auto& entry) {
    const std::string& p = entry.first;
    return p == walked || (p.starts_with(walked) && (p[walked.size()] == '.' || p[walked.size()] == '['));
  });
}

std::string to_toml(const nlohmann::json& root) {
  if (!root.is_object()) throw Error("to_toml: the document must be a table");
  std::string out;
  emit_table(root, "", out);
  if (!out.empty() && out.front() == '\n') out.erase(0, 1);
  return out;
}

}  // namespace mlp
