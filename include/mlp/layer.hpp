// SPDX-License-Identifier: MIT
#pragma once
// Layer: one step of a model. x (N, I) -> y (N, O), where I and O are the feature counts of the
// logical input and output shapes. Letters used in every layer: N batch, I in_features,
// O out_features.
//
// Contract:
//  - build(input_shape, rng) creates the weights once the input shape is known (Keras' lazy build)
//    and returns the output shape.
//  - forward(x, y, mode) writes y. Mode::kTrain turns on dropout/noise and batch statistics.
//  - backward(x, y, dy, dx) receives the x and y of the latest forward and dy = dL/dy; it
//    OVERWRITES every params()[i].grad (there is no accumulation, so no zero_grad to forget) and
//    writes dx = dL/dx unless dx is empty (the first layer's input gradient is never needed).
//    Regularizer gradients are included in params()[i].grad.
//  - Layers that read several tensors (Concatenate, Add, ...) override build_inputs,
//    forward_inputs and backward_inputs instead; the defaults take exactly one input and call the
//    three methods above, so a one-input layer implements only those.
//  - params(): trained by the optimizer. state(): saved with the model, never trained (moving
//    statistics). Both in a fixed order that save files rely on.
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/activation.hpp"
#include "mlp/matrix.hpp"
#include "mlp/ops.hpp"
#include "mlp/random.hpp"
#include "mlp/shape.hpp"

namespace mlp {

enum class Mode { kInference, kTrain };

/// A weight and its gradient. grad has value's shape; state buffers leave grad empty.
struct Param {
  std::string name;  // "kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"
  Matrix value;
  Matrix grad;
};

class Layer {
 public:
  Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;
  /// Movable so that a layer can be built in place and handed to a model: layers(Dense({...})).
  Layer(Layer&&) noexcept = default;
  Layer& operator=(Layer&&) = delete;
  virtual ~Layer() = default;

  /// Keras class name: "Dense", "Dropout", ...
  virtual std::string_view kind() const = 0;
  virtual Shape build(const Shape& input_shape, Rng& rng) = 0;
  virtual void forward(ConstMatrixView x, MatrixView y, Mode mode) = 0;
  virtual void backward(ConstMatrixView x, ConstMatrixView y, ConstMatrixView dy, MatrixView dx) = 0;
  /// Several inputs (a model graph's merge layers): shapes, xs and dxs one per input, in order;
  /// an empty dxs[s] means that input's gradient is not needed.
  virtual Shape build_inputs(std::span<const Shape> input_shapes, Rng& rng);
  virtual void forward_inputs(std::span<const ConstMatrixView> xs, MatrixView y, Mode mode);
  virtual void backward_inputs(std::span<const ConstMatrixView> xs, ConstMatrixView y, ConstMatrixView dy,
                               std::span<const MatrixView> dxs);
  virtual std::vector<Param*> params() { return {}; }
  virtual std::vector<Param*> state() { return {}; }
  /// Keras-named constructor arguments ({"units": 256, "activation": "relu", ...}).
  virtual nlohmann::json config() const;

  /// Regularization penalty of the weights plus, after a training forward, the activity penalty.
  virtual double regularization_loss() const { return 0; }
  /// The matrix products a forward pass of `rows` rows computes, and its backward pass if
  /// `backward` (Dense: one, then two more), so that fit() and predict() can check they give the
  /// same bits at every thread count they may use (mlp/thread_tuner.hpp).
  virtual void gemm_products(std::size_t /*rows*/, bool /*backward*/, std::vector<GemmShape>& /*out*/) const {}
  /// The activation applied last by this layer, if any (used to fuse softmax/sigmoid with the loss).
  virtual const ActivationFunction* output_activation() const { return nullptr; }
  /// When set, backward() takes dy as the gradient w.r.t. the pre-activation (the loss already
  /// applied the activation's derivative: softmax + cross-entropy gives probs − onehot).
  void set_fused_output_activation(bool fused) { fused_output_activation_ = fused; }
  /// The generator for training-time randomness (dropout masks, noise), owned by the model.
  void attach_rng(Rng* rng) { rng_ = rng; }
  /// The row of the whole batch that this call's row 0 is: noise layers key their draws by
  /// (offset + row), so a process of a data-parallel fit (mlp/process_group.hpp) that computes
  /// rows [offset, offset + n) of a batch draws the masks a single process would. 0 otherwise.
  void set_batch_row_offset(std::size_t offset) { row_offset_ = offset; }

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return output_shape_; }
  bool built() const { return built_; }
  bool trainable() const { return trainable_; }
  void set_trainable(bool trainable) { trainable_ = trainable; }
  std::size_t count_params();  // params() + state()

 protected:
  /// Records the shapes; every build() calls it.
  void set_built(const Shape& input, const Shape& output) {
    input_shape_ = input;
    output_shape_ = output;
    built_ = true;
  }

  Rng* rng_ = nullptr;
  std::size_t row_offset_ = 0;
  bool fused_output_activation_ = false;

 private:
  std::string name_;
  Shape input_shape_, output_shape_;
  bool built_ = false;
  bool trainable_ = true;
};

}  // namespace mlp
