// SPDX-License-Identifier: MIT
#pragma once
// Strict reading of configuration objects (a TOML config converted to JSON, or the JSON metadata
// of a model file). Every getter names the key it reads; finish() then refuses any key that no
// getter asked for, so a typo ("unit = 256") is an error that lists the allowed keys instead of a
// setting silently ignored. Errors name the place: "config.toml:14: model.layers[2].units: ...".
//
//   ConfigObject layer(json, "model.layers[2]", &source);
//   auto units = layer.get_size("units", 0);
//   auto act = layer.get_string("activation", "linear");
//   layer.finish();  // Error: "...: unknown key 'unit'; allowed: activation, units"
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mlp/error.hpp"

namespace mlp {

/// Where each value of a document came from: its file and the line of each dotted path
/// ("model.layers[2].units"). Empty for documents that are not files a person wrote.
struct SourceMap {
  std::string file;
  std::map<std::string, int> lines;
  /// The line of the path, or of its nearest parent that has one; 0 when none has.
  int line_of(const std::string& path) const;
  /// "file:line: " for the path (or its nearest parent that has a line), "file: " without one.
  std::string locate(const std::string& path) const;
};

/// The location of `path` in `source` (which may be null: no file, no line), for
/// Error(location, message); `detail` is shown in parentheses after the path.
ErrorLocation config_location(const SourceMap* source, const std::string& path, std::string detail = {});

/// Joins a parent path and a key: ("model", "layers") → "model.layers"; ("", "fit") → "fit".
std::string config_path(const std::string& parent, std::string_view key);
/// ("model.layers", 2) → "model.layers[2]".
std::string config_path(const std::string& parent, std::size_t index);

class ConfigObject {
 public:
  /// Throws Error when `value` is not an object. `source` may be null; it must outlive this.
  ConfigObject(const nlohmann::json& value, std::string path, const SourceMap* source = nullptr);

  const std::string& path() const { return path_; }
  const SourceMap* source() const { return source_; }
  bool has(std::string_view key) const;
  /// The raw value or null when absent; marks the key as allowed.
  const nlohmann::json* find(std::string_view key);
  /// Marks keys as allowed without reading them.
  void allow(std::initializer_list<std::string_view> keys);

  std::optional<double> get_double(std::string_view key);
  double get_double(std::string_view key, double fallback);
  std::optional<std::int64_t> get_int(std::string_view key);
  std::int64_t get_int(std::string_view key, std::int64_t fallback);
  /// A non-negative integer.
  std::size_t get_size(std::string_view key, std::size_t fallback);
  std::optional<bool> get_bool(std::string_view key);
  bool get_bool(std::string_view key, bool fallback);
  std::optional<std::string> get_string(std::string_view key);
  std::string get_string(std::string_view key, std::string_view fallback);
  /// A string, or an array of strings (a single string becomes a list of one).
  std::vector<std::string> get_strings(std::string_view key);
  std::vector<double> get_doubles(std::string_view key);
  std::vector<std::size_t> get_sizes(std::string_view key);
  /// A nested object (throws when present and not an object); nullopt when absent.
  std::optional<ConfigObject> get_object(std::string_view key);
  /// An array of objects ([[model.layers]] in TOML); empty when absent.
  std::vector<ConfigObject> get_objects(std::string_view key);

  /// Throws Error for the first key no getter asked for, listing the allowed keys.
  void finish() const;
  /// An Error about `key` of this object: "<file:line: >path.key: message".
  Error error(std::string_view key, const std::string& message) const;
  /// An Error about this object as a whole.
  Error error(const std::string& message) const;
  /// Where this object is, for Error(location, message) and rethrow_at: "<file:line: >path (detail): ".
  ErrorLocation location(std::string detail = {}) const { return config_location(source_, path_, std::move(detail)); }

 private:
  const nlohmann::json& value_;
  std::string path_;
  const SourceMap* source_;
  std::set<std::string, std::less<>> allowed_;
};

/// The JSON type of a value for error messages: "a string", "an integer", "a table", ...
std::string describe_json_type(const nlohmann::json& value);

}  // namespace mlp
