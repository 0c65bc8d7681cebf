// SPDX-License-Identifier: MIT
#include "mlp/io/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <span>

#include "mlp/error.hpp"
#include "mlp/io/files.hpp"

namespace mlp {
namespace {
constexpr std::uint8_t kUnsignedByte = 0x08;
constexpr std::size_t kMaxRank = 255;
constexpr std::size_t kMaxDim = 0xffffffffu;
constexpr std::size_t kZlibMax = std::numeric_limits<uInt>::max();  // zlib counts in 32 bits

// The whole file in one allocation of its size (growing a vector byte by byte would hold up to
// twice the file while it doubles, and keep up to twice its size as capacity). Whatever follows
// the size first seen (a file still growing, a pipe without a size) is read in chunks.
std::vector<std::uint8_t> read_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status)) throw Error(path + ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open file (" + std::strerror(errno) + ")");
  std::vector<std::uint8_t> bytes;
  if (std::filesystem::is_regular_file(status)) {
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > 0) {
      bytes.resize(static_cast<std::size_t>(size));
      in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
      bytes.resize(static_cast<std::size_t>(in.gcount()));
    }
  }
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  while (in && in.peek() != std::ifstream::traits_type::eof()) {
    const std::size_t old = bytes.size();
    bytes.resize(old + kChunk);
    in.read(reinterpret_cast<char*>(bytes.data() + old), static_cast<std::streamsize>(kChunk));
    bytes.resize(old + static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw Error(path + ": read error (" + std::strerror(errno) + ")");
  return bytes;
}

bool is_gzip(std::span<const std::uint8_t> bytes) { return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b; }

// Inflates gzip (or zlib) data on demand, so that a caller can stop at the size it expects.
class Inflater {
 public:
  Inflater(std::span<const std::uint8_t> packed, const std::string& path) : packed_(packed), path_(path) {
    if (inflateInit2(&zs_, 15 + 32) != Z_OK) throw Error(path + ": zlib initialisation failed");
  }
  ~Inflater() { inflateEnd(&zs_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  /// Appends up to n more bytes to `out`; fewer only at the end of the stream. `out` grows with
  /// the bytes produced, never by n up front.
  std::size_t read(std::size_t n, std::vector<std::uint8_t>& out) {
    std::size_t got = 0;
    while (got < n && !done_) {
      const std::size_t step = std::min<std::size_t>(n - got, 1 << 20);
      const std::size_t old = out.size();
      out.resize(old + step);
      const std::size_t produced = pull(out.data() + old, step);
      out.resize(old + produced);
      got += produced;
    }
    return got;
  }

  /// Inflates the rest of the stream and returns its size, keeping none of it.
  std::size_t skip_rest() {
    std::vector<std::uint8_t> scratch(1 << 16);
    std::size_t skipped = 0;
    while (!done_) skipped += pull(scratch.data(), scratch.size());
    return skipped;
  }

 private:
  // Fills [dst, dst + n); fewer bytes only at the end of the stream.
  std::size_t pull(std::uint8_t* dst, std::size_t n) {
    std::size_t produced = 0;
    while (produced < n && !done_) {
      if (zs_.avail_in == 0 && fed_ < packed_.size()) {
        const std::size_t step = std::min(packed_.size() - fed_, kZlibMax);
        zs_.next_in = const_cast<Bytef*>(packed_.data() + fed_);
        zs_.avail_in = static_cast<uInt>(step);
        fed_ += step;
      }
      const std::size_t want = std::min(n - produced, kZlibMax);
      zs_.next_out = dst + produced;
      zs_.avail_out = static_cast<uInt>(want);
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      produced += want - zs_.avail_out;
      if (rc == Z_STREAM_END) {
        done_ = true;
      } else if (rc == Z_BUF_ERROR && zs_.avail_in == 0 && fed_ == packed_.size()) {
        throw Error(path_ + ": truncated gzip data");
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw Error(path_ + ": corrupt or truncated gzip data" + (zs_.msg ? std::string(" (") + zs_.msg + ")" : ""));
      }
    }
    return produced;
  }

  z_stream zs_{};
  std::span<const std::uint8_t> packed_;
  const std::string& path_;
  std::size_t fed_ = 0;
  bool done_ = false;
};

std::vector<std::uint8_t> gzip(std::span<const std::uint8_t> data, const std::string& path) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error(path + ": zlib initialisation failed");
  }
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> chunk(1 << 16);
  std::size_t fed = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && fed < data.size()) {
      const std::size_t step = std::min(data.size() - fed, kZlibMax);
      zs.next_in = const_cast<Bytef*>(data.data() + fed);
      zs.avail_in = static_cast<uInt>(step);
      fed += step;
    }
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    rc = deflate(&zs, fed == data.size() ? Z_FINISH : Z_NO_FLUSH);
    if (rc == Z_STREAM_ERROR) {
      deflateEnd(&zs);
      throw Error(path + ": gzip compression failed");
    }
    out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - zs.avail_out));
  }
  deflateEnd(&zs);
  return out;
}

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

std::string dims_text(const std::vector<std::size_t>& dims) {
  std::string text = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

// The number of items `dims` describe; false if it does not fit in a size_t. A zero dimension
// makes it 0 whatever the others are.
bool item_count(const std::vector<std::size_t>& dims, std::size_t& count) {
  count = 1;
  if (std::find(dims.begin(), dims.end(), std::size_t{0}) != dims.end()) {
    count = 0;
    return true;
  }
  for (const std::size_t d : dims) {
    if (count > std::numeric_limits<std::size_t>::max() / d) return false;
    count *= d;
  }
  return true;
}

// The dimensions in a header whose first 4 + 4·rank bytes are present.
std::vector<std::size_t> header_dims(const std::vector<std::uint8_t>& bytes) {
  std::vector<std::size_t> dims;
  const std::size_t rank = bytes[3];
  for (std::size_t i = 0; i < rank; ++i) dims.push_back(be32(&bytes[4 + 4 * i]));
  return dims;
}

// The first bytes of a gzip-compressed IDX file: its header and no more data than the header
// promises. `extra` is set to the number of inflated bytes that follow (counted, not kept).
std::vector<std::uint8_t> inflate_idx(std::span<const std::uint8_t> packed, const std::string& path,
                                      std::size_t& extra) {
  Inflater in(packed, path);
  std::vector<std::uint8_t> bytes;
  extra = 0;
  if (in.read(4, bytes) < 4) return bytes;
  const std::size_t rank = bytes[3];
  if (in.read(4 * rank, bytes) < 4 * rank) return bytes;
  std::size_t total = 0;
  if (!item_count(header_dims(bytes), total)) return bytes;  // read_idx reports it
  if (in.read(total, bytes) < total) return bytes;
  extra = in.skip_rest();
  return bytes;
}
}  // namespace

std::vector<std::uint8_t> gunzip(const std::vector<std::uint8_t>& packed, const std::string& path) {
  Inflater in(packed, path);
  std::vector<std::uint8_t> out;
  in.read(std::numeric_limits<std::size_t>::max(), out);
  return out;
}

std::vector<std::uint8_t> read_file_decompressed(const std::string& path) {
  std::vector<std::uint8_t> bytes = read_file(path);
  if (is_gzip(bytes)) bytes = gunzip(bytes, path);
  return bytes;
}

namespace {
// Validates a raw IDX file's bytes (`extra`: a gzip file's inflated bytes past what the header
// promises, counted, not kept) and turns them into the array, reusing their storage.
IdxArray decode_raw(std::vector<std::uint8_t> bytes, std::size_t extra, const std::string& path);
}  // namespace

IdxArray read_idx(const std::string& path) {
  std::vector<std::uint8_t> file = read_file(path);
  if (!is_gzip(file)) return decode_raw(std::move(file), 0, path);  // no second copy of the data
  return decode_idx(file, path);
}

IdxArray decode_idx(std::span<const std::uint8_t> file, const std::string& path) {
  std::size_t extra = 0;
  std::vector<std::uint8_t> bytes =
      is_gzip(file) ? inflate_idx(file, path, extra) : std::vector<std::uint8_t>(file.begin(), file.end());
  return decode_raw(std::move(bytes), extra, path);
}

namespace {
IdxArray decode_raw(std::vector<std::uint8_t> bytes, std::size_t extra, const std::string& path) {
  if (bytes.size() < 4) throw Error(path + ": not an IDX file (only " + std::to_string(bytes.size()) + " bytes)");
  if (bytes[0] != 0 || bytes[1] != 0) {
    throw Error(path + ": wrong magic number (an IDX file starts with two zero bytes)");
  }
  if (bytes[2] != kUnsignedByte) {
    char type[8];
    std::snprintf(type, sizeof type, "0x%02x", bytes[2]);
    throw Error(path + ": IDX data type " + type + " is not supported (only unsigned byte, 0x08)");
  }
  const std::size_t rank = bytes[3];
  if (rank == 0) throw Error(path + ": IDX rank is 0");
  const std::size_t header = 4 + 4 * rank;
  if (bytes.size() < header) {
    throw Error(path + ": truncated IDX header: rank " + std::to_string(rank) + " needs " + std::to_string(header) +
                " bytes, the file has " + std::to_string(bytes.size()));
  }
  IdxArray array;
  array.dims = header_dims(bytes);
  std::size_t total = 0;
  if (!item_count(array.dims, total)) {
    throw Error(path + ": IDX dimensions " + dims_text(array.dims) + " multiply to more items than fit in 64 bits");
  }
  // Checked against the bytes present before anything is allocated for the data.
  const std::size_t body = bytes.size() - header + extra;
  if (body < total) {
    throw Error(path + ": truncated: the header promises " + std::to_string(total) + " bytes of data, the file has " +
                std::to_string(body));
  }
  if (body > total) {
    throw Error(path + ": " + std::to_string(body - total) + " unexpected bytes after the data the header describes");
  }
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header));
  array.data = std::move(bytes);
  return array;
}
}  // namespace

void write_idx(const std::string& path, const IdxArray& array) {
  const std::string at = path + ": cannot write IDX: ";
  const std::size_t rank = array.dims.size();
  if (rank == 0 || rank > kMaxRank) throw Error(at + "rank " + std::to_string(rank) + " is outside 1..255");
  for (std::size_t i = 0; i < rank; ++i) {
    if (array.dims[i] > kMaxDim) {
      throw Error(at + "dimension " + std::to_string(i) + " is " + std::to_string(array.dims[i]) +
                  ", more than the format's 32-bit limit");
    }
  }
  std::size_t total = 0;
  const bool fits = item_count(array.dims, total);
  if (!fits || total != array.data.size()) {
    throw Error(at + "dims " + dims_text(array.dims) + " describe " +
                (fits ? std::to_string(total) : "more than 2^64") + " items, but data holds " +
                std::to_string(array.data.size()) + " bytes");
  }
  std::vector<std::uint8_t> bytes{0, 0, kUnsignedByte, static_cast<std::uint8_t>(rank)};
  bytes.reserve(4 + 4 * rank + total);
  for (const std::size_t d : array.dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(d >> shift));
  }
  bytes.insert(bytes.end(), array.data.begin(), array.data.end());
  if (path.ends_with(".gz")) bytes = gzip(bytes, path);
  write_file_atomic(path, bytes);
}

void check_idx_pair(const IdxArray& images, const std::string& images_path, const IdxArray& labels,
                    const std::string& labels_path, std::size_t classes) {
  if (labels.dims.size() != 1) {
    throw Error(labels_path + ": labels must have rank 1, this file has rank " + std::to_string(labels.dims.size()) +
                " (dims " + dims_text(labels.dims) + ")");
  }
  if (images.dims.empty()) throw Error(images_path + ": images have rank 0");
  if (labels.dims[0] != images.dims[0]) {
    throw Error(labels_path + ": " + std::to_string(labels.dims[0]) + " labels for " + std::to_string(images.dims[0]) +
                " images in " + images_path);
  }
  for (std::size_t i = 0; i < labels.data.size(); ++i) {
    if (labels.data[i] >= classes) {
      throw Error(labels_path + ": label " + std::to_string(labels.data[i]) + " at index " + std::to_string(i) +
                  " is out of range for " + std::to_string(classes) + " classes");
    }
  }
}

Matrix idx_to_matrix(const IdxArray& images, double scale) {
  const std::size_t n = images.dims.at(0);
  const std::size_t f = n == 0 ? 0 : images.data.size() / n;
  Matrix m(n, f);
  const auto s = static_cast<Scalar>(scale);
  for (std::size_t i = 0; i < images.data.size(); ++i) m[i] = static_cast<Scalar>(images.data[i]) * s;
  return m;
}

ByteMatrix idx_to_bytes(IdxArray images) {
  const std::size_t n = images.dims.at(0);
  const std::size_t f = n == 0 ? 0 : images.data.size() / n;
  return {std::move(images.data), n, f};
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
