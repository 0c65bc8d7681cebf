// SPDX-License-Identifier: MIT
#pragma once
// Small string helpers shared by the library and the command line (error messages list names).
#include <string>
#include <string_view>
#include <vector>

namespace mlp {

/// The names separated by `separator`: join({"a", "b", "c"}) == "a, b, c"; "" for none.
inline std::string join(const std::vector<std::string>& names, std::string_view separator = ", ") {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += separator;
    out += names[i];
  }
  return out;
}

}  // namespace mlp
