// SPDX-License-Identifier: MIT
#include "mlp/config.hpp"

#include <cmath>
#include <limits>
#include <utility>

namespace mlp {

int SourceMap::line_of(const std::string& path) const {
  std::string p = path;
  for (;;) {
    if (auto it = lines.find(p); it != lines.end()) return it->second;
    const auto cut = p.find_last_of(".[");
    if (cut == std::string::npos || p.empty()) break;
    p.resize(cut);
  }
  return 0;
}

std::string SourceMap::locate(const std::string& path) const {
  if (const int line = line_of(path); line > 0) return file + ":" + std::to_string(line) + ": ";
  return file.empty() ? std::string() : file + ": ";
}

ErrorLocation config_location(const SourceMap* source, const std::string& path, std::string detail) {
  ErrorLocation where{.file = {}, .line = 0, .path = path, .detail = std::move(detail)};
  if (source != nullptr) {
    where.file = source->file;
    where.line = source->line_of(path);
  }
  return where;
}

std::string config_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string config_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string describe_json_type(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "nothing (null)";
    case nlohmann::json::value_t::object: return "a table";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string (\"" + value.get<std::string>() + "\")";
    case nlohmann::json::value_t::boolean: return value.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "the integer " + value.dump();
    case nlohmann::json::value_t::number_float: return "the number " + value.dump();
    default: return "an unsupported value";
  }
}

ConfigObject::ConfigObject(const nlohmann::json& value, std::string path, const SourceMap* source)
    : value_(value), path_(std::move(path)), source_(source) {
  if (!value_.is_object()) throw error("expected a table, got " + describe_json_type(value_));
}

Error ConfigObject::error(std::string_view key, const std::string& message) const {
  return Error(config_location(source_, config_path(path_, key)), message);
}

Error ConfigObject::error(const std::string& message) const { return Error(location(), message); }

bool ConfigObject::has(std::string_view key) const { return value_.contains(key); }

const nlohmann::json* ConfigObject::find(std::string_view key) {
  allowed_.emplace(key);
  auto it = value_.find(key);
  return it == value_.end() ? nullptr : &*it;
}

void ConfigObject::allow(std::initializer_list<std::string_view> keys) {
  for (auto k : keys) allowed_.emplace(k);
}

std::optional<double> ConfigObject::get_double(std::string_view key) {
  const auto* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) throw error(key, "expected a number, got " + describe_json_type(*v));
  const double d = v->get<double>();
  if (!std::isfinite(d)) throw error(key, "expected a finite number, got " + v->dump());
  return d;
}

double ConfigObject::get_double(std::string_view key, double fallback) { return get_double(key).value_or(fallback); }

std::optional<std::int64_t> ConfigObject::get_int(std::string_view key) {
  const auto* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer()) return v->get<std::int64_t>();
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      throw error(key, "integer " + v->dump() + " is too large");
    }
    return static_cast<std::int64_t>(u);
  }
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9.0e15) return static_cast<std::int64_t>(d);
  }
  throw error(key, "expected an integer, got " + describe_json_type(*v));
}

std::int64_t ConfigObject::get_int(std::string_view key, std::int64_t fallback) {
  return get_int(key).value_or(fallback);
}

std::size_t ConfigObject::get_size(std::string_view key, std::size_t fallback) {
  const auto v = get_int(key);
  if (!v) return fallback;
  if (*v < 0) throw error(key, "expected a non-negative integer, got " + std::to_string(*v));
  return static_cast<std::size_t>(*v);
}

std::optional<bool> ConfigObject::get_bool(std::string_view key) {
  const auto* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) throw error(key, "expected true or false, got " + describe_json_type(*v));
  return v->get<bool>();
}

bool ConfigObject::get_bool(std::string_view key, bool fallback) { return get_bool(key).value_or(fallback); }

std::optional<std::string> ConfigObject::get_string(std::string_view key) {
  const auto* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) throw error(key, "expected a string, got " + describe_json_type(*v));
  return v->get<std::string>();
}

std::string ConfigObject::get_string(std::string_view key, std::string_view fallback) {
  auto v = get_string(key);
  return v ? *v : std::string(fallback);
}

std::vector<std::string> ConfigObject::get_strings(std::string_view key) {
  const auto* v = find(key);
  if (v == nullptr) return {};
  if (v->is_string()) return {v->get<std::string>()};
  if (!v->is_array()) throw error(key, "expected a string or an array of strings, got " + describe_json_type(*v));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto& e = (*v)[i];
    if (!e.is_string()) {
      throw error(std::string(key) + "[" + std::to_string(i) + "]", "expected a string, got " + describe_json_type(e));
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::vector<double> ConfigObject::get_doubles(std::string_view key) {
  const auto* v = find(key);
  if (v == nullptr) return {};
  if (!v->is_array()) throw error(key, "expected an array of numbers, got " + describe_json_type(*v));
  std::vector<double> out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto& e = (*v)[i];
    if (!e.is_number() || !std::isfinite(e.get<double>())) {
      throw error(std::string(key) + "[" + std::to_string(i) + "]",
                  "expected a finite number, got " + describe_json_type(e));
    }
    out.push_back(e.get<double>());
  }
  return out;
}

std::vector<std::size_t> ConfigObject::get_sizes(std::string_view key) {
  const auto* v = find(key);
  if (v == nullptr) return {};
  if (!v->is_array()) throw error(key, "expected an array of integers, got " + describe_json_type(*v));
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto& e = (*v)[i];
    if (!e.is_number_integer() || e.get<std::int64_t>() < 0) {
      throw error(std::string(key) + "[" + std::to_string(i) + "]",
                  "expected a non-negative integer, got " + describe_json_type(e));
    }
    out.push_back(e.get<std::size_t>());
  }
  return out;
}

std::optional<ConfigObject> ConfigObject::get_object(std::string_view key) {
  const auto* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_object()) throw error(key, "expected a table, got " + describe_json_type(*v));
  return ConfigObject(*v, config_path(path_, key), source_);
}

std::vector<ConfigObject> ConfigObject::get_objects(std::string_view key) {
  const auto* v = find(key);
  if (v == nullptr) return {};
  if (!v->is_array()) throw error(key, "expected an array of tables, got " + describe_json_type(*v));
  std::vector<ConfigObject> out;
  const std::string base = config_path(path_, key);
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto& e = (*v)[i];
    if (!e.is_object()) {
      throw error(std::string(key) + "[" + std::to_string(i) + "]", "expected a table, got " + describe_json_type(e));
    }
    out.emplace_back(e, config_path(base, i), source_);
  }
  return out;
}

void ConfigObject::finish() const {
  for (const auto& [key, v] : value_.items()) {
    if (allowed_.contains(key)) continue;
    std::string list;
    for (const auto& a : allowed_) list += (list.empty() ? "" : ", ") + a;
    throw error(key, "unknown key '" + key + "'; allowed here: " + (list.empty() ? "none" : list));
  }
}

}  // namespace mlp
