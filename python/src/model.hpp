// SPDX-License-Identifier: MIT
#pragma once
// mlp._mlp.Model: a C++ mlp::Model built from the flat JSON config (mlp/serialize.hpp) the Python
// package writes, with fit/evaluate/predict on numpy arrays. mlp.Sequential and mlp.Model
// (python/mlp/models.py) hold one.
#include <pybind11/pybind11.h>

namespace mlp::py {
void bind_model(pybind11::module_& m);
}
