// SPDX-License-Identifier: MIT
#include "mlp/models/reference.hpp"

#include "mlp/layers/dense.hpp"
#include "mlp/layers/dropout.hpp"
#include "mlp/layers/flatten.hpp"
#include "mlp/layers/input_layer.hpp"
#include "mlp/optimizers/adam.hpp"

namespace mlp {

void add_reference_mnist_layers(Sequential& model) {
  model.add<InputLayer>({.shape = {28, 28}});
  model.add<Flatten>({});
  model.add<Dense>({.units = 256, .activation = "relu"});
  model.add<Dropout>({.rate = 0.45});
  model.add<Dense>({.units = 256, .activation = "relu"});
  model.add<Dropout>({.rate = 0.45});
  model.add<Dense>({.units = 10, .activation = "softmax"});
}

void compile_reference_mnist(Sequential& model) {
  model.compile({.optimizer = std::make_unique<Adam>(Adam::Options{}),
                 .loss = {.name = "categorical_crossentropy"},
                 .metrics = {"accuracy"}});
}

}  // namespace mlp
