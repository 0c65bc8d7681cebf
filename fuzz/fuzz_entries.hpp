// SPDX-License-Identifier: MIT
#pragma once
// The entries of the fuzz targets: one function per parser of user files, each taking the bytes of a
// file. The contract every parser keeps: for ANY input it returns or throws mlp::Error. A crash, a
// sanitizer report, another exception type or a huge allocation is a bug in the library.
// fuzz/fuzz_<name>.cpp hands libFuzzer's input to entry <name>; tests/test_fuzz_regressions.cpp runs
// the same entries on fuzz/corpus/<name>/ and tests/fuzz_regressions/<name>/ (the crashers found,
// each fixed in the library).
//
// Where an entry goes beyond a single call, it is to reach the code behind the parser: the strict
// config readers behind parse_toml, a round trip behind decode_safetensors (a mismatch throws
// std::logic_error, which the harness reports), a second CSV read with the learned encoding.
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/checkpoint.hpp"
#include "mlp/config.hpp"
#include "mlp/error.hpp"
#include "mlp/interop/keras.hpp"
#include "mlp/io/csv.hpp"
#include "mlp/io/idx.hpp"
#include "mlp/io/image.hpp"
#include "mlp/io/safetensors.hpp"
#include "mlp/io/toml.hpp"
#include "mlp/model_file.hpp"
#include "mlp/serialize.hpp"

namespace mlp::fuzz {

using Bytes = std::span<const std::uint8_t>;

inline std::string_view as_text(Bytes data) { return {reinterpret_cast<const char*>(data.data()), data.size()}; }

/// An IDX file, raw or gzip (detected by content, as read_idx does), then the matrices made from it.
inline void idx(Bytes data) {
  const IdxArray array = decode_idx(data, "fuzz.idx");
  const Matrix floats = idx_to_matrix(array, 1.0 / 255);
  // The bytes decode to the same floats (what fit reads when images stay bytes).
  const ByteMatrix bytes = idx_to_bytes(array);
  const Matrix decoded = to_matrix(InputView(bytes, 1.0 / 255));
  if (decoded.size() != floats.size()) __builtin_trap();
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    if (decoded[i] != floats[i]) __builtin_trap();
  }
  if (array.dims.size() == 1) (void)one_hot(array, 10, "fuzz.idx");
}

/// `data` gzip-compressed (zlib's deflate, gzip wrapper) for decode_idx's streaming inflater.
inline std::vector<std::uint8_t> gzip_bytes(Bytes data) {
  z_stream zs{};
  if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  std::vector<std::uint8_t> out(deflateBound(&zs, static_cast<uLong>(data.size())) + 64);
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate");
  return out;
}

/// The input compressed with gzip, then read as an IDX file: the fuzzer controls the inflated bytes.
inline void idx_gzip(Bytes data) { idx(gzip_bytes(data)); }

/// The names in the first line of a CSV (split on commas, no quoting): what the options below pick.
inline std::vector<std::string> first_line_fields(std::string_view text) {
  std::vector<std::string> fields(1);
  for (const char c : text.substr(0, text.find('\n'))) {
    if (c == ',')
      fields.emplace_back();
    else if (c != '\r')
      fields.back() += c;
  }
  return fields;
}

/// A CSV file read with several options: every column a feature; the last column a class label with
/// mean imputation; the first column a regression target with the last categorical and median
/// imputation; no header with ';'. A successful read is repeated with the encoding it learned, which
/// also goes through its JSON form.
inline void csv(Bytes data) {
  const std::string_view text = as_text(data);
  const std::vector<std::string> names = first_line_fields(text);
  std::vector<CsvOptions> variants(4);
  variants[1].targets = {names.back()};
  variants[1].task = CsvOptions::Task::kClassification;
  variants[1].impute = CsvOptions::Impute::kMean;
  variants[2].targets = {names.front()};
  if (names.size() > 1) variants[2].categorical = {names.back()};
  variants[2].impute = CsvOptions::Impute::kMedian;
  variants[3].header = false;
  variants[3].delimiter = ';';
  for (CsvOptions& options : variants) {
    try {
      const CsvDataset first = parse_csv(text, "fuzz.csv", options);
      options.encoding = csv_encoding_from_json(to_json(first.encoding), "fuzz.csv");
      options.features.clear();
      options.categorical.clear();
      (void)parse_csv(text, "fuzz.csv", options);
    } catch (const Error&) {
    }
  }
}

/// A TOML config: parsed, then its [model] and [compile] tables read by the strict config readers
/// (the schema checks) and the model compiled with them; the document is written back as TOML,
/// which must parse again.
inline void toml(Bytes data) {
  const ConfigDocument doc = parse_toml(as_text(data), "fuzz.toml");
  (void)parse_toml(to_toml(doc.root), "fuzz.toml (written back)");
  std::unique_ptr<Sequential> model;
  if (doc.root.contains("model")) model = sequential_from_config(ConfigObject(doc.root["model"], "model", &doc.source));
  if (doc.root.contains("compile")) {
    CompileOptions options = compile_options_from_config(ConfigObject(doc.root["compile"], "compile", &doc.source));
    if (model) model->compile(std::move(options));
  }
}

/// safetensors bytes; what decodes must encode and decode again to the same tensors and metadata.
inline void safetensors(Bytes data) {
  const TensorFile file = decode_safetensors(data, "fuzz.safetensors");
  const TensorFile again = decode_safetensors(encode_safetensors(file), "fuzz.safetensors (written back)");
  bool same = again.metadata == file.metadata && again.tensors.size() == file.tensors.size();
  for (std::size_t i = 0; same && i < file.tensors.size(); ++i) {
    const Tensor& a = file.tensors[i];
    const Tensor& b = again.tensors[i];
    same = a.name == b.name && a.shape == b.shape && a.data.size() == b.data.size() &&
           (a.data.empty() || std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0);
  }
  if (!same) throw std::logic_error("safetensors: encode(decode(file)) decodes to something else");
}

/// A model file or checkpoint: loaded as `mlp predict` loads it, and, when the model is compiled,
/// restored as a checkpoint into it as `mlp train --resume` does.
inline void model(Bytes data) {
  SavedModel saved = load_model_from_bytes(data, "fuzz.model");
  if (saved.model->compiled()) (void)restore_checkpoint_from_bytes(data, "fuzz.model", *saved.model);
}

/// A PNG or JPEG: decoded, and (when small) turned into a sample in each style.
/// A Keras file (.keras zip, legacy .h5, weights-only files refused without an architecture):
/// imported, then the model predicts one row of zeros per input.
inline void keras(Bytes data) {
  KerasModel k = load_keras_from_bytes(data, "fuzz.keras");
  std::vector<Matrix> xs;
  for (std::size_t i = 0; i < k.model->num_inputs(); ++i) xs.emplace_back(1, features(k.model->input_shapes()[i]));
  (void)k.model->predict(Inputs(xs.begin(), xs.end()));
}

inline void image(Bytes data) {
  const GrayImage gray = decode_image(data, "fuzz.img");
  if (gray.width * gray.height > (1u << 16)) return;
  for (const ImageStyle style : {ImageStyle::kMnistDigit, ImageStyle::kFashionItem, ImageStyle::kResize}) {
    try {
      (void)to_dataset_sample(gray, style);
    } catch (const Error&) {
    }
  }
}

struct Entry {
  const char* name;  // fuzz/fuzz_<name>.cpp, fuzz/corpus/<name>/, tests/fuzz_regressions/<name>/
  void (*run)(Bytes);
};

inline constexpr Entry kEntries[] = {
    {"idx", idx},     {"idx_gzip", idx_gzip}, {"csv", csv},    {"toml", toml}, {"safetensors", safetensors},
    {"model", model}, {"keras", keras},       {"image", image}};

/// What LLVMFuzzerTestOneInput does: the entry on the input, mlp::Error accepted, anything else escapes.
inline int run_one(void (*entry)(Bytes), const std::uint8_t* data, std::size_t size) {
  try {
    entry(Bytes(data, size));
  } catch (const Error&) {
  }
  return 0;
}

}  // namespace mlp::fuzz
