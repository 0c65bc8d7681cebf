// SPDX-License-Identifier: MIT
// The CLI test's judge of `mlp export --format onnx` (tests/cli_onnx.cmake): runs the exported
// model in OpenCV's DNN module on the pixels of an IDX image file and compares each sample's
// predicted class and probability with the CSV that `mlp predict --out` wrote for the same file.
// mlp is used only to read the IDX file; OpenCV computes everything.
//   onnx_opencv_check MODEL.onnx IMAGES.idx[.gz] PREDICT.csv [DIVIDE_BY]
// DIVIDE_BY (default 1): the pixels are divided by it first (a graph exported --no-preprocessing).
// Exit 0 when every class is equal and every probability within 1e-5 (the CSV's %.6g adds at most
// 5e-7), 1 otherwise.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>
#include <string>
#include <vector>

#include "mlp/io/idx.hpp"

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s MODEL.onnx IMAGES.idx PREDICT.csv [DIVIDE_BY]\n", argv[0]);
    return 2;
  }
  try {
    const double divide_by = argc == 5 ? std::stod(argv[4]) : 1.0;
    const mlp::IdxArray images = mlp::read_idx(argv[2]);
    std::vector<int> dims(images.dims.begin(), images.dims.end());
    cv::Mat blob(static_cast<int>(dims.size()), dims.data(), CV_32F);
    float* x = blob.ptr<float>();
    for (std::size_t k = 0; k < images.data.size(); ++k) {
      x[k] = divide_by == 1 ? static_cast<float>(images.data[k])
                            : static_cast<float>(images.data[k]) * static_cast<float>(1.0 / divide_by);
    }
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
    cv::dnn::Net net = cv::dnn::readNetFromONNX(argv[1]);
    net.setInput(blob);
    const cv::Mat out = net.forward();
    const int rows = out.size[0], classes = static_cast<int>(out.total()) / rows;

    std::ifstream csv(argv[3]);
    std::string line;
    std::getline(csv, line);  // sample,class,probability
    int r = 0, mismatched = 0;
    double worst = 0;
    while (std::getline(csv, line)) {
      const std::size_t a = line.find("\",\""), b = line.rfind("\",");
      if (a == std::string::npos || b == std::string::npos || r >= rows) throw std::runtime_error("bad line: " + line);
      const int predicted = std::stoi(line.substr(a + 3, b - a - 3));
      const double probability = std::stod(line.substr(b + 2));
      const float* p = out.ptr<float>() + static_cast<std::ptrdiff_t>(r) * classes;
      const int best = static_cast<int>(std::max_element(p, p + classes) - p);
      if (best != predicted) ++mismatched;
      worst = std::max(worst, std::abs(static_cast<double>(p[best]) - probability));
      ++r;
    }
    if (r != rows) throw std::runtime_error(std::to_string(r) + " predictions for " + std::to_string(rows) + " images");
    std::printf("%d samples: %d classes differ, max |probability difference| %.3g (OpenCV vs mlp predict)\n", r,
                mismatched, worst);
    return mismatched == 0 && worst <= 1e-5 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "onnx_opencv_check: %s\n", e.what());
    return 1;
  }
}
