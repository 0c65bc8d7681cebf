// SPDX-License-Identifier: MIT
#include "model.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "arrays.hpp"
#include "callbacks.hpp"
#include "callbacks_config.hpp"
#include "mlp/error.hpp"
#include "mlp/lr_finder.hpp"
#include "mlp/model_file.hpp"
#include "mlp/serialize.hpp"
#include "mlp/signal_stack.hpp"

namespace mlp::py {
namespace {

using nlohmann::json;

struct PyModel {
  std::unique_ptr<Model> model;
  Model& get() const {
    if (!model) throw Error("the model is empty");
    return *model;
  }
};

json parse(const std::string& text, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw Error(std::string(what) + ": not JSON (" + e.what() + ")");
  }
}

/// A list (one per input/output) or a single array.
pyb::list as_list(const pyb::handle& obj) {
  if (pyb::isinstance<pyb::list>(obj) || pyb::isinstance<pyb::tuple>(obj))
    return pyb::list(pyb::reinterpret_borrow<pyb::object>(obj));
  pyb::list l;
  l.append(obj);
  return l;
}

std::string nth(const std::string& what, std::size_t i, std::size_t n) {
  return n == 1 ? what : what + "[" + std::to_string(i) + "]";
}

Inputs inputs_of(const pyb::handle& obj, const std::string& what, HeldArrays& held) {
  const pyb::list l = as_list(obj);
  Inputs xs;
  for (std::size_t i = 0; i < l.size(); ++i) xs.push_back(input_view(l[i], nth(what, i, l.size()), held));
  return xs;
}

Tensors targets_of(const pyb::handle& obj, const std::string& what, HeldArrays& held) {
  const pyb::list l = as_list(obj);
  Tensors ys;
  for (std::size_t i = 0; i < l.size(); ++i) ys.push_back(target_view(l[i], nth(what, i, l.size()), held));
  return ys;
}

void check_counts(const Model& model, const char* where, const Inputs& xs, const Tensors* ys) {
  if (model.built() && xs.size() != std::max<std::size_t>(model.num_inputs(), 1)) {
    throw pyb::value_error(std::string(where) + ": x: the model has " + std::to_string(model.num_inputs()) +
                           " inputs, got " + std::to_string(xs.size()) + " arrays");
  }
  if (ys != nullptr && model.built() && ys->size() != model.num_outputs()) {
    throw pyb::value_error(std::string(where) + ": y: the model has " + std::to_string(model.num_outputs()) +
                           " outputs, got " + std::to_string(ys->size()) + " arrays");
  }
}

pyb::tuple fit(PyModel& self, const pyb::object& x, const pyb::object& y, const std::string& options_json,
               const std::string& callbacks_json, const std::string& extra_json, const pyb::object& dispatch,
               const pyb::object& validation_x, const pyb::object& validation_y, const pyb::object& sample_weight) {
  Model& model = self.get();
  HeldArrays held;
  const Inputs xs = inputs_of(x, "fit: x", held);
  const Tensors ys = targets_of(y, "fit: y", held);
  check_counts(model, "fit", xs, &ys);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    for (std::size_t o = 0; o < ys.size(); ++o) {
      if (xs[i].rows() != ys[o].rows()) {
        throw pyb::value_error("fit: x and y: " + std::to_string(xs[i].rows()) + " samples in x, " +
                               std::to_string(ys[o].rows()) + " in y");
      }
    }
  }
  json o = parse(options_json, "fit options");
  ConfigObject c(o, "fit");
  FitOptions options;
  options.batch_size = c.get_size("batch_size", 32);
  options.epochs = static_cast<int>(c.get_int("epochs", 1));
  options.validation_split = c.get_double("validation_split", 0);
  options.shuffle = c.get_bool("shuffle", true);
  options.initial_epoch = static_cast<int>(c.get_int("initial_epoch", 0));
  const int verbose = static_cast<int>(c.get_int("verbose", 0));
  const bool dynamic = c.get_bool("dynamic", false);
  if (const auto* cw = c.find("class_weight"); cw != nullptr && cw->is_object()) {
    for (const auto& [k, v] : cw->items()) options.class_weight[std::stoul(k)] = v.get<double>();
  }
  c.finish();
  if (options.batch_size == 0) throw pyb::value_error("fit: batch_size must be positive, got 0");
  if (options.epochs < 0) throw pyb::value_error("fit: epochs must be >= 0, got " + std::to_string(options.epochs));
  if (options.validation_split < 0 || options.validation_split >= 1) {
    throw pyb::value_error("fit: validation_split must be in [0, 1), got " + std::to_string(options.validation_split));
  }
  std::vector<Scalar> weights;
  if (!sample_weight.is_none()) {
    weights = weights_vector(sample_weight, "fit: sample_weight");
    options.sample_weight = weights;
  }
  if (!validation_x.is_none()) {
    options.validation_inputs = inputs_of(validation_x, "fit: validation_data x", held);
    options.validation_targets = targets_of(validation_y, "fit: validation_data y", held);
  }
  if (verbose < 0 || verbose > 2) {
    throw pyb::value_error("fit: verbose must be 0, 1, 2 or \"auto\", got " + std::to_string(verbose));
  }
  // As Model::fit does with FitOptions::verbose: the progress bar runs first, so the callbacks'
  // own messages (EarlyStopping's "early stopping") follow the epoch's line, in the same stream.
  std::optional<PythonProgress> progress;
  std::ostringstream discarded;
  std::ostream* messages = &discarded;
  std::vector<Callback*> callbacks;
  if (verbose > 0) {
    progress.emplace(verbose, dynamic);
    messages = &progress->stream();
    callbacks.push_back(&*progress);
  }
  cli::ConfiguredCallbacks configured =
      cli::callbacks_from_config(parse(callbacks_json, "callbacks"), nullptr, "", messages);
  configured.set_checkpoint_extra(parse(extra_json, "extra"));
  for (Callback* cb : configured.pointers()) callbacks.push_back(cb);
  PythonBridge bridge(dispatch);
  callbacks.push_back(&bridge);
  History history;
  {
    pyb::gil_scoped_release release;
    const SignalStack signal_stack;  // Ctrl-C (CPython's SA_ONSTACK handler) off the GEMM's stack
    history = model.fit(xs, ys, options, callbacks);
  }
  if (progress) progress->stream().flush();
  if (bridge.failed()) throw pyb::error_already_set();  // the callback's exception, or KeyboardInterrupt
  pyb::dict h;
  for (const auto& [key, values] : history.history) h[pyb::str(key)] = pyb::cast(values);
  return pyb::make_tuple(h, pyb::cast(history.epoch));
}

pyb::dict evaluate(PyModel& self, const pyb::object& x, const pyb::object& y, std::size_t batch_size,
                   const pyb::object& sample_weight) {
  Model& model = self.get();
  if (batch_size == 0) throw pyb::value_error("evaluate: batch_size must be positive, got 0");
  HeldArrays held;
  const Inputs xs = inputs_of(x, "evaluate: x", held);
  const Tensors ys = targets_of(y, "evaluate: y", held);
  check_counts(model, "evaluate", xs, &ys);
  std::vector<Scalar> weights;
  EvaluateOptions options{.batch_size = batch_size};
  if (!sample_weight.is_none()) {
    weights = weights_vector(sample_weight, "evaluate: sample_weight");
    options.sample_weight = weights;
  }
  Logs logs;
  {
    pyb::gil_scoped_release release;
    const SignalStack signal_stack;  // Ctrl-C (CPython's SA_ONSTACK handler) off the GEMM's stack
    logs = model.evaluate(xs, ys, options);
  }
  return to_dict(logs);
}

pyb::list predict(PyModel& self, const pyb::object& x, std::size_t batch_size) {
  Model& model = self.get();
  if (batch_size == 0) throw pyb::value_error("predict: batch_size must be positive, got 0");
  HeldArrays held;
  const Inputs xs = inputs_of(x, "predict: x", held);
  check_counts(model, "predict", xs, nullptr);
  std::vector<Matrix> out;
  {
    pyb::gil_scoped_release release;
    const SignalStack signal_stack;  // Ctrl-C (CPython's SA_ONSTACK handler) off the GEMM's stack
    out = model.predict(xs, batch_size);
  }
  pyb::list l;
  for (const Matrix& m : out) l.append(to_numpy(m));
  return l;
}

pyb::dict lr_find(PyModel& self, const pyb::object& x, const pyb::object& y, const std::string& options_json) {
  Model& model = self.get();
  HeldArrays held;
  const InputView xv = input_view(x, "lr_find: x", held);
  const ConstMatrixView yv = target_view(y, "lr_find: y", held);
  json o = parse(options_json, "lr_find options");
  ConfigObject c(o, "lr_find");
  LrFinderOptions options;
  options.start_lr = c.get_double("start_lr", options.start_lr);
  options.end_lr = c.get_double("end_lr", options.end_lr);
  options.steps = c.get_size("steps", options.steps);
  options.batch_size = c.get_size("batch_size", options.batch_size);
  options.smoothing = c.get_double("smoothing", options.smoothing);
  options.divergence = c.get_double("divergence", options.divergence);
  options.seed = static_cast<std::uint64_t>(c.get_int("seed", 0));
  c.finish();
  LrFinderResult r;
  {
    pyb::gil_scoped_release release;
    const SignalStack signal_stack;  // Ctrl-C (CPython's SA_ONSTACK handler) off the GEMM's stack
    r = find_learning_rate(model, xv, yv, options);
  }
  pyb::dict d;
  d["lr"] = r.lr;
  d["loss"] = r.loss;
  d["smoothed"] = r.smoothed;
  d["suggested_lr"] = r.suggested_lr;
  d["min_loss_lr"] = r.min_loss_lr;
  d["rule"] = r.rule;
  d["diverged"] = r.diverged;
  return d;
}

pyb::list get_weights(PyModel& self) {
  pyb::list l;
  for (const auto& layer : self.get().layers()) {
    for (Param* p : layer->params()) l.append(to_numpy(p->value));
    for (Param* s : layer->state()) l.append(to_numpy(s->value));
  }
  return l;
}

void set_weights(PyModel& self, const pyb::list& weights) {
  std::vector<Matrix*> targets;
  for (const auto& layer : self.get().layers()) {
    for (Param* p : layer->params()) targets.push_back(&p->value);
    for (Param* s : layer->state()) targets.push_back(&s->value);
  }
  if (weights.size() != targets.size()) {
    throw pyb::value_error("set_weights: weights: the model has " + std::to_string(targets.size()) + " arrays, got " +
                           std::to_string(weights.size()));
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    auto a = pyb::array_t<float, pyb::array::c_style | pyb::array::forcecast>::ensure(weights[i]);
    Matrix& t = *targets[i];
    if (!a || static_cast<std::size_t>(a.size()) != t.size()) {
      throw pyb::value_error("set_weights: weights[" + std::to_string(i) + "]: expected " + std::to_string(t.rows()) +
                             "x" + std::to_string(t.cols()) + " values");
    }
    std::copy(a.data(), a.data() + a.size(), t.data());
  }
}

}  // namespace

void bind_model(pyb::module_& m) {
  pyb::class_<PyModel>(m, "Model", "A C++ mlp::Model (use mlp.Sequential / mlp.Model).")
      .def_static("from_config",
                  [](const std::string& config) {
                    json j = parse(config, "model config");
                    return PyModel{model_from_config(ConfigObject(j, "model"))};
                  })
      .def_static("load",
                  [](const std::string& path) {
                    SavedModel s = load_model(path);
                    return pyb::make_tuple(PyModel{std::move(s.model)}, s.extra.dump());
                  })
      .def("save", [](PyModel& self, const std::string& path,
                      const std::string& extra) { save_model(path, self.get(), parse(extra, "extra")); })
      .def("compile",
           [](PyModel& self, const std::string& config) {
             json j = parse(config, "compile");
             self.get().compile(compile_options_from_config(ConfigObject(j, "compile")));
           })
      .def("build", [](PyModel& self, const std::vector<std::size_t>& shape) { self.get().build(Shape(shape)); })
      .def("fit", &fit)
      .def("evaluate", &evaluate)
      .def("predict", &predict)
      .def("lr_find", &lr_find)
      .def("get_weights", &get_weights)
      .def("set_weights", &set_weights)
      .def("summary", [](PyModel& self) { return self.get().summary(); })
      .def("config", [](PyModel& self) { return model_config(self.get()).dump(); })
      .def(
          "compile_config",
          [](PyModel& self) { return self.get().compiled() ? compile_config(self.get()).dump() : std::string("null"); })
      .def("count_params", [](PyModel& self) { return self.get().count_params(); })
      .def("built", [](PyModel& self) { return self.get().built(); })
      .def("compiled", [](PyModel& self) { return self.get().compiled(); })
      .def("output_names", [](PyModel& self) { return self.get().output_names(); })
      .def("learning_rate", [](PyModel& self) { return self.get().optimizer().learning_rate(); })
      .def("layer_names", [](PyModel& self) {
        std::vector<std::string> names;
        for (const auto& l : self.get().layers()) names.push_back(l->name());
        return names;
      });
}

}  // namespace mlp::py
