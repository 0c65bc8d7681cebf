// SPDX-License-Identifier: MIT
#include "onnx_activation.hpp"

#include <numbers>

namespace mlp::onnx_export {
namespace {
// SELU's constants as src/activation.cpp has them (ONNX's defaults are these rounded to float).
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
}  // namespace

std::string activation(OnnxGraph& g, const ActivationFunction& f, const std::string& x, const std::string& out,
                       const Shape& sample_shape) {
  const auto alpha = static_cast<float>(f.alpha);
  switch (f.kind) {
    case ActivationKind::kLinear: return x;
    case ActivationKind::kRelu: return g.node("Relu", {x}, out);
    case ActivationKind::kLeakyRelu: return g.node("LeakyRelu", {x}, out, {{"alpha", alpha}});
    case ActivationKind::kElu: return g.node("Elu", {x}, out, {{"alpha", alpha}});
    case ActivationKind::kSelu:
      return g.node("Selu", {x}, out,
                    {{"alpha", static_cast<float>(kSeluAlpha)}, {"gamma", static_cast<float>(kSeluScale)}});
    case ActivationKind::kSoftplus: return g.node("Softplus", {x}, out);
    case ActivationKind::kSoftsign: return g.node("Softsign", {x}, out);
    case ActivationKind::kSigmoid: return g.node("Sigmoid", {x}, out);
    case ActivationKind::kHardSigmoid:  // Keras 3: clip(z/6 + 1/2, 0, 1) (Keras 2's 0.2·z + 0.5 is not mlp's)
      return g.node("HardSigmoid", {x}, out, {{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}});
    case ActivationKind::kTanh: return g.node("Tanh", {x}, out);
    case ActivationKind::kSwish: {  // z·sigmoid(z)
      const std::string s = g.node("Sigmoid", {x}, out + "/Sigmoid");
      return g.node("Mul", {x, s}, out);
    }
    case ActivationKind::kGelu: {  // (z/2)·(1 + erf(z/√2)), the exact form; opset 17 has no Gelu
      const std::string scaled =
          g.node("Div", {x, g.scalar(out + "/sqrt2", static_cast<float>(std::numbers::sqrt2))}, out + "/Div");
      const std::string erf = g.node("Erf", {scaled}, out + "/Erf");
      const std::string one_plus = g.node("Add", {erf, g.scalar(out + "/one", 1.0f)}, out + "/Add");
      const std::string half = g.node("Mul", {x, g.scalar(out + "/half", 0.5f)}, out + "/half");
      return g.node("Mul", {half, one_plus}, out);
    }
    case ActivationKind::kSoftmax: {
      if (sample_shape.size() <= 1) return g.node("Softmax", {x}, out, {{"axis", std::int64_t{-1}}});
      // mlp normalises over all of a sample's features (its rows are flat): flatten, then restore
      // the shape.
      const std::string flat = g.node("Flatten", {x}, out + "/Flatten", {{"axis", std::int64_t{1}}});
      const std::string soft = g.node("Softmax", {flat}, out + "/Softmax", {{"axis", std::int64_t{-1}}});
      std::vector<std::int64_t> dims{-1};
      for (std::size_t d : sample_shape) dims.push_back(static_cast<std::int64_t>(d));
      return g.node("Reshape", {soft, g.int64_constant(out + "/shape", dims)}, out);
    }
  }
  return x;
}

}  // namespace mlp::onnx_export
