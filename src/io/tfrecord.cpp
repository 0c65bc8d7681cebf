// SPDX-License-Identifier: MIT
#include "mlp/io/tfrecord.hpp"

#include <array>
#include <cerrno>
#include <cstring>

#include "mlp/error.hpp"

namespace mlp {
namespace {

// Byte-at-a-time table of the reflected Castagnoli polynomial: kTable[b] is the CRC register
// after shifting byte b through eight times.
constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t r = b;
    for (int k = 0; k < 8; ++k) r = (r & 1u) != 0 ? (r >> 1) ^ 0x82F63B78u : r >> 1;
    table[b] = r;
  }
  return table;
}
constexpr std::array<std::uint32_t, 256> kTable = make_table();

void put_little_endian(std::uint8_t* out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

}  // namespace

std::uint32_t crc32c(std::span<const std::uint8_t> bytes, std::uint32_t crc) {
  std::uint32_t r = ~crc;
  for (std::uint8_t b : bytes) r = kTable[(r ^ b) & 0xFFu] ^ (r >> 8);
  return ~r;
}

std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc) {
  return crc32c(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), crc);
}

std::uint32_t mask_crc32c(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

TFRecordWriter::TFRecordWriter(std::string path) : path_(std::move(path)) {
  file_ = std::fopen(path_.c_str(), "wb");
  if (file_ == nullptr) {
    throw Error("TFRecordWriter: cannot create '" + path_ + "': " + std::strerror(errno));
  }
}

TFRecordWriter::~TFRecordWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void TFRecordWriter::write_bytes(const void* data, std::size_t size) {
  if (file_ == nullptr) throw Error("TFRecordWriter: '" + path_ + "' is closed");
  if (std::fwrite(data, 1, size, file_) != size) {
    throw Error("TFRecordWriter: cannot write to '" + path_ + "': " + std::strerror(errno));
  }
}

void TFRecordWriter::write(std::string_view record) {
  std::array<std::uint8_t, 12> header{};  // length, masked CRC of the length
  put_little_endian(header.data(), record.size(), 8);
  put_little_endian(header.data() + 8, mask_crc32c(crc32c(std::span(header.data(), 8))), 4);
  std::array<std::uint8_t, 4> footer{};  // masked CRC of the data
  put_little_endian(footer.data(), mask_crc32c(crc32c(record)), 4);
  write_bytes(header.data(), header.size());
  write_bytes(record.data(), record.size());
  write_bytes(footer.data(), footer.size());
}

void TFRecordWriter::flush() {
  if (file_ == nullptr) return;
  if (std::fflush(file_) != 0) {
    throw Error("TFRecordWriter: cannot write to '" + path_ + "': " + std::strerror(errno));
  }
}

void TFRecordWriter::close() {
  if (file_ == nullptr) return;
  std::FILE* f = file_;
  file_ = nullptr;
  if (std::fclose(f) != 0) {
    throw Error("TFRecordWriter: cannot write to '" + path_ + "': " + std::strerror(errno));
  }
}

}  // namespace mlp
