// SPDX-License-Identifier: MIT
#pragma once
// Private helper of the name tables (src/registry/): names are matched ignoring case.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace mlp::serialize_detail {

inline std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace mlp::serialize_detail
