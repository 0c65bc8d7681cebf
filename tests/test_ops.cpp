// SPDX-License-Identifier: MIT
// Kernels: oneDNN's gemm against the naive reference for every transpose, strided views,
// alpha/beta; the row helpers; denormal flushing; Matrix storage.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "mlp/error.hpp"
#include "mlp/matrix.hpp"
#include "mlp/ops.hpp"
#include "mlp/random.hpp"

namespace mlp {
namespace {

Matrix random_matrix(std::size_t rows, std::size_t cols, Rng& rng) {
  Matrix m(rows, cols);
  for (auto& v : m.values()) v = static_cast<float>(rng.uniform(-1, 1));
  return m;
}

class GemmAgainstReference : public ::testing::TestWithParam<Trans> {};

TEST_P(GemmAgainstReference, AllShapesIncludingOddOnes) {
  const Trans trans = GetParam();
  const bool ta = trans == Trans::kA || trans == Trans::kAB;
  const bool tb = trans == Trans::kB || trans == Trans::kAB;
  Rng rng(1);
  for (const auto& [m, n, k] :
       {std::tuple<std::size_t, std::size_t, std::size_t>{1, 1, 1}, {3, 5, 7}, {128, 10, 256}, {33, 65, 129}}) {
    const Matrix a = ta ? random_matrix(k, m, rng) : random_matrix(m, k, rng);
    const Matrix b = tb ? random_matrix(n, k, rng) : random_matrix(k, n, rng);
    Matrix c = random_matrix(m, n, rng), expected = c;
    gemm(a, b, c, trans, 0.5f, 2.0f);
    gemm_reference(a, b, expected, trans, 0.5f, 2.0f);
    for (std::size_t i = 0; i < c.size(); ++i) {
      ASSERT_NEAR(c[i], expected[i], 1e-4 * std::sqrt(static_cast<double>(k))) << m << "x" << n << "x" << k;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Transposes, GemmAgainstReference,
                         ::testing::Values(Trans::kNone, Trans::kA, Trans::kB, Trans::kAB));

TEST(Gemm, StridedViewsAndShapeErrors) {
  Rng rng(2);
  const Matrix big = random_matrix(10, 12, rng);
  // The top-left 4x5 block of `big` times a 5x3 matrix, via views with stride 12.
  const ConstMatrixView a(big.data(), 4, 5, 12);
  const Matrix b = random_matrix(5, 3, rng);
  Matrix c(4, 3), expected(4, 3);
  gemm(a, b, c);
  gemm_reference(a, b, expected);
  for (std::size_t i = 0; i < c.size(); ++i) EXPECT_NEAR(c[i], expected[i], 1e-5);
  Matrix wrong(4, 4);
  try {
    gemm(a, b, wrong);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "gemm: op(a) is (4, 5), op(b) is (5, 3), c is (4, 4)");
  }
  // beta = 0 ignores whatever c held, NaN included (BLAS semantics).
  Matrix nan_c(4, 3);
  nan_c.fill(std::numeric_limits<float>::quiet_NaN());
  gemm(a, b, nan_c);
  for (float v : nan_c.values()) EXPECT_TRUE(std::isfinite(v));
}

TEST(RowHelpers, AddRowVectorSumRowsAxpyScale) {
  Matrix y(2, 3, {1, 2, 3, 4, 5, 6});
  add_row_vector(y, Matrix(1, 3, {10, 20, 30}));
  EXPECT_EQ(y[0], 11);
  EXPECT_EQ(y[5], 36);
  Matrix s(1, 3);
  sum_rows(y, s);
  EXPECT_EQ(s[0], 11 + 14);
  EXPECT_EQ(s[2], 33 + 36);
  axpy(2, Matrix(2, 3, {1, 1, 1, 1, 1, 1}), y);
  EXPECT_EQ(y[0], 13);
  scale(y, 0.5f);
  EXPECT_EQ(y[0], 6.5f);
  // Large enough to run on several threads: the same answer as a serial sum, bit for bit, twice.
  Rng rng(3);
  const Matrix big = random_matrix(1000, 300, rng);
  Matrix s1(1, 300), s2(1, 300);
  sum_rows(big, s1);
  sum_rows(big, s2);
  for (std::size_t c = 0; c < 300; ++c) {
    float serial = 0;
    for (std::size_t r = 0; r < 1000; ++r) serial += big(r, c);
    EXPECT_EQ(s1[c], serial);
    EXPECT_EQ(s1[c], s2[c]);
  }
}

TEST(GatherRows, CopiesTheIndexedRowsSeriallyAndInParallelAndRejectsBadRows) {
  // 300 × 200 source: a gather of 256 rows (51,200 elements) takes the parallel path at 2
  // threads, one of 3 rows the serial one; both must copy exactly the indexed rows, in order, and
  // reuse the destination's storage.
  Rng rng(4);
  const Matrix src = random_matrix(300, 200, rng);
  std::vector<std::size_t> index(256);
  for (std::size_t i = 0; i < index.size(); ++i) index[i] = (i * 37 + 11) % 300;
  Matrix dst;
  for (int threads : {1, 2}) {
    const int saved = num_threads();
    set_num_threads(threads);
    gather_rows(src, index.data(), index.size(), dst);
    set_num_threads(saved);
    ASSERT_EQ(dst.rows(), 256u);
    ASSERT_EQ(dst.cols(), 200u);
    for (std::size_t r = 0; r < index.size(); ++r) {
      for (std::size_t c = 0; c < 200; ++c) ASSERT_EQ(dst(r, c), src(index[r], c)) << r << "," << c;
    }
  }
  const Scalar* storage = dst.data();
  const std::size_t few[] = {299, 0, 299};
  gather_rows(src, few, 3, dst);
  EXPECT_EQ(dst.data(), storage);  // shrinking keeps the buffer: no allocation per batch
  ASSERT_EQ(dst.rows(), 3u);
  for (std::size_t c = 0; c < 200; ++c) {
    EXPECT_EQ(dst(0, c), src(299, c));
    EXPECT_EQ(dst(1, c), src(0, c));
    EXPECT_EQ(dst(2, c), src(299, c));
  }
  const std::size_t bad[] = {3, 300};
  try {
    gather_rows(src, bad, 2, dst);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "gather_rows: row 300 of a matrix with 300 rows");
  }
}

TEST(ScopedFlushDenormals, FlushesInsideAndRestoresAfter) {
  volatile float tiny = std::numeric_limits<float>::min();  // smallest normal
  {
    const ScopedFlushDenormals flush;
    volatile float result = tiny * 0.5f;  // a denormal, flushed to zero
    EXPECT_EQ(result, 0.0f);
  }
  volatile float result = tiny * 0.5f;
  EXPECT_GT(result, 0.0f);
}

TEST(Matrix, ResizeKeepsCapacityAndCopiesAreDeep) {
  Matrix m(4, 4);
  const float* data = m.data();
  m.resize(2, 3);  // fits: same storage
  EXPECT_EQ(m.data(), data);
  EXPECT_EQ(m.size(), 6u);
  m.resize(5, 5);  // grows: new storage
  EXPECT_EQ(m.capacity(), 25u);
  Matrix a(1, 2, {1, 2});
  Matrix b = a;
  b[0] = 9;
  EXPECT_EQ(a[0], 1);
  EXPECT_THROW(Matrix(2, 2, {1, 2, 3}), Error);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(Matrix(3, 3).data()) % 64, 0u);
}

}  // namespace
}  // namespace mlp
