// SPDX-License-Identifier: MIT
// Initializers: statistics of large draws against Keras' formulas for every fan mode, bounds,
// truncation, orthogonality (square, tall, wide, gain) with Keras' sign fix, determinism, names.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "mlp/error.hpp"
#include "mlp/initializer.hpp"
#include "mlp/ops.hpp"

namespace mlp {
namespace {

constexpr double kTruncatedStddev = 0.87962566103423978;  // stddev of N(0,1) truncated to ±2

struct Stats {
  double mean = 0, variance = 0, min = 1e300, max = -1e300;
};

Stats stats_of(const Matrix& m) {
  Stats s;
  for (Scalar v : m.values()) {
    s.mean += v;
    s.min = std::min<double>(s.min, v);
    s.max = std::max<double>(s.max, v);
  }
  s.mean /= static_cast<double>(m.size());
  for (Scalar v : m.values()) s.variance += (v - s.mean) * (v - s.mean);
  s.variance /= static_cast<double>(m.size());
  return s;
}

Matrix draw(const Initializer& init, std::size_t rows, std::size_t cols, std::size_t fan_in, std::size_t fan_out,
            std::uint64_t seed = 1) {
  Rng rng(seed);
  Matrix m(rows, cols);
  initialize(init, m, fan_in, fan_out, rng);
  return m;
}

Matrix draw(const std::string& name, std::size_t rows, std::size_t cols, std::uint64_t seed = 1) {
  return draw(Initializer::from_name(name), rows, cols, rows, cols, seed);
}

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(Scalar)) == 0;
}

struct Case {
  const char* name;
  double scale;
  enum { kFanIn, kFanOut, kFanAvg } mode;
  bool uniform;
};

struct FanCase {
  Case c;
  std::size_t fan_in, fan_out;
};

class VarianceScaling : public ::testing::TestWithParam<FanCase> {};

// 400 × 500 = 200,000 draws. Standard errors: the mean's σ/√n; the variance's σ²·√((κ − 1)/n)
// with kurtosis κ <= 3 for every distribution here, so 5·√(2/n) relative is five of them.
TEST_P(VarianceScaling, MatchesKerasVarianceAndSupport) {
  const auto [c, fan_in, fan_out] = GetParam();
  const double n = c.mode == Case::kFanIn    ? static_cast<double>(fan_in)
                   : c.mode == Case::kFanOut ? static_cast<double>(fan_out)
                                             : (static_cast<double>(fan_in) + static_cast<double>(fan_out)) / 2;
  const double variance = c.scale / n;  // what Keras' VarianceScaling targets
  const Matrix m = draw(Initializer::from_name(c.name), 400, 500, fan_in, fan_out);
  const Stats s = stats_of(m);
  const double count = static_cast<double>(m.size());
  EXPECT_NEAR(s.mean, 0, 5 * std::sqrt(variance / count)) << c.name;
  EXPECT_NEAR(s.variance / variance, 1, 5 * std::sqrt(2 / count)) << c.name;
  if (c.uniform) {
    const double limit = std::sqrt(3 * variance);
    EXPECT_LE(s.max, limit * (1 + 1e-6));
    EXPECT_GE(s.min, -limit * (1 + 1e-6));
    EXPECT_GT(s.max, 0.999 * limit);  // the whole interval is used
    EXPECT_LT(s.min, -0.999 * limit);
  } else {
    // Truncated at two stddev of the underlying normal, whose stddev is √variance / 0.8796...
    const double cut = 2 * std::sqrt(variance) / kTruncatedStddev;
    EXPECT_LE(s.max, cut * (1 + 1e-6));
    EXPECT_GE(s.min, -cut * (1 + 1e-6));
    EXPECT_GT(s.max, 0.98 * cut);
    EXPECT_LT(s.min, -0.98 * cut);
  }
}

const Case kCases[] = {
    {"glorot_uniform", 1, Case::kFanAvg, true}, {"glorot_normal", 1, Case::kFanAvg, false},
    {"he_normal", 2, Case::kFanIn, false},      {"he_uniform", 2, Case::kFanIn, true},
    {"lecun_normal", 1, Case::kFanIn, false},   {"lecun_uniform", 1, Case::kFanIn, true},
};

std::vector<FanCase> fan_cases() {
  // (400, 500): fan_in 400, fan_avg 450. (900, 100): fan_in 900, fan_avg 500, fan_out 100, so a
  // wrong fan mode misses by a factor 1.8 or more.
  std::vector<FanCase> out;
  for (const Case& c : kCases) {
    out.push_back({c, 400, 500});
    out.push_back({c, 900, 100});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Keras, VarianceScaling, ::testing::ValuesIn(fan_cases()), [](const auto& p) {
  return std::string(p.param.c.name) + "_" + std::to_string(p.param.fan_in) + "_" + std::to_string(p.param.fan_out);
});

TEST(VarianceScalingFans, FanIsAtLeastOne) {
  // Keras divides by max(1, n): fans of 0 must not produce infinities.
  const Matrix m = draw(Initializer::from_name("he_uniform"), 3, 3, 0, 0);
  for (Scalar v : m.values()) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_LE(std::abs(v), std::sqrt(6.0) * (1 + 1e-6));
  }
}

TEST(Initializers, ConstantsAndIdentity) {
  const Matrix zeros = draw("zeros", 3, 3), ones = draw("ones", 3, 3);
  for (Scalar v : zeros.values()) EXPECT_EQ(v, 0);
  for (Scalar v : ones.values()) EXPECT_EQ(v, 1);
  Initializer constant = Initializer::from_name("constant");
  EXPECT_EQ(constant.value, 0);  // Keras' Constant(value=0.0)
  constant.value = 0.25;
  const Matrix quarter = draw(constant, 2, 2, 2, 2);
  for (Scalar v : quarter.values()) EXPECT_EQ(v, Scalar(0.25));

  Initializer identity = Initializer::from_name("identity");
  identity.gain = 3;
  const Matrix wide = draw(identity, 2, 3, 2, 3);  // Keras: gain·eye(2, 3)
  const Matrix expected(2, 3, {3, 0, 0, 0, 3, 0});
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(wide[i], expected[i]) << i;
}

TEST(Initializers, PlainDistributionsWithKerasDefaults) {
  const Initializer defaults = Initializer::from_name("random_normal");
  EXPECT_EQ(defaults.mean, 0);
  EXPECT_EQ(defaults.stddev, 0.05);
  EXPECT_EQ(Initializer::from_name("random_uniform").minval, -0.05);
  EXPECT_EQ(Initializer::from_name("random_uniform").maxval, 0.05);

  const double n = 200000;
  const Stats normal = stats_of(draw("random_normal", 400, 500));  // N(0, 0.05²)
  EXPECT_NEAR(normal.mean, 0, 5 * 0.05 / std::sqrt(n));
  EXPECT_NEAR(normal.variance / (0.05 * 0.05), 1, 5 * std::sqrt(2 / n));
  EXPECT_GT(normal.max, 0.2);  // not truncated: |z| > 4 occurs among 200,000 draws

  const Stats uniform = stats_of(draw("random_uniform", 400, 500));  // U(-0.05, 0.05)
  EXPECT_GE(uniform.min, -0.05 * (1 + 1e-6));
  EXPECT_LE(uniform.max, 0.05 * (1 + 1e-6));
  EXPECT_NEAR(uniform.variance / (0.1 * 0.1 / 12), 1, 5 * std::sqrt(0.8 / n));

  const Stats truncated = stats_of(draw("truncated_normal", 400, 500));  // |x| <= 2·0.05
  EXPECT_LE(truncated.max, 0.1 * (1 + 1e-6));
  EXPECT_GE(truncated.min, -0.1 * (1 + 1e-6));
  // Variance of N(0, σ²) truncated at ±2σ: σ²·0.87962566² = σ²·0.773741
  EXPECT_NEAR(truncated.variance / (0.05 * 0.05) / (kTruncatedStddev * kTruncatedStddev), 1, 5 * std::sqrt(2 / n));

  // Truncation is around the mean: mean 1, stddev 0.5 stays in [0, 2].
  Initializer shifted = Initializer::from_name("truncated_normal");
  shifted.mean = 1;
  shifted.stddev = 0.5;
  const Stats s = stats_of(draw(shifted, 200, 100, 200, 100));
  EXPECT_NEAR(s.mean, 1, 0.01);
  EXPECT_GE(s.min, 0);
  EXPECT_LE(s.max, 2);

  Initializer reversed = Initializer::from_name("random_uniform");
  reversed.minval = 1;
  reversed.maxval = -1;
  try {
    draw(reversed, 1, 1, 1, 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "random_uniform: minval 1 exceeds maxval -1");
  }
}

// G = WᵀW (tall) or W·Wᵀ (wide), in double.
std::vector<double> gram(const Matrix& w) {
  const bool tall = w.rows() >= w.cols();
  const std::size_t k = tall ? w.cols() : w.rows(), len = tall ? w.rows() : w.cols();
  std::vector<double> g(k * k, 0.0);
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < k; ++j) {
      for (std::size_t t = 0; t < len; ++t) {
        g[i * k + j] += tall ? static_cast<double>(w(t, i)) * w(t, j) : static_cast<double>(w(i, t)) * w(j, t);
      }
    }
  }
  return g;
}

TEST(Orthogonal, OrthonormalForSquareTallWideAndVectorShapes) {
  for (const auto& [rows, cols] :
       {std::pair<std::size_t, std::size_t>{8, 8}, {40, 7}, {7, 40}, {1, 9}, {9, 1}, {256, 64}}) {
    for (const double gain : {1.0, 2.5}) {
      Initializer init = Initializer::from_name("orthogonal");
      init.gain = gain;
      const Matrix w = draw(init, rows, cols, rows, cols, 3);
      const std::vector<double> g = gram(w);
      const std::size_t k = std::min(rows, cols);
      for (std::size_t i = 0; i < k; ++i) {
        for (std::size_t j = 0; j < k; ++j) {
          EXPECT_NEAR(g[i * k + j], i == j ? gain * gain : 0, 1e-5 * gain * gain) << rows << "x" << cols;
        }
      }
    }
  }
}

TEST(Orthogonal, IsQOfTheQrOfKerasNormalMatrixWithPositiveDiagonal) {
  // Keras draws a (max, min) normal matrix A, takes A = QR, multiplies Q's columns by sign(diag R)
  // and transposes when rows < cols. Then R = QᵀA must be upper triangular with a positive
  // diagonal, Q being W (tall) or Wᵀ (wide). A is replayed from the same seed, row-major.
  for (const auto& [rows, cols] : {std::pair<std::size_t, std::size_t>{12, 5}, {5, 12}, {6, 6}}) {
    const Matrix w = draw("orthogonal", rows, cols, 21);
    const std::size_t big = std::max(rows, cols), small = std::min(rows, cols);
    Rng replay(21);
    std::vector<double> a(big * small);
    for (auto& v : a) v = replay.normal();
    auto q = [&](std::size_t i, std::size_t j) {  // Q (big, small)
      return static_cast<double>(rows >= cols ? w(i, j) : w(j, i));
    };
    for (std::size_t i = 0; i < small; ++i) {
      for (std::size_t j = 0; j < small; ++j) {
        double r = 0;  // R[i][j] = Σ_t Q[t][i]·A[t][j]
        for (std::size_t t = 0; t < big; ++t) r += q(t, i) * a[t * small + j];
        if (i > j) {
          EXPECT_NEAR(r, 0, 1e-4) << rows << "x" << cols << " R[" << i << "][" << j << "]";
        } else if (i == j) {
          EXPECT_GT(r, 0) << rows << "x" << cols << " R[" << i << "][" << i << "]";
        }
      }
    }
  }
}

TEST(Initializers, DeterministicForASeed) {
  for (const char* name : {"glorot_uniform", "he_normal", "orthogonal", "random_normal", "truncated_normal"}) {
    const Matrix a = draw(name, 10, 10, 5), b = draw(name, 10, 10, 5), c = draw(name, 10, 10, 6);
    EXPECT_TRUE(same_bits(a, b)) << name;
    EXPECT_FALSE(same_bits(a, c)) << name;
  }
}

TEST(Initializers, KerasAliasesAndClassNames) {
  EXPECT_EQ(Initializer::from_name("normal").name, "random_normal");
  EXPECT_EQ(Initializer::from_name("uniform").name, "random_uniform");
  EXPECT_EQ(Initializer::from_name("one").name, "ones");
  EXPECT_EQ(Initializer::from_name("zero").name, "zeros");
  EXPECT_EQ(Initializer::from_name("GlorotUniform").name, "glorot_uniform");
  EXPECT_EQ(Initializer::from_name("HeNormal").name, "he_normal");
  EXPECT_EQ(Initializer::from_name("Orthogonal").name, "orthogonal");
  EXPECT_EQ(Initializer::from_name("OrthogonalInitializer").name, "orthogonal");
  // An Initializer whose name was set directly to an alias draws like the canonical one.
  Initializer aliased;
  aliased.name = "HeUniform";
  EXPECT_TRUE(same_bits(draw(aliased, 5, 4, 5, 4), draw("he_uniform", 5, 4)));
}

TEST(Initializers, UnknownNamesListTheKnownOnes) {
  try {
    Initializer::from_name("xavier");
    FAIL();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("unknown initializer 'xavier'; known: zeros, ones, constant, random_normal", 0), 0u)
        << message;
    EXPECT_NE(std::string(e.what()).find("orthogonal, identity"), std::string::npos) << e.what();
  }
  Initializer bad;
  bad.name = "glorot";
  Matrix w(2, 2);
  Rng rng(1);
  EXPECT_THROW(initialize(bad, w, 2, 2, rng), Error);
}

}  // namespace
}  // namespace mlp
