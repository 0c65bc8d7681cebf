// SPDX-License-Identifier: MIT
#pragma once
// IDX files (the MNIST format, LeCun et al.), raw or gzip-compressed (detected by content):
//   magic: 0x00 0x00 <type 0x08 = unsigned byte> <rank>, then rank big-endian uint32 dimensions,
//   then the items in row-major order. Only unsigned-byte data is accepted (MNIST and
//   Fashion-MNIST use nothing else). Reading checks the header against the bytes actually present
//   before allocating anything for the data, and inflates a gzip file no further than its header
//   promises (what follows is counted, not kept), so a forged file cannot cause a huge allocation.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mlp/input.hpp"
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
/// read_idx on the bytes of a file already in memory (raw or gzip); `source` names them in errors.
IdxArray decode_idx(std::span<const std::uint8_t> bytes, const std::string& source);

/// Writes an IDX file of unsigned bytes, gzip-compressed when path ends in ".gz", atomically
/// (write_file_atomic: on failure an existing file is untouched). Throws mlp::Error naming the path
/// if the rank is not 1..255, a dimension does not fit in 32 bits, or the product of dims differs
/// from data.size().
void write_idx(const std::string& path, const IdxArray& array);

/// Checks images and labels belong together: labels of rank 1, one per image (dims[0] of both),
/// each < classes. Throws mlp::Error naming the file at fault, e.g.
/// "<labels_path>: 9999 labels for 10000 images in <images_path>".
void check_idx_pair(const IdxArray& images, const std::string& images_path, const IdxArray& labels,
                    const std::string& labels_path, std::size_t classes);

/// Images (N, d1, d2, ...) as an (N, d1·d2·…) matrix of raw pixel values 0–255, times `scale`
/// (Scalar(pixel) · Scalar(scale): the same floats as InputView(idx_to_bytes(images), scale) decodes).
Matrix idx_to_matrix(const IdxArray& images, double scale = 1.0);
/// Images (N, d1, d2, ...) as (N, d1·d2·…) bytes, taking over the array's data (no copy): a
/// quarter of the memory of idx_to_matrix; a model reads them through InputView(bytes, scale).
ByteMatrix idx_to_bytes(IdxArray images);

/// Labels (N) as one-hot rows (N, classes). Throws mlp::Error if a label is >= classes.
Matrix one_hot(const IdxArray& labels, std::size_t classes, const std::string& path = "labels");

}  // namespace mlp
