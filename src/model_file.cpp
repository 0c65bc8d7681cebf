// SPDX-License-Identifier: MIT
#include "mlp/model_file.hpp"

#include <set>

#include "mlp/io/safetensors.hpp"
#include "mlp/serialize.hpp"
#include "model_file_detail.hpp"

namespace mlp {
namespace {

constexpr std::string_view kFormat = "mlp.model";

// Keras shapes: a kernel is (I, O); vectors (bias, gamma, moving statistics) are (O,).
std::vector<std::size_t> tensor_shape(const Param& p) {
  if (p.name != "kernel" && p.value.rows() == 1) return {p.value.cols()};
  return {p.value.rows(), p.value.cols()};
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

namespace detail {

std::vector<std::pair<std::string, Param*>> saved_buffers(Model& model) {
  std::vector<std::pair<std::string, Param*>> out;
  for (const auto& layer : model.layers()) {
    for (Param* p : layer->params()) out.emplace_back(layer->name() + "/" + p->name, p);
    for (Param* p : layer->state()) out.emplace_back(layer->name() + "/" + p->name, p);
  }
  return out;
}

nlohmann::json parse_metadata(const TensorFile& file, const std::string& key, const std::string& path) {
  auto it = file.metadata.find(key);
  if (it == file.metadata.end()) throw Error(path + ": not an mlp model file: metadata has no \"" + key + "\"");
  try {
    return nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": corrupt model file: metadata \"" + key + "\" is not valid JSON (" + e.what() + ")");
  }
}

Tensor to_tensor(std::string name, const Param& p) {
  Tensor t{.name = std::move(name), .shape = tensor_shape(p), .data = {}};
  t.data.reserve(p.value.size());
  for (std::size_t r = 0; r < p.value.rows(); ++r) {
    const Scalar* row = p.value.row(r);
    for (std::size_t c = 0; c < p.value.cols(); ++c) t.data.push_back(static_cast<float>(row[c]));
  }
  return t;
}

void copy_into(const Tensor& t, Matrix& m) {
  std::size_t k = 0;
  for (std::size_t r = 0; r < m.rows(); ++r) {
    Scalar* row = m.row(r);
    for (std::size_t c = 0; c < m.cols(); ++c) row[c] = static_cast<Scalar>(t.data[k++]);
  }
}

TensorFile model_tensor_file(Model& model, const nlohmann::json& extra) {
  TensorFile file;
  file.metadata["format"] = kFormat;
  file.metadata["format_version"] = std::to_string(kModelFormatVersion);
  file.metadata["mlp_version"] = MLP_VERSION;
  file.metadata["model"] = model_config(model).dump();
  if (model.compiled()) file.metadata["compile"] = compile_config(model).dump();
  file.metadata["extra"] = extra.is_null() ? "{}" : extra.dump();
  for (const auto& [name, p] : saved_buffers(model)) file.tensors.push_back(to_tensor(name, *p));
  return file;
}

TensorFile read_model_tensor_file(const std::string& path) {
  return check_model_tensor_file(read_safetensors(path), path);
}

TensorFile decode_model_tensor_file(std::span<const std::uint8_t> bytes, const std::string& path) {
  return check_model_tensor_file(decode_safetensors(bytes, path), path);
}

TensorFile check_model_tensor_file(TensorFile file, const std::string& path) {
  auto format = file.metadata.find("format");
  if (format == file.metadata.end() || format->second != kFormat) {
    throw Error(path + ": a safetensors file, but not an mlp model (its metadata has no \"format\": \"" +
                std::string(kFormat) + "\"); only files written by mlp can be loaded");
  }
  auto version_it = file.metadata.find("format_version");
  int version = 0;
  try {
    if (version_it != file.metadata.end()) version = std::stoi(version_it->second);
  } catch (const std::exception&) {
    version = 0;
  }
  if (version <= 0) throw Error(path + ": corrupt model file: bad or missing \"format_version\"");
  if (version > kModelFormatVersion) {
    throw Error(path + ": written by a newer mlp (model format version " + std::to_string(version) + "); this mlp " +
                MLP_VERSION + " reads version " + std::to_string(kModelFormatVersion) + " — upgrade mlp to load it");
  }
  return file;
}

void read_weights(const TensorFile& file, Model& model, const std::string& path) {
  std::set<std::string> expected;
  const auto buffers = saved_buffers(model);
  std::vector<const Tensor*> sources;
  for (const auto& [name, p] : buffers) {
    expected.insert(name);
    const Tensor* t = file.find(name);
    if (t == nullptr) throw Error(path + ": tensor '" + name + "' is missing");
    const auto want = tensor_shape(*p);
    const bool vector_as_row = want.size() == 1 && t->shape == std::vector<std::size_t>{1, want[0]};
    if (t->shape != want && !vector_as_row) {
      throw Error(path + ": tensor '" + name + "' has shape " + shape_text(t->shape) + ", the model needs " +
                  shape_text(want));
    }
    sources.push_back(t);
  }
  for (const auto& t : file.tensors) {
    // Checkpoints keep the optimizer's and the callbacks' state beside the weights.
    if (!expected.contains(t.name) && !t.name.starts_with("optimizer/") && !t.name.starts_with("callbacks/")) {
      throw Error(path + ": tensor '" + t.name + "' belongs to no layer of the model");
    }
  }
  for (std::size_t i = 0; i < buffers.size(); ++i) copy_into(*sources[i], buffers[i].second->value);
}

}  // namespace detail

using detail::parse_metadata;
using detail::saved_buffers;

void save_model(const std::string& path, Model& model, const nlohmann::json& extra) {
  if (!model.built()) {
    throw Error("save_model: the model '" + model.name() + "' is not built yet (give it an input shape)");
  }
  write_safetensors(path, detail::model_tensor_file(model, extra));
}

namespace {

SavedModel load_model_file(const TensorFile& file, const std::string& path) {
  SavedModel saved;
  const nlohmann::json model_json = parse_metadata(file, "model", path);
  SourceMap source{.file = path, .lines = {}};
  try {
    saved.model = model_from_config(ConfigObject(model_json, "model", &source));
  } catch (const Error& e) {
    throw Error(std::string(e.what()).starts_with(path) ? e.what() : path + ": " + e.what());
  }
  if (!saved.model->built()) throw Error(path + ": model: no input_shape; the file cannot be used");

  detail::read_weights(file, *saved.model, path);

  if (file.metadata.contains("compile")) {
    const nlohmann::json compile_json = parse_metadata(file, "compile", path);
    try {
      saved.model->compile(compile_options_from_config(ConfigObject(compile_json, "compile", &source)));
    } catch (const Error& e) {
      throw Error(std::string(e.what()).starts_with(path) ? e.what() : path + ": " + e.what());
    }
  }
  saved.extra = file.metadata.contains("extra") ? parse_metadata(file, "extra", path) : nlohmann::json::object();
  return saved;
}

}  // namespace

SavedModel load_model(const std::string& path) { return load_model_file(detail::read_model_tensor_file(path), path); }

SavedModel load_model_from_bytes(std::span<const std::uint8_t> bytes, const std::string& source) {
  return load_model_file(detail::decode_model_tensor_file(bytes, source), source);
}

void copy_weights(Model& from, Model& to) {
  auto src = saved_buffers(from);
  auto dst = saved_buffers(to);
  if (src.size() != dst.size()) {
    throw Error("copy_weights: '" + from.name() + "' has " + std::to_string(src.size()) + " weight buffers, '" +
                to.name() + "' has " + std::to_string(dst.size()));
  }
  for (std::size_t i = 0; i < src.size(); ++i) {
    const Matrix& a = src[i].second->value;
    Matrix& b = dst[i].second->value;
    if (a.rows() != b.rows() || a.cols() != b.cols()) {
      throw Error("copy_weights: '" + src[i].first + "' and '" + dst[i].first + "' differ in shape");
    }
    for (std::size_t r = 0; r < a.rows(); ++r) std::copy(a.row(r), a.row(r) + a.cols(), b.row(r));
  }
}

}  // namespace mlp
