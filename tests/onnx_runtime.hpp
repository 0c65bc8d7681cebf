// SPDX-License-Identifier: MIT
#pragma once
// What the ONNX exporter's tests run on an exported model, none of it mlp's code: onnx's own C++
// checker and strict shape inference (libonnx), and OpenCV's DNN module as a second runtime.
// With MLP_ONNX_VECTORS_DIR set, every case compared is also written there (CASE.onnx, raw
// float32 inputs and mlp's outputs, CASE.json naming them) for tools/check_onnx (onnxruntime) and
// tests/check_onnx_files.py (python3-onnx's checker).
#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>
#include <string>
#include <vector>

#include "mlp/matrix.hpp"
#include "mlp/shape.hpp"

namespace mlp::test {

/// One named model input or output: (N, F) values of a sample shape.
struct OnnxTensor {
  std::string name;
  Shape shape;  // without the batch axis
  Matrix values;
};

/// Parses the bytes, runs onnx::checker::check_model and strict shape inference (what
/// onnx.checker.check_model(full_check=True) does); fails the test on any error.
inline onnx::ModelProto checked_onnx(const std::string& bytes) {
  onnx::ModelProto proto;
  EXPECT_TRUE(proto.ParseFromString(bytes));
  try {
    onnx::checker::check_model(proto);
    onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(/*check_type=*/true, /*strict=*/1));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the ONNX checker refused the model: " << e.what();
  }
  return proto;
}

/// The op types of the graph's nodes, in order.
inline std::vector<std::string> op_types(const onnx::ModelProto& proto) {
  std::vector<std::string> ops;
  for (const auto& n : proto.graph().node()) ops.push_back(n.op_type());
  return ops;
}

/// Runs the model in OpenCV's DNN module; returns the named outputs as (N, F) matrices.
inline std::vector<Matrix> run_opencv(const std::string& bytes, const std::vector<OnnxTensor>& inputs,
                                      const std::vector<std::string>& outputs) {
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  cv::dnn::Net net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
  std::vector<cv::Mat> blobs;  // kept alive until forward()
  for (const OnnxTensor& in : inputs) {
    std::vector<int> dims{static_cast<int>(in.values.rows())};
    for (std::size_t d : in.shape) dims.push_back(static_cast<int>(d));
    cv::Mat blob(static_cast<int>(dims.size()), dims.data(), CV_32F);
    float* p = blob.ptr<float>();
    for (std::size_t k = 0; k < in.values.size(); ++k) p[k] = static_cast<float>(in.values.data()[k]);
    blobs.push_back(blob);
    net.setInput(blob, in.name);
  }
  std::vector<cv::Mat> outs;
  std::vector<cv::String> names(outputs.begin(), outputs.end());
  net.forward(outs, names);
  std::vector<Matrix> result;
  for (const cv::Mat& o : outs) {
    const std::size_t rows = static_cast<std::size_t>(o.size[0]);
    Matrix m(rows, rows == 0 ? 0 : o.total() / rows);
    const float* p = o.ptr<float>();
    for (std::size_t k = 0; k < m.size(); ++k) m.data()[k] = static_cast<Scalar>(p[k]);
    result.push_back(std::move(m));
  }
  return result;
}

/// max |a − b| (relative: / max(1, |b|)); infinity on a shape mismatch or a NaN.
inline double max_difference(const Matrix& a, const Matrix& b, bool relative = false) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return INFINITY;
  double worst = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const double x = static_cast<double>(a.data()[k]), y = static_cast<double>(b.data()[k]);
    double d = std::abs(x - y);
    if (relative) d /= std::max(1.0, std::abs(y));
    if (!(d <= worst)) worst = std::isnan(d) ? INFINITY : d;
  }
  return worst;
}

inline void write_floats(const std::string& path, const Matrix& m) {
  std::vector<float> v(m.size());
  for (std::size_t k = 0; k < m.size(); ++k) v[k] = static_cast<float>(m.data()[k]);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
}

/// Writes the case for the other runtimes when MLP_ONNX_VECTORS_DIR is set.
inline void dump_case(const std::string& name, const std::string& bytes, const std::vector<OnnxTensor>& inputs,
                      const std::vector<OnnxTensor>& expected, double tolerance, bool relative) {
  const char* dir = std::getenv("MLP_ONNX_VECTORS_DIR");
  if (dir == nullptr || *dir == '\0') return;
  const std::string base = std::string(dir) + "/" + name;
  std::ofstream(base + ".onnx", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  nlohmann::json manifest = {{"model", name + ".onnx"}, {"tolerance", tolerance}, {"relative", relative}};
  auto list = [&](const std::vector<OnnxTensor>& tensors, const char* kind) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t k = 0; k < tensors.size(); ++k) {
      const std::string file = name + "." + kind + std::to_string(k) + ".f32";
      write_floats(std::string(dir) + "/" + file, tensors[k].values);
      Shape shape{tensors[k].values.rows()};
      shape.insert(shape.end(), tensors[k].shape.begin(), tensors[k].shape.end());
      out.push_back({{"name", tensors[k].name}, {"shape", shape}, {"file", file}});
    }
    return out;
  };
  manifest["inputs"] = list(inputs, "input");
  manifest["outputs"] = list(expected, "output");
  std::ofstream(base + ".json") << manifest.dump(1) << "\n";
}

/// Checks the model, runs it in OpenCV on `inputs` and returns the largest difference of any
/// output from `expected` (mlp's predictions); also dumps the case for the other runtimes.
inline double opencv_difference(const std::string& name, const std::string& bytes,
                                const std::vector<OnnxTensor>& inputs, const std::vector<OnnxTensor>& expected,
                                double tolerance = 1e-5, bool relative = false) {
  checked_onnx(bytes);
  std::vector<std::string> names;
  for (const OnnxTensor& e : expected) names.push_back(e.name);
  const std::vector<Matrix> got = run_opencv(bytes, inputs, names);
  double worst = 0;
  for (std::size_t k = 0; k < expected.size(); ++k) {
    worst = std::max(worst, k < got.size() ? max_difference(got[k], expected[k].values, relative) : INFINITY);
  }
  dump_case(name, bytes, inputs, expected, tolerance, relative);
  return worst;
}

}  // namespace mlp::test
