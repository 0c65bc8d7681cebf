// SPDX-License-Identifier: MIT
#pragma once
// CSV's private pieces shared by src/io/csv.cpp (read_csv, parse_csv), src/io/csv_fields.cpp (RFC 4180
// records and fields) and src/io/csv_encoding.cpp (class names, checking and JSON of a CsvEncoding).
#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/io/csv.hpp"

namespace mlp::csv_detail {

// The file split into fields, before any column is interpreted.
struct Records {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> lines;  // lines[r]: the 1-based line rows[r] starts on
};

// RFC 4180 splitting (csv_fields.cpp). A line end is LF, CRLF or a lone CR; inside quotes it is kept in
// the field (and still counted, so later line numbers match what an editor shows).
Records split_records(std::string_view text, const std::string& path, char delimiter);

inline std::string at_line(const std::string& path, std::size_t line) {
  return path + ": line " + std::to_string(line) + ": ";
}

inline bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Built by appending: `"'" + std::string(s)` trips GCC 12's false -Wrestrict positive.
inline std::string quote(std::string_view s) {
  std::string out(1, '\'');
  out.append(s).push_back('\'');
  return out;
}

// 'a', 'b', 'c' for an error message; long lists are cut after 20 values.
inline std::string quoted_list(const std::vector<std::string>& values) {
  constexpr std::size_t kShown = 20;
  std::string out;
  for (std::size_t i = 0; i < values.size() && i < kShown; ++i) out += (i > 0 ? ", " : "") + quote(values[i]);
  if (values.size() > kShown) out += ", ... (" + std::to_string(values.size() - kShown) + " more)";
  return out;
}

// ---- csv_encoding.cpp ---------------------------------------------------------------------------

// The class names a training file's labels give: integers in numeric order, written in decimal,
// when every label is an integer; otherwise the texts in byte order.
std::vector<std::string> learn_class_names(const std::vector<std::string>& labels);

// Class label -> class index. When every class name is an integer as learn_class_names writes it,
// a label matches by value ("07" is class "7", as it was when learning); otherwise byte for byte.
class LabelIndex {
 public:
  explicit LabelIndex(const std::vector<std::string>& class_names);
  std::optional<std::size_t> find(const std::string& label) const;

 private:
  bool integers_ = true;
  std::map<long long, std::size_t> by_value_;
  std::map<std::string, std::size_t> by_text_;
};

// An encoding must be usable as it stands: `where` starts each message ("<path>: CsvOptions::encoding").
void check_encoding(const CsvEncoding& encoding, const std::string& where);

}  // namespace mlp::csv_detail
