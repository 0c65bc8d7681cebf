// SPDX-License-Identifier: MIT
#pragma once
// TFRecord files: TensorFlow's record framing, which TensorBoard's event files use. One record:
//
//   uint64 length (little-endian) | uint32 masked_crc32c(the 8 length bytes) | data[length]
//   | uint32 masked_crc32c(data)
//
// CRC32C is the Castagnoli CRC (reflected polynomial 0x82F63B78, initial and final XOR
// 0xFFFFFFFF; crc32c("123456789") = 0xE3069283). TensorFlow stores it masked,
// ((crc >> 15) | (crc << 17)) + 0xa282ead8, so that a CRC of data holding CRCs stays strong.
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

namespace mlp {

/// CRC32C of `bytes`; pass a previous result as `crc` to continue it over more bytes.
std::uint32_t crc32c(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0);
std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc = 0);
/// TensorFlow's masking of a stored CRC.
std::uint32_t mask_crc32c(std::uint32_t crc);

/// Appends records to a new file (an existing one is truncated). Nothing is flushed until
/// flush() or close(). Errors (cannot create, cannot write) are mlp::Error naming the path.
class TFRecordWriter {
 public:
  explicit TFRecordWriter(std::string path);
  ~TFRecordWriter();
  TFRecordWriter(const TFRecordWriter&) = delete;
  TFRecordWriter& operator=(const TFRecordWriter&) = delete;

  void write(std::string_view record);
  void flush();
  void close();
  const std::string& path() const { return path_; }

 private:
  void write_bytes(const void* data, std::size_t size);

  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace mlp
