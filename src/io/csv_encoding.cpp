// SPDX-License-Identifier: MIT
// CsvEncoding: class names learned from labels and matched back (LabelIndex), its consistency check, its JSON.
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "csv_detail.hpp"
#include "mlp/error.hpp"
#include "mlp/io/csv.hpp"
#include "mlp/strings.hpp"

namespace mlp {
namespace csv_detail {
namespace {

// A whole label as a decimal integer, as std::from_chars reads it.
std::optional<long long> parse_integer(std::string_view s) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// "a string", "an array", "null": what a JSON value is, for an error message.
std::string a_type(const nlohmann::json& value) {
  if (value.is_null()) return "null";
  const std::string name = value.type_name();
  return (value.is_array() || value.is_object() ? "an " : "a ") + name;
}

}  // namespace

std::vector<std::string> learn_class_names(const std::vector<std::string>& labels) {
  std::set<long long> integers;
  for (const std::string& label : labels) {
    const std::optional<long long> v = parse_integer(label);
    if (!v) {
      const std::set<std::string> texts(labels.begin(), labels.end());
      return {texts.begin(), texts.end()};
    }
    integers.insert(*v);
  }
  std::vector<std::string> names;
  for (long long v : integers) names.push_back(std::to_string(v));
  return names;
}

LabelIndex::LabelIndex(const std::vector<std::string>& class_names) {
  for (std::size_t i = 0; i < class_names.size(); ++i) {
    const std::optional<long long> v = parse_integer(class_names[i]);
    if (!v || std::to_string(*v) != class_names[i]) {
      integers_ = false;
      break;
    }
    by_value_.emplace(*v, i);
  }
  if (!integers_) {
    by_value_.clear();
    for (std::size_t i = 0; i < class_names.size(); ++i) by_text_.emplace(class_names[i], i);
  }
}

std::optional<std::size_t> LabelIndex::find(const std::string& label) const {
  if (integers_) {
    const std::optional<long long> v = parse_integer(label);
    const auto it = v ? by_value_.find(*v) : by_value_.end();
    if (it == by_value_.end()) return std::nullopt;
    return it->second;
  }
  const auto it = by_text_.find(label);
  if (it == by_text_.end()) return std::nullopt;
  return it->second;
}

void check_encoding(const CsvEncoding& encoding, const std::string& where) {
  const auto no_duplicates = [&](const std::vector<std::string>& names, const std::string& key) {
    std::set<std::string> seen;
    for (const std::string& name : names) {
      if (!seen.insert(name).second) throw Error(where + ": " + quote(key) + " names " + quote(name) + " twice");
    }
  };
  no_duplicates(encoding.features, "features");
  for (const auto& [column, values] : encoding.categories) {
    if (!contains(encoding.features, column)) {
      throw Error(where + ": 'categories' names column " + quote(column) + ", which is not in 'features'");
    }
    if (values.empty()) throw Error(where + ": " + quote("categories." + column) + " is empty");
    no_duplicates(values, "categories." + column);
  }
  for (const auto& [column, value] : encoding.fill_values) {
    if (!contains(encoding.features, column)) {
      throw Error(where + ": 'fill_values' names column " + quote(column) + ", which is not in 'features'");
    }
    if (encoding.categories.contains(column)) {
      throw Error(where + ": 'fill_values' names column " + quote(column) +
                  ", which is categorical (categorical columns are never imputed)");
    }
    if (!std::isfinite(value) || std::abs(value) > std::numeric_limits<Scalar>::max()) {
      throw Error(where + ": " + quote("fill_values." + column) + " is not a finite number in Scalar's range");
    }
  }
  no_duplicates(encoding.class_names, "class_names");
}

}  // namespace csv_detail

using csv_detail::a_type;
using csv_detail::check_encoding;
using csv_detail::contains;
using csv_detail::quote;

nlohmann::json to_json(const CsvEncoding& encoding) {
  nlohmann::json categories = nlohmann::json::object();
  for (const auto& [column, values] : encoding.categories) categories[column] = values;
  nlohmann::json fill_values = nlohmann::json::object();
  for (const auto& [column, value] : encoding.fill_values) fill_values[column] = value;
  nlohmann::json out = nlohmann::json::object();
  out["features"] = encoding.features;
  out["categories"] = std::move(categories);
  out["fill_values"] = std::move(fill_values);
  out["class_names"] = encoding.class_names;
  return out;
}

CsvEncoding csv_encoding_from_json(const nlohmann::json& json, const std::string& source) {
  const std::string where = source + ": CSV encoding";
  const auto expect = [&](const nlohmann::json& value, bool ok, const std::string& key, const char* what) {
    if (!ok) throw Error(where + ": " + quote(key) + " must be " + what + ", not " + a_type(value));
  };
  const auto strings = [&](const nlohmann::json& value, const std::string& key) {
    expect(value, value.is_array(), key, "an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < value.size(); ++i) {
      expect(value[i], value[i].is_string(), key + "[" + std::to_string(i) + "]", "a string");
      out.push_back(value[i].get<std::string>());
    }
    return out;
  };
  if (!json.is_object()) throw Error(where + ": expected a JSON object, not " + a_type(json));
  const std::vector<std::string> keys = {"features", "categories", "fill_values", "class_names"};
  for (const auto& item : json.items()) {
    if (!contains(keys, item.key())) {
      throw Error(where + ": unknown key " + quote(item.key()) + " (the keys are " + join(keys) + ")");
    }
  }
  for (const std::string& key : keys) {
    if (!json.contains(key)) throw Error(where + ": missing key " + quote(key));
  }
  CsvEncoding out;
  out.features = strings(json.at("features"), "features");
  const nlohmann::json& categories = json.at("categories");
  expect(categories, categories.is_object(), "categories", "an object (column: array of strings)");
  for (const auto& item : categories.items()) {
    out.categories[item.key()] = strings(item.value(), "categories." + item.key());
  }
  const nlohmann::json& fill_values = json.at("fill_values");
  expect(fill_values, fill_values.is_object(), "fill_values", "an object (column: number)");
  for (const auto& item : fill_values.items()) {
    expect(item.value(), item.value().is_number(), "fill_values." + item.key(), "a number");
    out.fill_values[item.key()] = item.value().get<double>();
  }
  out.class_names = strings(json.at("class_names"), "class_names");
  check_encoding(out, where);
  return out;
}

}  // namespace mlp
