// SPDX-License-Identifier: MIT
// save_keras: a built model as the files Keras 3 writes (checked attribute by attribute against
// real files by tests/check_keras_layout.py):
//   .h5     root attrs backend, keras_version (vlen UTF-8), model_config (vlen ASCII JSON,
//           {"class_name", "config"} layers); /model_weights attrs backend, keras_version,
//           layer_names (vlen ASCII); per layer weight_names "<model>/<layer>/<param>" and the
//           datasets at /model_weights/<layer>/<model>/<layer>/<param>, float32; an empty
//           weight_names is float64 (0,), as h5py writes an empty list
//   .keras  a zip, members stored: metadata.json, config.json ({"module", "class_name", "config",
//           "registered_name", "build_config"} per layer), model.weights.h5 with
//           /layers/<snake_case class>[_n]/vars/<i> and a "name" attribute (vlen UTF-8) per vars group
// The HDF5 file is written in memory (core driver, H5Fget_file_image), the file atomically.
#include <zip.h>

#include <map>

#include "hdf5_file.hpp"
#include "keras_detail.hpp"
#include "mlp/error.hpp"
#include "mlp/interop/keras.hpp"
#include "mlp/io/files.hpp"
#include "mlp/layer.hpp"

namespace mlp {
namespace {

using nlohmann::json;
constexpr const char* kKerasVersion = "3.11.3";  // the Keras whose layout is written (docs/interop.md)

json batch_shape(const Shape& s) {
  json out = json::array({nullptr});
  for (auto d : s) out.push_back(d);
  return out;
}

json keras_regularizer(const json& r) {
  if (r.is_null()) return nullptr;
  const double l1 = r.value("l1", 0.0), l2 = r.value("l2", 0.0);
  if (l1 == 0 && l2 == 0) return nullptr;
  return {{"module", "keras.regularizers"},
          {"class_name", "L1L2"},
          {"config", {{"l1", l1}, {"l2", l2}}},
          {"registered_name", nullptr}};
}

// The Keras config of one layer (what Keras 3's from_config reads; initializers are left at Keras'
// defaults: the weights are in the file).
json keras_layer_config(const Layer& layer) {
  const json c = layer.config();
  const std::string kind(layer.kind());
  json k = {{"name", layer.name()}, {"trainable", layer.trainable()}, {"dtype", "float32"}};
  auto take = [&](const char* key) {
    if (c.contains(key)) k[key] = c[key];
  };
  if (kind == "InputLayer") {
    return {{"batch_shape", batch_shape(layer.output_shape())},
            {"dtype", "float32"},
            {"sparse", false},
            {"ragged", false},
            {"name", layer.name()}};
  }
  if (kind == "Dense") {
    take("units");
    take("activation");
    take("use_bias");
    for (const char* r : {"kernel_regularizer", "bias_regularizer", "activity_regularizer"}) {
      k[r] = keras_regularizer(c.value(r, json()));
    }
  } else if (kind == "BatchNormalization") {
    k["axis"] = -1;
    take("momentum");
    take("epsilon");
    take("center");
    take("scale");
    for (const char* r : {"beta_regularizer", "gamma_regularizer"}) k[r] = keras_regularizer(c.value(r, json()));
  } else if (kind == "Flatten") {
    k["data_format"] = "channels_last";
  } else {
    for (const auto& [key, value] : c.items()) k[key] = value;  // Activation, Dropout, ..., Concatenate: Keras' names
  }
  return k;
}

// Keras 3 layers that are built in __init__ have no build_config in config.json.
bool built_at_construction(const Layer& l) {
  const std::string k(l.kind());
  return k == "InputLayer" || k == "Dropout" || k == "AlphaDropout" || k == "GaussianNoise" || k == "Activation" ||
         k == "LeakyReLU";
}

struct Exported {
  json config;                       // {"class_name", "config"} (legacy form)
  json config_v3;                    // {"module", "class_name", "config", ...} (config.json form)
  std::vector<const Layer*> layers;  // in config order (a synthesized Sequential input excluded)
};

Exported export_config(const Model& model) {
  if (!model.built()) throw Error("Keras export: the model must be built");
  Exported e;
  json layers = json::array(), layers_v3 = json::array();
  auto add = [&](const std::string& cls, json cfg, const json& build_input, json extra) {
    json legacy = {{"class_name", cls}, {"config", cfg}};
    json v3 = {
        {"module", "keras.layers"}, {"class_name", cls}, {"config", std::move(cfg)}, {"registered_name", nullptr}};
    if (!build_input.is_null()) v3["build_config"] = {{"input_shape", build_input}};
    for (const auto& [key, value] : extra.items()) {
      legacy[key] = value;
      v3[key] = value;
    }
    layers.push_back(std::move(legacy));
    layers_v3.push_back(std::move(v3));
  };
  const auto& all = model.layers();
  if (!model.functional()) {
    if (all.empty() || all.front()->kind() != "InputLayer") {
      std::string name = "input_layer";
      for (const auto& l : all) {
        if (l->name() == name) name = "input_layer_0";
      }
      add("InputLayer",
          {{"batch_shape", batch_shape(model.input_shape())},
           {"dtype", "float32"},
           {"sparse", false},
           {"ragged", false},
           {"name", name}},
          nullptr, json::object());
    }
    for (const auto& l : all) {
      e.layers.push_back(l.get());
      add(std::string(l->kind()), keras_layer_config(*l),
          built_at_construction(*l) ? json() : batch_shape(l->input_shape()), json::object());
    }
    json cfg = {{"name", model.name()}, {"trainable", true}, {"dtype", "float32"}, {"layers", layers}};
    e.config = {{"class_name", "Sequential"}, {"config", cfg}};
    cfg["layers"] = layers_v3;
    e.config_v3 = {{"module", "keras"},
                   {"class_name", "Sequential"},
                   {"config", cfg},
                   {"registered_name", nullptr},
                   {"build_config", {{"input_shape", batch_shape(model.input_shape())}}},
                   {"compile_config", nullptr}};
    return e;
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Layer& l = *all[i];
    e.layers.push_back(&l);
    json args = json::array();
    for (std::size_t from : model.inbound(i)) {
      const Layer& src = *all[from];
      args.push_back({{"class_name", "__keras_tensor__"},
                      {"config",
                       {{"shape", batch_shape(src.output_shape())},
                        {"dtype", "float32"},
                        {"keras_history", json::array({src.name(), 0, 0})}}}});
    }
    json nodes = json::array();
    if (!args.empty()) {
      const std::string kind(l.kind());
      const bool merge = kind == "Concatenate" || kind == "Add" || kind == "Average" || kind == "Multiply";
      nodes.push_back({{"args", merge ? json::array({args}) : args}, {"kwargs", json::object()}});
    }
    json build = json();
    if (!built_at_construction(l)) {
      if (model.inbound(i).size() == 1) {
        build = batch_shape(all[model.inbound(i)[0]]->output_shape());
      } else {
        build = json::array();
        for (std::size_t from : model.inbound(i)) build.push_back(batch_shape(all[from]->output_shape()));
      }
    }
    add(std::string(l.kind()), keras_layer_config(l), build, {{"name", l.name()}, {"inbound_nodes", nodes}});
  }
  json ins = json::array(), outs = json::array();
  for (std::size_t i : model.input_layers()) ins.push_back(json::array({all[i]->name(), 0, 0}));
  for (std::size_t o : model.output_layers()) outs.push_back(json::array({all[o]->name(), 0, 0}));
  json cfg = {
      {"name", model.name()}, {"trainable", true}, {"layers", layers}, {"input_layers", ins}, {"output_layers", outs}};
  e.config = {{"class_name", "Functional"}, {"config", cfg}};
  cfg["layers"] = layers_v3;
  e.config_v3 = {{"module", "keras"},       {"class_name", "Functional"},
                 {"config", cfg},           {"registered_name", "Functional"},
                 {"build_config", nullptr}, {"compile_config", nullptr}};
  return e;
}

std::vector<Param*> buffers(Layer& layer) {
  std::vector<Param*> out = layer.params();
  for (Param* p : layer.state()) out.push_back(p);
  return out;
}

void write_param(hid_t loc, const std::string& name, const Param& p, const std::string& source) {
  std::vector<float> values;
  values.reserve(p.value.size());
  for (std::size_t r = 0; r < p.value.rows(); ++r) {
    for (std::size_t c = 0; c < p.value.cols(); ++c) values.push_back(static_cast<float>(p.value(r, c)));
  }
  // A kernel is (I, O); a bias or a BatchNormalization vector (O,), stored (1, O) by mlp.
  std::vector<std::uint64_t> dims = p.value.rows() == 1 && p.name != "kernel"
                                        ? std::vector<std::uint64_t>{p.value.cols()}
                                        : std::vector<std::uint64_t>{p.value.rows(), p.value.cols()};
  hdf5::write_dataset(loc, name, dims, values, source);
}

std::vector<std::uint8_t> legacy_h5(Model& model) {
  const Exported e = export_config(model);
  hdf5::File f = hdf5::File::create_in_memory("Keras .h5");
  const hid_t root = f.root();
  hdf5::write_string(root, "backend", "tensorflow", hdf5::Cset::kUtf8);
  hdf5::write_string(root, "keras_version", kKerasVersion, hdf5::Cset::kUtf8);
  hdf5::write_string(root, "model_config", e.config.dump(), hdf5::Cset::kAscii);
  hdf5::H5Id weights = hdf5::create_group(root, "model_weights", f.source());
  hdf5::write_string(weights.get(), "backend", "tensorflow", hdf5::Cset::kAscii);
  hdf5::write_string(weights.get(), "keras_version", kKerasVersion, hdf5::Cset::kAscii);
  std::vector<std::string> names;
  for (const Layer* l : e.layers) {
    if (l->kind() != "InputLayer") names.push_back(l->name());
  }
  hdf5::write_strings(weights.get(), "layer_names", names, hdf5::Cset::kAscii);
  for (const Layer* cl : e.layers) {
    if (cl->kind() == "InputLayer") continue;
    Layer& l = const_cast<Layer&>(*cl);
    hdf5::H5Id g = hdf5::create_group(weights.get(), l.name(), f.source());
    std::vector<std::string> wn;
    const std::vector<Param*> bufs = buffers(l);
    if (!bufs.empty()) {
      hdf5::H5Id m = hdf5::create_group(g.get(), model.name(), f.source());
      hdf5::H5Id inner = hdf5::create_group(m.get(), l.name(), f.source());
      for (const Param* p : bufs) {
        wn.push_back(model.name() + "/" + l.name() + "/" + p->name);
        write_param(inner.get(), p->name, *p, f.source());
      }
    }
    hdf5::write_strings(g.get(), "weight_names", wn, hdf5::Cset::kAscii);
  }
  hdf5::H5Id top = hdf5::create_group(weights.get(), "top_level_model_weights", f.source());
  hdf5::write_strings(top.get(), "weight_names", {}, hdf5::Cset::kAscii);
  return f.bytes();
}

std::vector<std::uint8_t> keras3_weights(const Model& model, const Exported& e) {
  const bool functional = model.functional();
  hdf5::File f = hdf5::File::create_in_memory("model.weights.h5");
  {
    hdf5::H5Id own = hdf5::create_group(f.root(), "vars", f.source());  // the model's own (no) variables
    hdf5::write_string(own.get(), "name", model.name(), hdf5::Cset::kUtf8);
  }
  hdf5::H5Id layers = hdf5::create_group(f.root(), "layers", f.source());
  std::map<std::string, int> counts;
  for (const Layer* cl : e.layers) {
    if (!functional && cl->kind() == "InputLayer") continue;  // a Sequential's layers exclude it
    Layer& l = const_cast<Layer&>(*cl);
    const std::string base = keras_detail::snake_case(std::string(l.kind()));
    const int n = counts[base]++;
    hdf5::H5Id g = hdf5::create_group(layers.get(), base + (n == 0 ? "" : "_" + std::to_string(n)), f.source());
    hdf5::H5Id vars = hdf5::create_group(g.get(), "vars", f.source());
    hdf5::write_string(vars.get(), "name", l.name(), hdf5::Cset::kUtf8);
    const std::vector<Param*> bufs = buffers(l);
    for (std::size_t i = 0; i < bufs.size(); ++i) write_param(vars.get(), std::to_string(i), *bufs[i], f.source());
  }
  return f.bytes();
}

std::vector<std::uint8_t> keras_zip(Model& model) {
  const Exported e = export_config(model);
  const std::string metadata = json{{"keras_version", kKerasVersion}, {"date_saved", "1980-01-01@00:00:00"}}.dump();
  const std::string config = e.config_v3.dump();
  const std::vector<std::uint8_t> weights = keras3_weights(model, e);
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (out == nullptr) throw Error("Keras export: cannot create a zip in memory");
  zip_t* z = zip_open_from_source(out, ZIP_TRUNCATE, &error);
  if (z == nullptr) {
    zip_source_free(out);
    throw Error("Keras export: cannot create a zip in memory");
  }
  zip_source_keep(out);
  auto add = [&](const char* name, const void* data, std::size_t size) {
    zip_source_t* s = zip_source_buffer(z, data, size, 0);
    const zip_int64_t i = s == nullptr ? -1 : zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8);
    if (i < 0) {
      if (s != nullptr) zip_source_free(s);
      zip_discard(z);
      zip_source_free(out);
      throw Error(std::string("Keras export: cannot add ") + name + " to the zip");
    }
    zip_set_file_compression(z, static_cast<zip_uint64_t>(i), ZIP_CM_STORE, 0);
    zip_file_set_mtime(z, static_cast<zip_uint64_t>(i), 315532800 + 12 * 3600, 0);  // 1980-01-01, as Keras' members
  };
  add("metadata.json", metadata.data(), metadata.size());
  add("config.json", config.data(), config.size());
  add("model.weights.h5", weights.data(), weights.size());
  if (zip_close(z) != 0) {
    zip_discard(z);
    zip_source_free(out);
    throw Error("Keras export: writing the zip failed");
  }
  std::vector<std::uint8_t> bytes;
  if (zip_source_open(out) == 0) {
    zip_source_seek(out, 0, SEEK_END);
    const zip_int64_t size = zip_source_tell(out);
    zip_source_seek(out, 0, SEEK_SET);
    if (size > 0) {
      bytes.resize(static_cast<std::size_t>(size));
      if (zip_source_read(out, bytes.data(), bytes.size()) != size) bytes.clear();
    }
    zip_source_close(out);
  }
  zip_source_free(out);
  if (bytes.empty()) throw Error("Keras export: reading the zip back failed");
  return bytes;
}

}  // namespace

std::vector<std::uint8_t> keras_bytes(Model& model, KerasFormat format) {
  for (const auto& l : model.layers()) {
    static const std::vector<std::string> kKnown = {
        "InputLayer",   "Flatten",       "Dense",     "Activation",         "Dropout",
        "AlphaDropout", "GaussianNoise", "LeakyReLU", "BatchNormalization", "Concatenate",
        "Add",          "Average",       "Multiply"};
    if (std::find(kKnown.begin(), kKnown.end(), l->kind()) == kKnown.end()) {
      throw Error("Keras export: layer '" + l->name() + "' (" + std::string(l->kind()) + ") has no Keras equivalent");
    }
  }
  return format == KerasFormat::kKeras ? keras_zip(model) : legacy_h5(model);
}

void save_keras(const std::string& path, Model& model, KerasFormat format) {
  const std::vector<std::uint8_t> bytes = keras_bytes(model, format);
  write_file_atomic(path, bytes);
}

}  // namespace mlp
