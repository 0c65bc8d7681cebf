// SPDX-License-Identifier: MIT
// Whole-model gradient check (double build): a multi-layer model with Dropout (masks frozen by
// restoring the model's noise generator before every evaluation), BatchNormalization in training
// mode, regularizers and the fused softmax + cross-entropy, with sample weights. Every parameter's
// gradient from Sequential::compute_gradients against central differences of the batch loss.
#include <gtest/gtest.h>

#include "gradcheck.hpp"
#include "mlp/mlp.hpp"

namespace mlp {
namespace {

void check_model(Model& model, const Matrix& x, const Matrix& y, std::span<const Scalar> weights) {
  const Rng::State frozen = model.noise_rng().state();
  auto loss = [&] {
    model.noise_rng().set_state(frozen);
    return model.compute_gradients(x, y, weights);
  };
  loss();
  std::vector<Matrix> analytic;
  for (Param* p : model.params()) analytic.push_back(p->grad);
  double worst = 0;
  std::size_t k = 0;
  for (Param* p : model.params()) {
    worst = std::max(worst, gradcheck::compare(analytic[k++], gradcheck::numeric_gradient(p->value, loss)));
  }
  // The batch loss sums many terms, whose rounding depends on the optimization level (1.3e-6 in
  // the -O1 sanitizer build, below 1e-6 at -O3); a wrong gradient measures 1e-1 and more (a
  // graph without its gradient sums measured 1.1).
  EXPECT_LT(worst, 1e-5);
}

TEST(ModelGradient, DropoutBatchNormRegularizersFusedSoftmaxWithSampleWeights) {
  Sequential model({.seed = 3});
  model.add<InputLayer>({.shape = {2, 3}});
  model.add<Flatten>({});
  model.add<Dense>({.units = 5, .activation = "tanh", .kernel_regularizer = Regularizer::from_name("l2")});
  model.add<BatchNormalization>({});
  model.add<Dropout>({.rate = 0.3});
  model.add<Dense>({.units = 4, .activation = "elu"});
  model.add<Dense>({.units = 3, .activation = "softmax"});
  model.compile({.optimizer = make_optimizer("sgd"), .loss = {.name = "categorical_crossentropy"}});
  Rng rng(9);
  const Matrix x = gradcheck::random_matrix(7, 6, rng);
  Matrix y(7, 3);
  for (std::size_t r = 0; r < 7; ++r) y(r, r % 3) = 1;
  const std::vector<Scalar> weights{1, 0.5, 2, 1, 1.5, 0.25, 1};
  check_model(model, x, y, weights);
}

TEST(ModelGradient, SigmoidBinaryCrossEntropyMultilabelAndRegression) {
  Sequential binary({.seed = 4});
  binary.add<InputLayer>({.shape = {4}});
  binary.add<Dense>({.units = 6, .activation = "swish"});
  binary.add<Dense>({.units = 3, .activation = "sigmoid"});
  binary.compile({.optimizer = make_optimizer("adam"), .loss = {.name = "binary_crossentropy"}});
  Rng rng(10);
  const Matrix x = gradcheck::random_matrix(5, 4, rng);
  Matrix y(5, 3);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = (i * 7) % 3 == 0 ? 1 : 0;
  check_model(binary, x, y, {});

  Sequential regression({.seed = 5});
  regression.add<InputLayer>({.shape = {4}});
  regression.add<Dense>({.units = 6, .activation = "gelu"});
  regression.add<Dense>({.units = 2});
  regression.compile({.optimizer = make_optimizer("sgd"), .loss = {.name = "huber"}});
  const Matrix target = gradcheck::random_matrix(5, 2, rng);
  check_model(regression, x, target, {});
}

}  // namespace
}  // namespace mlp

namespace mlp {
namespace {

// A branching graph: the tensor h is read by three layers (its gradient is their sum), merges of
// every kind, the same input read twice by one Add, two outputs with their own losses and
// weights (softmax + cross-entropy fused on one, MSE on the other), dropout and sample weights.
TEST(GraphGradient, SharedTensorsMergesAndTwoWeightedOutputs) {
  Model model({.seed = 6});
  const Node a = model.input({3}, "a");
  const Node b = model.input({2}, "b");
  const Node h = model.add(Dense({.units = 4, .activation = "tanh"}), {a}, "h");
  const Node g = model.add(Dense({.units = 4, .activation = "sigmoid"}), {b}, "g");
  const Node prod = model.add(Multiply(), {h, g}, "prod");
  const Node mean = model.add(Average(), {h, prod}, "mean");
  const Node drop = model.add(Dropout({.rate = 0.25}), {h}, "drop");
  const Node twice = model.add(Add(), {mean, mean, drop}, "twice");
  const Node join = model.add(Concatenate(), {twice, b}, "join");
  const Node cls = model.add(Dense({.units = 3, .activation = "softmax"}), {join}, "cls");
  const Node reg = model.add(Dense({.units = 2, .activation = "elu"}), {twice}, "reg");
  model.set_outputs({cls, reg});
  model.compile({.optimizer = make_optimizer("sgd"),
                 .outputs = {{.loss = LossOptions{.name = "categorical_crossentropy"}, .loss_weight = 0.7},
                             {.loss = LossOptions{.name = "mse"}, .loss_weight = 1.6}}});
  Rng rng(12);
  const Matrix xa = gradcheck::random_matrix(6, 3, rng), xb = gradcheck::random_matrix(6, 2, rng);
  Matrix y_cls(6, 3);
  for (std::size_t r = 0; r < 6; ++r) y_cls(r, (r * 2) % 3) = 1;
  const Matrix y_reg = gradcheck::random_matrix(6, 2, rng);
  const std::vector<Scalar> weights{1, 2, 0.5, 1, 1.5, 0.75};
  const Inputs xs{xa, xb};
  const Tensors ys{y_cls, y_reg};

  const Rng::State frozen = model.noise_rng().state();
  auto loss = [&] {
    model.noise_rng().set_state(frozen);
    return model.compute_gradients(xs, ys, weights);
  };
  loss();
  std::vector<Matrix> analytic;
  for (Param* p : model.params()) analytic.push_back(p->grad);
  ASSERT_EQ(analytic.size(), 8u);
  double worst = 0;
  std::size_t k = 0;
  for (Param* p : model.params()) {
    worst = std::max(worst, gradcheck::compare(analytic[k++], gradcheck::numeric_gradient(p->value, loss)));
  }
  EXPECT_LT(worst, 1e-5);  // as above; without the gradient sums it measured 1.1
}

}  // namespace
}  // namespace mlp
