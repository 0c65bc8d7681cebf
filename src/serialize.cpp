// SPDX-License-Identifier: MIT
// Layers, initializers, regularizers and whole Sequential models from their flat configs. A
// layer's type is looked up in the layer table (src/registry/layers.cpp), whose rows read each
// class's own keys; this file holds the keys every layer shares (type, name, trainable) and the
// error locations. Optimizers, schedules and losses are in serialize_compile.cpp.
#include "mlp/serialize.hpp"

#include <algorithm>
#include <map>

#include "mlp/layers/input_layer.hpp"
#include "mlp/strings.hpp"
#include "registry/registry.hpp"

namespace mlp {

std::unique_ptr<Layer> layer_from_config(ConfigObject c) {
  const auto type_arg = c.get_string("type");
  if (!type_arg) throw c.error("type", "required: the layer's Keras class name, one of " + join(layer_types()));
  // Keras' class names, matched case-insensitively so "dense" and "batchnormalization" work too.
  const registry::LayerRow* row = registry::find(registry::layers(), *type_arg);
  if (row == nullptr) {
    throw c.error("type", "unknown layer type '" + *type_arg + "'; known: " + join(layer_types()));
  }
  const auto name = c.get_string("name");
  const bool trainable = c.get_bool("trainable", true);
  std::unique_ptr<Layer> layer;
  try {
    layer = row->from_config(c);
  } catch (const Error& e) {
    // Errors from a ConfigObject have their location; a constructor's get the layer's:
    // "model.layers[2] (Dense): units must be positive, got 0" from "Dense: units must be ...".
    rethrow_at(e, c.location(std::string(row->name)));
  }
  c.finish();
  if (name) {
    if (name->empty()) throw c.error("name", "must not be empty");
    layer->set_name(*name);
  }
  layer->set_trainable(trainable);
  return layer;
}

nlohmann::json layer_config(const Layer& layer) {
  nlohmann::json out = {{"type", layer.kind()}, {"name", layer.name()}};
  const nlohmann::json config = layer.config();  // items() must not outlive it
  for (const auto& [key, value] : config.items()) out[key] = value;
  if (!layer.trainable()) out["trainable"] = false;
  return out;
}

Initializer initializer_from_config(ConfigObject& parent, std::string_view key, std::string_view fallback) {
  const auto* v = parent.find(key);
  try {
    if (v == nullptr) return Initializer::from_name(fallback);
    if (v->is_string()) return Initializer::from_name(v->get<std::string>());
    if (!v->is_object()) {
      throw parent.error(key, "expected an initializer name or a table with a type, got " + describe_json_type(*v));
    }
    ConfigObject c(*v, config_path(parent.path(), key), parent.source());
    const auto type = c.get_string("type");
    if (!type) throw c.error("type", "required: the initializer's name, e.g. \"random_normal\"");
    Initializer init = Initializer::from_name(*type);
    const std::string& n = init.name;
    if (n == "constant") init.value = c.get_double("value", init.value);
    if (n == "random_normal" || n == "truncated_normal") {
      init.mean = c.get_double("mean", init.mean);
      init.stddev = c.get_double("stddev", init.stddev);
    }
    if (n == "random_uniform") {
      init.minval = c.get_double("minval", init.minval);
      init.maxval = c.get_double("maxval", init.maxval);
    }
    if (n == "orthogonal" || n == "identity") init.gain = c.get_double("gain", init.gain);
    c.allow({"seed"});  // Keras writes it; our draws come from the model's seed
    c.finish();
    return init;
  } catch (const Error& e) {
    rethrow_at(e, config_location(parent.source(), config_path(parent.path(), key)));
  }
}

Regularizer regularizer_from_config(ConfigObject& parent, std::string_view key) {
  const auto* v = parent.find(key);
  if (v == nullptr || v->is_null()) return {};
  if (v->is_string()) {
    try {
      return Regularizer::from_name(v->get<std::string>());
    } catch (const Error& e) {
      throw parent.error(key, e.what());
    }
  }
  if (!v->is_object()) {
    throw parent.error(
        key, "expected \"l1\", \"l2\", \"l1_l2\" or a table {l1 = ..., l2 = ...}, got " + describe_json_type(*v));
  }
  ConfigObject c(*v, config_path(parent.path(), key), parent.source());
  Regularizer r;
  if (const auto type = c.get_string("type")) {
    try {
      r = Regularizer::from_name(*type);
    } catch (const Error& e) {
      throw c.error("type", e.what());
    }
  }
  r.l1 = c.get_double("l1", r.l1);
  r.l2 = c.get_double("l2", r.l2);
  c.finish();
  if (r.l1 < 0) throw c.error("l1", "must be >= 0, got " + nlohmann::json(r.l1).dump());
  if (r.l2 < 0) throw c.error("l2", "must be >= 0, got " + nlohmann::json(r.l2).dump());
  return r;
}

namespace {
ModelOptions model_options(ConfigObject& c, std::string_view type) {
  c.allow({"type"});
  if (const auto t = c.get_string("type"); t && *t != type) {
    throw c.error("type", "expected \"" + std::string(type) + "\", got \"" + *t + "\"");
  }
  ModelOptions options;
  options.name = c.get_string("name", options.name);
  const auto seed = c.get_int("seed", 0);
  if (seed < 0) throw c.error("seed", "expected a non-negative integer, got " + std::to_string(seed));
  options.seed = static_cast<std::uint64_t>(seed);
  return options;
}

// An Error from building a layer at `path`, located there unless it has a location already.
[[noreturn]] void rethrow_at(const ConfigObject& c, const std::string& path, const Error& e) {
  mlp::rethrow_at(e, config_location(c.source(), path));
}

std::unique_ptr<Model> functional_from_config(ConfigObject c) {
  ModelOptions options = model_options(c, "Functional");
  auto inputs = c.get_objects("inputs");
  auto layers = c.get_objects("layers");
  const auto outputs = c.get_strings("outputs");
  c.finish();
  if (inputs.empty())
    throw c.error("inputs", "a functional model needs at least one input, e.g. {name = \"x\", shape = [8]}");
  if (outputs.empty()) throw c.error("outputs", "a functional model needs its output layers' names, e.g. [\"output\"]");
  auto model = std::make_unique<Model>(options);

  // Names first, so that a layer may name one listed after it; then add each layer once all it
  // reads exists (a topological order), which finds cycles and unknown names.
  std::map<std::string, Node> made;
  std::map<std::string, std::string> declared;  // name → its config path
  for (auto& in : inputs) {
    const std::string path = in.path();
    const std::string name = in.get_string("name", "");
    const Shape shape = in.get_sizes("shape");
    in.allow({"columns"});  // which data columns feed it: read by the command line, not the model
    in.finish();
    if (name.empty()) throw in.error("name", "required: the input's name");
    if (shape.empty()) throw in.error("shape", "required: one sample's shape, e.g. [8]");
    if (!declared.emplace(name, path).second) throw in.error("name", "'" + name + "' is declared twice");
    try {
      made[name] = model->input(shape, name);
    } catch (const Error& e) {
      rethrow_at(c, path, e);
    }
  }
  struct Pending {
    std::string name, path;
    std::vector<std::string> reads;
    std::unique_ptr<Layer> layer;
  };
  std::vector<Pending> pending;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    ConfigObject& l = layers[i];
    Pending p;
    p.path = l.path();
    p.reads = l.get_strings("inputs");
    if (!l.has("inputs") || p.reads.empty()) {
      if (i == 0 || pending.empty()) throw l.error("inputs", "required: the names of the layers or inputs it reads");
      p.reads = {pending.back().name};  // omitted: the layer listed before it
    }
    try {
      p.layer = layer_from_config(std::move(l));
    } catch (const Error& e) {
      rethrow_at(c, p.path, e);
    }
    if (p.layer->kind() == "InputLayer") throw Error(p.path + ": declare inputs under \"inputs\", not as layers");
    p.name = p.layer->name();
    if (p.name.empty()) {
      throw Error(config_location(c.source(), p.path),
                  "a layer of a functional model needs a name (other layers and the outputs refer to it)");
    }
    if (!declared.emplace(p.name, p.path).second) {
      throw Error(p.path + ": the name '" + p.name + "' is already used by " + declared[p.name]);
    }
    pending.push_back(std::move(p));
  }
  auto at = [&](const Pending& p) { return config_location(c.source(), p.path, "'" + p.name + "'"); };
  for (const Pending& p : pending) {
    for (const std::string& r : p.reads) {
      if (declared.contains(r)) continue;
      std::string names;
      for (const auto& [name, where] : declared) names += (names.empty() ? "" : ", ") + name;
      throw Error(at(p), "reads '" + r + "', which is neither an input nor a layer; the names are: " + names);
    }
  }
  // A cycle, written out: from a layer that cannot be added, follow what it reads and cannot be
  // added either, until a layer comes back ("a -> b -> a").
  auto cycle_error = [&]() -> Error {
    std::map<std::string, const Pending*> stuck;
    for (const Pending& p : pending) {
      if (p.layer) stuck[p.name] = &p;
    }
    const auto start =
        std::find_if(pending.begin(), pending.end(), [](const Pending& p) { return p.layer != nullptr; });
    std::vector<const Pending*> walk{&*start};
    for (;;) {
      const Pending* next = nullptr;
      for (const std::string& r : walk.back()->reads) {
        if (stuck.contains(r)) {
          next = stuck[r];
          break;
        }
      }
      const auto seen = std::find(walk.begin(), walk.end(), next);
      if (next == nullptr || seen != walk.end()) {
        const Pending* first = next != nullptr ? next : walk.front();
        std::string path;
        for (auto it = next != nullptr ? seen : walk.begin(); it != walk.end(); ++it) path += (*it)->name + " -> ";
        return Error(at(*first), "is part of a cycle (it depends on its own output): " + path + first->name);
      }
      walk.push_back(next);
    }
  };
  for (std::size_t added = 0; added < pending.size();) {
    bool progress = false;
    for (Pending& p : pending) {
      if (!p.layer) continue;
      const bool ready =
          std::all_of(p.reads.begin(), p.reads.end(), [&](const std::string& r) { return made.contains(r); });
      if (!ready) continue;
      std::vector<Node> from;
      for (const std::string& r : p.reads) from.push_back(made[r]);
      try {
        made[p.name] = model->add(std::move(p.layer), from);
      } catch (const Error& e) {
        rethrow_at(c, p.path, e);
      }
      p.layer.reset();
      ++added;
      progress = true;
    }
    if (!progress) throw cycle_error();
  }
  std::vector<Node> outs;
  for (const std::string& o : outputs) {
    if (!made.contains(o)) throw c.error("outputs", "'" + o + "' is neither an input nor a layer");
    outs.push_back(made[o]);
  }
  try {
    model->set_outputs(outs);
  } catch (const Error& e) {
    throw c.error(e.what());
  }
  return model;
}
}  // namespace

std::unique_ptr<Sequential> sequential_from_config(ConfigObject c) {
  const ModelOptions options = model_options(c, "Sequential");
  const Shape input_shape = c.get_sizes("input_shape");
  auto layers = c.get_objects("layers");
  c.finish();
  if (layers.empty()) throw c.error("layers", "a model needs at least one layer");
  auto model = std::make_unique<Sequential>(options);
  for (auto& layer : layers) {
    const std::string path = layer.path();
    try {
      model->add(layer_from_config(std::move(layer)));
    } catch (const Error& e) {
      rethrow_at(c, path, e);
    }
  }
  try {
    if (!input_shape.empty()) {
      model->build(input_shape);
    } else if (auto* input = dynamic_cast<InputLayer*>(model->layers().front().get())) {
      model->build(input->options().shape);
    }
  } catch (const Error& e) {
    throw c.error(e.what());
  }
  return model;
}

std::unique_ptr<Model> model_from_config(ConfigObject c) {
  const auto type = c.get_string("type");
  const bool functional = (type && *type == "Functional") || (!type && c.has("inputs"));
  if (functional) return functional_from_config(std::move(c));
  return sequential_from_config(std::move(c));
}

nlohmann::json model_config(const Model& model) {
  if (!model.functional()) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& layer : model.layers()) layers.push_back(layer_config(*layer));
    nlohmann::json out = {{"type", "Sequential"}, {"name", model.name()}};
    if (model.built()) out["input_shape"] = model.input_shape();
    out["layers"] = std::move(layers);
    return out;
  }
  nlohmann::json inputs = nlohmann::json::array(), layers = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (std::size_t i = 0; i < model.layers().size(); ++i) {
    const Layer& layer = *model.layers()[i];
    if (layer.kind() == "InputLayer") {
      inputs.push_back({{"name", layer.name()}, {"shape", layer.output_shape()}});
      continue;
    }
    nlohmann::json l = layer_config(layer);
    nlohmann::json reads = nlohmann::json::array();
    for (std::size_t from : model.inbound(i)) reads.push_back(model.layers()[from]->name());
    l["inputs"] = std::move(reads);
    layers.push_back(std::move(l));
  }
  for (std::size_t o : model.output_layers()) outputs.push_back(model.layers()[o]->name());
  return {{"type", "Functional"},
          {"name", model.name()},
          {"inputs", std::move(inputs)},
          {"layers", std::move(layers)},
          {"outputs", std::move(outputs)}};
}

nlohmann::json sequential_config(const Sequential& model) { return model_config(model); }

}  // namespace mlp
