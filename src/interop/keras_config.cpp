// SPDX-License-Identifier: MIT
// Keras model configs → mlp's flat config. The forms met in real files:
//   Keras <= 2.1   {"class_name": "Sequential", "config": [layer, ...]}
//   Keras 2.2-2.x  {"class_name": "Sequential"|"Model"|"Functional", "config": {"name", "layers", ...}}
//                  the first layer (or an InputLayer) carries "batch_input_shape": [null, 28, 28]
//   Keras 3        the same, each layer {"module", "class_name", "config", "registered_name",
//                  "build_config"}; InputLayer has "batch_shape"; inbound nodes are
//                  {"args": [keras tensors], "kwargs"} with "keras_history": [layer, node, tensor]
// Only the keys that change what the model computes (or how it trains on) are read, so keys a
// newer Keras adds (quantization_config, dtype policies, constraints, initializers) are ignored.
#include <regex>

#include "keras_detail.hpp"
#include "mlp/error.hpp"

namespace mlp::keras_detail {
namespace {

using nlohmann::json;

const json* find(const json& o, const char* key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  return it == o.end() || it->is_null() ? nullptr : &*it;
}

// [null, 28, 28] → [28, 28].
json sample_shape(const json& batch_shape, const std::string& where) {
  if (!batch_shape.is_array() || batch_shape.size() < 2) {
    throw Error(where + ": expected a batch shape [null, ...], got " + batch_shape.dump());
  }
  json out = json::array();
  for (std::size_t i = 1; i < batch_shape.size(); ++i) {
    if (!batch_shape[i].is_number_unsigned() || batch_shape[i].get<std::uint64_t>() == 0) {
      throw Error(where + ": every sample dimension must be a known positive size, got " + batch_shape.dump());
    }
    out.push_back(batch_shape[i]);
  }
  return out;
}

// Keras' regularizer config ({"class_name": "L2", "config": {"l2": 0.001}}, L1, L1L2, or a name).
json regularizer(const json& r, const std::string& where) {
  if (r.is_string()) return r;
  const json* cfg = find(r, "config");
  const json* cls = find(r, "class_name");
  if (cls == nullptr || cfg == nullptr) throw Error(where + ": unreadable regularizer " + r.dump());
  const std::string c = cls->get<std::string>();
  if (c != "L1" && c != "L2" && c != "L1L2" && c != "l1" && c != "l2" && c != "l1_l2") {
    throw Error(where + ": regularizer '" + c + "' is not supported (L1, L2, L1L2)");
  }
  json out = json::object();
  out["l1"] = cfg->value("l1", 0.0);
  out["l2"] = cfg->value("l2", 0.0);
  return out;
}

std::string activation(const json& a, const std::string& where) {
  if (a.is_string()) return a.get<std::string>();
  if (const json* cls = find(a, "class_name"); cls != nullptr && cls->is_string()) {
    // Keras 3 may serialise a built-in activation as {"module": "keras.activations", "class_name": "function",
    // "config": "relu"}.
    if (const json* cfg = find(a, "config"); cfg != nullptr && cfg->is_string()) return cfg->get<std::string>();
  }
  throw Error(where + ": unreadable activation " + a.dump());
}

struct Converted {
  json layer;             // mlp's flat layer config
  json input_shape;       // a batch_input_shape/batch_shape found on the layer (null if none)
  bool axis_one = false;  // a BatchNormalization with axis 1 (see KerasArchitecture::axis_one_layers)
};

Converted convert_layer(const json& entry, const std::string& where_file, std::size_t index) {
  const json* cls = find(entry, "class_name");
  const json* cfg = find(entry, "config");
  if (cls == nullptr || !cls->is_string() || cfg == nullptr || !cfg->is_object()) {
    throw Error(where_file + ": layers[" + std::to_string(index) + "] has no class_name/config");
  }
  const std::string type = cls->get<std::string>();
  const std::string name = cfg->value("name", std::string());
  const std::string where = where_file + ": layer '" + name + "' (" + type + ")";
  Converted out;
  json& l = out.layer;
  l = {{"type", type}, {"name", name}};
  if (const json* t = find(*cfg, "trainable"); t != nullptr && t->is_boolean() && !t->get<bool>())
    l["trainable"] = false;
  const json* bs = find(*cfg, "batch_input_shape");
  if (bs == nullptr) bs = find(*cfg, "batch_shape");
  if (bs != nullptr) out.input_shape = sample_shape(*bs, where);
  auto copy = [&](const char* key) {
    if (const json* v = find(*cfg, key)) l[key] = *v;
  };
  auto copy_regularizer = [&](const char* key) {
    if (const json* v = find(*cfg, key)) l[key] = regularizer(*v, where);
  };
  if (type == "InputLayer") {
    if (out.input_shape.is_null()) {
      if (const json* s = find(*cfg, "shape"))
        out.input_shape = *s;  // some Keras 3 versions
      else
        throw Error(where + ": no batch_input_shape/batch_shape");
    }
    l["shape"] = out.input_shape;
  } else if (type == "Flatten") {
    copy("data_format");
  } else if (type == "Dense") {
    copy("units");
    if (const json* a = find(*cfg, "activation")) l["activation"] = activation(*a, where);
    copy("use_bias");
    copy_regularizer("kernel_regularizer");
    copy_regularizer("bias_regularizer");
    copy_regularizer("activity_regularizer");
  } else if (type == "Activation") {
    if (const json* a = find(*cfg, "activation")) l["activation"] = activation(*a, where);
  } else if (type == "Dropout" || type == "AlphaDropout") {
    copy("rate");
    if (const json* ns = find(*cfg, "noise_shape"))
      throw Error(where + ": noise_shape " + ns->dump() + " is not supported");
  } else if (type == "GaussianNoise") {
    copy("stddev");
  } else if (type == "LeakyReLU") {
    if (const json* v = find(*cfg, "negative_slope"))
      l["negative_slope"] = *v;
    else if (const json* a = find(*cfg, "alpha"))
      l["negative_slope"] = *a;
  } else if (type == "BatchNormalization") {
    if (const json* axis = find(*cfg, "axis")) {
      const bool last =
          (axis->is_number_integer() && axis->get<int>() == -1) ||
          (axis->is_array() && axis->size() == 1 && (*axis)[0].is_number_integer() && (*axis)[0].get<int>() == -1);
      // Keras 2 writes the positive index of the last axis of a (batch, features) input: 1.
      const bool one = (axis->is_number_integer() && axis->get<int>() == 1) ||
                       (axis->is_array() && axis->size() == 1 && (*axis)[0] == 1);
      if (!last && !one) throw Error(where + ": axis " + axis->dump() + " is not supported (only the last axis)");
      out.axis_one = one;
    }
    copy("momentum");
    copy("epsilon");
    copy("center");
    copy("scale");
    copy_regularizer("beta_regularizer");
    copy_regularizer("gamma_regularizer");
  } else if (type == "Concatenate") {
    copy("axis");
  } else if (type == "Add" || type == "Average" || type == "Multiply") {
  } else {
    throw Error(
        where +
        ": this layer type is not supported; supported: InputLayer, Flatten, Dense, Activation, "
        "Dropout, AlphaDropout, GaussianNoise, BatchNormalization, LeakyReLU, Concatenate, Add, Average, Multiply");
  }
  return out;
}

// The layer names a Keras inbound_nodes value reads, in order (Keras 2 [[["a", 0, 0, {}], ...]],
// Keras 3 [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["a", 0, 0]}}]}]).
void collect_inbound(const json& v, std::vector<std::string>& out, int depth) {
  if (depth > 16) return;
  if (v.is_object()) {
    if (const json* cfg = find(v, "config")) {
      if (const json* h = find(*cfg, "keras_history");
          h != nullptr && h->is_array() && !h->empty() && (*h)[0].is_string()) {
        out.push_back((*h)[0].get<std::string>());
        return;
      }
    }
    if (const json* args = find(v, "args")) collect_inbound(*args, out, depth + 1);
    return;
  }
  if (v.is_array()) {
    if (v.size() >= 3 && v[0].is_string() && v[1].is_number()) {
      out.push_back(v[0].get<std::string>());
      return;
    }
    for (const json& e : v) collect_inbound(e, out, depth + 1);
  }
}

// [["a", 0, 0], ["b", 0, 0]] or ["a", 0, 0] (Keras 3, one input) → names.
std::vector<std::string> endpoint_names(const json* v, const std::string& where) {
  std::vector<std::string> out;
  if (v == nullptr || !v->is_array()) throw Error(where + ": missing input_layers/output_layers");
  if (!v->empty() && (*v)[0].is_string()) {
    out.push_back((*v)[0].get<std::string>());
    return out;
  }
  for (const json& e : *v) {
    if (!e.is_array() || e.empty() || !e[0].is_string()) throw Error(where + ": unreadable input_layers/output_layers");
    out.push_back(e[0].get<std::string>());
  }
  return out;
}

}  // namespace

std::string snake_case(const std::string& class_name) {
  static const std::regex a("(.)([A-Z][a-z]+)"), b("([a-z])([A-Z])");
  std::string s = std::regex_replace(class_name, a, "$1_$2");
  s = std::regex_replace(s, b, "$1_$2");
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

KerasArchitecture convert_architecture(const json& keras, const std::string& source) {
  const json* cls = find(keras, "class_name");
  const json* cfg = find(keras, "config");
  if (cls == nullptr || !cls->is_string() || cfg == nullptr) {
    throw Error(source + ": not a Keras model config (no class_name/config)");
  }
  const std::string type = cls->get<std::string>();
  KerasArchitecture arch;
  const json* layers = cfg->is_array() ? cfg : find(*cfg, "layers");  // Keras <= 2.1: the config is the list
  if (layers == nullptr || !layers->is_array() || layers->empty())
    throw Error(source + ": the model config has no layers");
  const std::string name = cfg->is_object() ? cfg->value("name", std::string("model")) : std::string("model");
  if (type == "Sequential") {
    json out = {{"type", "Sequential"}, {"name", name}, {"layers", json::array()}};
    for (std::size_t i = 0; i < layers->size(); ++i) {
      Converted c = convert_layer((*layers)[i], source, i);
      if (c.axis_one) arch.axis_one_layers.push_back(c.layer["name"].get<std::string>());
      arch.layers.push_back({c.layer["name"].get<std::string>(), c.layer["type"].get<std::string>()});
      if (i == 0 && !c.input_shape.is_null() && c.layer["type"] != "InputLayer") out["input_shape"] = c.input_shape;
      out["layers"].push_back(std::move(c.layer));
    }
    arch.config = std::move(out);
    return arch;
  }
  if (type != "Functional" && type != "Model") {
    throw Error(source + ": model class '" + type + "' is not supported (Sequential, Functional, Model)");
  }
  json out = {{"type", "Functional"}, {"name", name}, {"inputs", json::array()}, {"layers", json::array()}};
  for (std::size_t i = 0; i < layers->size(); ++i) {
    const json& entry = (*layers)[i];
    Converted c = convert_layer(entry, source, i);
    if (c.axis_one) arch.axis_one_layers.push_back(c.layer["name"].get<std::string>());
    // Keras 2 puts the layer's name beside class_name too; the config's wins.
    arch.layers.push_back({c.layer["name"].get<std::string>(), c.layer["type"].get<std::string>()});
    if (c.layer["type"] == "InputLayer") {
      out["inputs"].push_back({{"name", c.layer["name"]}, {"shape", c.layer["shape"]}});
      continue;
    }
    std::vector<std::string> reads;
    if (const json* in = find(entry, "inbound_nodes")) {
      if (in->is_array() && in->size() > 1) {
        throw Error(source + ": layer '" + c.layer["name"].get<std::string>() +
                    "' is called more than once (shared layers are not supported)");
      }
      collect_inbound(*in, reads, 0);
    }
    if (reads.empty())
      throw Error(source + ": layer '" + c.layer["name"].get<std::string>() + "' has no inbound layer");
    c.layer["inputs"] = reads;
    out["layers"].push_back(std::move(c.layer));
  }
  const std::vector<std::string> ins = endpoint_names(find(*cfg, "input_layers"), source);
  out["outputs"] = endpoint_names(find(*cfg, "output_layers"), source);
  // Inputs in the order the model lists them.
  json ordered = json::array();
  for (const std::string& n : ins) {
    for (const json& i : out["inputs"]) {
      if (i["name"] == n) ordered.push_back(i);
    }
  }
  if (ordered.size() != out["inputs"].size()) throw Error(source + ": input_layers does not list every InputLayer");
  out["inputs"] = std::move(ordered);
  arch.config = std::move(out);
  return arch;
}

}  // namespace mlp::keras_detail
