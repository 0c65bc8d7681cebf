// SPDX-License-Identifier: MIT
#pragma once
// A small RAII layer over Debian's libhdf5 C API (1.10), for the Keras importer and exporter: only
// what Keras files use. Every id is owned by an H5Id (closed by the matching H5?close); HDF5's
// automatic error printing is turned off once (H5Eset_auto2) and every failed call becomes an
// mlp::Error naming `source` (the file) and the object. Reading refuses what a hostile file could
// use to make us allocate: ranks over kMaxRank, more than kMaxElements elements, a dataset whose
// stored bytes are fewer than its shape needs, string attributes over kMaxStringBytes.
#include <hdf5.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mlp::hdf5 {

inline constexpr std::size_t kMaxRank = 8;
inline constexpr std::uint64_t kMaxElements = std::uint64_t{1} << 28;  // 1 GiB of float32
inline constexpr std::uint64_t kMaxStringBytes = std::uint64_t{64} << 20;

/// An owned HDF5 id; closes it with the function given (H5Fclose, H5Gclose, ...).
class H5Id {
 public:
  H5Id() = default;
  H5Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  H5Id(H5Id&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
  H5Id& operator=(H5Id&& o) noexcept;
  ~H5Id() { reset(); }
  void reset();
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

/// A float32 dataset read into memory: dims as stored (row-major), values converted by HDF5.
struct Dataset {
  std::vector<std::uint64_t> dims;
  std::vector<float> values;
};

/// An open HDF5 file (read-only from a path or from bytes in memory, or a new one in memory).
class File {
 public:
  /// Opens the bytes of an HDF5 file (copied; the core driver, no temporary file).
  static File from_bytes(std::span<const std::uint8_t> bytes, std::string source);
  /// A new, empty file in memory (core driver, no backing store); bytes() gives its image.
  static File create_in_memory(std::string source);

  const std::string& source() const { return source_; }
  hid_t root() const { return file_.get(); }
  /// The file's image after a flush (create_in_memory).
  std::vector<std::uint8_t> bytes() const;

 private:
  H5Id file_;
  std::string source_;
};

/// True when `path` (relative to `loc`, "a/b/c") names an object; each component is checked in turn.
bool exists(hid_t loc, const std::string& path);
bool is_group(hid_t loc, const std::string& path);
bool has_attribute(hid_t loc, const std::string& name);
/// Names of the links in a group, in name order.
std::vector<std::string> children(hid_t loc, const std::string& path, const std::string& source);

H5Id open_group(hid_t loc, const std::string& path, const std::string& source);

/// A string attribute in any encoding Keras files use: variable-length (UTF-8 or ASCII) or
/// fixed-length (read up to the first NUL), scalar or a 1-D array; an empty numeric array (what
/// h5py writes for an empty list) is an empty list. Keras' split attributes (name0, name1, ...,
/// written when one is over 64 KiB) are concatenated when `name` itself is absent.
std::vector<std::string> read_strings(hid_t loc, const std::string& name, const std::string& where);
/// A scalar (or one-element) string attribute.
std::string read_string(hid_t loc, const std::string& name, const std::string& where);

/// A numeric dataset as float32 (HDF5 converts float16/float64), refused when forged (see above).
Dataset read_dataset(hid_t loc, const std::string& path, const std::string& where);

// ---- writing (what the Keras exporter needs) ----
enum class Cset { kAscii, kUtf8 };
H5Id create_group(hid_t loc, const std::string& name, const std::string& source);
/// A scalar variable-length string attribute.
void write_string(hid_t loc, const std::string& name, const std::string& value, Cset cset);
/// A 1-D array of variable-length strings; an empty list is written as h5py does: float64, shape (0,).
void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values, Cset cset);
/// A contiguous little-endian float32 dataset.
void write_dataset(hid_t loc, const std::string& name, const std::vector<std::uint64_t>& dims,
                   std::span<const float> values, const std::string& source);

}  // namespace mlp::hdf5
