// SPDX-License-Identifier: MIT
#pragma once
// Keras files, read and written natively (Debian's libhdf5 C API and libzip; no Python).
//
// load_keras tells the layout apart by content, not by the file name:
//   .keras zip (PK\3\4)      config.json (architecture), metadata.json, model.weights.h5 (Keras 3)
//   HDF5, root model_config  legacy full model (Keras 1/2, or Keras 3 saving to .h5): weights under
//                            /model_weights/<layer>/<weight_names[i]> ("dense/kernel:0" or
//                            "<model>/<layer>/kernel")
//   HDF5, root layer_names   legacy weights only (save_weights): the same layer groups at the root
//   HDF5, /layers group      Keras 3 .weights.h5: /layers/<snake_case class>[_n]/vars/<i>
// The last two carry no architecture: `architecture` names a JSON file (model.to_json(), a Keras 3
// config.json) or an mlp model file whose architecture is used.
// Legacy weights are matched to layers as Keras matches them: by name when every saved layer name
// is a layer of the model, else by position among the layers that have weights; within a layer, in
// weight_names order (Dense kernel, bias; BatchNormalization gamma, beta, moving_mean,
// moving_variance), each checked against the layer's shape. Sequential and functional configs with
// InputLayer, Flatten, Dense, Activation, Dropout, AlphaDropout, GaussianNoise,
// BatchNormalization, LeakyReLU, Concatenate, Add, Average, Multiply; unknown config keys are
// ignored; anything unsupported, misshaped or missing is an Error naming the file and the layer.
// training_config / compile_config are not applied (the model comes back uncompiled); a loss or
// metric in them that mlp does not have (a notebook's own function) is a warning in KerasModel::warnings.
//
// save_keras writes a Keras 3 .keras zip (members stored) or a legacy .h5 full model with the groups,
// attributes, names and dtypes Keras writes (docs/interop.md), atomically.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mlp/model.hpp"

namespace mlp {

struct KerasModel {
  std::unique_ptr<Model> model;  // built, with the file's weights; not compiled
  std::string layout;            // "keras_zip", "h5_full", "h5_weights", "keras3_weights"
  std::string keras_version;     // as the file states it ("" when it does not)
  std::vector<std::string> warnings;
};

/// Reads a Keras model file (see above). `architecture` is required for weights-only files and
/// overrides the file's own architecture otherwise. Throws Error naming the file.
KerasModel load_keras(const std::string& path, const std::string& architecture = "");
/// load_keras on the bytes of a file already in memory; `source` names them in errors.
KerasModel load_keras_from_bytes(std::span<const std::uint8_t> bytes, const std::string& source,
                                 const std::string& architecture = "");

/// A model from a Keras architecture JSON (model.to_json(), a model_config attribute or a Keras 3
/// config.json), built, with initial weights. `source` names it in errors.
std::unique_ptr<Model> model_from_keras_json(const std::string& json, const std::string& source);

enum class KerasFormat { kKeras, kH5 };
/// Writes a built Sequential or functional model as a Keras 3 .keras zip or a legacy HDF5 full model.
void save_keras(const std::string& path, Model& model, KerasFormat format);
/// The bytes save_keras writes.
std::vector<std::uint8_t> keras_bytes(Model& model, KerasFormat format);

}  // namespace mlp
