// SPDX-License-Identifier: MIT
// Trains the reference model (Flatten-Dense(256)-Dropout(0.45)-Dense(256)-Dropout(0.45)-Dense(10))
// on MNIST IDX files and prints the test accuracy.
//   example_mnist_mlp [DATA_DIR [PREFIX [EPOCHS [SEED]]]]
// DATA_DIR holds PREFIX{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]; the defaults are the
// committed subset (tests/data, prefix "mnist-subset-"), which is what `scripts/demo` runs.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "mlp/mlp.hpp"
#include "mlp/models/reference.hpp"

namespace {
std::string find(const std::string& dir, const std::string& name) {
  for (const char* suffix : {"", ".gz"}) {
    const std::string path = dir + "/" + name + suffix;
    if (std::filesystem::exists(path)) return path;
  }
  return dir + "/" + name + ".gz";  // read_idx reports it missing
}
}  // namespace

int main(int argc, char** argv) try {
  using namespace mlp;
  const std::string dir = argc > 1 ? argv[1] : "data";
  const std::string prefix = argc > 2 ? argv[2] : "mnist-subset-";
  const int epochs = argc > 3 ? std::stoi(argv[3]) : 20;
  const std::uint64_t seed = argc > 4 ? std::stoull(argv[4]) : 1;

  // Pixels stay bytes (a quarter of the memory of floats); the model scales them to [0, 1] as it
  // gathers each batch.
  const ByteMatrix train_images = idx_to_bytes(read_idx(find(dir, prefix + "train-images-idx3-ubyte")));
  const ByteMatrix test_images = idx_to_bytes(read_idx(find(dir, prefix + "t10k-images-idx3-ubyte")));
  const InputView x_train(train_images, 1.0 / 255), x_test(test_images, 1.0 / 255);
  const Matrix y_train = one_hot(read_idx(find(dir, prefix + "train-labels-idx1-ubyte")), 10);
  const Matrix y_test = one_hot(read_idx(find(dir, prefix + "t10k-labels-idx1-ubyte")), 10);
  std::printf("train %zu images, test %zu images, %d threads, GEMM: %s\n", x_train.rows(), x_test.rows(), num_threads(),
              gemm_backend());

  Sequential model({.seed = seed});
  add_reference_mnist_layers(model);
  compile_reference_mnist(model);
  std::cout << model.summary();

  const auto start = std::chrono::steady_clock::now();
  model.fit(x_train, y_train, {.batch_size = 128, .epochs = epochs, .verbose = 2, .out = &std::cout});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Logs test = model.evaluate(x_test, y_test, {.batch_size = 128});
  std::printf("training: %.2f s, %.0f samples/s\n", seconds, static_cast<double>(x_train.rows()) * epochs / seconds);
  std::printf("test loss %.4f\ntest accuracy %.4f\n", test.at("loss"), test.at("accuracy"));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "example_mnist_mlp: error: %s\n", e.what());
  return 1;
}
