// SPDX-License-Identifier: MIT
// RFC 4180 fields: a CSV text split into records of fields (split_records), and one field written (csv_field).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "csv_detail.hpp"
#include "mlp/error.hpp"
#include "mlp/io/csv.hpp"

namespace mlp {
namespace csv_detail {

Records split_records(std::string_view text, const std::string& path, char delimiter) {
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

}  // namespace csv_detail

std::string csv_field(std::string_view field, char separator) {
  const char special[] = {separator, '"', '\r', '\n'};
  if (field.find_first_of(std::string_view(special, sizeof special)) == std::string_view::npos) {
    return std::string(field);
  }
  std::string out(1, '"');
  for (char c : field) {
    if (c == '"') out += '"';  // "" is a literal quote
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace mlp
