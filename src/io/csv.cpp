// SPDX-License-Identifier: MIT
// read_csv / parse_csv: a file's columns chosen, its cells read as numbers or categories, x and y built.
#include "mlp/io/csv.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>

#include "csv_detail.hpp"
#include "mlp/error.hpp"
#include "mlp/strings.hpp"

namespace mlp {
namespace {

using csv_detail::at_line;
using csv_detail::check_encoding;
using csv_detail::contains;
using csv_detail::LabelIndex;
using csv_detail::learn_class_names;
using csv_detail::quote;
using csv_detail::quoted_list;
using csv_detail::Records;
using csv_detail::split_records;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open file (" + std::strerror(errno) + ")");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string at_cell(const std::string& path, std::size_t line, const std::string& column) {
  return path + ": line " + std::to_string(line) + ", column '" + column + "': ";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

bool is_missing(std::string_view field) {
  const std::string_view s = trim(field);
  return s.empty() || s == "?" || iequals(s, "na") || iequals(s, "n/a") || iequals(s, "nan");
}

// Where a cell is and what to suggest when it holds text; for the error messages.
struct CellContext {
  const std::string& path;
  std::size_t line;
  const std::string& column;
  const char* text_hint;  // appended when the cell is text rather than a malformed number
};

// A non-missing numeric cell, strictly: the whole field (spaces trimmed) must be one finite number
// that fits in Scalar.
double parse_number(std::string_view field, const CellContext& where) {
  std::string_view s = trim(field);
  if (s.size() > 1 && s.front() == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);  // from_chars refuses '+'
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  // Built by appending: `"'" + std::string(field)` trips GCC 12's false -Wrestrict positive.
  std::string quoted(1, '\'');
  quoted.append(field).push_back('\'');
  if (ec == std::errc::invalid_argument) {
    throw Error(at_cell(where.path, where.line, where.column) + quoted + " is not a number" + where.text_hint);
  }
  if (ec == std::errc::result_out_of_range ||
      (std::isfinite(value) && std::abs(value) > std::numeric_limits<Scalar>::max())) {
    throw Error(at_cell(where.path, where.line, where.column) + quoted + " is out of range");
  }
  if (end != s.data() + s.size()) {
    throw Error(at_cell(where.path, where.line, where.column) + quoted + " is not a number");
  }
  if (!std::isfinite(value)) {
    throw Error(at_cell(where.path, where.line, where.column) + quoted +
                " is not a finite number (write a missing value as an empty field, NA or ?)");
  }
  return value;
}

// numpy's median: the middle value, or the mean of the two middle values.
double median(std::vector<double> v) {
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

// The index of each named column; `what` says which option named it ("features", "targets"...).
std::vector<std::size_t> find_columns(const std::vector<std::string>& wanted, const std::vector<std::string>& header,
                                      const std::string& path, const char* what) {
  std::vector<std::size_t> out;
  for (const std::string& name : wanted) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      throw Error(path + ": no column '" + name + "' (named in " + what + "); the columns are: " + join(header));
    }
    const auto index = static_cast<std::size_t>(it - header.begin());
    if (std::find(out.begin(), out.end(), index) != out.end()) {
      throw Error(path + ": column '" + name + "' is named twice in " + what);
    }
    out.push_back(index);
  }
  return out;
}

// The feature columns' indices in the header, in x's order, from the options (learning) or from
// the encoding (applying it), with every check on how the options name columns.
std::vector<std::size_t> feature_columns(const CsvOptions& options, const std::vector<std::string>& header,
                                         const std::string& path) {
  std::vector<std::size_t> out;
  if (const std::optional<CsvEncoding>& given = options.encoding) {
    if (!options.features.empty() && options.features != given->features) {
      throw Error(path + ": CsvOptions::features (" + join(options.features) + ") differ from the encoding's (" +
                  join(given->features) + "); leave them empty to use the encoding's");
    }
    std::vector<std::string> categorical;
    for (const auto& [column, values] : given->categories) categorical.push_back(column);
    if (!options.categorical.empty() && std::set<std::string>(options.categorical.begin(), options.categorical.end()) !=
                                            std::set<std::string>(categorical.begin(), categorical.end())) {
      throw Error(path + ": CsvOptions::categorical (" + join(options.categorical) +
                  ") differs from the encoding's categorical columns (" + join(categorical) +
                  "); leave it empty to use the encoding's");
    }
    out = find_columns(given->features, header, path, "the encoding's features");
    for (const std::string& name : given->features) {
      if (contains(options.targets, name)) {
        throw Error(path + ": column '" + name + "' is named both as a feature (in the encoding) and as a target");
      }
    }
    return out;
  }
  if (options.features.empty()) {
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (!contains(options.targets, header[c])) out.push_back(c);
    }
  } else {
    out = find_columns(options.features, header, path, "features");
    for (const std::string& name : options.features) {
      if (contains(options.targets, name)) {
        throw Error(path + ": column '" + name + "' is named both as a feature and as a target");
      }
    }
  }
  for (const std::string& name : options.categorical) {
    find_columns({name}, header, path, "categorical");
    if (contains(options.targets, name)) {
      throw Error(path + ": column '" + name +
                  "' is a target and cannot be categorical (text labels need Task::kClassification)");
    }
    if (!options.features.empty() && !contains(options.features, name)) {
      throw Error(path + ": categorical column '" + name + "' is not among the features");
    }
  }
  return out;
}

}  // namespace

CsvDataset read_csv(const std::string& path, const CsvOptions& options) {
  if (options.delimiter == '"' || options.delimiter == '\n' || options.delimiter == '\r') {
    throw Error(path + ": the delimiter cannot be a quote or a line break");
  }
  return parse_csv(read_text(path), path, options);
}

CsvDataset parse_csv(std::string_view text, const std::string& path, const CsvOptions& options) {
  if (options.delimiter == '"' || options.delimiter == '\n' || options.delimiter == '\r') {
    throw Error(path + ": the delimiter cannot be a quote or a line break");
  }
  Records records = split_records(text, path, options.delimiter);
  if (records.rows.empty()) throw Error(path + ": empty file" + (options.header ? " (expected a header row)" : ""));

  // Column names, and the header row taken out of the data.
  std::vector<std::string> header;
  std::size_t first = 0;
  if (options.header) {
    header = records.rows[0];
    first = 1;
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (std::find(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(c), header[c]) !=
          header.begin() + static_cast<std::ptrdiff_t>(c)) {
        throw Error(at_line(path, records.lines[0]) + "column name '" + header[c] + "' appears twice in the header");
      }
    }
  } else {
    for (std::size_t c = 0; c < records.rows[0].size(); ++c) header.push_back(std::to_string(c + 1));
  }
  const std::size_t n = records.rows.size() - first;
  if (n == 0) throw Error(path + ": no data rows after the header");
  for (std::size_t r = first; r < records.rows.size(); ++r) {
    if (records.rows[r].size() != header.size()) {
      throw Error(at_line(path, records.lines[r]) + "has " + std::to_string(records.rows[r].size()) + " fields, " +
                  (options.header ? "the header has " : "the first row has ") + std::to_string(header.size()));
    }
  }

  // Which columns, in which role; with an encoding, what each may hold.
  const CsvEncoding* const given = options.encoding ? &*options.encoding : nullptr;
  if (given) check_encoding(*given, path + ": CsvOptions::encoding");
  const std::vector<std::size_t> target_cols = find_columns(options.targets, header, path, "targets");
  const std::vector<std::size_t> feature_cols = feature_columns(options, header, path);
  const bool classify = options.task == CsvOptions::Task::kClassification;
  if (classify && target_cols.empty() && !given) {
    throw Error(path + ": classification needs a target column (CsvOptions::targets)");
  }
  const bool multilabel = classify && target_cols.size() > 1;
  const bool single_label = classify && target_cols.size() == 1;
  std::optional<LabelIndex> given_labels;
  if (given && single_label) {
    if (given->class_names.empty()) {
      throw Error(path +
                  ": CsvOptions::encoding has no class names (it was not learned for classification "
                  "with one target)");
    }
    given_labels.emplace(given->class_names);
  }
  if (given && multilabel && given->class_names != options.targets) {
    throw Error(path + ": the targets (" + join(options.targets) + ") differ from the encoding's class names (" +
                join(given->class_names) + ")");
  }
  std::vector<bool> is_categorical(feature_cols.size());
  std::vector<std::vector<std::string>> categories(feature_cols.size());  // one-hot order
  std::vector<std::set<std::string>> known(feature_cols.size());          // the encoding's categories
  for (std::size_t f = 0; f < feature_cols.size(); ++f) {
    const std::string& column = header[feature_cols[f]];
    if (!given) {
      is_categorical[f] = contains(options.categorical, column);
    } else if (const auto it = given->categories.find(column); it != given->categories.end()) {
      is_categorical[f] = true;
      categories[f] = it->second;
      known[f].insert(it->second.begin(), it->second.end());
    }
  }

  // Read every selected cell, row by row, so that the first error reported is the first in the file.
  constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();  // only ever set by is_missing
  std::vector<std::vector<double>> numbers(feature_cols.size());         // numbers[f][r], NaN = missing
  std::vector<std::vector<std::string>> texts(feature_cols.size());      // categorical cells
  std::vector<std::vector<double>> target_numbers(target_cols.size());
  std::vector<std::string> labels;
  const char* const feature_hint = "; if the column holds categories, list it in CsvOptions::categorical";
  const char* const target_hint = "; for text labels use CsvOptions::Task::kClassification";
  for (std::size_t r = 0; r < n; ++r) {
    const std::vector<std::string>& row = records.rows[first + r];
    const std::size_t line = records.lines[first + r];
    for (std::size_t f = 0; f < feature_cols.size(); ++f) {
      const std::string& cell = row[feature_cols[f]];
      const std::string& column = header[feature_cols[f]];
      if (is_missing(cell)) {
        if (is_categorical[f]) {
          throw Error(at_cell(path, line, column) + "missing value (categorical columns are never imputed)");
        }
        if (options.impute == CsvOptions::Impute::kNone) {
          throw Error(at_cell(path, line, column) +
                      "missing value (to fill it with the column mean or median: impute = \"mean\" or \"median\" in "
                      "[data], CsvOptions::impute in C++)");
        }
        if (given && !given->fill_values.contains(column)) {
          throw Error(at_cell(path, line, column) +
                      "missing value, and CsvOptions::encoding has no fill value for this column (it was "
                      "learned with CsvOptions::impute = kNone)");
        }
        numbers[f].push_back(kMissing);
      } else if (is_categorical[f]) {
        if (given && !known[f].contains(cell)) {
          throw Error(at_cell(path, line, column) + quote(cell) +
                      " is not one of the encoding's categories for this column: " + quoted_list(categories[f]));
        }
        texts[f].push_back(cell);
      } else {
        numbers[f].push_back(parse_number(cell, {path, line, column, feature_hint}));
      }
    }
    for (std::size_t t = 0; t < target_cols.size(); ++t) {
      const std::string& cell = row[target_cols[t]];
      const std::string& column = header[target_cols[t]];
      if (is_missing(cell)) throw Error(at_cell(path, line, column) + "missing target value");
      if (single_label) {
        std::string label(trim(cell));
        if (given_labels && !given_labels->find(label)) {
          throw Error(at_cell(path, line, column) + "label " + quote(label) +
                      " is not one of the encoding's classes: " + quoted_list(given->class_names));
        }
        labels.push_back(std::move(label));
        continue;
      }
      const double v = parse_number(cell, {path, line, column, multilabel ? "" : target_hint});
      if (multilabel && v != 0 && v != 1) {
        throw Error(at_cell(path, line, column) + "multilabel target '" + cell + "' is not 0 or 1");
      }
      target_numbers[t].push_back(v);
    }
  }

  // x: numeric columns as read (missing ones imputed), categorical ones expanded to one-hot. Without
  // an encoding, what is learned here goes into out.encoding.
  CsvDataset out;
  for (std::size_t f = 0; f < feature_cols.size(); ++f) {
    const std::string& column = header[feature_cols[f]];
    if (!given) out.encoding.features.push_back(column);
    if (is_categorical[f]) {
      if (!given) {
        const std::set<std::string> sorted(texts[f].begin(), texts[f].end());
        categories[f].assign(sorted.begin(), sorted.end());
        out.encoding.categories[column] = categories[f];
      }
      for (const std::string& value : categories[f]) out.feature_names.push_back(column + "=" + value);
      continue;
    }
    out.feature_names.push_back(column);
    if (options.impute == CsvOptions::Impute::kNone) continue;  // nothing is missing: the loop made sure
    double fill = 0;
    if (given) {
      const auto it = given->fill_values.find(column);
      if (it == given->fill_values.end()) continue;  // nothing is missing: the loop made sure
      fill = it->second;
    } else {
      // Learned for every numeric column, even one with nothing missing: a later file may miss values there.
      std::vector<double> present;
      for (double v : numbers[f]) {
        if (!std::isnan(v)) present.push_back(v);
      }
      if (present.empty()) {
        throw Error(path + ": column '" + column + "': every value is missing, nothing to impute from");
      }
      if (options.impute == CsvOptions::Impute::kMedian) {
        fill = median(present);
      } else {
        for (double v : present) fill += v;
        fill /= static_cast<double>(present.size());
      }
      out.encoding.fill_values[column] = fill;
    }
    for (double& v : numbers[f]) {
      if (std::isnan(v)) v = fill;
    }
  }
  out.x = Matrix(n, out.feature_names.size());
  std::size_t col = 0;
  for (std::size_t f = 0; f < feature_cols.size(); ++f) {
    if (is_categorical[f]) {
      std::map<std::string, std::size_t> position;
      for (std::size_t i = 0; i < categories[f].size(); ++i) position.emplace(categories[f][i], i);
      for (std::size_t r = 0; r < n; ++r) out.x(r, col + position.at(texts[f][r])) = 1;
      col += categories[f].size();
    } else {
      for (std::size_t r = 0; r < n; ++r) out.x(r, col) = static_cast<Scalar>(numbers[f][r]);
      ++col;
    }
  }

  // y.
  for (std::size_t c : target_cols) out.target_names.push_back(header[c]);
  if (single_label) {
    out.class_names = given ? given->class_names : learn_class_names(labels);
    const LabelIndex index(out.class_names);
    out.y = Matrix(n, out.class_names.size());
    for (std::size_t r = 0; r < n; ++r) out.y(r, index.find(labels[r]).value()) = 1;
  } else {
    if (multilabel) out.class_names = out.target_names;
    if (classify && target_cols.empty()) out.class_names = given->class_names;  // data to predict on
    out.y = Matrix(n, target_cols.size());
    for (std::size_t t = 0; t < target_cols.size(); ++t) {
      for (std::size_t r = 0; r < n; ++r) out.y(r, t) = static_cast<Scalar>(target_numbers[t][r]);
    }
  }
  if (given) {
    out.encoding = *given;
  } else {
    out.encoding.class_names = out.class_names;
  }
  return out;
}

}  // namespace mlp
