// SPDX-License-Identifier: MIT
// Initializers: statistics of large draws against Keras' formulas, bounds, truncation,
// orthogonality, determinism, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "mlp/error.hpp"
#include "mlp/initializer.hpp"
#include "mlp/ops.hpp"

namespace mlp {
namespace {

struct Stats {
  double mean = 0, variance = 0, min = 1e300, max = -1e300;
};

Stats stats_of(const Matrix& m) {
  Stats s;
  for (float v : m.values()) {
    s.mean += v;
    s.min = std::min<double>(s.min, v);
    s.max = std::max<double>(s.max, v);
  }
  s.mean /= static_cast<double>(m.size());
  for (float v : m.values()) s.variance += (v - s.mean) * (v - s.mean);
  s.variance /= static_cast<double>(m.size());
  return s;
}

Matrix draw(const std::string& name, std::size_t rows, std::size_t cols, std::uint64_t seed = 1) {
  Rng rng(seed);
  Matrix m(rows, cols);
  initialize(Initializer::from_name(name), m, rows, cols, rng);
  return m;
}

struct Case {
  const char* name;
  double variance;  // Keras: scale / n, n by fan mode, for (fan_in 400, fan_out 500)
  bool uniform;
};

class VarianceScaling : public ::testing::TestWithParam<Case> {};

TEST_P(VarianceScaling, MatchesKerasVarianceAndSupport) {
  const Case c = GetParam();
  const Matrix m = draw(c.name, 400, 500);
  const Stats s = stats_of(m);
  // 200,000 draws: the mean's standard error is σ/447; the variance's relative error ~0.3-0.5%.
  EXPECT_NEAR(s.mean, 0, 5 * std::sqrt(c.variance) / 447) << c.name;
  EXPECT_NEAR(s.variance / c.variance, 1, 0.02) << c.name;
  const double sd = std::sqrt(c.variance);
  if (c.uniform) {
    const double limit = std::sqrt(3 * c.variance);
    EXPECT_LE(s.max, limit);
    EXPECT_GE(s.min, -limit);
    EXPECT_GT(s.max, 0.99 * limit);  // the whole interval is used
  } else {
    // Truncated at two stddev of the underlying normal, whose stddev is sd / 0.8796...
    const double cut = 2 * sd / 0.87962566103423978;
    EXPECT_LE(s.max, cut);
    EXPECT_GE(s.min, -cut);
    EXPECT_GT(s.max, 0.98 * cut);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Keras, VarianceScaling,
    ::testing::Values(Case{"glorot_uniform", 1.0 / 450, true}, Case{"glorot_normal", 1.0 / 450, false},
                      Case{"he_normal", 2.0 / 400, false}, Case{"he_uniform", 2.0 / 400, true},
                      Case{"lecun_normal", 1.0 / 400, false}, Case{"lecun_uniform", 1.0 / 400, true}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(Initializers, ConstantsAndPlainDistributions) {
  const Matrix zeros = draw("zeros", 3, 3), ones = draw("ones", 3, 3);
  for (float v : zeros.values()) EXPECT_EQ(v, 0);
  for (float v : ones.values()) EXPECT_EQ(v, 1);
  Rng rng(1);
  Matrix c(2, 2);
  Initializer constant = Initializer::from_name("constant");
  constant.value = 0.25;
  initialize(constant, c, 2, 2, rng);
  for (float v : c.values()) EXPECT_EQ(v, 0.25f);

  const Stats normal = stats_of(draw("random_normal", 400, 500));  // mean 0, stddev 0.05
  EXPECT_NEAR(normal.mean, 0, 5 * 0.05 / 447);
  EXPECT_NEAR(std::sqrt(normal.variance), 0.05, 0.001);
  EXPECT_GT(normal.max, 0.2);  // not truncated: 4 sigma occurs among 200,000 draws

  const Stats uniform = stats_of(draw("random_uniform", 400, 500));  // U(-0.05, 0.05)
  EXPECT_GE(uniform.min, -0.05);
  EXPECT_LE(uniform.max, 0.05);
  EXPECT_NEAR(uniform.variance, 0.1 * 0.1 / 12, 0.0001 * 0.1 / 12 * 100);

  const Stats truncated = stats_of(draw("truncated_normal", 400, 500));  // |x| <= 2·0.05
  EXPECT_LE(truncated.max, 0.1);
  EXPECT_GE(truncated.min, -0.1);
  // Variance of N(0, σ²) truncated at ±2σ: σ²·0.7737
  EXPECT_NEAR(truncated.variance / (0.05 * 0.05), 0.7737, 0.015);
}

TEST(Initializers, OrthogonalForSquareTallAndWide) {
  for (const auto& [rows, cols] : {std::pair<std::size_t, std::size_t>{8, 8}, {12, 5}, {5, 12}}) {
    const Matrix w = draw("orthogonal", rows, cols, 3);
    // Rows ≥ cols: WᵀW = I (cols × cols); rows < cols: W·Wᵀ = I (rows × rows).
    const bool tall = rows >= cols;
    const std::size_t k = tall ? cols : rows;
    Matrix g(k, k);
    gemm_reference(w, w, g, tall ? Trans::kA : Trans::kB);
    for (std::size_t i = 0; i < k; ++i) {
      for (std::size_t j = 0; j < k; ++j) EXPECT_NEAR(g(i, j), i == j ? 1 : 0, 1e-5) << rows << "x" << cols;
    }
  }
  Rng rng(1);
  Matrix w(6, 6);
  Initializer gain = Initializer::from_name("orthogonal");
  gain.gain = 2;
  initialize(gain, w, 6, 6, rng);
  Matrix g(6, 6);
  gemm_reference(w, w, g, Trans::kA);
  EXPECT_NEAR(g(0, 0), 4, 1e-5);
}

TEST(Initializers, DeterministicForASeedAndErrorsListNames) {
  const Matrix a = draw("glorot_uniform", 10, 10, 5), b = draw("glorot_uniform", 10, 10, 5),
               c = draw("glorot_uniform", 10, 10, 6);
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)));
  EXPECT_NE(0, std::memcmp(a.data(), c.data(), a.size() * sizeof(float)));
  try {
    Initializer::from_name("xavier");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("unknown initializer 'xavier'; known: zeros, ones, constant", 0), 0u);
  }
}

}  // namespace
}  // namespace mlp
