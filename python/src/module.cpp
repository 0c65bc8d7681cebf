// SPDX-License-Identifier: MIT
// mlp._mlp: the C++ side of the Python package mlp (python/mlp). Kept small: models are built from
// the same flat JSON configs the CLI and the model file use (mlp/serialize.hpp), so the Python
// layer classes only write configs, and every check and error message is the library's.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>

#include "mlp/data/datasets.hpp"
#include "mlp/error.hpp"
#include "mlp/serialize.hpp"
#include "model.hpp"

namespace pyb = pybind11;

namespace {

// (x_train, y_train), (x_test, y_test) as Keras gives them: uint8 (N, 28, 28) and uint8 labels (N,).
pyb::tuple load_image_dataset(const std::string& name, const std::string& cache_dir, bool network) {
  mlp::ImageDataset d;
  {
    pyb::gil_scoped_release release;
    d = mlp::load_dataset(name, {.cache_dir = cache_dir, .network = network});
  }
  auto images = [](const mlp::ByteMatrix& x) {
    const auto side = static_cast<pyb::ssize_t>(28);
    pyb::array_t<std::uint8_t> a({static_cast<pyb::ssize_t>(x.rows()), side, side});
    std::memcpy(a.mutable_data(), x.data(), x.size());
    return a;
  };
  auto labels = [](const mlp::Matrix& y) {
    pyb::array_t<std::uint8_t> a(static_cast<pyb::ssize_t>(y.rows()));
    auto* out = a.mutable_data();
    for (std::size_t r = 0; r < y.rows(); ++r) {
      std::size_t best = 0;
      for (std::size_t c = 1; c < y.cols(); ++c) {
        if (y(r, c) > y(r, best)) best = c;
      }
      out[r] = static_cast<std::uint8_t>(best);
    }
    return a;
  };
  return pyb::make_tuple(pyb::make_tuple(images(d.x_train), labels(d.y_train)),
                         pyb::make_tuple(images(d.x_test), labels(d.y_test)), d.class_names);
}

}  // namespace

PYBIND11_MODULE(_mlp, m) {
  m.doc() = "C++ core of the mlp package (use `import mlp`).";
  m.attr("__version__") = MLP_VERSION;
  // mlp.Error: every error of the library (bad config, file, shape); a ValueError for except clauses.
  pyb::register_exception<mlp::Error>(m, "Error", PyExc_ValueError);
  mlp::py::bind_model(m);
  m.def("layer_types", &mlp::layer_types);
  m.def("optimizer_types", &mlp::optimizer_types);
  m.def("load_image_dataset", &load_image_dataset, pyb::arg("name"), pyb::arg("cache_dir") = "",
        pyb::arg("network") = true);
}
