// SPDX-License-Identifier: MIT
// The C++ half of python/tests/test_cpp_identity.py: trains the model of a JSON config file on the
// MNIST subset (bytes / 255, as the Python test feeds them) with the C++ API and prints the
// history and the first predictions with every digit, for the test to compare bit for bit.
//   mlp_py_reference CONFIG.json DATA_DIR
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "mlp/io/idx.hpp"
#include "mlp/serialize.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: mlp_py_reference CONFIG.json DATA_DIR\n";
    return 2;
  }
  try {
    std::ifstream in(argv[1]);
    nlohmann::json config = nlohmann::json::parse(in);
    const std::string data = argv[2];
    auto model = mlp::model_from_config(mlp::ConfigObject(config.at("model"), "model"));
    model->compile(mlp::compile_options_from_config(mlp::ConfigObject(config.at("compile"), "compile")));
    const mlp::ByteMatrix x = mlp::idx_to_bytes(mlp::read_idx(data + "/mnist-subset-train-images-idx3-ubyte.gz"));
    const mlp::IdxArray labels = mlp::read_idx(data + "/mnist-subset-train-labels-idx1-ubyte.gz");
    mlp::Matrix y(x.rows(), 1);
    for (std::size_t r = 0; r < x.rows(); ++r) y(r, 0) = static_cast<float>(labels.data[r]);
    const mlp::History h = model->fit(mlp::InputView(x, 1.0 / 255), y,
                                      {.batch_size = config.at("batch_size"),
                                       .epochs = config.at("epochs"),
                                       .validation_split = config.at("validation_split")});
    nlohmann::json out;
    for (const auto& [key, values] : h.history) out["history"][key] = values;
    const mlp::Matrix p = model->predict(mlp::InputView(x, 1.0 / 255));
    std::vector<float> first(p.data(), p.data() + 5 * p.cols());
    out["predictions"] = first;
    std::cout << out.dump(-1) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "mlp_py_reference: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
