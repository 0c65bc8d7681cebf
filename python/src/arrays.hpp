// SPDX-License-Identifier: MIT
#pragma once
// numpy arrays → what a Model reads, copied only where needed:
//   float32, C-contiguous (N, ...)  → a ConstMatrixView on numpy's buffer (no copy)
//   float32 in another layout, float64 → one float32 C-ordered copy (numpy's own cast)
//   uint8 → a ByteMatrix (a quarter of the floats' size) read through InputView's byte path,
//           value = byte · scale (scale 1 unless the array came wrapped by mlp.scaled(x, scale))
// Anything else (another dtype, fewer than 1 dimension, no rows) is a TypeError/ValueError that
// names the argument ("fit: x: expected float32, float64 or uint8, got int64").
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <deque>
#include <string>
#include <vector>

#include "mlp/input.hpp"
#include "mlp/matrix.hpp"

namespace mlp::py {

namespace pyb = pybind11;

/// Keeps alive what the views point at (numpy copies, byte matrices) for one call.
struct HeldArrays {
  std::deque<pyb::array_t<float, pyb::array::c_style>> floats;
  std::deque<ByteMatrix> bytes;
};

/// One model input: `what` names it in errors ("fit: x", "fit: x[1]").
InputView input_view(const pyb::handle& obj, const std::string& what, HeldArrays& held);
/// Targets: a 1-D array becomes (N, 1) (class indices), 2-D stays; floats only (ints are cast).
ConstMatrixView target_view(const pyb::handle& obj, const std::string& what, HeldArrays& held);
/// Sample weights: 1-D, one per sample.
std::vector<Scalar> weights_vector(const pyb::handle& obj, const std::string& what);
/// A Matrix as a new float32 numpy array (N, cols).
pyb::array_t<float> to_numpy(const Matrix& m);

}  // namespace mlp::py
