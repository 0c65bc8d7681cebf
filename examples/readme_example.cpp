// SPDX-License-Identifier: MIT
// The C++ example from README.md, built and run as a test so that it cannot rot.
// Learns XOR with a 2-16-1 network and exits non-zero if it did not.
#include <cstdio>

#include "mlp/mlp.hpp"

int main() {
  using namespace mlp;
  const Matrix x(4, 2, {0, 0, 0, 1, 1, 0, 1, 1});
  const Matrix y(4, 1, {0, 1, 1, 0});

  Sequential model({.seed = 7});
  model.add<InputLayer>({.shape = {2}});
  model.add<Dense>({.units = 16, .activation = "tanh"});
  model.add<Dense>({.units = 1, .activation = "sigmoid"});
  model.compile({.optimizer = std::make_unique<Adam>(Adam::Options{.learning_rate = 0.05}),
                 .loss = {.name = "binary_crossentropy"},
                 .metrics = {"accuracy"}});
  model.fit(x, y, {.batch_size = 4, .epochs = 300});

  const Logs result = model.evaluate(x, y);
  std::printf("loss %.4f, accuracy %.2f\n", result.at("loss"), result.at("accuracy"));
  return result.at("accuracy") == 1.0 ? 0 : 1;
}
