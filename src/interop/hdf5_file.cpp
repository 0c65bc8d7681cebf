// SPDX-License-Identifier: MIT
#include "hdf5_file.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "mlp/error.hpp"

namespace mlp::hdf5 {
namespace {

// HDF5 prints an error stack to stderr on every failed call unless told not to; errors are ours to report.
void quiet() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

H5Id checked(hid_t id, herr_t (*close)(hid_t), const std::string& what) {
  if (id < 0) throw Error(what);
  return {id, close};
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string::npos ? path.size() : slash;
    if (end > start) parts.push_back(path.substr(start, end - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

// The element count of a simple dataspace, refused above the limits before anything is allocated.
std::vector<std::uint64_t> extent(hid_t space, const std::string& what) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) throw Error(what + ": unreadable dataspace");
  if (static_cast<std::size_t>(rank) > kMaxRank) {
    throw Error(what + ": rank " + std::to_string(rank) + " is over the limit of " + std::to_string(kMaxRank));
  }
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space, dims.data(), nullptr) < 0) throw Error(what + ": unreadable dims");
  std::vector<std::uint64_t> out;
  std::uint64_t n = 1;
  for (hsize_t d : dims) {
    if (d != 0 && n > kMaxElements / d)
      throw Error(what + ": shape too large (over " + std::to_string(kMaxElements) + " elements)");
    n *= d;
    out.push_back(d);
  }
  return out;
}

std::uint64_t count(const std::vector<std::uint64_t>& dims) {
  std::uint64_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}

std::vector<std::string> read_attribute_strings(hid_t attr, const std::string& what) {
  H5Id type = checked(H5Aget_type(attr), H5Tclose, what + ": unreadable type");
  H5Id space = checked(H5Aget_space(attr), H5Sclose, what + ": unreadable dataspace");
  const H5S_class_t sclass = H5Sget_simple_extent_type(space.get());
  if (sclass == H5S_NULL) return {};
  const std::uint64_t n = sclass == H5S_SCALAR ? 1 : count(extent(space.get(), what));
  const H5T_class_t tclass = H5Tget_class(type.get());
  if (tclass != H5T_STRING) {
    if (n == 0) return {};  // h5py writes an empty list as a float64 array of shape (0,)
    throw Error(what + ": expected a string attribute");
  }
  if (n == 0) return {};
  const htri_t variable = H5Tis_variable_str(type.get());
  if (variable < 0) throw Error(what + ": unreadable string type");
  const H5T_cset_t cset = H5Tget_cset(type.get());
  H5Id mem = checked(H5Tcopy(H5T_C_S1), H5Tclose, what);
  H5Tset_cset(mem.get(), cset == H5T_CSET_UTF8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII);
  std::vector<std::string> out;
  if (variable > 0) {
    if (n > kMaxStringBytes / sizeof(char*)) throw Error(what + ": too many strings");
    H5Tset_size(mem.get(), H5T_VARIABLE);
    std::vector<char*> ptrs(n, nullptr);
    if (H5Aread(attr, mem.get(), ptrs.data()) < 0) throw Error(what + ": unreadable strings");
    std::uint64_t total = 0;
    for (char* p : ptrs) {
      std::string s = p == nullptr ? std::string() : std::string(p);
      total += s.size();
      out.push_back(std::move(s));
    }
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
    if (total > kMaxStringBytes) throw Error(what + ": strings too long");
    return out;
  }
  const std::size_t size = H5Tget_size(type.get());
  if (size == 0 || size > kMaxStringBytes || n > kMaxStringBytes / size) throw Error(what + ": strings too long");
  H5Tset_size(mem.get(), size);
  H5Tset_strpad(mem.get(), H5T_STR_NULLPAD);
  std::vector<char> buffer(n * size);
  if (H5Aread(attr, mem.get(), buffer.data()) < 0) throw Error(what + ": unreadable strings");
  for (std::uint64_t i = 0; i < n; ++i) {
    const char* p = buffer.data() + i * size;
    out.emplace_back(p, strnlen(p, size));
  }
  return out;
}

}  // namespace

H5Id& H5Id::operator=(H5Id&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void H5Id::reset() {
  if (id_ >= 0 && close_ != nullptr) close_(id_);
  id_ = H5I_INVALID_HID;
}

File File::from_bytes(std::span<const std::uint8_t> bytes, std::string source) {
  quiet();
  if (bytes.size() < 8 || std::memcmp(bytes.data(), "\x89HDF\r\n\x1a\n", 8) != 0) {
    throw Error(source + ": not an HDF5 file (no HDF5 signature)");
  }
  H5Id fapl = checked(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, source + ": HDF5 property list");
  if (H5Pset_fapl_core(fapl.get(), 1 << 16, 0) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<std::uint8_t*>(bytes.data()), bytes.size()) < 0) {
    throw Error(source + ": cannot hand the file image to HDF5");
  }
  File f;
  f.source_ = std::move(source);
  f.file_ = checked(H5Fopen("in-memory.h5", H5F_ACC_RDONLY, fapl.get()), H5Fclose,
                    f.source_ + ": not a readable HDF5 file (HDF5 refused to open it)");
  return f;
}

File File::create_in_memory(std::string source) {
  quiet();
  H5Id fapl = checked(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, source + ": HDF5 property list");
  if (H5Pset_fapl_core(fapl.get(), 1 << 20, 0) < 0) throw Error(source + ": HDF5 core driver");
  File f;
  f.source_ = std::move(source);
  f.file_ = checked(H5Fcreate("in-memory.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose,
                    f.source_ + ": cannot create an HDF5 file in memory");
  return f;
}

std::vector<std::uint8_t> File::bytes() const {
  if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0) throw Error(source_ + ": HDF5 flush failed");
  const ssize_t size = H5Fget_file_image(file_.get(), nullptr, 0);
  if (size < 0) throw Error(source_ + ": HDF5 file image unavailable");
  std::vector<std::uint8_t> out(static_cast<std::size_t>(size));
  if (H5Fget_file_image(file_.get(), out.data(), out.size()) != size) throw Error(source_ + ": HDF5 file image failed");
  return out;
}

bool exists(hid_t loc, const std::string& path) {
  quiet();
  std::string prefix;
  for (const std::string& part : split_path(path)) {
    prefix += (prefix.empty() ? "" : "/") + part;
    if (H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (H5Oexists_by_name(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return !prefix.empty();
}

bool is_group(hid_t loc, const std::string& path) {
  if (!exists(loc, path)) return false;
  H5O_info_t info;
  if (H5Oget_info_by_name(loc, path.c_str(), &info, H5P_DEFAULT) < 0) return false;
  return info.type == H5O_TYPE_GROUP;
}

bool has_attribute(hid_t loc, const std::string& name) { return H5Aexists(loc, name.c_str()) > 0; }

std::vector<std::string> children(hid_t loc, const std::string& path, const std::string& source) {
  H5Id group = open_group(loc, path, source);
  std::vector<std::string> names;
  auto visit = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    auto* out = static_cast<std::vector<std::string>*>(data);
    if (out->size() > 1000000) return 1;
    out->emplace_back(name);
    return 0;
  };
  hsize_t index = 0;
  if (H5Literate(group.get(), H5_INDEX_NAME, H5_ITER_INC, &index, visit, &names) < 0) {
    throw Error(source + ": cannot list group '" + path + "'");
  }
  return names;
}

H5Id open_group(hid_t loc, const std::string& path, const std::string& source) {
  if (!exists(loc, path) && path != "/" && path != ".") throw Error(source + ": no group '" + path + "'");
  return checked(H5Gopen2(loc, path.c_str(), H5P_DEFAULT), H5Gclose, source + ": '" + path + "' is not a group");
}

std::vector<std::string> read_strings(hid_t loc, const std::string& name, const std::string& where) {
  quiet();
  if (!has_attribute(loc, name)) {
    // Keras splits an attribute over 64 KiB into name0, name1, ...
    std::vector<std::string> out;
    for (int i = 0; has_attribute(loc, name + std::to_string(i)); ++i) {
      auto part = read_strings(loc, name + std::to_string(i), where);
      out.insert(out.end(), part.begin(), part.end());
    }
    if (out.empty() && !has_attribute(loc, name + "0")) throw Error(where + ": no attribute '" + name + "'");
    return out;
  }
  H5Id attr =
      checked(H5Aopen(loc, name.c_str(), H5P_DEFAULT), H5Aclose, where + ": cannot open attribute '" + name + "'");
  return read_attribute_strings(attr.get(), where + ": attribute '" + name + "'");
}

std::string read_string(hid_t loc, const std::string& name, const std::string& where) {
  auto all = read_strings(loc, name, where);
  if (all.size() != 1) throw Error(where + ": attribute '" + name + "' is not a single string");
  return all.front();
}

Dataset read_dataset(hid_t loc, const std::string& path, const std::string& where) {
  quiet();
  const std::string what = where + ": dataset '" + path + "'";
  if (!exists(loc, path)) throw Error(what + " is missing");
  H5Id set = checked(H5Dopen2(loc, path.c_str(), H5P_DEFAULT), H5Dclose, what + " is not a dataset");
  H5Id type = checked(H5Dget_type(set.get()), H5Tclose, what + ": unreadable type");
  const H5T_class_t tclass = H5Tget_class(type.get());
  if (tclass != H5T_FLOAT && tclass != H5T_INTEGER) throw Error(what + ": not a numeric dataset");
  H5Id space = checked(H5Dget_space(set.get()), H5Sclose, what + ": unreadable dataspace");
  Dataset d;
  d.dims = extent(space.get(), what);
  const std::uint64_t n = count(d.dims);
  // A forged shape over a small file: the stored bytes must cover it (Keras never compresses; a
  // filtered dataset may be smaller, and is bounded by kMaxElements only).
  H5Id dcpl = checked(H5Dget_create_plist(set.get()), H5Pclose, what);
  const int filters = H5Pget_nfilters(dcpl.get());
  const std::uint64_t stored = H5Dget_storage_size(set.get());
  if (filters <= 0 && n > 0 && stored < n * H5Tget_size(type.get())) {
    throw Error(what + ": its shape needs " + std::to_string(n * H5Tget_size(type.get())) + " bytes but " +
                std::to_string(stored) + " are stored (a truncated or forged file)");
  }
  d.values.resize(n);
  if (n > 0 && H5Dread(set.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.values.data()) < 0) {
    throw Error(what + ": unreadable data");
  }
  return d;
}

H5Id create_group(hid_t loc, const std::string& name, const std::string& source) {
  return checked(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                 source + ": cannot create group '" + name + "'");
}

namespace {
H5Id vlen_type(Cset cset) {
  H5Id t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), cset == Cset::kUtf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII);
  return t;
}
void write_attribute(hid_t loc, const std::string& name, hid_t type, hid_t space, const void* data) {
  H5Id attr = checked(H5Acreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                      "cannot create attribute '" + name + "'");
  if (H5Awrite(attr.get(), type, data) < 0) throw Error("cannot write attribute '" + name + "'");
}
}  // namespace

void write_string(hid_t loc, const std::string& name, const std::string& value, Cset cset) {
  H5Id type = vlen_type(cset);
  H5Id space(H5Screate(H5S_SCALAR), H5Sclose);
  const char* p = value.c_str();
  write_attribute(loc, name, type.get(), space.get(), &p);
}

void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values, Cset cset) {
  const hsize_t n = values.size();
  H5Id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  if (values.empty()) {
    const double none = 0;
    write_attribute(loc, name, H5T_IEEE_F64LE, space.get(), &none);
    return;
  }
  H5Id type = vlen_type(cset);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  write_attribute(loc, name, type.get(), space.get(), ptrs.data());
}

void write_dataset(hid_t loc, const std::string& name, const std::vector<std::uint64_t>& dims,
                   std::span<const float> values, const std::string& source) {
  std::vector<hsize_t> d(dims.begin(), dims.end());
  H5Id space(H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr), H5Sclose);
  H5Id set = checked(H5Dcreate2(loc, name.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                     H5Dclose, source + ": cannot create dataset '" + name + "'");
  if (H5Dwrite(set.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
    throw Error(source + ": cannot write dataset '" + name + "'");
  }
}

}  // namespace mlp::hdf5
