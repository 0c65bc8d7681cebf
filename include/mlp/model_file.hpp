// SPDX-License-Identifier: MIT
#pragma once
// The model file: one self-describing safetensors file (so any safetensors reader can open the
// weights) whose "__metadata__" carries, as JSON strings:
//   "format": "mlp.model"          "format_version": "1"          "mlp_version": "0.1.0"
//   "model":   the architecture, model_config() (layer types, names, arguments, input shape)
//   "compile": compile_config() when the model was compiled (optimizer, loss, metrics)
//   "extra":   what the application stores beside the model: the CLI keeps the preprocessing
//              (scaling, standardisation statistics, CSV encoding, class names) there
// Tensors are named "<layer>/<param>" ("dense_1/kernel" (I, O), "dense_1/bias" (O),
// "batch_normalization_1/moving_mean" (O)), float32, every layer's params() then state().
// Writes are atomic (write_file_atomic). Loading checks everything and names the file: a missing
// or misshaped tensor, an unknown layer, a file from a newer format version.
// The format is documented for users in docs/file_format.md.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "mlp/sequential.hpp"

namespace mlp {

inline constexpr int kModelFormatVersion = 1;

struct SavedModel {
  std::unique_ptr<Model> model;  // built, with the saved weights; compiled if it was
  nlohmann::json extra;          // the "extra" metadata ({} when none)
};

/// Saves a built model. Throws Error naming the path when the write fails (the old file, if
/// any, is left intact).
void save_model(const std::string& path, Model& model, const nlohmann::json& extra = nlohmann::json::object());
/// Loads a model file written by save_model (or a checkpoint). Throws Error naming the path when the
/// file is missing, not a model file, corrupt or from a newer format version.
SavedModel load_model(const std::string& path);
/// load_model on the bytes of a model file already in memory; `source` names them in errors.
SavedModel load_model_from_bytes(std::span<const std::uint8_t> bytes, const std::string& source);

/// Copies every weight and state buffer of `from` into `to` (same architecture), for
/// restore-best-weights and ensembles. Throws Error on a shape mismatch.
void copy_weights(Model& from, Model& to);

}  // namespace mlp
