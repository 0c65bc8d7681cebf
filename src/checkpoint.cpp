// SPDX-License-Identifier: MIT
#include "mlp/checkpoint.hpp"

#include <cmath>

#include "mlp/error.hpp"
#include "mlp/serialize.hpp"
#include "model_file_detail.hpp"

namespace mlp {
namespace {

using nlohmann::json;

// Tensor names of model.params() in order: "<layer>/<param>" of every trainable layer.
std::vector<std::string> param_names(Model& model) {
  std::vector<std::string> names;
  for (const auto& layer : model.layers()) {
    if (!layer->trainable()) continue;
    for (const Param* p : layer->params()) names.push_back(layer->name() + "/" + p->name);
  }
  return names;
}

std::vector<std::size_t> matrix_shape(const Matrix& m) { return {m.rows(), m.cols()}; }

Tensor matrix_tensor(std::string name, const Matrix& m) {
  Tensor t{.name = std::move(name), .shape = matrix_shape(m), .data = {}};
  t.data.reserve(m.size());
  for (std::size_t r = 0; r < m.rows(); ++r) {
    for (std::size_t c = 0; c < m.cols(); ++c) t.data.push_back(static_cast<float>(m.row(r)[c]));
  }
  return t;
}

json rng_json(const Rng& rng) {
  const Rng::State st = rng.state();
  return {{"s", st.s}, {"cached_normal", encode_double(st.cached_normal)}, {"has_cached", st.has_cached}};
}

Rng::State rng_state(const json& j, const std::string& what) {
  Rng::State st;
  st.s = j.at("s").get<std::array<std::uint64_t, 4>>();
  st.cached_normal = decode_double(j.at("cached_normal"), what + ".cached_normal");
  st.has_cached = j.at("has_cached").get<bool>();
  return st;
}

json history_json(const History& history) {
  json h = json::object();
  h["epoch"] = history.epoch;
  json values = json::object();
  for (const auto& [key, v] : history.history) {
    json list = json::array();
    for (double x : v) list.push_back(encode_double(x));
    values[key] = list;
  }
  h["values"] = values;
  return h;
}

History history_from_json(const json& j) {
  History h;
  h.epoch = j.at("epoch").get<std::vector<int>>();
  for (const auto& [key, list] : j.at("values").items()) {
    std::vector<double>& out = h.history[key];
    for (const auto& x : list) out.push_back(decode_double(x, "history." + key));
  }
  return h;
}

}  // namespace

json encode_double(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

double decode_double(const json& value, const std::string& what) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s == "inf") return INFINITY;
    if (s == "-inf") return -INFINITY;
    if (s == "nan") return NAN;
  }
  throw Error(what + ": expected a number, \"inf\", \"-inf\" or \"nan\", got " + value.dump());
}

void Callback::save_state(CallbackState&) const {}

void Callback::load_state(const CallbackState& state) {
  if (!state.kind.empty()) {
    throw Error("a checkpoint holds the state of a " + state.kind + " for a callback that keeps none");
  }
}

void save_checkpoint(const std::string& path, Model& model, const TrainingState& state, const json& extra) {
  if (!model.compiled() || !model.optimizer().built()) {
    throw Error("save_checkpoint: the model '" + model.name() + "' has not started training (compile and fit it)");
  }
  TensorFile file = detail::model_tensor_file(model, extra);
  Optimizer& opt = model.optimizer();

  // Slots: slot_names()[k] of every parameter, in the optimizer's order (k-major).
  const std::vector<std::string> names = param_names(model);
  const std::vector<Matrix*> slots = opt.slots();
  const auto slot_names = opt.slot_names();
  if (slots.size() != slot_names.size() * names.size()) {
    throw Error("save_checkpoint: the optimizer of '" + model.name() +
                "' is bound to other parameters than the model's");
  }
  for (std::size_t k = 0; k < slot_names.size(); ++k) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      file.tensors.push_back(
          matrix_tensor("optimizer/" + std::string(slot_names[k]) + "/" + names[i], *slots[k * names.size() + i]));
    }
  }
  json scalars = json::array();
  for (double* v : opt.scalar_state()) scalars.push_back(encode_double(*v));

  json callbacks = json::array();
  for (std::size_t i = 0; i < state.callbacks.size(); ++i) {
    const CallbackState& cs = state.callbacks[i];
    callbacks.push_back({{"kind", cs.kind}, {"values", cs.values}});
    for (const Tensor& t : cs.tensors) {
      Tensor copy = t;
      copy.name = "callbacks/" + std::to_string(i) + "/" + t.name;
      file.tensors.push_back(std::move(copy));
    }
  }
  const json checkpoint = {
      {"epoch", state.epoch},
      {"stopped", state.stopped},
      {"optimizer",
       {{"name", std::string(opt.name())},
        {"iterations", opt.iterations()},
        {"learning_rate", encode_double(opt.options().learning_rate)},
        {"has_schedule", opt.options().schedule != nullptr},
        {"scalars", scalars}}},
      {"rng", {{"noise", rng_json(model.noise_rng())}, {"shuffle", rng_json(model.shuffle_rng())}}},
      {"shuffle_order", state.shuffle_order},
      {"history", history_json(state.history)},
      {"callbacks", callbacks}};
  file.metadata["checkpoint"] = checkpoint.dump();
  write_safetensors(path, file);
}

int checkpoint_epoch(const std::string& path) {
  const TensorFile file = detail::read_model_tensor_file(path);
  if (!file.metadata.contains("checkpoint")) {
    throw Error(path + ": a model file, not a checkpoint (it has no training state to resume from)");
  }
  try {
    return detail::parse_metadata(file, "checkpoint", path).at("epoch").get<int>();
  } catch (const json::exception& e) {
    throw Error(path + ": corrupt checkpoint: " + e.what());
  }
}

namespace {

TrainingState restore_checkpoint_file(const TensorFile& file, const std::string& path, Model& model) {
  if (!file.metadata.contains("checkpoint")) {
    throw Error(path + ": a model file, not a checkpoint (it has no training state to resume from)");
  }
  if (!model.compiled() || !model.optimizer().built()) {
    throw Error("restore_checkpoint: the model '" + model.name() + "' must be compiled and ready to train");
  }
  // The architecture must be the one saved: the same layers, names and arguments.
  const json saved_model = detail::parse_metadata(file, "model", path);
  if (saved_model != model_config(model)) {
    throw Error(path +
                ": the checkpoint was written for another model (its architecture differs from the one "
                "being trained)");
  }
  const json ck = detail::parse_metadata(file, "checkpoint", path);
  Optimizer& opt = model.optimizer();
  TrainingState state;
  std::vector<std::pair<const Tensor*, Matrix*>> copies;
  Rng::State noise, shuffle;
  std::vector<double> scalars;
  double lr = 0;
  bool has_schedule = false;
  std::int64_t iterations = 0;
  try {
    const json& o = ck.at("optimizer");
    const std::string name = o.at("name").get<std::string>();
    if (name != opt.name()) {
      throw Error("the checkpoint's optimizer is " + name + ", the model's " + std::string(opt.name()));
    }
    iterations = o.at("iterations").get<std::int64_t>();
    lr = decode_double(o.at("learning_rate"), "optimizer.learning_rate");
    has_schedule = o.at("has_schedule").get<bool>();
    if (has_schedule && opt.options().schedule == nullptr) {
      throw Error("the checkpoint's optimizer follows a learning-rate schedule, the model's does not");
    }
    for (const auto& v : o.at("scalars")) scalars.push_back(decode_double(v, "optimizer.scalars"));
    if (scalars.size() != opt.scalar_state().size()) throw Error("optimizer.scalars has the wrong length");

    const std::vector<std::string> names = param_names(model);
    const std::vector<Matrix*> slots = opt.slots();
    const auto slot_names = opt.slot_names();
    for (std::size_t k = 0; k < slot_names.size(); ++k) {
      for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string tname = "optimizer/" + std::string(slot_names[k]) + "/" + names[i];
        const Tensor* t = file.find(tname);
        Matrix* m = slots[k * names.size() + i];
        if (t == nullptr) throw Error("tensor '" + tname + "' is missing");
        if (t->shape != matrix_shape(*m)) throw Error("tensor '" + tname + "' has the wrong shape");
        copies.emplace_back(t, m);
      }
    }
    noise = rng_state(ck.at("rng").at("noise"), "rng.noise");
    shuffle = rng_state(ck.at("rng").at("shuffle"), "rng.shuffle");
    state.epoch = ck.at("epoch").get<int>();
    state.stopped = ck.at("stopped").get<bool>();
    state.shuffle_order = ck.at("shuffle_order").get<std::vector<std::size_t>>();
    state.history = history_from_json(ck.at("history"));
    const json& callbacks = ck.at("callbacks");
    for (std::size_t i = 0; i < callbacks.size(); ++i) {
      CallbackState cs;
      cs.kind = callbacks[i].at("kind").get<std::string>();
      cs.values = callbacks[i].at("values");
      const std::string prefix = "callbacks/" + std::to_string(i) + "/";
      for (const Tensor& t : file.tensors) {
        if (t.name.starts_with(prefix)) {
          cs.tensors.push_back(t);
          cs.tensors.back().name = t.name.substr(prefix.size());
        }
      }
      state.callbacks.push_back(std::move(cs));
    }
  } catch (const json::exception& e) {
    throw Error(path + ": corrupt checkpoint: " + e.what());
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  if (state.epoch < 0 || iterations < 0) throw Error(path + ": corrupt checkpoint: negative epoch or iterations");

  // Everything is checked: now the model changes.
  detail::read_weights(file, model, path);
  for (const auto& [t, m] : copies) detail::copy_into(*t, *m);
  const std::vector<double*> scalar_ptrs = opt.scalar_state();
  for (std::size_t i = 0; i < scalars.size(); ++i) *scalar_ptrs[i] = scalars[i];
  opt.set_iterations(iterations);
  if (!has_schedule) opt.set_learning_rate(lr);
  model.noise_rng().set_state(noise);
  model.shuffle_rng().set_state(shuffle);
  return state;
}

}  // namespace

TrainingState restore_checkpoint(const std::string& path, Model& model) {
  return restore_checkpoint_file(detail::read_model_tensor_file(path), path, model);
}

TrainingState restore_checkpoint_from_bytes(std::span<const std::uint8_t> bytes, const std::string& source,
                                            Model& model) {
  return restore_checkpoint_file(detail::decode_model_tensor_file(bytes, source), source, model);
}

}  // namespace mlp
