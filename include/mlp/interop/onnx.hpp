// SPDX-License-Identifier: MIT
#pragma once
// ONNX export: the inference graph of a built model (Sequential or graph) as an ONNX ModelProto,
// opset 17 of the default domain, IR version 8 (what Debian's onnx 1.12 checks), written with the
// protobuf classes of Debian's libonnx-dev (onnx.proto). Every tensor is float32; each input is
// (N, …shape) with a symbolic batch dimension "N", named after its InputLayer (a Sequential
// without one: "<first layer>_input"); each output is named after its output layer.
//
//   Layer                 ONNX ops
//   Dense                 Gemm(x, Wᵀ, b, transB=1), the kernel stored transposed (O, I); then the activation
//   Activation            the activation's ops (table below)
//   BatchNormalization    folded into the Dense before it (fold_batch_normalization, when that Dense has
//                         a linear activation and no other reader):  W' = W·a, b' = b·a + β − μ·a with
//                         a = γ/√(σ² + ε) per unit (in double, then rounded once); else
//                         BatchNormalization(x, γ, β, μ, σ², epsilon) on (N, C), or Mul(a) + Add(β − μ·a)
//                         along the last axis of a higher-rank tensor (ONNX's op normalises axis 1)
//   LeakyReLU             LeakyRelu(alpha = negative_slope)
//   Flatten               Flatten(axis = 1) (nothing for an already flat tensor)
//   Dropout, AlphaDropout, GaussianNoise, InputLayer   nothing (the identity at inference)
//   Concatenate           Concat(last axis)      Add   Add (2 inputs) or Sum
//   Average               Sum then Mul(1/K)      Multiply   a chain of Mul
//
//   Activation  ONNX (mlp's formulas, activation.hpp)
//   linear      nothing              relu  Relu        leaky_relu  LeakyRelu(alpha)   elu  Elu(alpha)
//   selu        Selu(α, λ)           softplus Softplus  softsign Softsign           sigmoid Sigmoid
//   hard_sigmoid HardSigmoid(1/6, 1/2) (Keras 3's clip(z/6 + 1/2, 0, 1))          tanh Tanh
//   softmax     Softmax(axis = -1) over the features (a rank > 2 tensor: Flatten, Softmax, Reshape,
//               since mlp normalises over all of a sample's features)
//   swish/silu  z·Sigmoid(z)         gelu  z/2·(1 + Erf(z/√2))  (opset 17 has no Gelu)
//
// Preprocessing (optional): x ← x·scale_j − shift_j per input feature j as each input's first ops
// (Mul, then Sub when a shift is non-zero), and every output multiplied by output_scale as the last
// op: what `mlp predict` applies from the model file's "extra" metadata (onnx_options_from_extra).
// Without it the graph takes inputs already preprocessed and gives outputs before the target scale.
// Layers without an ONNX mapping (a class derived from a layer included: its forward may differ)
// are an Error naming the layer. docs/interop.md is the user's guide.
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "mlp/input.hpp"
#include "mlp/model.hpp"

namespace mlp {

inline constexpr int kOnnxOpset = 17;     ///< default-domain opset written
inline constexpr int kOnnxIrVersion = 8;  ///< ModelProto.ir_version written

struct OnnxExportOptions {
  /// Per model input, in order: x ← x·scale − shift, one entry per feature of the input (its shape's
  /// product, row-major). Empty: no preprocessing in the graph (the caller applies it).
  std::vector<ColumnScaling> input_scaling;
  /// Every output multiplied by this as the graph's last op (a regression's target_divide_by); 1: none.
  double output_scale = 1;
  /// Fold BatchNormalization into the linear Dense before it (see above); false: always an op.
  bool fold_batch_normalization = true;
  /// Written as the ModelProto's metadata_props (key → value).
  std::map<std::string, std::string> metadata;
};

/// The preprocessing `mlp predict` applies, read from a model file's "extra" metadata (the layout
/// `mlp train` writes, docs/file_format.md): divide_by and standardisation as input_scaling (a
/// graph's CSV inputs take their own columns of the statistics, "model_inputs"), target_divide_by
/// as output_scale, and the labels' task and class names as metadata. An extra without
/// "preprocessing" gives no preprocessing. Throws Error when the statistics do not fit the model's inputs.
OnnxExportOptions onnx_options_from_extra(const Model& model, const nlohmann::json& extra);

/// The serialized ONNX ModelProto of `model`'s inference graph. The model must be built. Throws
/// Error naming the layer that cannot be exported, or a scaling that does not fit its input.
std::string onnx_model_bytes(const Model& model, const OnnxExportOptions& options = {});

/// onnx_model_bytes written atomically to `path` (write_file_atomic: on failure the old file is kept).
void save_onnx(const std::string& path, const Model& model, const OnnxExportOptions& options = {});

}  // namespace mlp
