// SPDX-License-Identifier: MIT
// mlp::Error's structured location and rethrow_at, the one helper that adds a config location to
// an error (layers, optimizers, schedules, initializers, callbacks read from a config).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mlp/config.hpp"
#include "mlp/error.hpp"

namespace {

using mlp::ConfigObject;
using mlp::Error;
using mlp::ErrorLocation;
using mlp::SourceMap;

TEST(ErrorLocation, PrefixFormats) {
  EXPECT_EQ((ErrorLocation{.file = "c.toml", .line = 14, .path = "model.layers[2].units", .detail = {}}).prefix(),
            "c.toml:14: model.layers[2].units: ");
  EXPECT_EQ((ErrorLocation{.file = "c.toml", .line = 0, .path = "fit", .detail = {}}).prefix(), "c.toml: fit: ");
  EXPECT_EQ((ErrorLocation{.file = {}, .line = 0, .path = "layers[0]", .detail = "Dense"}).prefix(),
            "layers[0] (Dense): ");
  EXPECT_EQ((ErrorLocation{}).prefix(), "the document: ");
}

TEST(Error, PlainErrorHasNoLocation) {
  const Error e("Dense: units must be positive, got 0");
  EXPECT_STREQ(e.what(), "Dense: units must be positive, got 0");
  EXPECT_EQ(e.message(), "Dense: units must be positive, got 0");
  EXPECT_FALSE(e.location().has_value());
}

TEST(Error, LocatedErrorPrintsItsLocationFirst) {
  const Error e(ErrorLocation{.file = "c.toml", .line = 3, .path = "compile.optimizer", .detail = "Adam"}, "bad");
  EXPECT_STREQ(e.what(), "c.toml:3: compile.optimizer (Adam): bad");
  EXPECT_EQ(e.message(), "bad");
  ASSERT_TRUE(e.location().has_value());
  EXPECT_EQ(e.location()->file, "c.toml");
  EXPECT_EQ(e.location()->line, 3);
  EXPECT_EQ(e.location()->path, "compile.optimizer");
}

Error caught(const Error& e, const ErrorLocation& where, std::string_view prefix = {}) {
  try {
    mlp::rethrow_at(e, where, prefix);
  } catch (const Error& out) {
    return out;
  }
  ADD_FAILURE() << "rethrow_at returned";
  return Error("none");
}

TEST(RethrowAt, LocatesAnErrorWithoutALocationAndDropsTheClassName) {
  const ErrorLocation where{.file = "c.toml", .line = 9, .path = "model.layers[1]", .detail = "Dense"};
  const Error out = caught(Error("Dense: units must be positive, got 0"), where);
  EXPECT_STREQ(out.what(), "c.toml:9: model.layers[1] (Dense): units must be positive, got 0");
  EXPECT_EQ(out.message(), "units must be positive, got 0");
  ASSERT_TRUE(out.location().has_value());
  EXPECT_EQ(out.location()->path, "model.layers[1]");
  // A message that does not start with the class name is kept whole.
  EXPECT_STREQ(caught(Error("out of memory"), where).what(), "c.toml:9: model.layers[1] (Dense): out of memory");
}

TEST(RethrowAt, KeepsTheLocationAnErrorHasAlready) {
  const Error inner(ErrorLocation{.file = "c.toml", .line = 11, .path = "model.layers[1].units", .detail = {}},
                    "expected an integer, got a string (\"many\")");
  const Error out =
      caught(inner, ErrorLocation{.file = "c.toml", .line = 9, .path = "model.layers[1]", .detail = "Dense"});
  EXPECT_STREQ(out.what(), "c.toml:11: model.layers[1].units: expected an integer, got a string (\"many\")");
  EXPECT_EQ(out.location()->line, 11);
}

TEST(RethrowAt, MessagePrefix) {
  const Error out =
      caught(Error("patience must be >= 0"), ErrorLocation{.file = {}, .line = 0, .path = "callbacks[0]", .detail = {}},
             "(EarlyStopping): ");
  EXPECT_STREQ(out.what(), "callbacks[0]: (EarlyStopping): patience must be >= 0");
}

TEST(ConfigObjectError, CarriesTheStructuredLocation) {
  const nlohmann::json value = {{"units", "many"}};
  SourceMap source{.file = "c.toml", .lines = {{"model.layers[0]", 5}, {"model.layers[0].units", 6}}};
  ConfigObject c(value, "model.layers[0]", &source);
  try {
    (void)c.get_size("units", 1);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "c.toml:6: model.layers[0].units: expected an integer, got a string (\"many\")");
    ASSERT_TRUE(e.location().has_value());
    EXPECT_EQ(e.location()->file, "c.toml");
    EXPECT_EQ(e.location()->line, 6);
    EXPECT_EQ(e.location()->path, "model.layers[0].units");
    EXPECT_EQ(e.message(), "expected an integer, got a string (\"many\")");
  }
  // A path without a line of its own takes its nearest parent's.
  const Error whole = c.error("missing", "required");
  EXPECT_STREQ(whole.what(), "c.toml:5: model.layers[0].missing: required");
  EXPECT_EQ(mlp::config_location(nullptr, "fit").prefix(), "fit: ");
  EXPECT_EQ(c.location("Dense").prefix(), "c.toml:5: model.layers[0] (Dense): ");
}

}  // namespace
