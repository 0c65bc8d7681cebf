// SPDX-License-Identifier: MIT
#pragma once
// The ONNX ops of each mlp activation (the table in include/mlp/interop/onnx.hpp), with the
// constants of src/activation.cpp. Internal to the ONNX exporter.
#include <string>

#include "mlp/activation.hpp"
#include "mlp/shape.hpp"
#include "onnx_graph.hpp"

namespace mlp::onnx_export {

/// Appends f(x) for a tensor (N, …sample_shape) and returns the result's name (fresh(out); x
/// itself for linear, which adds nothing).
std::string activation(OnnxGraph& g, const ActivationFunction& f, const std::string& x, const std::string& out,
                       const Shape& sample_shape);

}  // namespace mlp::onnx_export
