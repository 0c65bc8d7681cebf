// SPDX-License-Identifier: MIT
// load_keras: the layout by content (keras.hpp), the architecture through keras_config.cpp and
// model_from_config, then every weight copied into the layer Keras would load it into.
#include <zip.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "hdf5_file.hpp"
#include "keras_detail.hpp"
#include "mlp/error.hpp"
#include "mlp/interop/keras.hpp"
#include "mlp/loss.hpp"
#include "mlp/metric.hpp"
#include "mlp/model_file.hpp"
#include "mlp/serialize.hpp"

namespace mlp {
namespace {

using keras_detail::KerasArchitecture;
using keras_detail::KerasLayer;
using nlohmann::json;

constexpr std::uint64_t kMaxFileBytes = std::uint64_t{4} << 30;

std::vector<std::uint8_t> read_all(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    throw Error(path + ": not a regular file");
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error(path + ": cannot open: " + std::strerror(errno));
  const auto size = static_cast<std::uint64_t>(in.tellg());
  if (size > kMaxFileBytes) throw Error(path + ": file too large");
  std::vector<std::uint8_t> bytes(size);
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    throw Error(path + ": read failed");
  }
  return bytes;
}

bool is_zip(std::span<const std::uint8_t> b) { return b.size() >= 4 && std::memcmp(b.data(), "PK\x03\x04", 4) == 0; }

// The members of a .keras zip, each refused when it claims more than the zip holds.
std::map<std::string, std::vector<std::uint8_t>> read_zip(std::span<const std::uint8_t> bytes,
                                                          const std::string& source) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (src == nullptr) throw Error(source + ": cannot read the zip");
  zip_t* archive = zip_open_from_source(src, ZIP_RDONLY, &error);
  if (archive == nullptr) {
    zip_source_free(src);
    const std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    throw Error(source + ": not a readable zip (" + why + ")");
  }
  struct Closer {
    zip_t* z;
    ~Closer() { zip_discard(z); }
  } closer{archive};
  std::map<std::string, std::vector<std::uint8_t>> out;
  for (const char* name : {"config.json", "metadata.json", "model.weights.h5"}) {
    const zip_int64_t index = zip_name_locate(archive, name, 0);
    if (index < 0) continue;
    zip_stat_t st;
    if (zip_stat_index(archive, static_cast<zip_uint64_t>(index), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
      throw Error(source + ": unreadable zip member " + name);
    }
    // A stored member cannot be larger than the archive; a deflated one at most ~1032x its input.
    if (st.size > kMaxFileBytes || st.size > bytes.size() * std::uint64_t{1032}) {
      throw Error(source + ": zip member " + name + " claims " + std::to_string(st.size) + " bytes (a forged zip)");
    }
    zip_file_t* f = zip_fopen_index(archive, static_cast<zip_uint64_t>(index), 0);
    if (f == nullptr) throw Error(source + ": cannot open zip member " + name);
    std::vector<std::uint8_t> data(st.size);
    const zip_int64_t got = zip_fread(f, data.data(), data.size());
    zip_fclose(f);
    if (got < 0 || static_cast<std::uint64_t>(got) != st.size)
      throw Error(source + ": zip member " + name + " is truncated");
    out[name] = std::move(data);
  }
  return out;
}

json parse_json(const std::string& text, const std::string& source) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw Error(source + ": not valid JSON (" + e.what() + ")");
  }
}

std::unique_ptr<Model> build_model(const KerasArchitecture& arch, const std::string& source) {
  try {
    ConfigObject c(arch.config, "model");
    auto model = model_from_config(std::move(c));
    if (!model->built()) throw Error("the architecture gives no input shape (no InputLayer and no batch_input_shape)");
    for (const std::string& name : arch.axis_one_layers) {
      // Axis 1 is the last axis only of a (batch, features) input; of a (batch, 28, 28) one it is
      // the first feature axis, which mlp's BatchNormalization does not normalise over.
      for (const auto& l : model->layers()) {
        if (l->name() == name && l->input_shape().size() != 1) {
          throw Error("layer '" + name + "' (BatchNormalization): axis 1 of an input of rank " +
                      std::to_string(l->input_shape().size() + 1) +
                      " is not its last axis; only the last axis (-1) is supported");
        }
      }
    }
    return model;
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
}

Layer* find_layer(Model& model, const std::string& name) {
  for (const auto& l : model.layers()) {
    if (l->name() == name) return l.get();
  }
  return nullptr;
}

std::vector<Param*> buffers(Layer& layer) {
  std::vector<Param*> out = layer.params();
  for (Param* p : layer.state()) out.push_back(p);
  return out;
}

// Copies a saved tensor into a buffer of the layer after checking its shape: a kernel (I, O)
// against (rows, cols), a vector against the buffer's size.
void assign(Param& p, const hdf5::Dataset& d, const std::string& where) {
  std::string shape;
  for (auto x : d.dims) shape += (shape.empty() ? "" : ", ") + std::to_string(x);
  const std::string expected = p.value.rows() == 1
                                   ? std::to_string(p.value.cols())
                                   : std::to_string(p.value.rows()) + ", " + std::to_string(p.value.cols());
  const bool ok = d.dims.size() == 2 ? (d.dims[0] == p.value.rows() && d.dims[1] == p.value.cols())
                                     : (d.dims.size() == 1 && d.dims[0] == p.value.size());
  if (!ok)
    throw Error(where + ": " + p.name + " has shape (" + shape + ") in the file, the layer needs (" + expected + ")");
  std::size_t k = 0;
  for (std::size_t r = 0; r < p.value.rows(); ++r) {
    Scalar* row = p.value.row(r);
    for (std::size_t c = 0; c < p.value.cols(); ++c) row[c] = static_cast<Scalar>(d.values[k++]);
  }
}

std::vector<Layer*> weighted_layers(Model& model) {
  std::vector<Layer*> out;
  for (const auto& l : model.layers()) {
    if (!buffers(*l).empty()) out.push_back(l.get());
  }
  return out;
}

// Legacy HDF5 weights: `group` holds layer_names and a group per layer with weight_names.
void load_legacy_weights(Model& model, hid_t group, const std::string& source) {
  const std::vector<std::string> names = hdf5::read_strings(group, "layer_names", source);
  struct Saved {
    std::string name;
    std::vector<std::string> weights;
  };
  std::vector<Saved> saved;
  for (const std::string& n : names) {
    if (!hdf5::is_group(group, n)) throw Error(source + ": layer_names lists '" + n + "' but there is no such group");
    hdf5::H5Id g = hdf5::open_group(group, n, source);
    Saved s{n, hdf5::read_strings(g.get(), "weight_names", source + ": layer '" + n + "'")};
    if (!s.weights.empty()) saved.push_back(std::move(s));
  }
  const std::vector<Layer*> targets = weighted_layers(model);
  if (saved.size() != targets.size()) {
    std::string t;
    for (Layer* l : targets) t += (t.empty() ? "" : ", ") + l->name();
    throw Error(source + ": the file has weights for " + std::to_string(saved.size()) + " layers, the model has " +
                std::to_string(targets.size()) + " layers with weights (" + t + ")");
  }
  // By name when every saved name is a layer of the model (and distinct), else by position, as Keras does.
  bool by_name = true;
  std::set<std::string> seen;
  for (const Saved& s : saved) {
    Layer* l = find_layer(model, s.name);
    by_name = by_name && l != nullptr && !buffers(*l).empty() && seen.insert(s.name).second;
  }
  for (std::size_t i = 0; i < saved.size(); ++i) {
    Layer& layer = by_name ? *find_layer(model, saved[i].name) : *targets[i];
    const std::string where = source + ": layer '" + layer.name() + "' (" + std::string(layer.kind()) + ")";
    std::vector<Param*> bufs = buffers(layer);
    if (bufs.size() != saved[i].weights.size()) {
      throw Error(where + ": the file has " + std::to_string(saved[i].weights.size()) +
                  " weights for it, the layer has " + std::to_string(bufs.size()));
    }
    hdf5::H5Id g = hdf5::open_group(group, saved[i].name, source);
    for (std::size_t k = 0; k < bufs.size(); ++k) {
      assign(*bufs[k], hdf5::read_dataset(g.get(), saved[i].weights[k], where), where);
    }
  }
}

// Keras 3 weights: /layers/<snake_case(class)>[_n]/vars/<i>, counted per class in config order.
void load_keras3_weights(Model& model, const std::vector<KerasLayer>& layers, hid_t root, const std::string& source) {
  std::string top = "layers";
  if (!hdf5::is_group(root, top) && hdf5::is_group(root, "_layer_checkpoint_dependencies"))
    top = "_layer_checkpoint_dependencies";
  if (!hdf5::is_group(root, top)) throw Error(source + ": no 'layers' group (not a Keras 3 weights file)");
  std::map<std::string, int> counts;
  for (const KerasLayer& kl : layers) {
    const std::string base = keras_detail::snake_case(kl.class_name);
    if (kl.class_name == "InputLayer") continue;
    const int n = counts[base]++;
    const std::string path = top + "/" + base + (n == 0 ? "" : "_" + std::to_string(n)) + "/vars";
    Layer* layer = find_layer(model, kl.name);
    if (layer == nullptr) continue;
    const std::string where = source + ": layer '" + kl.name + "' (" + kl.class_name + ", " + path + ")";
    std::vector<Param*> bufs = buffers(*layer);
    if (bufs.empty()) continue;
    if (!hdf5::is_group(root, path)) throw Error(where + ": the weights are missing");
    std::vector<std::string> vars = hdf5::children(root, path, source);
    std::vector<std::size_t> indices;
    for (const std::string& v : vars) {
      if (v.empty() || v.size() > 6 || !std::all_of(v.begin(), v.end(), ::isdigit)) continue;
      indices.push_back(std::stoul(v));
    }
    std::sort(indices.begin(), indices.end());
    if (indices.size() != bufs.size()) {
      throw Error(where + ": the file has " + std::to_string(indices.size()) + " weights for it, the layer has " +
                  std::to_string(bufs.size()));
    }
    for (std::size_t k = 0; k < bufs.size(); ++k) {
      if (indices[k] != k) throw Error(where + ": vars/" + std::to_string(k) + " is missing");
      assign(*bufs[k], hdf5::read_dataset(root, path + "/" + std::to_string(k), where), where);
    }
  }
}

struct Architecture {
  std::unique_ptr<Model> model;
  std::vector<KerasLayer> layers;
};

Architecture architecture_from_json(const std::string& text, const std::string& source) {
  KerasArchitecture arch = keras_detail::convert_architecture(parse_json(text, source), source);
  Architecture a;
  a.model = build_model(arch, source);
  a.layers = std::move(arch.layers);
  return a;
}

// --architecture: a Keras JSON, a .keras zip (its config.json), or an mlp model file (its layers'
// kinds are Keras class names).
Architecture architecture_from_file(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_all(path);
  if (is_zip(bytes)) {
    auto members = read_zip(bytes, path);
    if (!members.contains("config.json")) throw Error(path + ": a zip without config.json");
    return architecture_from_json(std::string(members["config.json"].begin(), members["config.json"].end()),
                                  path + "/config.json");
  }
  std::size_t i = 0;
  while (i < bytes.size() && std::isspace(bytes[i])) ++i;
  if (i < bytes.size() && bytes[i] == '{') return architecture_from_json(std::string(bytes.begin(), bytes.end()), path);
  Architecture a;
  a.model = std::move(load_model_from_bytes(bytes, path).model);
  for (const auto& l : a.model->layers()) a.layers.push_back({l->name(), std::string(l->kind())});
  return a;
}

// training_config (legacy) / compile_config (config.json) are not applied, but names in them that
// mlp does not know (a notebook's own metric functions) are reported: the model loads anyway.
void warn_unknown_training_names(const std::string& text, const std::string& source,
                                 std::vector<std::string>& warnings) {
  json c;
  try {
    c = json::parse(text);
  } catch (const json::exception&) {
    warnings.push_back(source + ": the training config is not valid JSON: ignored");
    return;
  }
  if (!c.is_object()) return;
  const std::string loss = c.contains("loss") && c["loss"].is_string() ? c["loss"].get<std::string>() : "";
  if (!loss.empty()) {
    try {
      (void)make_loss({.name = loss});
    } catch (const Error&) {
      warnings.push_back(source + ": the training config's loss '" + loss + "' is not one mlp has: ignored");
    }
  }
  std::vector<std::string> names;
  std::function<void(const json&, int)> collect = [&](const json& v, int depth) {
    if (depth > 4) return;
    if (v.is_string()) names.push_back(v.get<std::string>());
    // Keras 2.5+: {"class_name": "MeanMetricWrapper", "config": {"name": "accuracy", "fn": ...}}
    if (v.is_object() && v.contains("config") && v["config"].is_object() && v["config"].contains("name") &&
        v["config"]["name"].is_string()) {
      names.push_back(v["config"]["name"].get<std::string>());
    }
    if (v.is_array()) {
      for (const json& e : v) collect(e, depth + 1);
    }
  };
  if (c.contains("metrics")) collect(c["metrics"], 0);
  for (const std::string& n : names) {
    try {
      (void)make_metric(
          n, loss.empty() || loss.find("crossentropy") == std::string::npos ? "categorical_crossentropy" : loss, 10);
    } catch (const Error&) {
      warnings.push_back(source + ": the training config names metric '" + n + "', which mlp does not have: ignored");
    }
  }
}

}  // namespace

std::unique_ptr<Model> model_from_keras_json(const std::string& json_text, const std::string& source) {
  return architecture_from_json(json_text, source).model;
}

KerasModel load_keras(const std::string& path, const std::string& architecture) {
  return load_keras_from_bytes(read_all(path), path, architecture);
}

KerasModel load_keras_from_bytes(std::span<const std::uint8_t> bytes, const std::string& path,
                                 const std::string& architecture) {
  KerasModel out;
  if (is_zip(bytes)) {
    auto members = read_zip(bytes, path);
    for (const char* m : {"config.json", "model.weights.h5"}) {
      if (!members.contains(m)) throw Error(path + ": a .keras zip without " + std::string(m));
    }
    if (members.contains("metadata.json")) {
      const json meta = parse_json(std::string(members["metadata.json"].begin(), members["metadata.json"].end()),
                                   path + "/metadata.json");
      if (meta.is_object() && meta.contains("keras_version") && meta["keras_version"].is_string()) {
        out.keras_version = meta["keras_version"].get<std::string>();
      }
    }
    Architecture a =
        architecture.empty()
            ? architecture_from_json(std::string(members["config.json"].begin(), members["config.json"].end()),
                                     path + "/config.json")
            : architecture_from_file(architecture);
    {
      const std::string config(members["config.json"].begin(), members["config.json"].end());
      const json c = parse_json(config, path + "/config.json");
      if (c.is_object() && c.contains("compile_config") && c["compile_config"].is_object()) {
        warn_unknown_training_names(c["compile_config"].dump(), path, out.warnings);
      }
    }
    hdf5::File weights = hdf5::File::from_bytes(members["model.weights.h5"], path + "/model.weights.h5");
    load_keras3_weights(*a.model, a.layers, weights.root(), weights.source());
    out.model = std::move(a.model);
    out.layout = "keras_zip";
    return out;
  }
  hdf5::File file = hdf5::File::from_bytes(bytes, path);
  const hid_t root = file.root();
  if (hdf5::has_attribute(root, "keras_version")) out.keras_version = hdf5::read_string(root, "keras_version", path);
  if (hdf5::has_attribute(root, "model_config")) {
    Architecture a = architecture.empty() ? architecture_from_json(hdf5::read_string(root, "model_config", path), path)
                                          : architecture_from_file(architecture);
    if (hdf5::has_attribute(root, "training_config")) {
      warn_unknown_training_names(hdf5::read_string(root, "training_config", path), path, out.warnings);
    }
    if (!hdf5::is_group(root, "model_weights")) throw Error(path + ": a model_config but no model_weights group");
    hdf5::H5Id g = hdf5::open_group(root, "model_weights", path);
    load_legacy_weights(*a.model, g.get(), path);
    out.model = std::move(a.model);
    out.layout = "h5_full";
    return out;
  }
  const bool legacy = hdf5::has_attribute(root, "layer_names") || hdf5::has_attribute(root, "layer_names0");
  const bool keras3 = hdf5::is_group(root, "layers") || hdf5::is_group(root, "_layer_checkpoint_dependencies");
  if (!legacy && !keras3) {
    throw Error(path + ": an HDF5 file but not a Keras one (no model_config, layer_names or layers group)");
  }
  if (architecture.empty()) {
    throw Error(path + ": a weights-only Keras file (" +
                std::string(legacy ? "legacy save_weights" : "Keras 3 .weights.h5") +
                "): give the architecture (--architecture: model.to_json() output, a config.json or an mlp model)");
  }
  Architecture a = architecture_from_file(architecture);
  if (legacy) {
    load_legacy_weights(*a.model, root, path);
    out.layout = "h5_weights";
  } else {
    load_keras3_weights(*a.model, a.layers, root, path);
    out.layout = "keras3_weights";
  }
  out.model = std::move(a.model);
  return out;
}

}  // namespace mlp
