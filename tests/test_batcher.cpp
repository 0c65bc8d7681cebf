// SPDX-License-Identifier: MIT
// Batcher: the validation split, the per-sample weights, the epoch order (Rng::shuffle's) and the
// gather of one batch, on data whose values name their row.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "mlp/batcher.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {

using test::error_of;
using Targets = std::vector<ConstMatrixView>;  // one target per output

// x row r = (r, 100 + r); y row r = one-hot of class r % 3.
struct Data {
  Matrix x{10, 2}, y{10, 3};
  Data() {
    for (std::size_t r = 0; r < 10; ++r) {
      x(r, 0) = static_cast<Scalar>(r);
      x(r, 1) = static_cast<Scalar>(100 + r);
      y(r, r % 3) = 1;
    }
  }
  Inputs xs() const { return {x}; }
  Targets ys() const { return {y.cview()}; }
};

std::vector<std::size_t> shuffled(std::size_t n, std::uint64_t seed, int times) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t{0});
  Rng rng(seed);
  for (int i = 0; i < times; ++i) rng.shuffle(v);
  return v;
}

TEST(Batcher, ValidationSplitTakesTheLastSamples) {
  const Data d;
  const Inputs xs = d.xs();
  const Targets ys = d.ys();
  const Batcher b(xs, ys, {.batch_size = 3, .validation_split = 0.25});
  // floor(10 · 0.75) = 7 training samples, the last 3 for validation.
  EXPECT_EQ(b.size(), 7u);
  EXPECT_EQ(b.steps(), 3u);
  EXPECT_EQ(b.batch_begin(2), 6u);
  EXPECT_EQ(b.batch_rows(0), 3u);
  EXPECT_EQ(b.batch_rows(2), 1u);
  ASSERT_TRUE(b.has_validation());
  ASSERT_EQ(b.validation_inputs().size(), 1u);
  const ConstMatrixView vx = b.validation_inputs()[0].floats();
  EXPECT_EQ(vx.rows(), 3u);
  EXPECT_EQ(vx(0, 0), 7);
  EXPECT_EQ(vx(2, 1), 109);
  EXPECT_EQ(b.validation_targets()[0].rows(), 3u);
  EXPECT_EQ(b.validation_targets()[0](1, 2), 1);  // row 8, class 2
  EXPECT_EQ(b.train_inputs()[0].rows(), 7u);
  EXPECT_TRUE(b.train_weights().empty());
  EXPECT_TRUE(b.validation_weights().empty());

  const Batcher all(xs, ys, {.batch_size = 4});
  EXPECT_EQ(all.size(), 10u);
  EXPECT_EQ(all.steps(), 3u);
  EXPECT_FALSE(all.has_validation());
}

TEST(Batcher, ExplicitValidationDataOverridesTheSplitAndHasNoWeights) {
  const Data d;
  const Inputs xs = d.xs();
  const Targets ys = d.ys();
  const Matrix vx(4, 2), vy(4, 3);
  const std::vector<Scalar> w(10, Scalar(2));
  const Batcher b(
      xs, ys,
      {.validation_split = 0.5, .validation_inputs = {vx}, .validation_targets = {vy.cview()}, .sample_weight = w});
  EXPECT_EQ(b.size(), 10u);
  ASSERT_TRUE(b.has_validation());
  EXPECT_EQ(b.validation_inputs()[0].rows(), 4u);
  EXPECT_TRUE(b.validation_weights().empty());
  EXPECT_EQ(b.train_weights().size(), 10u);
}

TEST(Batcher, WeightsAreSampleWeightsTimesClassWeights) {
  const Data d;
  const Inputs xs = d.xs();
  const Targets ys = d.ys();
  std::vector<Scalar> sw(10);
  for (std::size_t r = 0; r < 10; ++r) sw[r] = Scalar(0.5) * static_cast<Scalar>(r);
  const Batcher b(xs, ys, {.validation_split = 0.3, .sample_weight = sw, .class_weight = {{1, 4.0}, {7, 9.0}}});
  ASSERT_EQ(b.train_weights().size(), 7u);
  for (std::size_t r = 0; r < 7; ++r) {
    const Scalar want = sw[r] * (r % 3 == 1 ? Scalar(4) : Scalar(1));
    EXPECT_EQ(b.train_weights()[r], want) << "row " << r;
  }
  // The validation samples keep their sample weights, without class weights (Keras).
  ASSERT_EQ(b.validation_weights().size(), 3u);
  EXPECT_EQ(b.validation_weights()[0], sw[7]);
  EXPECT_EQ(b.validation_weights()[2], sw[9]);

  // Class weights alone: 1 for the classes not named.
  const Batcher c(xs, ys, {.class_weight = {{2, 3.0}}});
  ASSERT_EQ(c.train_weights().size(), 10u);
  EXPECT_EQ(c.train_weights()[2], 3);
  EXPECT_EQ(c.train_weights()[3], 1);

  // One target column: class indices when sparse_labels, else a probability thresholded at 0.5.
  Matrix sparse(10, 1), binary(10, 1);
  for (std::size_t r = 0; r < 10; ++r) {
    sparse(r, 0) = static_cast<Scalar>(r % 4);
    binary(r, 0) = r < 5 ? Scalar(0.2) : Scalar(0.7);
  }
  const Targets s_ys{sparse.cview()}, b_ys{binary.cview()};
  const Batcher s(xs, s_ys, {.class_weight = {{3, 5.0}}, .sparse_labels = true});
  EXPECT_EQ(s.train_weights()[3], 5);
  EXPECT_EQ(s.train_weights()[7], 5);
  EXPECT_EQ(s.train_weights()[1], 1);
  const Batcher bin(xs, b_ys, {.class_weight = {{1, 6.0}}});
  EXPECT_EQ(bin.train_weights()[4], 1);
  EXPECT_EQ(bin.train_weights()[5], 6);
}

TEST(Batcher, ShuffleIsTheSeedsPermutationContinuedInPlace) {
  const Data d;
  const Inputs xs = d.xs();
  const Targets ys = d.ys();
  Batcher b(xs, ys, {.validation_split = 0.2});
  std::vector<std::size_t> identity(8);
  std::iota(identity.begin(), identity.end(), std::size_t{0});
  EXPECT_EQ(b.order(), identity);
  Rng rng(42);
  b.shuffle(rng);
  EXPECT_EQ(b.order(), shuffled(8, 42, 1));
  EXPECT_NE(b.order(), identity);
  std::vector<std::size_t> sorted = b.order();
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, identity);
  b.shuffle(rng);  // the next epoch reshuffles the previous order
  EXPECT_EQ(b.order(), shuffled(8, 42, 2));
  b.reset_order();
  EXPECT_EQ(b.order(), identity);
  b.set_order({7, 6, 5, 4, 3, 2, 1, 0});
  EXPECT_EQ(b.order()[0], 7u);
}

TEST(Batcher, GatherCopiesTheRowsOfTheOrder) {
  const Data d;
  const Inputs xs = d.xs();
  const Targets ys = d.ys();
  std::vector<Scalar> sw(10);
  for (std::size_t r = 0; r < 10; ++r) sw[r] = static_cast<Scalar>(r) + Scalar(0.25);
  Batcher b(xs, ys, {.batch_size = 3, .validation_split = 0.2, .sample_weight = sw});
  Rng rng(3);
  b.shuffle(rng);
  std::vector<Matrix> x(1);
  b.gather(b.batch_begin(1), b.batch_rows(1), x);
  ASSERT_EQ(x[0].rows(), 3u);
  ASSERT_EQ(b.batch_targets().size(), 1u);
  const ConstMatrixView y = b.batch_targets()[0];
  ASSERT_EQ(y.rows(), 3u);
  ASSERT_EQ(b.batch_weights().size(), 3u);
  for (std::size_t r = 0; r < 3; ++r) {
    const std::size_t src = b.order()[3 + r];
    EXPECT_EQ(x[0](r, 0), static_cast<Scalar>(src));
    EXPECT_EQ(x[0](r, 1), static_cast<Scalar>(100 + src));
    for (std::size_t c = 0; c < 3; ++c) EXPECT_EQ(y(r, c), d.y(src, c));
    EXPECT_EQ(b.batch_weights()[r], sw[src]);
  }
  // The last, smaller batch reuses the buffers.
  const Scalar* data = x[0].data();
  b.gather(b.batch_begin(2), b.batch_rows(2), x);
  EXPECT_EQ(x[0].rows(), 2u);
  EXPECT_EQ(x[0].data(), data);
  EXPECT_EQ(x[0](1, 0), static_cast<Scalar>(b.order()[7]));

  // Byte inputs are decoded as they are gathered.
  ByteMatrix bytes(10, 1);
  for (std::size_t r = 0; r < 10; ++r) bytes.data()[r] = static_cast<std::uint8_t>(2 * r);
  const Inputs bx{InputView(bytes, 0.5)};
  Batcher bb(bx, ys, {.batch_size = 4});
  bb.set_order({9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  bb.gather(0, 2, x);
  EXPECT_EQ(x[0](0, 0), 9);
  EXPECT_EQ(x[0](1, 0), 8);
  EXPECT_TRUE(bb.batch_weights().empty());
}

TEST(Batcher, RefusesBadArguments) {
  const Data d;
  const Inputs xs = d.xs();
  const Targets ys = d.ys();
  EXPECT_EQ(error_of([&] { Batcher(xs, ys, {.batch_size = 0}); }), "Batcher: batch_size must be positive, got 0");
  EXPECT_EQ(error_of([&] { Batcher(xs, ys, {.validation_split = 1}); }),
            "Batcher: validation_split must be in [0, 1), got 1.000000");
  EXPECT_EQ(error_of([&] { Batcher(xs, ys, {.validation_split = -0.5}); }),
            "Batcher: validation_split must be in [0, 1), got -0.500000");
  EXPECT_EQ(error_of([&] { Batcher(xs, ys, {.validation_split = 1e-17}); }),
            "Batcher: validation_split 0.000000 of 10 samples leaves no validation sample");
  const std::vector<Scalar> w(9, 1);
  EXPECT_EQ(error_of([&] { Batcher(xs, ys, {.sample_weight = w}); }),
            "Batcher: sample_weight has 9 values for 10 samples");
  const Targets short_y{d.y.cview().row_range(0, 8)};
  EXPECT_EQ(error_of([&] { Batcher(xs, short_y, {}); }), "Batcher: a target has 8 rows for 10 samples");
  EXPECT_EQ(error_of([&] { Batcher(xs, {}, {.class_weight = {{0, 2.0}}}); }), "Batcher: class_weight needs a target");
  const Matrix one(1, 2), one_y(1, 3);
  const Inputs one_x{one};
  const Targets one_ys{one_y.cview()};
  EXPECT_EQ(error_of([&] { Batcher(one_x, one_ys, {.validation_split = 0.5}); }), "Batcher: no training samples");

  Batcher b(xs, ys, {.batch_size = 4});
  EXPECT_EQ(error_of([&] { b.set_order({0, 1}); }), "Batcher: an order of 2 indices for 10 training samples");
  EXPECT_EQ(error_of([&] { b.set_order({0, 1, 2, 3, 4, 5, 6, 7, 8, 10}); }), "Batcher: index 10 in an order of 10");
  std::vector<Matrix> x(1), two(2);
  EXPECT_EQ(error_of([&] { b.gather(8, 3, x); }), "Batcher: gather of rows [8, 11) of 10 into 1 buffers for 1 inputs");
  EXPECT_EQ(error_of([&] { b.gather(0, 1, two); }), "Batcher: gather of rows [0, 1) of 10 into 2 buffers for 1 inputs");
  Batcher named(xs, ys, {.batch_size = 1, .error_prefix = "Model::fit: "});
  EXPECT_EQ(error_of([&] { named.set_order({}); }), "Model::fit: an order of 0 indices for 10 training samples");
}

}  // namespace
}  // namespace mlp
