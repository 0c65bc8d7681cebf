// SPDX-License-Identifier: MIT
// Preprocessing: divide_by then standardize on a hand-computed matrix (population stddev, a constant
// column kept at stddev 1), the width check, and the strict JSON form saved with a model.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "mlp/data/preprocessing.hpp"
#include "mlp/error.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {

using nlohmann::json;

using mlp::test::error_of;

// Raw inputs; divided by 2 the columns are {1, 2, 3}, {2, 4, 6} and {3, 3, 3}.
Matrix raw() { return Matrix(3, 3, {2, 4, 6, 4, 8, 6, 6, 12, 6}); }

Preprocessing fitted() {
  Preprocessing p;
  p.divide_by = 2;
  Matrix divided = raw();
  p.apply(divided);  // divide only: nothing fitted yet
  p.fit_standardize(divided);
  return p;
}

TEST(Preprocessing, DivideOnly) {
  Preprocessing p;
  p.divide_by = 2;
  EXPECT_FALSE(p.standardizes());
  Matrix x = raw();
  p.apply(x);
  const Matrix expected(3, 3, {1, 2, 3, 2, 4, 3, 3, 6, 3});
  for (std::size_t i = 0; i < 9; ++i) EXPECT_EQ(x[i], expected[i]) << i;
  Matrix wide(1, 5, {10, 20, 30, 40, 50});  // without standardisation any width is fine
  p.apply(wide);
  EXPECT_EQ(wide[4], 25);
}

TEST(Preprocessing, DivideThenStandardizeHandComputed) {
  const Preprocessing p = fitted();
  ASSERT_TRUE(p.standardizes());
  // Means 2, 4, 3; population variances (1 + 0 + 1)/3 = 2/3 and (4 + 0 + 4)/3 = 8/3; the constant
  // column has stddev 0, replaced by 1 (it is only centred).
  EXPECT_EQ(p.mean, (std::vector<double>{2, 4, 3}));
  ASSERT_EQ(p.stddev.size(), 3u);
  EXPECT_DOUBLE_EQ(p.stddev[0], std::sqrt(2.0 / 3.0));
  EXPECT_DOUBLE_EQ(p.stddev[1], std::sqrt(8.0 / 3.0));
  EXPECT_EQ(p.stddev[2], 1.0);

  Matrix x = raw();
  p.apply(x);
  const double a = std::sqrt(1.5);  // (1 − 2)/√(2/3) = −√1.5, and (2 − 4)/√(8/3) = −√1.5
  const double expected[9] = {-a, -a, 0, 0, 0, 0, a, a, 0};
  for (std::size_t i = 0; i < 9; ++i) EXPECT_NEAR(x[i], expected[i], 1e-6) << i;

  // A new sample, standardized with the training statistics: (10/2 − 2)/√(2/3) = 3·√1.5.
  Matrix y(1, 3, {10, 4, 8});
  p.apply(y);
  EXPECT_NEAR(y[0], 3 * a, 1e-5);
  EXPECT_NEAR(y[1], (2 - 4) / std::sqrt(8.0 / 3.0), 1e-6);
  EXPECT_NEAR(y[2], 1.0, 1e-6);
}

TEST(Preprocessing, TargetScaling) {
  Preprocessing p;
  p.target_divide_by = 4;
  Matrix y(2, 2, {4, 8, -2, 1});
  p.apply_to_targets(y);
  const Matrix scaled(2, 2, {1, 2, -0.5, 0.25});
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(y[i], scaled[i]) << i;
  p.restore_targets(y);
  const Matrix restored(2, 2, {4, 8, -2, 1});
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(y[i], restored[i]) << i;
  Matrix x = raw();
  p.apply(x);  // inputs are not touched by the target scale
  EXPECT_EQ(x[0], 2);
}

TEST(Preprocessing, Errors) {
  const Preprocessing p = fitted();
  Matrix narrow(2, 2, {1, 2, 3, 4});
  EXPECT_EQ(error_of([&] { p.apply(narrow); }),
            "preprocessing: the data has 2 features, standardisation was fitted on 3");
  EXPECT_EQ(narrow[0], 1);  // untouched
  Preprocessing q;
  EXPECT_EQ(error_of([&] { q.fit_standardize(Matrix(0, 3)); }), "standardize: no training samples to fit on");
}

TEST(Preprocessing, JsonRoundTrip) {
  const Preprocessing p = fitted();
  const json j = p.to_json();
  EXPECT_EQ(j, (json{{"divide_by", 2.0}, {"target_divide_by", 1.0}, {"mean", {2.0, 4.0, 3.0}}, {"stddev", p.stddev}}));
  const Preprocessing back = Preprocessing::from_json(ConfigObject(j, "extra.preprocess"));
  EXPECT_EQ(back.divide_by, 2.0);
  EXPECT_EQ(back.mean, p.mean);
  EXPECT_EQ(back.stddev, p.stddev);  // exactly: JSON keeps every digit of a double
  EXPECT_EQ(back.to_json(), j);

  Preprocessing plain;
  plain.divide_by = 255;
  plain.target_divide_by = 1000;
  EXPECT_EQ(plain.to_json(), (json{{"divide_by", 255.0}, {"target_divide_by", 1000.0}}));
  const Preprocessing plain_back = Preprocessing::from_json(ConfigObject(plain.to_json(), "p"));
  EXPECT_EQ(plain_back.divide_by, 255.0);
  EXPECT_EQ(plain_back.target_divide_by, 1000.0);
  EXPECT_FALSE(plain_back.standardizes());
  EXPECT_EQ(Preprocessing::from_json(ConfigObject(json::object(), "p")).divide_by, 1.0);
}

TEST(Preprocessing, FromJsonErrors) {
  auto error = [](const json& j) { return error_of([&] { Preprocessing::from_json(ConfigObject(j, "preprocess")); }); };
  EXPECT_EQ(error({{"mean", {1, 2}}, {"stddev", {1}}}), "preprocess.stddev: has 1 entries, mean has 2");
  EXPECT_EQ(error({{"mean", {1, 2}}}), "preprocess.stddev: has 0 entries, mean has 2");
  EXPECT_EQ(error({{"mean", {1, 2}}, {"stddev", {1, 0}}}), "preprocess.stddev: every entry must be > 0");
  EXPECT_EQ(error({{"mean", {1}}, {"stddev", {-1}}}), "preprocess.stddev: every entry must be > 0");
  EXPECT_EQ(error({{"divide_by", 0}}), "preprocess.divide_by: must be > 0, got 0.0");
  EXPECT_EQ(error({{"divide_by", -2.5}}), "preprocess.divide_by: must be > 0, got -2.5");
  EXPECT_EQ(error({{"divide_by", "255"}}), "preprocess.divide_by: expected a number, got a string (\"255\")");
  EXPECT_EQ(error({{"mean", "x"}}), "preprocess.mean: expected an array of numbers, got a string (\"x\")");
  EXPECT_EQ(error({{"mean", {1, nullptr}}, {"stddev", {1, 1}}}),
            "preprocess.mean[1]: expected a finite number, got nothing (null)");
  EXPECT_EQ(error({{"target_divide_by", 0}}), "preprocess.target_divide_by: must be > 0, got 0.0");
  EXPECT_EQ(error({{"scale", 1}}),
            "preprocess.scale: unknown key 'scale'; allowed here: divide_by, mean, stddev, target_divide_by");
}

}  // namespace
}  // namespace mlp
