// SPDX-License-Identifier: MIT
#include "mlp/io/idx.hpp"

#include <zlib.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "mlp/error.hpp"

namespace mlp {
namespace {
constexpr std::uint8_t kUnsignedByte = 0x08;

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open file (" + std::strerror(errno) + ")");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

std::vector<std::uint8_t> gunzip(const std::vector<std::uint8_t>& packed, const std::string& path) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw Error(path + ": zlib initialisation failed");
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> chunk(1 << 16);
  zs.next_in = const_cast<Bytef*>(packed.data());
  zs.avail_in = static_cast<uInt>(packed.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw Error(path + ": corrupt or truncated gzip data" + (zs.msg ? std::string(" (") + zs.msg + ")" : ""));
    }
    out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - zs.avail_out));
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      throw Error(path + ": truncated gzip data");
    }
  }
  inflateEnd(&zs);
  return out;
}

std::vector<std::uint8_t> read_file_decompressed(const std::string& path) {
  std::vector<std::uint8_t> bytes = read_file(path);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) bytes = gunzip(bytes, path);
  return bytes;
}

namespace {
std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
}  // namespace

IdxArray read_idx(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file_decompressed(path);
  if (bytes.size() < 4) throw Error(path + ": not an IDX file (only " + std::to_string(bytes.size()) + " bytes)");
  if (bytes[0] != 0 || bytes[1] != 0) {
    throw Error(path + ": wrong magic number (an IDX file starts with two zero bytes)");
  }
  if (bytes[2] != kUnsignedByte) {
    throw Error(path + ": IDX data type 0x" + std::to_string(bytes[2]) + " is not supported (only unsigned byte, 0x08)");
  }
  const std::size_t rank = bytes[3];
  if (rank == 0) throw Error(path + ": IDX rank is 0");
  const std::size_t header = 4 + 4 * rank;
  if (bytes.size() < header) throw Error(path + ": truncated IDX header");
  IdxArray array;
  std::size_t total = 1;
  for (std::size_t i = 0; i < rank; ++i) {
    const std::size_t d = be32(&bytes[4 + 4 * i]);
    if (d != 0 && total > std::numeric_limits<std::size_t>::max() / d) throw Error(path + ": IDX dimensions overflow");
    total *= d;
    array.dims.push_back(d);
  }
  const std::size_t body = bytes.size() - header;
  if (body < total) {
    throw Error(path + ": truncated: the header promises " + std::to_string(total) + " bytes of data, the file has " +
                std::to_string(body));
  }
  if (body > total) {
    throw Error(path + ": " + std::to_string(body - total) + " unexpected bytes after the data the header describes");
  }
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return array;
}

Matrix idx_to_matrix(const IdxArray& images, double scale) {
  const std::size_t n = images.dims.at(0);
  const std::size_t f = n == 0 ? 0 : images.data.size() / n;
  Matrix m(n, f);
  for (std::size_t i = 0; i < images.data.size(); ++i) {
    m[i] = static_cast<Scalar>(images.data[i] * scale);
  }
  return m;
}

Matrix one_hot(const IdxArray& labels, std::size_t classes, const std::string& path) {
  Matrix m(labels.data.size(), classes);
  for (std::size_t i = 0; i < labels.data.size(); ++i) {
    if (labels.data[i] >= classes) {
      throw Error(path + ": label " + std::to_string(labels.data[i]) + " of item " + std::to_string(i) +
                  " is out of range for " + std::to_string(classes) + " classes");
    }
    m(i, labels.data[i]) = 1;
  }
  return m;
}

}  // namespace mlp
