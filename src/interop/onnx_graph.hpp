// SPDX-License-Identifier: MIT
#pragma once
// OnnxGraph: appends nodes, float/int64 initializers and typed inputs/outputs to an
// onnx::GraphProto (Debian's libonnx-dev classes), keeping every tensor name unique (ONNX graphs
// are in SSA form: each name is produced once). Internal to src/interop/onnx_export.cpp.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace mlp::onnx_export {

/// A node attribute: an int, a float or a list of ints.
struct Attribute {
  std::string name;
  std::variant<std::int64_t, float, std::vector<std::int64_t>> value;
};

class OnnxGraph {
 public:
  explicit OnnxGraph(onnx::GraphProto& graph) : graph_(graph) {}

  /// `base` if no tensor has that name yet, else base_2, base_3, … (reserved from now on).
  std::string fresh(const std::string& base);
  /// Reserves exactly `name`; throws Error when a tensor already has it.
  std::string claim(const std::string& name);

  /// A float32 initializer of shape `dims` (empty: a scalar) holding `values`; returns its name.
  std::string constant(const std::string& base, const std::vector<std::int64_t>& dims, std::span<const float> values);
  std::string scalar(const std::string& base, float value) { return constant(base, {}, {&value, 1}); }
  /// An int64 initializer (a Reshape's shape).
  std::string int64_constant(const std::string& base, std::span<const std::int64_t> values);

  /// Adds op_type(inputs) whose one output is named fresh(output_base); returns the output's name.
  std::string node(const std::string& op_type, const std::vector<std::string>& inputs, const std::string& output_base,
                   const std::vector<Attribute>& attributes = {});

  /// Declares a graph input / output: float32 of shape (N, …sample_shape), N symbolic.
  void add_input(const std::string& name, const std::vector<std::size_t>& sample_shape);
  void add_output(const std::string& name, const std::vector<std::size_t>& sample_shape);

 private:
  onnx::GraphProto& graph_;
  std::set<std::string> names_;
};

}  // namespace mlp::onnx_export
