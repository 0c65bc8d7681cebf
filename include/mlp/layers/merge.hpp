// SPDX-License-Identifier: MIT
#pragma once
// Merge layers: join several tensors of a model graph into one (Keras' keras.layers.Concatenate,
// Add, Multiply, Average). They have no weights. Letters: N batch, K inputs x_1..x_K.
//
//   Concatenate  x_k (N, F_k)            → y (N, ΣF_k)   y = [x_1 | x_2 | … ]   dx_k = dy[:, its columns]
//   Add          x_k (N, F), same shapes → y (N, F)      y = Σ x_k             dx_k = dy
//   Average                                              y = (1/K) Σ x_k       dx_k = dy / K
//   Multiply                                             y = Π x_k             dx_k = dy ⊙ Π_{j≠k} x_j
//
// Concatenate joins along the last axis (Keras' default axis=-1); the other axes must agree.
// Add/Multiply/Average need identical input shapes (no broadcasting). Each needs at least two
// inputs; called with one, build_inputs throws naming the layer.
#include "mlp/layer.hpp"

namespace mlp {

/// The common part: at least two inputs, and no single-input use.
class MergeLayer : public Layer {
 public:
  Shape build(const Shape& input_shape, Rng& rng) override;
  void forward(ConstMatrixView x, MatrixView y, Mode mode) override;
  void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) override;
  Shape build_inputs(std::span<const Shape> input_shapes, Rng& rng) override;
  /// Every input's shape, in order (input_shape() is the first's).
  const std::vector<Shape>& input_shapes() const { return input_shapes_; }

 protected:
  /// The output shape for these input shapes (at least two); throws naming the layer.
  virtual Shape merged_shape(std::span<const Shape> input_shapes) const = 0;
  std::string who() const;

 private:
  std::vector<Shape> input_shapes_;
};

class Concatenate : public MergeLayer {
 public:
  struct Options {
    int axis = -1;  ///< only the last axis (-1, or its positive index) is supported
  };
  Concatenate();
  explicit Concatenate(Options options);
  std::string_view kind() const override { return "Concatenate"; }
  void forward_inputs(std::span<const ConstMatrixView> xs, MatrixView y, Mode mode) override;
  void backward_inputs(std::span<const ConstMatrixView> xs, ConstMatrixView y, ConstMatrixView dy,
                       std::span<const MatrixView> dxs) override;
  /// {"axis"}
  nlohmann::json config() const override;
  const Options& options() const { return options_; }

 protected:
  Shape merged_shape(std::span<const Shape> input_shapes) const override;

 private:
  Options options_;
};

/// Add, Average and Multiply: element-wise over inputs of one shape.
class ElementwiseMerge : public MergeLayer {
 public:
  enum class Op { kAdd, kAverage, kMultiply };
  struct Options {};
  explicit ElementwiseMerge(Op op) : op_(op) {}
  std::string_view kind() const override;
  void forward_inputs(std::span<const ConstMatrixView> xs, MatrixView y, Mode mode) override;
  void backward_inputs(std::span<const ConstMatrixView> xs, ConstMatrixView y, ConstMatrixView dy,
                       std::span<const MatrixView> dxs) override;

 protected:
  Shape merged_shape(std::span<const Shape> input_shapes) const override;

 private:
  Op op_;
};

class Add : public ElementwiseMerge {
 public:
  explicit Add(Options = {}) : ElementwiseMerge(Op::kAdd) {}
};
class Average : public ElementwiseMerge {
 public:
  explicit Average(Options = {}) : ElementwiseMerge(Op::kAverage) {}
};
class Multiply : public ElementwiseMerge {
 public:
  explicit Multiply(Options = {}) : ElementwiseMerge(Op::kMultiply) {}
};

}  // namespace mlp
