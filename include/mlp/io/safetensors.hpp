// SPDX-License-Identifier: MIT
#pragma once
// safetensors files (Hugging Face's tensor format), read and written from its specification:
//   8 bytes    N, the header length, an unsigned little-endian 64-bit integer
//   N bytes    UTF-8 JSON that starts with '{' (and may be padded with trailing spaces): an object
//              mapping each tensor name to {"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]},
//              plus an optional "__metadata__" object of string -> string
//   the rest   the byte buffer: each tensor's elements, little-endian, C (row-major) order, at
//              [b, e) relative to the buffer's start; the tensors cover it exactly, without
//              holes or overlaps
// We write F32 only, and read F32, F64, F16 and BF16 into float. A file is treated as hostile:
// every length and offset is checked before it is used, so a forged file gives an mlp::Error that
// names the file (and the tensor), never an out-of-bounds read or a huge allocation.
//
// Sources: src/io/safetensors.cpp (encoding, the files), src/io/safetensors_decode.cpp (decoding).
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mlp {

/// One named array of floats. data.size() is the product of shape (1 for the scalar shape {}).
struct Tensor {
  std::string name;
  std::vector<std::size_t> shape;
  std::vector<float> data;
};

/// The content of a safetensors file.
struct TensorFile {
  /// In the order written; the writer lays the data out in this order, and the reader returns
  /// the tensors in the order of their data in the file.
  std::vector<Tensor> tensors;
  /// The "__metadata__" object (omitted from the file when empty).
  std::map<std::string, std::string> metadata;
  /// The tensor called `name`, or nullptr if there is none.
  const Tensor* find(std::string_view name) const;
};

/// Encodes as safetensors bytes (dtype "F32", header padded with spaces to a multiple of 8
/// bytes). Throws mlp::Error on duplicate or reserved ("__metadata__") names, a data size that
/// differs from the shape's element count, or strings that are not valid UTF-8.
std::vector<std::uint8_t> encode_safetensors(const TensorFile& file);

/// Decodes and validates; `source` names the file in errors. Accepts F32, F64, F16 and BF16
/// (converted to float; F64 values outside float range are an error); other dtypes are an error
/// naming the tensor and dtype.
TensorFile decode_safetensors(std::span<const std::uint8_t> bytes, const std::string& source);

/// write_file_atomic (mlp/io/files.hpp) of encode_safetensors: on any error the existing file,
/// if any, is untouched. Errors start with `path`.
void write_safetensors(const std::string& path, const TensorFile& file);

/// Reads the whole file (errors name the path: missing, unreadable) and decodes it.
TensorFile read_safetensors(const std::string& path);

}  // namespace mlp
