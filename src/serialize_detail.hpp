// SPDX-License-Identifier: MIT
#pragma once
// Private helpers of serialize.cpp and serialize_compile.cpp.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/strings.hpp"

namespace mlp::serialize_detail {

inline std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// The known name that equals `name` ignoring case, or "" (Keras' class names: "dense" finds "Dense").
inline std::string find_type(const std::vector<std::string>& known, std::string_view name) {
  for (const auto& k : known) {
    if (lower(k) == lower(name)) return k;
  }
  return {};
}

}  // namespace mlp::serialize_detail
