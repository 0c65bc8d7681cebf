// SPDX-License-Identifier: MIT
#pragma once
// safetensors' private pieces shared by src/io/safetensors.cpp (encoding, files) and
// src/io/safetensors_decode.cpp (the header parsed and validated, tensors converted).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace mlp::safetensors_detail {

// ordered_json keeps the header's key order: the writer lists tensors in data order, and the reader
// uses the header order to break ties between empty tensors at the same offset.
using Json = nlohmann::ordered_json;
static_assert(sizeof(std::size_t) == sizeof(std::uint64_t), "offsets are 64-bit; so must sizes be");

inline constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
inline const std::string kMetadata = "__metadata__";

// A string as it appears in the header, escaped and cut short so that a forged 100 MB name cannot
// make a 100 MB message.
inline std::string quote_json(std::string_view s) {
  constexpr std::size_t kLimit = 120;
  std::string text = Json(std::string(s.substr(0, kLimit))).dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > kLimit) text.insert(text.size() - 1, "...");
  return text;
}

template <typename Int>
std::string shape_text(const std::vector<Int>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// The number of elements of `shape`; false if it does not fit in 64 bits. A zero dimension makes
// the count 0 whatever the others are.
template <typename Int>
bool element_count(const std::vector<Int>& shape, std::uint64_t& count) {
  count = 1;
  if (std::find(shape.begin(), shape.end(), Int{0}) != shape.end()) {
    count = 0;
    return true;
  }
  for (const Int d : shape) {
    if (count > kMax / d) return false;
    count *= d;
  }
  return true;
}

}  // namespace mlp::safetensors_detail
