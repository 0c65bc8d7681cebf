// SPDX-License-Identifier: MIT
// Byte inputs: ByteMatrix, InputView's decode (bit-identical to the float path it replaces:
// idx_to_matrix and Preprocessing::apply), its row selection and errors, and training from bytes
// giving the same bits as training from the same data converted to floats up front.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "mlp/data/preprocessing.hpp"
#include "mlp/mlp.hpp"
#include "mlp/models/reference.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {

using test::error_of;
using test::same_values;

const std::string kData = MLP_TEST_DATA_DIR;

// Every byte value in every column, then a few seeded rows.
ByteMatrix all_bytes(std::size_t rows, std::size_t cols) {
  ByteMatrix m(rows, cols);
  Rng rng(7);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < cols; ++j) {
      m.row(r)[j] = static_cast<std::uint8_t>(r < 256 ? (r + j) % 256 : rng.below(256));
    }
  }
  return m;
}

Matrix as_floats(const ByteMatrix& b) {
  Matrix m(b.rows(), b.cols());
  for (std::size_t i = 0; i < b.size(); ++i) m[i] = static_cast<Scalar>(b.data()[i]);
  return m;
}

TEST(ByteMatrix, ShapeKeepFirstAndTakeRows) {
  ByteMatrix m({1, 2, 3, 4, 5, 6}, 3, 2);
  EXPECT_EQ(m.rows(), 3u);
  EXPECT_EQ(m.cols(), 2u);
  EXPECT_EQ(m.row(2)[1], 6);
  const std::vector<std::size_t> index{2, 0, 2};
  const ByteMatrix t = take_rows(m, index);
  EXPECT_EQ(std::vector<std::uint8_t>(t.values().begin(), t.values().end()),
            (std::vector<std::uint8_t>{5, 6, 1, 2, 5, 6}));
  m.keep_first(5);  // more than there are: unchanged
  EXPECT_EQ(m.rows(), 3u);
  m.keep_first(1);
  EXPECT_EQ(m.rows(), 1u);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(error_of([] { ByteMatrix({1, 2, 3}, 2, 2); }), "ByteMatrix(2, 2): got 3 bytes");
  const std::vector<std::size_t> bad{3};
  EXPECT_EQ(error_of([&] { take_rows(t, bad); }), "take_rows: row 3 of a matrix with 3 rows");
}

TEST(InputView, BytesDecodeLikeIdxToMatrix) {
  // idx_to_matrix(images, s) and InputView(bytes, s) give the same floats, for every byte value.
  const ByteMatrix bytes = all_bytes(300, 5);
  IdxArray idx{{300, 5}, std::vector<std::uint8_t>(bytes.values().begin(), bytes.values().end())};
  for (double scale : {1.0, 1.0 / 255, 0.5, 3.7}) {
    const Matrix expected = idx_to_matrix(idx, scale);
    EXPECT_TRUE(same_values(to_matrix(InputView(bytes, scale)), expected)) << scale;
    // ... and the per-column form with every scale equal: the same bits again.
    const ColumnScaling uniform = ColumnScaling::divide_by(1.0 / scale, 5);
    const Matrix per_column = to_matrix(InputView(bytes, uniform));
    if (scale == 1.0 / 255 || scale == 1.0 || scale == 0.5) {
      EXPECT_TRUE(same_values(per_column, expected)) << scale;  // 1 / (1 / s) == s for these
    }
  }
  const ByteMatrix idx_bytes = idx_to_bytes(idx);
  EXPECT_EQ(idx_bytes.rows(), 300u);
  EXPECT_EQ(idx_bytes.cols(), 5u);
  EXPECT_TRUE(same_values(as_floats(idx_bytes), as_floats(bytes)));
}

TEST(InputView, ColumnScalingDecodesExactlyAsPreprocessingApplies) {
  // The CLI keeps images as bytes with the fitted preprocessing as their scaling; the floats
  // the model sees must be the ones applying that preprocessing to the pixels would give.
  const ByteMatrix bytes = all_bytes(400, 7);
  Preprocessing p{.divide_by = 255, .mean = {}, .stddev = {}};
  const ColumnScaling divided = ColumnScaling::divide_by(255, 7);
  p.fit_standardize(InputView(bytes, divided));
  // Fitting on bytes gives the statistics fitting on the divided floats gives.
  Matrix floats = as_floats(bytes);
  Preprocessing{.divide_by = 255, .mean = {}, .stddev = {}}.apply(floats);
  Preprocessing q{.divide_by = 255, .mean = {}, .stddev = {}};
  q.fit_standardize(floats);
  EXPECT_EQ(p.mean, q.mean);
  EXPECT_EQ(p.stddev, q.stddev);
  EXPECT_GT(p.stddev[0], 0.1);

  Matrix applied = as_floats(bytes);
  p.apply(applied);
  const ColumnScaling scaling = p.scaling(7);
  EXPECT_TRUE(same_values(to_matrix(InputView(bytes, scaling)), applied));
  EXPECT_EQ(error_of([&] { (void)p.scaling(8); }),
            "preprocessing: the data has 8 features, standardisation was fitted on 7");
}

TEST(InputView, RowRangeCopyAndGatherAgreeForBytesAndFloats) {
  const ByteMatrix bytes = all_bytes(50, 6);
  const Matrix floats =
      idx_to_matrix({{50, 6}, std::vector<std::uint8_t>(bytes.values().begin(), bytes.values().end())}, 1.0 / 255);
  const InputView b(bytes, 1.0 / 255), f(floats);
  EXPECT_TRUE(b.bytes());
  EXPECT_FALSE(f.bytes());
  EXPECT_EQ(b.rows(), 50u);
  EXPECT_EQ(b.cols(), 6u);

  const InputView br = b.row_range(10, 5), fr = f.row_range(10, 5);
  EXPECT_EQ(br.rows(), 5u);
  Matrix from_b(5, 6), from_f(5, 6);
  br.copy_rows(1, 3, from_b.view().row_range(0, 3));
  fr.copy_rows(1, 3, from_f.view().row_range(0, 3));
  EXPECT_TRUE(same_values(from_b, from_f));
  EXPECT_EQ(from_b(0, 2), floats(11, 2));

  const std::vector<std::size_t> index{49, 0, 17, 17};
  Matrix gb, gf;
  b.gather(index.data(), index.size(), gb);
  f.gather(index.data(), index.size(), gf);
  ASSERT_EQ(gb.rows(), 4u);
  EXPECT_TRUE(same_values(gb, gf));
  for (std::size_t j = 0; j < 6; ++j) EXPECT_EQ(gb(0, j), floats(49, j));

  EXPECT_TRUE(same_values(to_matrix(f), floats));
  EXPECT_EQ(f.floats().data(), floats.data());
}

TEST(InputView, GatherInParallelMatchesSerial) {
  // Large enough for the parallel path; every thread count gives the same rows.
  const ByteMatrix bytes = all_bytes(2000, 784);
  std::vector<std::size_t> index(1500);
  Rng rng(3);
  for (auto& i : index) i = rng.below(2000);
  Matrix one, two;
  {
    test::ThreadCount threads(1);
    InputView(bytes, 1.0 / 255).gather(index.data(), index.size(), one);
  }
  {
    test::ThreadCount threads(2);
    InputView(bytes, 1.0 / 255).gather(index.data(), index.size(), two);
  }
  EXPECT_TRUE(same_values(one, two));
  EXPECT_EQ(one(1499, 783), static_cast<Scalar>(bytes.row(index[1499])[783]) * static_cast<Scalar>(1.0 / 255));
  const Scalar* before = two.data();
  InputView(bytes, 1.0 / 255).gather(index.data(), 100, two);  // a smaller batch reuses the buffer
  EXPECT_EQ(two.data(), before);
  EXPECT_EQ(two.rows(), 100u);
}

TEST(InputView, Errors) {
  const ByteMatrix bytes = all_bytes(4, 3);
  const InputView b(bytes, 1.0);
  EXPECT_EQ(error_of([&] { (void)b.floats(); }),
            "InputView::floats: the input is bytes, decoded only as batches are copied");
  EXPECT_EQ(error_of([&] { (void)b.row_range(3, 2); }), "InputView::row_range: rows 3 to 5 of 4");
  Matrix dst(2, 3);
  EXPECT_EQ(error_of([&] { b.copy_rows(3, 2, dst); }),
            "InputView::copy_rows: rows 3 to 5 of 4 into a 2x3 matrix (inputs have 3 columns)");
  Matrix wide(2, 4);
  EXPECT_EQ(error_of([&] { b.copy_rows(0, 2, wide); }),
            "InputView::copy_rows: rows 0 to 2 of 4 into a 2x4 matrix (inputs have 3 columns)");
  const std::size_t index[] = {1, 4};
  EXPECT_EQ(error_of([&] { b.gather(index, 2, dst); }), "gather_rows: row 4 of a matrix with 4 rows");
  const ColumnScaling short_scaling = ColumnScaling::divide_by(255, 2);
  EXPECT_EQ(error_of([&] { InputView(bytes, short_scaling); }),
            "InputView: the scaling has 2 scales and 2 shifts for bytes of 3 columns");
  EXPECT_EQ(error_of([] { (void)ColumnScaling::divide_by(0, 3); }),
            "ColumnScaling::divide_by: must be > 0, got 0.000000");
}

struct Subset {
  ByteMatrix x_bytes;
  Matrix x_floats, y;
};

Subset mnist_subset(std::size_t n) {
  Subset s;
  IdxArray images = read_idx(kData + "/mnist-subset-train-images-idx3-ubyte.gz");
  s.x_floats = idx_to_matrix(images, 1.0 / 255);
  s.x_bytes = idx_to_bytes(std::move(images));
  s.y = one_hot(read_idx(kData + "/mnist-subset-train-labels-idx1-ubyte.gz"), 10);
  s.x_bytes.keep_first(n);
  s.x_floats = to_matrix(InputView(s.x_floats).row_range(0, n));
  s.y = to_matrix(InputView(s.y).row_range(0, n));
  return s;
}

std::vector<Matrix> weights_of(Model& model) {
  std::vector<Matrix> out;
  for (Param* p : model.params()) out.push_back(p->value);
  return out;
}

TEST(InputView, TrainingFromBytesIsBitIdenticalToTrainingFromFloats) {
  // The reference model, shuffled, with a validation split: fit, evaluate and predict from the
  // bytes give exactly what they give from the floats (the memory saving costs no accuracy).
  const Subset s = mnist_subset(1200);
  const InputView bytes(s.x_bytes, 1.0 / 255);
  auto run = [&](InputView x) {
    auto model = std::make_unique<Sequential>(ModelOptions{.seed = 5});
    add_reference_mnist_layers(*model);
    compile_reference_mnist(*model);
    const History h = model->fit(x, s.y, {.batch_size = 128, .epochs = 2, .validation_split = 0.25});
    const Logs eval = model->evaluate(x, s.y, {.batch_size = 100});
    const Matrix pred = model->predict(x.row_range(0, 300), 64);
    return std::tuple(std::move(model), h, eval, pred);
  };
  auto [model_b, hist_b, eval_b, pred_b] = run(bytes);
  auto [model_f, hist_f, eval_f, pred_f] = run(s.x_floats);
  EXPECT_EQ(hist_b.history, hist_f.history);
  EXPECT_EQ(eval_b, eval_f);
  EXPECT_TRUE(same_values(pred_b, pred_f));
  const auto wb = weights_of(*model_b), wf = weights_of(*model_f);
  ASSERT_EQ(wb.size(), wf.size());
  for (std::size_t i = 0; i < wb.size(); ++i) EXPECT_TRUE(same_values(wb[i], wf[i])) << i;
  // And it learned: far above chance (10%) on held-out samples after 14 steps (75% here).
  EXPECT_GT(hist_b.history.at("val_accuracy").back(), 0.6);
}

TEST(InputView, ExplicitValidationAndLrFinderTakeBytes) {
  const Subset s = mnist_subset(600);
  const InputView bytes(s.x_bytes, 1.0 / 255);
  auto fit = [&](InputView x) {
    Sequential model({.seed = 2});
    add_reference_mnist_layers(model);
    compile_reference_mnist(model);
    return model.fit(x.row_range(0, 400), InputView(s.y).floats().row_range(0, 400),
                     {.batch_size = 64,
                      .epochs = 1,
                      .validation_x = x.row_range(400, 200),
                      .validation_y = InputView(s.y).floats().row_range(400, 200)});
  };
  EXPECT_EQ(fit(bytes).history, fit(s.x_floats).history);

  auto find = [&](InputView x) {
    Sequential model({.seed = 2});
    add_reference_mnist_layers(model);
    compile_reference_mnist(model);
    return find_learning_rate(model, x, s.y, {.steps = 20, .batch_size = 32, .seed = 4});
  };
  const LrFinderResult rb = find(bytes), rf = find(s.x_floats);
  EXPECT_EQ(rb.loss, rf.loss);
  EXPECT_EQ(rb.suggested_lr, rf.suggested_lr);
}

TEST(InputView, ModelErrorsNameTheBytesInput) {
  const ByteMatrix narrow = all_bytes(10, 5);
  Sequential model({.seed = 1});
  add_reference_mnist_layers(model);
  compile_reference_mnist(model);
  model.build({28, 28});
  const Matrix y(10, 10);
  EXPECT_EQ(error_of([&] { model.fit(InputView(narrow, 1.0), y); }),
            "Sequential::fit: x has 5 features per sample but the model's input (None, 28, 28) needs 784");
}

}  // namespace
}  // namespace mlp
