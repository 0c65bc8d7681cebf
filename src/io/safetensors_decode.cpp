// SPDX-License-Identifier: MIT
// decode_safetensors: the header parsed and checked against forged files, each tensor converted to float.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mlp/error.hpp"
#include "mlp/io/safetensors.hpp"
#include "safetensors_detail.hpp"

namespace mlp {
namespace {

using safetensors_detail::element_count;
using safetensors_detail::Json;
using safetensors_detail::kMax;
using safetensors_detail::kMetadata;
using safetensors_detail::quote_json;
using safetensors_detail::shape_text;

constexpr std::uint64_t kMaxHeader = 100'000'000;  // the specification's limit against huge JSON
constexpr int kMaxDepth = 8;                       // a valid header nests 3 deep ({ { [ )

enum class DType { kF32, kF64, kF16, kBF16 };
struct DTypeInfo {
  std::string_view name;
  DType dtype;
  std::uint64_t size;
};
constexpr DTypeInfo kReadable[] = {
    {"F32", DType::kF32, 4}, {"F64", DType::kF64, 8}, {"F16", DType::kF16, 2}, {"BF16", DType::kBF16, 2}};
// The specification's other dtypes: named as "not supported" rather than "unknown".
constexpr std::string_view kOtherDTypes[] = {"BOOL", "U8",  "I8",  "I16",     "U16",    "I32",
                                             "U32",  "I64", "U64", "F8_E5M2", "F8_E4M3"};

std::string brief(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 60) + "...";
  return text;
}

std::string a_json(const Json& value) { return std::string("a JSON ") + value.type_name(); }

std::string range_text(std::uint64_t begin, std::uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

// A JSON value as a non-negative integer, if it is one.
bool as_count(const Json& value, std::uint64_t& out) {
  if (value.is_number_unsigned()) {
    out = value.get<std::uint64_t>();
    return true;
  }
  if (value.is_number_integer() && value.get<std::int64_t>() == 0) {  // "-0"
    out = 0;
    return true;
  }
  return false;
}

struct Entry {
  std::string name;
  DType dtype;
  std::string_view dtype_name;
  std::vector<std::uint64_t> shape;
  std::uint64_t count;
  std::uint64_t begin, end;
};

// Parses the header, refusing duplicate keys at any level (the JSON library would keep the last)
// and nesting deeper than any valid header needs.
Json parse_header(std::span<const std::uint8_t> header, const std::string& bad) {
  std::vector<std::set<std::string>> open_objects;
  std::string entry;  // the top-level key being parsed
  auto check = [&](int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (depth >= kMaxDepth)
          throw Error(bad + "the header nests deeper than " + std::to_string(kMaxDepth) + " levels");
        if (event == Json::parse_event_t::object_start) open_objects.emplace_back();
        break;
      case Json::parse_event_t::object_end: open_objects.pop_back(); break;
      case Json::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        if (!open_objects.back().insert(key).second) {
          if (depth == 1) throw Error(bad + "the header lists " + quote_json(key) + " twice");
          throw Error(bad + "the header's entry " + quote_json(entry) + " has the key " + quote_json(key) + " twice");
        }
        if (depth == 1) entry = key;
        break;
      }
      default: break;
    }
    return true;
  };
  const char* first = reinterpret_cast<const char*>(header.data());
  try {
    return Json::parse(first, first + header.size(), check);
  } catch (const Json::parse_error& e) {
    std::string what = e.what();  // "[json.exception.parse_error.101] parse error at ..."
    if (const std::size_t cut = what.find("] "); cut != std::string::npos) what.erase(0, cut + 2);
    throw Error(bad + "the header is not valid JSON (" + what + ")");
  }
}

void parse_metadata(const Json& value, const std::string& source, std::map<std::string, std::string>& metadata) {
  if (!value.is_object()) {
    throw Error(source + ": \"__metadata__\" is " + a_json(value) + ", not an object of strings");
  }
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string()) {
      throw Error(source + ": \"__metadata__\" value of " + quote_json(key) + " is " + a_json(v) + ", not a string");
    }
    metadata[key] = v.get<std::string>();
  }
}

Entry parse_entry(const std::string& name, const Json& value, const std::string& source, std::uint64_t data_size) {
  const std::string at = source + ": tensor " + quote_json(name) + ": ";
  if (!value.is_object()) throw Error(at + "the entry is " + a_json(value) + ", not an object");
  for (const auto& [field, v] : value.items()) {
    if (field != "dtype" && field != "shape" && field != "data_offsets")
      throw Error(at + "unknown field " + quote_json(field));
  }
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(field)) throw Error(at + "missing \"" + field + "\"");
  }
  Entry e{.name = name};

  const Json& dtype = value["dtype"];
  if (!dtype.is_string()) throw Error(at + "\"dtype\" is " + a_json(dtype) + ", not a string");
  const std::string& dtype_name = dtype.get_ref<const std::string&>();
  const auto info = std::find_if(std::begin(kReadable), std::end(kReadable),
                                 [&](const DTypeInfo& d) { return d.name == dtype_name; });
  if (info == std::end(kReadable)) {
    if (std::find(std::begin(kOtherDTypes), std::end(kOtherDTypes), dtype_name) != std::end(kOtherDTypes)) {
      throw Error(at + "dtype " + dtype_name + " is not supported (only F32, F64, F16 and BF16)");
    }
    throw Error(at + "unknown dtype " + quote_json(dtype_name));
  }
  e.dtype = info->dtype;
  e.dtype_name = info->name;

  const Json& shape = value["shape"];
  if (!shape.is_array()) throw Error(at + "\"shape\" is " + a_json(shape) + ", not an array");
  for (std::size_t i = 0; i < shape.size(); ++i) {
    std::uint64_t d = 0;
    if (!as_count(shape[i], d)) {
      throw Error(at + "shape[" + std::to_string(i) + "] is " + brief(shape[i]) + ", not a non-negative integer");
    }
    e.shape.push_back(d);
  }
  if (!element_count(e.shape, e.count) || e.count > kMax / info->size) {
    throw Error(at + "shape " + shape_text(e.shape) + " has more elements than 64 bits can count");
  }

  const Json& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !as_count(offsets[0], e.begin) || !as_count(offsets[1], e.end)) {
    throw Error(at + "\"data_offsets\" is " + brief(offsets) + ", not [begin, end] with non-negative integers");
  }
  if (e.end < e.begin) throw Error(at + "data_offsets " + range_text(e.begin, e.end) + " end before they begin");
  const std::uint64_t needed = e.count * info->size;
  if (e.end - e.begin != needed) {
    throw Error(at + "data_offsets " + range_text(e.begin, e.end) + " hold " + std::to_string(e.end - e.begin) +
                " bytes, but " + dtype_name + " shape " + shape_text(e.shape) + " needs " + std::to_string(needed));
  }
  if (e.end > data_size) {
    throw Error(at + "data_offsets " + range_text(e.begin, e.end) + " run past the end of the data (" +
                std::to_string(data_size) + " bytes)");
  }
  return e;
}

// The tensors, sorted by offset, must tile the data exactly.
void check_layout(const std::vector<Entry>& entries, const std::vector<std::size_t>& order, std::uint64_t data_size,
                  const std::string& source) {
  std::uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const std::size_t i : order) {
    const Entry& e = entries[i];
    if (e.begin < covered) {
      throw Error(source + ": tensor " + quote_json(e.name) + " (bytes " + range_text(e.begin, e.end) +
                  ") overlaps tensor " + quote_json(previous->name) + " (bytes " +
                  range_text(previous->begin, previous->end) + ")");
    }
    if (e.begin > covered) {
      throw Error(source + ": bytes " + range_text(covered, e.begin) +
                  " of the data belong to no tensor (a gap before " + quote_json(e.name) + ")");
    }
    covered = e.end;
    previous = &e;
  }
  if (covered != data_size) {
    throw Error(source + ": bytes " + range_text(covered, data_size) + " of the data belong to no tensor (" +
                (entries.empty() ? "the header lists none" : "after the last one") + ")");
  }
}

std::uint64_t load_le(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

float from_f16(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t{h & 0x8000u} << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {  // zero or subnormal: mantissa · 2^-24
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));  // inf, NaN
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));         // rebias 15 -> 127
}

void convert(const Entry& e, const std::uint8_t* p, std::vector<float>& out, const std::string& source) {
  out.resize(e.count);
  for (std::size_t i = 0; i < e.count; ++i) {
    switch (e.dtype) {
      case DType::kF32: out[i] = std::bit_cast<float>(static_cast<std::uint32_t>(load_le(p + 4 * i, 4))); break;
      case DType::kF64: {
        const double v = std::bit_cast<double>(load_le(p + 8 * i, 8));
        if (std::isfinite(v) && std::fabs(v) > std::numeric_limits<float>::max()) {
          char text[32];
          std::snprintf(text, sizeof text, "%g", v);
          throw Error(source + ": tensor " + quote_json(e.name) + ": F64 value " + text + " at index " +
                      std::to_string(i) + " is outside the float range");
        }
        out[i] = static_cast<float>(v);
        break;
      }
      case DType::kF16: out[i] = from_f16(static_cast<std::uint16_t>(load_le(p + 2 * i, 2))); break;
      case DType::kBF16: out[i] = std::bit_cast<float>(static_cast<std::uint32_t>(load_le(p + 2 * i, 2) << 16)); break;
    }
  }
}

}  // namespace

TensorFile decode_safetensors(std::span<const std::uint8_t> bytes, const std::string& source) {
  const std::string bad = source + ": not a safetensors file: ";
  if (bytes.size() < 8) {
    throw Error(bad + std::to_string(bytes.size()) + " bytes, too short for the 8-byte header length");
  }
  const std::uint64_t header_size = load_le(bytes.data(), 8);
  if (header_size > kMaxHeader) {
    throw Error(bad + "header length " + std::to_string(header_size) + " exceeds the 100 MB limit");
  }
  if (header_size > bytes.size() - 8) {
    throw Error(bad + "header length " + std::to_string(header_size) + " runs past the end of the file (" +
                std::to_string(bytes.size()) + " bytes)");
  }
  const std::span<const std::uint8_t> header = bytes.subspan(8, header_size);
  const std::span<const std::uint8_t> data = bytes.subspan(8 + header_size);
  const Json root = parse_header(header, bad);
  if (!root.is_object()) throw Error(bad + "the header is " + a_json(root) + ", not an object");
  if (header.front() != '{') throw Error(bad + "the header does not start with '{'");

  TensorFile file;
  std::vector<Entry> entries;
  for (const auto& [key, value] : root.items()) {
    if (key == kMetadata) {
      parse_metadata(value, source, file.metadata);
    } else {
      entries.push_back(parse_entry(key, value, source, data.size()));
    }
  }
  std::vector<std::size_t> order(entries.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::pair(entries[a].begin, entries[a].end) < std::pair(entries[b].begin, entries[b].end);
  });
  check_layout(entries, order, data.size(), source);

  file.tensors.reserve(entries.size());
  for (const std::size_t i : order) {
    const Entry& e = entries[i];
    Tensor t{.name = e.name, .shape = {e.shape.begin(), e.shape.end()}};
    convert(e, data.data() + e.begin, t.data, source);
    file.tensors.push_back(std::move(t));
  }
  return file;
}

}  // namespace mlp
