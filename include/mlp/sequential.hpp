// SPDX-License-Identifier: MIT
#pragma once
// Sequential: a stack of layers trained end to end, with Keras' API and defaults. It is a Model
// (mlp/model.hpp) whose graph is a chain: each layer reads the one before it.
//
//   Sequential model({.seed = 1});
//   model.add<InputLayer>({.shape = {28, 28}});
//   model.add<Flatten>({});
//   model.add<Dense>({.units = 256, .activation = "relu"});
//   model.add<Dropout>({.rate = 0.45});
//   model.add<Dense>({.units = 10, .activation = "softmax"});
//   model.compile({.optimizer = std::make_unique<Adam>(Adam::Options{}),
//                  .loss = {.name = "categorical_crossentropy"}, .metrics = {"accuracy"}});
//   History h = model.fit(x, y, {.batch_size = 128, .epochs = 20, .validation_split = 0.1});
//
// or from a list: Sequential model({.seed = 1}, layers(InputLayer({.shape = {4}}), Dense({.units = 1}))).
//
// Data: x is (N, features of the input shape), y is (N, output width) or (N, 1) of class indices
// for sparse_categorical_crossentropy. Without an InputLayer the model is built by the first
// fit/evaluate/train_on_batch from x's width (or by build()). A first InputLayer is the model's
// input: it is not computed, the batch is gathered straight into its buffer.
#include <memory>
#include <vector>

#include "mlp/model.hpp"

namespace mlp {

class Sequential : public Model {
 public:
  explicit Sequential(ModelOptions options = {});
  /// Built from a list, as keras.Sequential([...]): layers are added in order.
  Sequential(ModelOptions options, std::vector<std::unique_ptr<Layer>> layers);

  /// Appends a layer built from its options: model.add<Dense>({.units = 64}).
  template <class L>
  L& add(typename L::Options options) {
    auto layer = std::make_unique<L>(std::move(options));
    L& ref = *layer;
    add(std::move(layer));
    return ref;
  }
  Layer& add(std::unique_ptr<Layer> layer) { return append(std::move(layer), "Sequential::add"); }
};

}  // namespace mlp
