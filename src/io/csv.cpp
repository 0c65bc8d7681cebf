// SPDX-License-Identifier: MIT
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
#include <set>
#include <string_view>
#include <system_error>

#include "mlp/error.hpp"

namespace mlp {
namespace {

// The file split into fields, before any column is interpreted.
struct Records {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> lines;  // lines[r]: the 1-based line rows[r] starts on
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open file (" + std::strerror(errno) + ")");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string at_line(const std::string& path, std::size_t line) {
  return path + ": line " + std::to_string(line) + ": ";
}

std::string at_cell(const std::string& path, std::size_t line, const std::string& column) {
  return path + ": line " + std::to_string(line) + ", column '" + column + "': ";
}

// RFC 4180 splitting. A line end is LF, CRLF or a lone CR; inside quotes it is kept in the field
// (and still counted, so later line numbers match what an editor shows).
Records split_records(const std::string& text, const std::string& path, char delimiter) {
  Records out;
  const std::size_t n = text.size();
  std::size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // UTF-8 byte-order mark
  std::size_t line = 1;
  auto at_line_end = [&](std::size_t k) { return text[k] == '\n' || text[k] == '\r'; };
  // Steps over one line end at i (CRLF counts once).
  auto skip_line_end = [&] {
    i += (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ? 2 : 1;
    ++line;
  };
  while (i < n) {
    const std::size_t record_line = line;
    std::vector<std::string> fields;
    bool quoted_any = false;
    for (;;) {
      std::string field;
      if (i < n && text[i] == '"') {
        quoted_any = true;
        const std::size_t quote_line = line;
        ++i;
        for (;;) {
          if (i >= n) {
            throw Error(at_line(path, quote_line) + "unterminated quoted field (the closing \" is missing)");
          }
          if (text[i] == '"') {
            if (i + 1 < n && text[i + 1] == '"') {  // "" is a literal quote
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n' || (text[i] == '\r' && !(i + 1 < n && text[i + 1] == '\n'))) ++line;
          field += text[i++];
        }
        if (i < n && text[i] != delimiter && !at_line_end(i)) {
          throw Error(at_line(path, line) + "unexpected character '" + std::string(1, text[i]) +
                      "' after a closing quote (a quote inside a quoted field is written \"\")");
        }
      } else {
        while (i < n && text[i] != delimiter && !at_line_end(i)) {
          if (text[i] == '"') {
            throw Error(at_line(path, line) +
                        "quote inside an unquoted field (quote the whole field and double the quote: \"a\"\"b\")");
          }
          field += text[i++];
        }
      }
      fields.push_back(std::move(field));
      if (i < n && text[i] == delimiter) {
        ++i;
        continue;
      }
      if (i < n) skip_line_end();
      break;
    }
    if (fields.size() == 1 && fields[0].empty() && !quoted_any) continue;  // blank line
    out.rows.push_back(std::move(fields));
    out.lines.push_back(record_line);
  }
  return out;
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
  if (ec == std::errc::result_out_of_range || (std::isfinite(value) && std::abs(value) > std::numeric_limits<Scalar>::max())) {
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

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
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

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Text class labels to indices: integer labels in numeric order, otherwise text in byte order.
std::vector<std::size_t> label_indices(const std::vector<std::string>& labels, std::vector<std::string>& class_names) {
  std::vector<long long> integers;
  integers.reserve(labels.size());
  for (const std::string& label : labels) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(label.data(), label.data() + label.size(), v);
    if (ec != std::errc() || end != label.data() + label.size()) {
      integers.clear();
      break;
    }
    integers.push_back(v);
  }
  std::vector<std::size_t> indices(labels.size());
  if (integers.size() == labels.size()) {
    const std::set<long long> sorted(integers.begin(), integers.end());
    std::map<long long, std::size_t> index;
    for (long long v : sorted) {
      index.emplace(v, class_names.size());
      class_names.push_back(std::to_string(v));
    }
    for (std::size_t r = 0; r < labels.size(); ++r) indices[r] = index.at(integers[r]);
  } else {
    const std::set<std::string> sorted(labels.begin(), labels.end());
    std::map<std::string, std::size_t> index;
    for (const std::string& v : sorted) {
      index.emplace(v, class_names.size());
      class_names.push_back(v);
    }
    for (std::size_t r = 0; r < labels.size(); ++r) indices[r] = index.at(labels[r]);
  }
  return indices;
}

}  // namespace

CsvDataset read_csv(const std::string& path, const CsvOptions& options) {
  if (options.delimiter == '"' || options.delimiter == '\n' || options.delimiter == '\r') {
    throw Error(path + ": the delimiter cannot be a quote or a line break");
  }
  Records records = split_records(read_text(path), path, options.delimiter);
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

  // Which columns, in which role.
  const std::vector<std::size_t> target_cols = find_columns(options.targets, header, path, "targets");
  std::vector<std::size_t> feature_cols;
  if (options.features.empty()) {
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (!contains(options.targets, header[c])) feature_cols.push_back(c);
    }
  } else {
    feature_cols = find_columns(options.features, header, path, "features");
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
  const bool classify = options.task == CsvOptions::Task::kClassification;
  if (classify && target_cols.empty()) throw Error(path + ": classification needs a target column (CsvOptions::targets)");
  const bool multilabel = classify && target_cols.size() > 1;
  const bool single_label = classify && target_cols.size() == 1;

  // Read every selected cell, row by row, so that the first error reported is the first in the file.
  std::vector<bool> is_categorical(feature_cols.size());
  for (std::size_t f = 0; f < feature_cols.size(); ++f) {
    is_categorical[f] = contains(options.categorical, header[feature_cols[f]]);
  }
  constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();  // only ever set by is_missing
  std::vector<std::vector<double>> numbers(feature_cols.size());  // numbers[f][r], NaN = missing
  std::vector<std::vector<std::string>> texts(feature_cols.size());  // categorical cells
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
                      "missing value (set CsvOptions::impute to fill it with the column mean or median)");
        }
        numbers[f].push_back(kMissing);
      } else if (is_categorical[f]) {
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
        labels.emplace_back(trim(cell));
        continue;
      }
      const double v = parse_number(cell, {path, line, column, multilabel ? "" : target_hint});
      if (multilabel && v != 0 && v != 1) {
        throw Error(at_cell(path, line, column) + "multilabel target '" + cell + "' is not 0 or 1");
      }
      target_numbers[t].push_back(v);
    }
  }

  // x: numeric columns as read (missing ones imputed), categorical ones expanded to one-hot.
  CsvDataset out;
  std::vector<std::vector<std::string>> categories(feature_cols.size());
  for (std::size_t f = 0; f < feature_cols.size(); ++f) {
    const std::string& column = header[feature_cols[f]];
    if (is_categorical[f]) {
      const std::set<std::string> sorted(texts[f].begin(), texts[f].end());
      categories[f].assign(sorted.begin(), sorted.end());
      for (const std::string& value : categories[f]) out.feature_names.push_back(column + "=" + value);
      continue;
    }
    out.feature_names.push_back(column);
    std::vector<double> present;
    for (double v : numbers[f]) {
      if (!std::isnan(v)) present.push_back(v);
    }
    if (present.size() == n) continue;
    if (present.empty()) throw Error(path + ": column '" + column + "': every value is missing, nothing to impute from");
    double fill = 0;
    if (options.impute == CsvOptions::Impute::kMedian) {
      fill = median(present);
    } else {
      for (double v : present) fill += v;
      fill /= static_cast<double>(present.size());
    }
    for (double& v : numbers[f]) {
      if (std::isnan(v)) v = fill;
    }
  }
  out.x = Matrix(n, out.feature_names.size());
  std::size_t col = 0;
  for (std::size_t f = 0; f < feature_cols.size(); ++f) {
    if (is_categorical[f]) {
      for (std::size_t r = 0; r < n; ++r) {
        const auto it = std::lower_bound(categories[f].begin(), categories[f].end(), texts[f][r]);
        out.x(r, col + static_cast<std::size_t>(it - categories[f].begin())) = 1;
      }
      col += categories[f].size();
    } else {
      for (std::size_t r = 0; r < n; ++r) out.x(r, col) = static_cast<Scalar>(numbers[f][r]);
      ++col;
    }
  }

  // y.
  for (std::size_t c : target_cols) out.target_names.push_back(header[c]);
  if (single_label) {
    const std::vector<std::size_t> indices = label_indices(labels, out.class_names);
    out.y = Matrix(n, out.class_names.size());
    for (std::size_t r = 0; r < n; ++r) out.y(r, indices[r]) = 1;
  } else {
    if (multilabel) out.class_names = out.target_names;
    out.y = Matrix(n, target_cols.size());
    for (std::size_t t = 0; t < target_cols.size(); ++t) {
      for (std::size_t r = 0; r < n; ++r) out.y(r, t) = static_cast<Scalar>(target_numbers[t][r]);
    }
  }
  return out;
}

}  // namespace mlp
