// SPDX-License-Identifier: MIT
// TOML configs: the JSON they become (integers stay integers), the line of every key, syntax and
// date errors, command-line overrides (--set) with each of their errors, and to_toml round trips.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "mlp/error.hpp"
#include "mlp/io/toml.hpp"

namespace mlp {
namespace {

using nlohmann::json;

// Line numbers below refer to this text (line 1 is the comment).
const char* const kConfig =
    "# a small config\n"                                      // 1
    "name = \"demo\"\n"                                       // 2
    "\n"                                                      // 3
    "[model]\n"                                               // 4
    "input_shape = [28, 28]\n"                                // 5
    "seed = 7\n"                                              // 6
    "\n"                                                      // 7
    "[[model.layers]]\n"                                      // 8
    "type = \"Dense\"\n"                                      // 9
    "units = 256\n"                                           // 10
    "activation = \"relu\"\n"                                 // 11
    "\n"                                                      // 12
    "[[model.layers]]\n"                                      // 13
    "type = \"Dense\"\n"                                      // 14
    "units = 10\n"                                            // 15
    "kernel_regularizer = { l2 = 1e-4 }\n"                    // 16
    "\n"                                                      // 17
    "[compile]\n"                                             // 18
    "optimizer = { type = \"Adam\", learning_rate = 0.5 }\n"  // 19
    "metrics = [\"accuracy\"]\n"                              // 20
    "\n"                                                      // 21
    "[fit]\n"                                                 // 22
    "epochs = 3\n"                                            // 23
    "shuffle = true\n"                                        // 24
    "validation_split = 0.25\n";                              // 25

const json kConfigJson = json::parse(R"({
  "name": "demo",
  "model": {
    "input_shape": [28, 28],
    "seed": 7,
    "layers": [
      {"type": "Dense", "units": 256, "activation": "relu"},
      {"type": "Dense", "units": 10, "kernel_regularizer": {"l2": 1e-4}}
    ]
  },
  "compile": {"optimizer": {"type": "Adam", "learning_rate": 0.5}, "metrics": ["accuracy"]},
  "fit": {"epochs": 3, "shuffle": true, "validation_split": 0.25}
})");

std::string parse_error(const std::string& text, const std::string& source = "cfg.toml") {
  try {
    parse_toml(text, source);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::string override_error(ConfigDocument& doc, const std::string& assignment) {
  try {
    apply_override(doc, assignment);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

int line_of(const ConfigDocument& doc, const std::string& path) {
  auto it = doc.source.lines.find(path);
  return it == doc.source.lines.end() ? -1 : it->second;
}

TEST(Toml, ParsesToExactJson) {
  const ConfigDocument doc = parse_toml(kConfig, "cfg.toml");
  EXPECT_EQ(doc.root, kConfigJson) << doc.root.dump(2);
  EXPECT_EQ(doc.source.file, "cfg.toml");
}

TEST(Toml, IntegersStayIntegersAndFloatsStayFloats) {
  const ConfigDocument doc = parse_toml(kConfig, "cfg.toml");
  EXPECT_TRUE(doc.root["model"]["seed"].is_number_integer());
  EXPECT_TRUE(doc.root["model"]["layers"][0]["units"].is_number_integer());
  EXPECT_TRUE(doc.root["model"]["input_shape"][1].is_number_integer());
  EXPECT_TRUE(doc.root["fit"]["validation_split"].is_number_float());
  EXPECT_TRUE(doc.root["model"]["layers"][1]["kernel_regularizer"]["l2"].is_number_float());
  EXPECT_EQ(doc.root["model"]["layers"][1]["kernel_regularizer"]["l2"].get<double>(), 1e-4);
  EXPECT_TRUE(doc.root["fit"]["shuffle"].is_boolean());
  // 2.0 is a float in TOML and must not become the integer 2.
  const ConfigDocument two = parse_toml("x = 2.0\ny = 2\n", "t.toml");
  EXPECT_TRUE(two.root["x"].is_number_float());
  EXPECT_TRUE(two.root["y"].is_number_integer());
  EXPECT_EQ(two.root["y"].get<std::int64_t>(), 2);
}

TEST(Toml, LinesOfNestedKeysAndArrayOfTableEntries) {
  const ConfigDocument doc = parse_toml(kConfig, "cfg.toml");
  EXPECT_EQ(line_of(doc, "name"), 2);
  EXPECT_EQ(line_of(doc, "model"), 4);
  EXPECT_EQ(line_of(doc, "model.input_shape"), 5);
  EXPECT_EQ(line_of(doc, "model.seed"), 6);
  EXPECT_EQ(line_of(doc, "model.layers"), 8);
  EXPECT_EQ(line_of(doc, "model.layers[0]"), 8);
  EXPECT_EQ(line_of(doc, "model.layers[0].units"), 10);
  EXPECT_EQ(line_of(doc, "model.layers[0].activation"), 11);
  EXPECT_EQ(line_of(doc, "model.layers[1]"), 13);
  EXPECT_EQ(line_of(doc, "model.layers[1].type"), 14);
  EXPECT_EQ(line_of(doc, "model.layers[1].units"), 15);
  EXPECT_EQ(line_of(doc, "model.layers[1].kernel_regularizer.l2"), 16);
  EXPECT_EQ(line_of(doc, "compile.optimizer.learning_rate"), 19);
  EXPECT_EQ(line_of(doc, "compile.metrics"), 20);
  EXPECT_EQ(line_of(doc, "fit.validation_split"), 25);
  EXPECT_FALSE(doc.source.lines.contains(""));  // the root has no line
}

TEST(Toml, LocateFallsBackToTheNearestParentWithALine) {
  const ConfigDocument doc = parse_toml(kConfig, "cfg.toml");
  EXPECT_EQ(doc.source.locate("model.layers[1].units"), "cfg.toml:15: ");
  EXPECT_EQ(doc.source.locate("model.layers[1].bias_initializer"), "cfg.toml:13: ");
  EXPECT_EQ(doc.source.locate("model.layers[7].units"), "cfg.toml:8: ");
  EXPECT_EQ(doc.source.locate("nothing.here"), "cfg.toml: ");
  EXPECT_EQ(SourceMap{}.locate("a.b"), "");
}

TEST(Toml, ConfigObjectErrorsNameFileLineAndPath) {
  const ConfigDocument doc = parse_toml(kConfig, "cfg.toml");
  ConfigObject model(doc.root["model"], "model", &doc.source);
  auto layers = model.get_objects("layers");
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[1].path(), "model.layers[1]");
  try {
    layers[1].get_string("units");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "cfg.toml:15: model.layers[1].units: expected a string, got the integer 10");
  }
  layers[0].get_string("type");
  layers[0].get_size("units", 0);
  try {
    layers[0].finish();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "cfg.toml:11: model.layers[0].activation: unknown key 'activation'; allowed here: type, units");
  }
}

TEST(Toml, SyntaxErrorGivesSourceLineAndColumn) {
  const std::string message = parse_error("a = 1\nb = \n", "bad.toml");
  EXPECT_EQ(message.rfind("bad.toml:2:", 0), 0u) << message;
  // Line 2, column 5 (the end of "b = "), then toml++'s reason.
  EXPECT_EQ(message, "bad.toml:2:5: Error while parsing key-value pair: expected value, saw '\\n'");
  EXPECT_EQ(parse_error("[model\nx = 1\n"), "cfg.toml:1:7: Error while parsing table header: expected ']', saw '\\n'");
  EXPECT_EQ(parse_error("a = 1\na = 2\n"),
            "cfg.toml:2:5: Error while parsing key-value pair: cannot redefine existing integer 'a'");
}

TEST(Toml, DatesAreRefusedWithThePath) {
  EXPECT_EQ(parse_error("[fit]\nepochs = 2\nwhen = 1979-05-27\n"),
            "cfg.toml:3: fit.when: dates and times are not used by any setting");
  EXPECT_EQ(parse_error("x = [1, 2]\nd = [\n  07:32:00,\n]\n"),
            "cfg.toml:3: d[0]: dates and times are not used by any setting");
}

TEST(Toml, ReadTomlMissingFileNamesThePath) {
  try {
    read_toml("/nonexistent/dir/cfg.toml");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/dir/cfg.toml: cannot open config file (No such file or directory)");
  }
}

TEST(TomlOverride, ValuesAreReadAsTomlValues) {
  ConfigDocument doc = parse_toml(kConfig, "cfg.toml");
  apply_override(doc, "fit.epochs=5");
  EXPECT_TRUE(doc.root["fit"]["epochs"].is_number_integer());
  EXPECT_EQ(doc.root["fit"]["epochs"], json(5));

  apply_override(doc, "compile.optimizer.learning_rate=1e-4");
  EXPECT_TRUE(doc.root["compile"]["optimizer"]["learning_rate"].is_number_float());
  EXPECT_EQ(doc.root["compile"]["optimizer"]["learning_rate"].get<double>(), 1e-4);
  EXPECT_EQ(doc.root["compile"]["optimizer"]["type"], json("Adam"));  // siblings untouched

  apply_override(doc, "fit.shuffle=false");
  EXPECT_EQ(doc.root["fit"]["shuffle"], json(false));

  apply_override(doc, "compile.loss=mse");  // unquoted: taken as a string
  EXPECT_EQ(doc.root["compile"]["loss"], json("mse"));
  apply_override(doc, "compile.loss=\"huber\"");  // quoted: a TOML string
  EXPECT_EQ(doc.root["compile"]["loss"], json("huber"));
  apply_override(doc, "  name =  spaced out  ");  // key and value are trimmed
  EXPECT_EQ(doc.root["name"], json("spaced out"));

  apply_override(doc, "compile.optimizer={type = \"SGD\", momentum = 0.9}");
  EXPECT_EQ(doc.root["compile"]["optimizer"], json::parse(R"({"type": "SGD", "momentum": 0.9})"));

  apply_override(doc, "model.input_shape=[4]");
  EXPECT_EQ(doc.root["model"]["input_shape"], json::parse("[4]"));
}

TEST(TomlOverride, CreatesMissingTables) {
  ConfigDocument doc = parse_toml(kConfig, "cfg.toml");
  apply_override(doc, "fit.new_key=1");
  EXPECT_EQ(doc.root["fit"]["new_key"], json(1));
  EXPECT_EQ(doc.root["fit"]["epochs"], json(3));
  apply_override(doc, "callbacks.early_stopping.patience=4");
  EXPECT_EQ(doc.root["callbacks"], json::parse(R"({"early_stopping": {"patience": 4}})"));
}

TEST(TomlOverride, ArrayIndexSetsThatEntry) {
  ConfigDocument doc = parse_toml(kConfig, "cfg.toml");
  apply_override(doc, "model.layers[1].units=128");
  EXPECT_EQ(doc.root["model"]["layers"][1]["units"], json(128));
  EXPECT_EQ(doc.root["model"]["layers"][0]["units"], json(256));
  // The file's line no longer describes the value: errors about it fall back to the layer's line.
  EXPECT_FALSE(doc.source.lines.contains("model.layers[1].units"));
  EXPECT_EQ(doc.source.locate("model.layers[1].units"), "cfg.toml:13: ");
  EXPECT_EQ(line_of(doc, "model.layers[0].units"), 10);
}

TEST(TomlOverride, ReplacingATableForgetsTheLinesBelowIt) {
  ConfigDocument doc = parse_toml(kConfig, "cfg.toml");
  apply_override(doc, "model.layers[1]={type = \"Dense\", units = 0}");
  EXPECT_EQ(doc.root["model"]["layers"][1], json::parse(R"({"type": "Dense", "units": 0})"));
  // Line 15 holds "units = 10", not the value that is now there.
  EXPECT_FALSE(doc.source.lines.contains("model.layers[1].units"));
  EXPECT_FALSE(doc.source.lines.contains("model.layers[1].kernel_regularizer.l2"));
  EXPECT_EQ(line_of(doc, "model.layers[0].units"), 10);
  EXPECT_EQ(line_of(doc, "model.layers"), 8);
}

TEST(TomlOverride, ErrorsNameTheAssignment) {
  ConfigDocument doc = parse_toml(kConfig, "cfg.toml");
  const json before = doc.root;
  EXPECT_EQ(override_error(doc, "model.layers[2].units=1"),
            "--set model.layers[2].units=1: model.layers[2] does not exist (the array has 2 entries)");
  EXPECT_EQ(override_error(doc, "fit.epochs[0]=1"), "--set fit.epochs[0]=1: fit.epochs[0] does not exist");
  EXPECT_EQ(override_error(doc, "fit.epochs"), "--set fit.epochs: expected key=value, e.g. fit.epochs=3");
  const std::string hint = " (expected a dotted key such as fit.epochs or model.layers[1].units)";
  EXPECT_EQ(override_error(doc, "=3"), "--set =3: empty key" + hint);
  EXPECT_EQ(override_error(doc, "fit..epochs=3"), "--set fit..epochs=3: empty key" + hint);
  EXPECT_EQ(override_error(doc, "fit.=3"), "--set fit.=3: empty key" + hint);
  EXPECT_EQ(override_error(doc, ".fit=3"), "--set .fit=3: empty key" + hint);
  EXPECT_EQ(override_error(doc, "model.layers[x].units=1"), "--set model.layers[x].units=1: bad index [x]" + hint);
  EXPECT_EQ(override_error(doc, "model.layers[].units=1"), "--set model.layers[].units=1: bad index []" + hint);
  EXPECT_EQ(override_error(doc, "model.layers[-1].units=1"), "--set model.layers[-1].units=1: bad index [-1]" + hint);
  EXPECT_EQ(override_error(doc, "model.layers[1.units=1"), "--set model.layers[1.units=1: unclosed [" + hint);
  EXPECT_EQ(override_error(doc, "model.layers[1]units=1"), "--set model.layers[1]units=1: unexpected 'u'" + hint);
  EXPECT_EQ(override_error(doc, "name.sub=1"), "--set name.sub=1: cannot set a key inside name, which is not a table");
  EXPECT_EQ(override_error(doc, "fit.epochs.x.y=1"),
            "--set fit.epochs.x.y=1: cannot set a key inside fit.epochs, which is not a table");
  EXPECT_EQ(override_error(doc, "model.layers.units=1"),
            "--set model.layers.units=1: cannot set a key inside model.layers, which is not a table");
  // Walking through a missing table would create it; a refused assignment must not leave it behind.
  EXPECT_EQ(override_error(doc, "fresh.table[0]=1"), "--set fresh.table[0]=1: fresh.table[0] does not exist");
  EXPECT_EQ(doc.root, before);  // a refused override changes nothing
  EXPECT_EQ(line_of(doc, "model.layers[1].units"), 15);
}

TEST(TomlToToml, RoundTripEqualsTheJson) {
  const ConfigDocument doc = parse_toml(kConfig, "cfg.toml");
  const std::string text = to_toml(doc.root);
  EXPECT_EQ(parse_toml(text, "again.toml").root, doc.root) << text;
}

TEST(TomlToToml, RoundTripKeepsTypesAndDropsNulls) {
  const json j = json::parse(R"({
    "a": 1, "b": 2.0, "c": 0.1, "d": 1e-4, "e": -3, "f": true, "g": "quote \" and ünïcode",
    "n": null,
    "arr": [1, null, 2],
    "t": {"x": null, "y": {"z": [0.5, 1.5]}},
    "layers": [{"type": "Dense", "units": 3, "seed": null}, {"type": "Dropout", "rate": 0.3333333333333333}]
  })");
  const json expected = json::parse(R"({
    "a": 1, "b": 2.0, "c": 0.1, "d": 1e-4, "e": -3, "f": true, "g": "quote \" and ünïcode",
    "arr": [1, 2],
    "t": {"y": {"z": [0.5, 1.5]}},
    "layers": [{"type": "Dense", "units": 3}, {"type": "Dropout", "rate": 0.3333333333333333}]
  })");
  const std::string text = to_toml(j);
  const json back = parse_toml(text, "rt.toml").root;
  EXPECT_EQ(back, expected) << text;
  EXPECT_TRUE(back["a"].is_number_integer());
  EXPECT_TRUE(back["b"].is_number_float());
  EXPECT_EQ(back["layers"][1]["rate"].get<double>(), 1.0 / 3.0);  // no digits lost
}

}  // namespace
}  // namespace mlp
