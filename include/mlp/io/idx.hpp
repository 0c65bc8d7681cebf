// SPDX-License-Identifier: MIT
#pragma once
// IDX files (the MNIST format, LeCun et al.), raw or gzip-compressed (detected by content):
//   magic: 0x00 0x00 <type 0x08 = unsigned byte> <rank>, then rank big-endian uint32 dimensions,
//   then the items in row-major order. Only unsigned-byte data is accepted (MNIST and
//   Fashion-MNIST use nothing else).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mlp/matrix.hpp"

namespace mlp {

struct IdxArray {
  std::vector<std::size_t> dims;   // dims[0] is the item count
  std::vector<std::uint8_t> data;  // product of dims bytes
};

/// The bytes of a file, gunzipped when they start with the gzip magic. Throws mlp::Error naming
/// the file (missing, unreadable, corrupt or truncated gzip).
std::vector<std::uint8_t> read_file_decompressed(const std::string& path);
/// Inflates gzip (or zlib) data; `path` names the source in errors.
std::vector<std::uint8_t> gunzip(const std::vector<std::uint8_t>& packed, const std::string& path);

/// Reads and validates an IDX file. Throws mlp::Error naming the file and what is wrong
/// (missing, truncated, wrong magic, a data type other than unsigned byte, trailing bytes).
IdxArray read_idx(const std::string& path);

/// Images (N, d1, d2, ...) as an (N, d1·d2·…) matrix of raw pixel values 0–255, times `scale`.
Matrix idx_to_matrix(const IdxArray& images, double scale = 1.0);

/// Labels (N) as one-hot rows (N, classes). Throws mlp::Error if a label is >= classes.
Matrix one_hot(const IdxArray& labels, std::size_t classes, const std::string& path = "labels");

}  // namespace mlp
