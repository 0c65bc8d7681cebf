// SPDX-License-Identifier: MIT
// safetensors files written (F32, encode_safetensors) and read whole (read_safetensors); TensorFile::find.
#include "mlp/io/safetensors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <set>
#include <string_view>

#include "mlp/error.hpp"
#include "mlp/io/files.hpp"
#include "safetensors_detail.hpp"

namespace mlp {
namespace {

using safetensors_detail::element_count;
using safetensors_detail::Json;
using safetensors_detail::kMetadata;
using safetensors_detail::quote_json;
using safetensors_detail::shape_text;

bool valid_utf8(const std::string& s) {
  try {
    (void)Json(s).dump();
    return true;
  } catch (const Json::type_error&) {
    return false;
  }
}

std::vector<std::uint8_t> encode(const TensorFile& file, const std::string& context) {
  const std::string at = context + ": ";
  Json header = Json::object();
  if (!file.metadata.empty()) {
    Json metadata = Json::object();
    for (const auto& [key, value] : file.metadata) {
      if (!valid_utf8(key)) throw Error(at + "metadata key " + quote_json(key) + " is not valid UTF-8");
      if (!valid_utf8(value)) throw Error(at + "metadata value of " + quote_json(key) + " is not valid UTF-8");
      metadata[key] = value;
    }
    header[kMetadata] = std::move(metadata);
  }
  std::set<std::string_view> names;
  std::uint64_t offset = 0;
  for (const Tensor& t : file.tensors) {
    const std::string tensor = at + "tensor " + quote_json(t.name);
    if (t.name == kMetadata) throw Error(tensor + ": the name is reserved for the file's metadata");
    if (!valid_utf8(t.name)) throw Error(tensor + ": the name is not valid UTF-8");
    if (!names.insert(t.name).second) throw Error(tensor + " appears twice");
    std::uint64_t count = 0;
    if (!element_count(t.shape, count)) {
      throw Error(tensor + ": shape " + shape_text(t.shape) + " has more elements than 64 bits can count");
    }
    if (count != t.data.size()) {
      throw Error(tensor + ": shape " + shape_text(t.shape) + " has " + std::to_string(count) +
                  " elements, but data holds " + std::to_string(t.data.size()) + " values");
    }
    Json entry = Json::object();
    entry["dtype"] = "F32";
    entry["shape"] = t.shape;
    entry["data_offsets"] = Json::array({offset, offset + 4 * count});
    header[t.name] = std::move(entry);
    offset += 4 * count;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');

  std::vector<std::uint8_t> bytes;
  bytes.reserve(8 + text.size() + offset);
  for (std::size_t i = 0; i < 8; ++i) bytes.push_back(static_cast<std::uint8_t>(text.size() >> (8 * i)));
  bytes.insert(bytes.end(), text.begin(), text.end());
  for (const Tensor& t : file.tensors) {
    for (const float v : t.data) {
      const auto u = std::bit_cast<std::uint32_t>(v);
      for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(u >> (8 * i)));
    }
  }
  return bytes;
}

std::vector<std::uint8_t> read_whole_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path + ": cannot open (" + std::strerror(errno) + ")");
  std::vector<std::uint8_t> bytes;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) bytes.reserve(static_cast<std::size_t>(st.st_size));
  constexpr std::size_t kChunk = 1 << 16;
  for (;;) {
    const std::size_t done = bytes.size();
    bytes.resize(done + kChunk);
    const ssize_t n = ::read(fd, bytes.data() + done, kChunk);
    if (n < 0 && errno == EINTR) {
      bytes.resize(done);
      continue;
    }
    if (n < 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      throw Error(path + ": cannot read (" + why + ")");
    }
    bytes.resize(done + static_cast<std::size_t>(n));
    if (n == 0) break;
  }
  ::close(fd);
  return bytes;
}

}  // namespace

const Tensor* TensorFile::find(std::string_view name) const {
  for (const Tensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<std::uint8_t> encode_safetensors(const TensorFile& file) { return encode(file, "encode_safetensors"); }

void write_safetensors(const std::string& path, const TensorFile& file) { write_file_atomic(path, encode(file, path)); }

TensorFile read_safetensors(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_whole_file(path);
  return decode_safetensors(bytes, path);
}

}  // namespace mlp
