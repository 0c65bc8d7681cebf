// SPDX-License-Identifier: MIT
#pragma once
// The reference model of the classic Keras MNIST notebook (Atienza, "Advanced Deep Learning with
// Keras", ch. 1): Flatten(28, 28) → Dense(256, relu) → Dropout(0.45) → Dense(256, relu) →
// Dropout(0.45) → Dense(10, softmax); 269,322 parameters. Compiled with Adam (Keras defaults)
// and categorical cross-entropy with accuracy.
#include <cstdint>

#include "mlp/sequential.hpp"

namespace mlp {

/// Adds the reference model's layers to an empty model.
void add_reference_mnist_layers(Sequential& model);
/// Compiles it as the notebook does (Adam, categorical_crossentropy, accuracy).
void compile_reference_mnist(Sequential& model);

}  // namespace mlp
