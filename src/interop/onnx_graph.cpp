// SPDX-License-Identifier: MIT
#include "onnx_graph.hpp"

#include <bit>
#include <cstring>

#include "mlp/error.hpp"

namespace mlp::onnx_export {
namespace {

// raw_data holds the values little-endian (ONNX's rule); this machine's order is little-endian.
static_assert(std::endian::native == std::endian::little, "ONNX raw_data is little-endian");

template <class T>
std::string raw_bytes(std::span<const T> values) {
  std::string bytes(values.size_bytes(), '\0');
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), values.size_bytes());
  return bytes;
}

void set_type(onnx::ValueInfoProto& info, const std::vector<std::size_t>& sample_shape) {
  onnx::TypeProto_Tensor* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto* shape = tensor->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  for (std::size_t d : sample_shape) shape->add_dim()->set_dim_value(static_cast<std::int64_t>(d));
}

}  // namespace

std::string OnnxGraph::fresh(const std::string& base) {
  std::string name = base;
  for (int k = 2; names_.contains(name); ++k) name = base + "_" + std::to_string(k);
  names_.insert(name);
  return name;
}

std::string OnnxGraph::claim(const std::string& name) {
  if (!names_.insert(name).second) throw Error("ONNX export: two tensors would be named '" + name + "'");
  return name;
}

std::string OnnxGraph::constant(const std::string& base, const std::vector<std::int64_t>& dims,
                                std::span<const float> values) {
  onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(fresh(base));
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (std::int64_t d : dims) t->add_dims(d);
  t->set_raw_data(raw_bytes(values));
  return t->name();
}

std::string OnnxGraph::int64_constant(const std::string& base, std::span<const std::int64_t> values) {
  onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(fresh(base));
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<std::int64_t>(values.size()));
  t->set_raw_data(raw_bytes(values));
  return t->name();
}

std::string OnnxGraph::node(const std::string& op_type, const std::vector<std::string>& inputs,
                            const std::string& output_base, const std::vector<Attribute>& attributes) {
  onnx::NodeProto* n = graph_.add_node();
  n->set_op_type(op_type);
  for (const std::string& in : inputs) n->add_input(in);
  const std::string out = fresh(output_base);
  n->add_output(out);
  n->set_name(out);  // node names are free-form; the output's keeps them unique and readable
  for (const Attribute& a : attributes) {
    onnx::AttributeProto* attr = n->add_attribute();
    attr->set_name(a.name);
    if (const auto* i = std::get_if<std::int64_t>(&a.value)) {
      attr->set_type(onnx::AttributeProto::INT);
      attr->set_i(*i);
    } else if (const auto* f = std::get_if<float>(&a.value)) {
      attr->set_type(onnx::AttributeProto::FLOAT);
      attr->set_f(*f);
    } else {
      attr->set_type(onnx::AttributeProto::INTS);
      for (std::int64_t v : std::get<std::vector<std::int64_t>>(a.value)) attr->add_ints(v);
    }
  }
  return out;
}

void OnnxGraph::add_input(const std::string& name, const std::vector<std::size_t>& sample_shape) {
  onnx::ValueInfoProto* info = graph_.add_input();
  info->set_name(name);
  set_type(*info, sample_shape);
}

void OnnxGraph::add_output(const std::string& name, const std::vector<std::size_t>& sample_shape) {
  onnx::ValueInfoProto* info = graph_.add_output();
  info->set_name(name);
  set_type(*info, sample_shape);
}

}  // namespace mlp::onnx_export
