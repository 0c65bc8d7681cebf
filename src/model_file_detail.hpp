// SPDX-License-Identifier: MIT
#pragma once
// Pieces of the model file shared by model_file.cpp and checkpoint.cpp (a checkpoint is a model
// file with more in it).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mlp/io/safetensors.hpp"
#include "mlp/sequential.hpp"

namespace mlp::detail {

/// Every saved buffer of the model with its tensor name ("<layer>/<param>"), params() then
/// state() per layer.
std::vector<std::pair<std::string, Param*>> saved_buffers(Model& model);
/// A Matrix as a float tensor with Keras' shape (a kernel (I, O); vectors (O,)).
Tensor to_tensor(std::string name, const Param& p);
/// What save_model writes: the metadata and one tensor per saved buffer.
TensorFile model_tensor_file(Model& model, const nlohmann::json& extra);
/// Reads `path` and checks that it is an mlp model file of a version this build reads.
TensorFile read_model_tensor_file(const std::string& path);
/// The same on the bytes of a file already in memory; `path` names them in errors.
TensorFile decode_model_tensor_file(std::span<const std::uint8_t> bytes, const std::string& path);
/// Checks that `file` is an mlp model file of a version this build reads; errors name `path`.
TensorFile check_model_tensor_file(TensorFile file, const std::string& path);
/// Copies every saved buffer of `model` from `file`, after checking all of them (names, shapes):
/// on an error the model is unchanged. Tensors under "optimizer/" and "callbacks/" (checkpoints)
/// are allowed beside them; any other unknown tensor is an error.
void read_weights(const TensorFile& file, Model& model, const std::string& path);
/// Parses metadata `key` as JSON; errors name the file.
nlohmann::json parse_metadata(const TensorFile& file, const std::string& key, const std::string& path);
/// Copies a float tensor into a matrix of the same element count (shape already checked).
void copy_into(const Tensor& t, Matrix& m);

}  // namespace mlp::detail
