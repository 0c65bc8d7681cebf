// SPDX-License-Identifier: MIT
// CSV reading: the real tabular files in tests/data/tabular, and small files written here for every
// quoting rule and every error a user can run into (each error message checked in full).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "mlp/error.hpp"
#include "mlp/io/csv.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;
using Impute = CsvOptions::Impute;
using Task = CsvOptions::Task;

const std::string kTabular = std::string(MLP_TEST_DATA_DIR) + "/tabular/";

// Writes `text` byte for byte to a fresh temp file and returns its path.
std::string write_temp(const std::string& name, const std::string& text) {
  const fs::path path = fs::temp_directory_path() / ("mlp_test_csv_" + name + ".csv");
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

std::string error_of(const std::string& path, const CsvOptions& options = {}) {
  try {
    read_csv(path, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::vector<Scalar> row_of(const Matrix& m, std::size_t r) { return {m.row(r), m.row(r) + m.cols()}; }

// ---- The real files --------------------------------------------------------------------------

TEST(Csv, IrisIsThreeClassesOfFourFeatures) {
  const CsvDataset d = read_csv(kTabular + "iris.csv", {.targets = {"target"}, .task = Task::kClassification});
  ASSERT_EQ(d.x.rows(), 150u);
  ASSERT_EQ(d.x.cols(), 4u);
  ASSERT_EQ(d.y.rows(), 150u);
  ASSERT_EQ(d.y.cols(), 3u);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"sepal_length", "sepal_width", "petal_length", "petal_width"}));
  EXPECT_EQ(d.target_names, std::vector<std::string>{"target"});
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"0", "1", "2"}));
  // First, 51st and last rows of the file (the file has CRLF line ends).
  EXPECT_EQ(row_of(d.x, 0), (std::vector<Scalar>{5.1f, 3.5f, 1.4f, 0.2f}));
  EXPECT_EQ(row_of(d.y, 0), (std::vector<Scalar>{1, 0, 0}));
  EXPECT_EQ(row_of(d.x, 50), (std::vector<Scalar>{7.0f, 3.2f, 4.7f, 1.4f}));
  EXPECT_EQ(row_of(d.y, 50), (std::vector<Scalar>{0, 1, 0}));
  EXPECT_EQ(row_of(d.x, 149), (std::vector<Scalar>{5.9f, 3.0f, 5.1f, 1.8f}));
  EXPECT_EQ(row_of(d.y, 149), (std::vector<Scalar>{0, 0, 1}));
  // 50 of each class: every row one-hot.
  std::vector<Scalar> per_class(3, 0);
  for (std::size_t r = 0; r < 150; ++r) {
    for (std::size_t c = 0; c < 3; ++c) per_class[c] += d.y(r, c);
  }
  EXPECT_EQ(per_class, (std::vector<Scalar>{50, 50, 50}));
}

TEST(Csv, BreastCancerIsBinary) {
  const CsvDataset d = read_csv(kTabular + "breast_cancer.csv", {.targets = {"target"}, .task = Task::kClassification});
  EXPECT_EQ(d.x.rows(), 569u);
  EXPECT_EQ(d.x.cols(), 30u);
  EXPECT_EQ(d.feature_names.front(), "mean_radius");
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"0", "1"}));
  ASSERT_EQ(d.y.cols(), 2u);
  Scalar benign = 0;
  for (std::size_t r = 0; r < d.y.rows(); ++r) benign += d.y(r, 1);
  EXPECT_EQ(benign, 357);  // README: 0 = malignant (212), 1 = benign (357)
  EXPECT_FLOAT_EQ(d.x(0, 0), 17.99f);
  // As regression (one 0/1 column), the same target is a single numeric column.
  const CsvDataset reg = read_csv(kTabular + "breast_cancer.csv", {.targets = {"target"}});
  ASSERT_EQ(reg.y.cols(), 1u);
  EXPECT_EQ(reg.y(0, 0), 0);
  EXPECT_TRUE(reg.class_names.empty());
}

TEST(Csv, CaliforniaMissingValueNamesLineAndColumn) {
  const std::string path = kTabular + "california_housing.csv";
  // Line 292 of the file is the first with an empty total_bedrooms.
  EXPECT_EQ(error_of(path, {.targets = {"median_house_value"}, .categorical = {"ocean_proximity"}}),
            path +
                ": line 292, column 'total_bedrooms': missing value "
                "(to fill it with the column mean or median: impute = \"mean\" or \"median\" in [data], "
                "CsvOptions::impute in C++)");
  // Without `categorical`, the text column stops the reader on the first data row.
  EXPECT_EQ(error_of(path, {.targets = {"median_house_value"}, .impute = Impute::kMean}),
            path +
                ": line 2, column 'ocean_proximity': 'NEAR BAY' is not a number; "
                "if the column holds categories, list it in CsvOptions::categorical");
}

TEST(Csv, CaliforniaImputesTheMeanAndOneHotEncodesProximity) {
  const CsvDataset d =
      read_csv(kTabular + "california_housing.csv",
               {.targets = {"median_house_value"}, .categorical = {"ocean_proximity"}, .impute = Impute::kMean});
  ASSERT_EQ(d.x.rows(), 20640u);
  // 8 numeric features + 5 proximity categories.
  ASSERT_EQ(d.x.cols(), 13u);
  EXPECT_EQ(d.feature_names[4], "total_bedrooms");
  EXPECT_EQ(std::vector<std::string>(d.feature_names.begin() + 8, d.feature_names.end()),
            (std::vector<std::string>{"ocean_proximity=<1H OCEAN", "ocean_proximity=INLAND", "ocean_proximity=ISLAND",
                                      "ocean_proximity=NEAR BAY", "ocean_proximity=NEAR OCEAN"}));
  // Row of line 292 (index 290): total_bedrooms is the mean of the 20,433 present values (numpy: 537.8705525375618).
  EXPECT_FLOAT_EQ(d.x(290, 4), 537.8705525375618f);
  EXPECT_FLOAT_EQ(d.x(290, 3), 1256.0f);
  EXPECT_EQ(row_of(d.x, 290).back(), 0);
  EXPECT_EQ(d.x(290, 11), 1);  // NEAR BAY
  ASSERT_EQ(d.y.cols(), 1u);
  EXPECT_FLOAT_EQ(d.y(0, 0), 452600.0f);
  // Each row has exactly one category set.
  for (std::size_t r = 0; r < d.x.rows(); ++r) {
    Scalar sum = 0;
    for (std::size_t c = 8; c < 13; ++c) sum += d.x(r, c);
    ASSERT_EQ(sum, 1) << "row " << r;
  }
  // The median (numpy: 435.0) with kMedian.
  const CsvDataset m =
      read_csv(kTabular + "california_housing.csv",
               {.targets = {"median_house_value"}, .categorical = {"ocean_proximity"}, .impute = Impute::kMedian});
  EXPECT_EQ(m.x(290, 4), 435.0f);
}

// ---- Parsing ---------------------------------------------------------------------------------

TEST(Csv, QuotingFollowsRfc4180) {
  // A quoted delimiter, a doubled quote, a line break inside quotes, a quoted number, CRLF, no final newline.
  const std::string path = write_temp("quoting",
                                      "\"name, full\",\"x\",y\r\n"
                                      "\"Smith, J\",\"1.5\",a\r\n"
                                      "\"say \"\"hi\"\"\",2,b\r\n"
                                      "\"two\r\nlines\",3,a");
  const CsvDataset d = read_csv(path, {.targets = {"y"}, .categorical = {"name, full"}, .task = Task::kClassification});
  EXPECT_EQ(d.feature_names,
            (std::vector<std::string>{"name, full=Smith, J", "name, full=say \"hi\"", "name, full=two\r\nlines", "x"}));
  EXPECT_EQ(row_of(d.x, 0), (std::vector<Scalar>{1, 0, 0, 1.5f}));
  EXPECT_EQ(row_of(d.x, 1), (std::vector<Scalar>{0, 1, 0, 2}));
  EXPECT_EQ(row_of(d.x, 2), (std::vector<Scalar>{0, 0, 1, 3}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(row_of(d.y, 2), (std::vector<Scalar>{1, 0}));
}

TEST(Csv, LineEndsDoNotChangeTheResult) {
  const std::string lf = write_temp("lf", "a,b\n1,2\n3,4\n");
  const std::string crlf = write_temp("crlf", "a,b\r\n1,2\r\n3,4\r\n");
  const std::string no_final = write_temp("nofinal", "a,b\r\n1,2\r\n3,4");
  const std::string blank_tail = write_temp("blanktail",
                                            "\xEF\xBB\xBF"
                                            "a,b\n1,2\n\n3,4\n\n");  // BOM, blank lines
  for (const std::string& path : {lf, crlf, no_final, blank_tail}) {
    const CsvDataset d = read_csv(path, {.targets = {"b"}});
    ASSERT_EQ(d.x.rows(), 2u) << path;
    EXPECT_EQ(d.feature_names, std::vector<std::string>{"a"}) << path;
    EXPECT_EQ(d.x(1, 0), 3) << path;
    EXPECT_EQ(d.y(1, 0), 4) << path;
  }
}

TEST(Csv, LineNumbersCountLinesInsideQuotesAndBlankLines) {
  // The bad cell is on line 5 of the file: line 2 holds a two-line quoted field, line 4 is blank.
  const std::string path = write_temp("linecount", "a,b\n\"x\ny\",1\n\n1,zz\n");
  EXPECT_EQ(error_of(path, {.features = {"b"}}),
            path +
                ": line 5, column 'b': 'zz' is not a number; "
                "if the column holds categories, list it in CsvOptions::categorical");
}

TEST(Csv, OptionsSelectReorderAndDelimit) {
  const std::string path = write_temp("select", "a;b;c;d\n1;2;3;4\n5;6;7;8\n");
  const CsvDataset d = read_csv(path, {.delimiter = ';', .features = {"c", "a"}, .targets = {"d", "b"}});
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"c", "a"}));
  EXPECT_EQ(row_of(d.x, 1), (std::vector<Scalar>{7, 5}));
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"d", "b"}));
  EXPECT_EQ(row_of(d.y, 1), (std::vector<Scalar>{8, 6}));  // multi-output regression
  // No header: columns are named 1, 2, ...; no targets: y has no columns.
  const std::string bare = write_temp("bare", "1,2\n3,4\n");
  const CsvDataset b = read_csv(bare, {.header = false});
  EXPECT_EQ(b.feature_names, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(b.x.rows(), 2u);
  EXPECT_EQ(b.x(0, 0), 1);
  EXPECT_EQ(b.y.cols(), 0u);
}

TEST(Csv, NumbersAreStrictButAllowSpacesAndPlus) {
  const std::string path = write_temp("numbers", "a,b\n +1.5 ,-2e3\n.25,  7\n");
  const CsvDataset d = read_csv(path);
  EXPECT_EQ(row_of(d.x, 0), (std::vector<Scalar>{1.5f, -2000.0f}));
  EXPECT_EQ(row_of(d.x, 1), (std::vector<Scalar>{0.25f, 7.0f}));
}

// ---- Targets ---------------------------------------------------------------------------------

TEST(Csv, IntegerLabelsSortByValueTextLabelsByText) {
  const std::string ints = write_temp("intlabels", "x,y\n0,10\n1,9\n2,-1\n3,9\n");
  const CsvDataset d = read_csv(ints, {.targets = {"y"}, .task = Task::kClassification});
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"-1", "9", "10"}));
  EXPECT_EQ(row_of(d.y, 0), (std::vector<Scalar>{0, 0, 1}));
  EXPECT_EQ(row_of(d.y, 3), (std::vector<Scalar>{0, 1, 0}));
  const std::string text = write_temp("textlabels", "x,y\n0,virginica\n1,setosa\n2,\"versicolor\"\n");
  const CsvDataset t = read_csv(text, {.targets = {"y"}, .task = Task::kClassification});
  EXPECT_EQ(t.class_names, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(row_of(t.y, 0), (std::vector<Scalar>{0, 0, 1}));
  EXPECT_EQ(row_of(t.y, 2), (std::vector<Scalar>{0, 1, 0}));
}

TEST(Csv, SeveralClassificationTargetsAreMultilabel) {
  const std::string path = write_temp("multilabel", "x,cat,dog\n1,1,0\n2,1,1\n3,0,0\n");
  const CsvDataset d = read_csv(path, {.targets = {"cat", "dog"}, .task = Task::kClassification});
  ASSERT_EQ(d.y.cols(), 2u);
  EXPECT_EQ(row_of(d.y, 0), (std::vector<Scalar>{1, 0}));
  EXPECT_EQ(row_of(d.y, 1), (std::vector<Scalar>{1, 1}));
  EXPECT_EQ(row_of(d.y, 2), (std::vector<Scalar>{0, 0}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"cat", "dog"}));
  const std::string bad = write_temp("multilabel_bad", "x,cat,dog\n1,1,0\n2,2,1\n");
  EXPECT_EQ(error_of(bad, {.targets = {"cat", "dog"}, .task = Task::kClassification}),
            bad + ": line 3, column 'cat': multilabel target '2' is not 0 or 1");
}

// ---- Imputation ------------------------------------------------------------------------------

TEST(Csv, MedianAndMeanImputationByHand) {
  // Column a: present 1, 4, 10, 3 (missing as empty, NA, ?); median = (3 + 4) / 2 = 3.5, mean = 4.5.
  // Column b: present 5, 1, 9, 1, 9 (missing as NaN, n/a); median 5, mean 5.
  const std::string path = write_temp("impute", "a,b,y\n1,5,0\n,NaN,0\n4,1,0\nNA,n/a,0\n10,9,0\n?,1,0\n3,9,0\n");
  const CsvDataset med = read_csv(path, {.targets = {"y"}, .impute = Impute::kMedian});
  EXPECT_EQ(med.x(1, 0), 3.5f);
  EXPECT_EQ(med.x(3, 0), 3.5f);
  EXPECT_EQ(med.x(5, 0), 3.5f);
  EXPECT_EQ(med.x(1, 1), 5.0f);
  EXPECT_EQ(med.x(3, 1), 5.0f);
  EXPECT_EQ(med.x(0, 0), 1.0f);  // present values untouched
  const CsvDataset mean = read_csv(path, {.targets = {"y"}, .impute = Impute::kMean});
  EXPECT_EQ(mean.x(1, 0), 4.5f);
  EXPECT_EQ(mean.x(3, 1), 5.0f);
  // An odd count: the middle value (the blank line is skipped, not a missing value).
  const std::string odd = write_temp("impute_odd", "a\n7\n\n1\nNA\n100\n");
  EXPECT_EQ(read_csv(odd, {.impute = Impute::kMedian}).x(2, 0), 7.0f);
}

// ---- Errors, each message in full ------------------------------------------------------------

TEST(Csv, FileErrors) {
  const std::string missing = (fs::temp_directory_path() / "mlp_test_csv_does_not_exist.csv").string();
  EXPECT_EQ(error_of(missing), missing + ": cannot open file (No such file or directory)");
  const std::string empty = write_temp("empty", "");
  EXPECT_EQ(error_of(empty), empty + ": empty file (expected a header row)");
  const std::string blank = write_temp("blank", "\r\n\n");
  EXPECT_EQ(error_of(blank), blank + ": empty file (expected a header row)");
  const std::string header_only = write_temp("header_only", "a,b\n");
  EXPECT_EQ(error_of(header_only), header_only + ": no data rows after the header");
  const std::string duplicate = write_temp("duplicate", "a,b,a\n1,2,3\n");
  EXPECT_EQ(error_of(duplicate), duplicate + ": line 1: column name 'a' appears twice in the header");
}

TEST(Csv, FieldCountErrors) {
  const std::string many = write_temp("many", "a,b\n1,2\n1,2,3\n");
  EXPECT_EQ(error_of(many), many + ": line 3: has 3 fields, the header has 2");
  const std::string few = write_temp("few", "a,b\r\n1,2\r\n3\r\n");
  EXPECT_EQ(error_of(few), few + ": line 3: has 1 fields, the header has 2");
  const std::string bare = write_temp("few_bare", "1,2\n3\n");
  EXPECT_EQ(error_of(bare, {.header = false}), bare + ": line 2: has 1 fields, the first row has 2");
}

TEST(Csv, QuotingErrors) {
  const std::string open = write_temp("unterminated", "a,b\n1,\"2\n3,4\n");
  EXPECT_EQ(error_of(open), open + ": line 2: unterminated quoted field (the closing \" is missing)");
  const std::string after = write_temp("after_quote", "a,b\n1,\"2\"x\n");
  EXPECT_EQ(
      error_of(after),
      after +
          ": line 2: unexpected character 'x' after a closing quote (a quote inside a quoted field is written \"\")");
  const std::string inside = write_temp("inside", "a,b\n1,2\"3\n");
  EXPECT_EQ(
      error_of(inside),
      inside + ": line 2: quote inside an unquoted field (quote the whole field and double the quote: \"a\"\"b\")");
  EXPECT_EQ(error_of(inside, {.delimiter = '"'}), inside + ": the delimiter cannot be a quote or a line break");
}

TEST(Csv, ColumnNameErrors) {
  const std::string path = write_temp("columns", "a,b,c\n1,2,3\n");
  EXPECT_EQ(error_of(path, {.targets = {"z"}}), path + ": no column 'z' (named in targets); the columns are: a, b, c");
  EXPECT_EQ(error_of(path, {.features = {"a", "y"}}),
            path + ": no column 'y' (named in features); the columns are: a, b, c");
  EXPECT_EQ(error_of(path, {.categorical = {"q"}}),
            path + ": no column 'q' (named in categorical); the columns are: a, b, c");
  EXPECT_EQ(error_of(path, {.features = {"a", "a"}}), path + ": column 'a' is named twice in features");
  EXPECT_EQ(error_of(path, {.features = {"a", "c"}, .targets = {"c"}}),
            path + ": column 'c' is named both as a feature and as a target");
  EXPECT_EQ(error_of(path, {.targets = {"c"}, .categorical = {"c"}}),
            path + ": column 'c' is a target and cannot be categorical (text labels need Task::kClassification)");
  EXPECT_EQ(error_of(path, {.features = {"a"}, .categorical = {"b"}}),
            path + ": categorical column 'b' is not among the features");
  EXPECT_EQ(error_of(path, {.task = Task::kClassification}),
            path + ": classification needs a target column (CsvOptions::targets)");
}

TEST(Csv, NumberErrorsNameLineAndColumn) {
  const auto error_for = [](const std::string& name, const std::string& cell) {
    const std::string path = write_temp(name, "a,value\n1,2\n3," + cell + "\n");
    return std::pair{path, error_of(path)};
  };
  auto [junk_path, junk] = error_for("junk", "1.5abc");
  EXPECT_EQ(junk, junk_path + ": line 3, column 'value': '1.5abc' is not a number");
  auto [text_path, text] = error_for("text", "red");
  EXPECT_EQ(text, text_path +
                      ": line 3, column 'value': 'red' is not a number; "
                      "if the column holds categories, list it in CsvOptions::categorical");
  auto [inf_path, inf] = error_for("inf", "inf");
  EXPECT_EQ(inf, inf_path +
                     ": line 3, column 'value': 'inf' is not a finite number "
                     "(write a missing value as an empty field, NA or ?)");
  auto [minus_inf_path, minus_inf] = error_for("minus_inf", "-Infinity");
  EXPECT_EQ(minus_inf, minus_inf_path +
                           ": line 3, column 'value': '-Infinity' is not a finite number "
                           "(write a missing value as an empty field, NA or ?)");
  auto [big_path, big] = error_for("big", "1e999");
  EXPECT_EQ(big, big_path + ": line 3, column 'value': '1e999' is out of range");
  auto [hex_path, hex] = error_for("hex", "0x10");
  EXPECT_EQ(hex, hex_path + ": line 3, column 'value': '0x10' is not a number");
  // A text regression target suggests classification.
  const std::string label = write_temp("text_target", "a,y\n1,cat\n");
  EXPECT_EQ(
      error_of(label, {.targets = {"y"}}),
      label + ": line 2, column 'y': 'cat' is not a number; for text labels use CsvOptions::Task::kClassification");
}

TEST(Csv, MissingValueErrors) {
  const std::string path = write_temp("missing", "a,b,y\n1,2,3\n4,NA,6\n");
  EXPECT_EQ(error_of(path, {.targets = {"y"}}),
            path +
                ": line 3, column 'b': missing value (to fill it with the column mean or median: impute = \"mean\" or "
                "\"median\" in [data], CsvOptions::impute in C++)");
  const std::string target = write_temp("missing_target", "a,y\n1,\n");
  EXPECT_EQ(error_of(target, {.targets = {"y"}, .impute = Impute::kMean}),
            target + ": line 2, column 'y': missing target value");
  const std::string category = write_temp("missing_category", "a,c\n1,red\n2,?\n");
  EXPECT_EQ(error_of(category, {.categorical = {"c"}, .impute = Impute::kMedian}),
            category + ": line 3, column 'c': missing value (categorical columns are never imputed)");
  const std::string all = write_temp("all_missing", "a,b\n1,\n2,NA\n");
  EXPECT_EQ(error_of(all, {.impute = Impute::kMean}),
            all + ": column 'b': every value is missing, nothing to impute from");
}

// ---- Encoding: learned from a training file, applied unchanged to later files -----------------

// The california file cut into a training file (its first `rows` data rows) and a second file (the
// rest), each with the header.
std::pair<std::string, std::string> split_california(std::size_t rows) {
  std::ifstream in(kTabular + "california_housing.csv", std::ios::binary);
  std::string header, line, train, rest;
  std::getline(in, header);
  for (std::size_t r = 0; std::getline(in, line); ++r) (r < rows ? train : rest) += line + "\n";
  const std::string tag = std::to_string(rows);
  return {write_temp("california_train_" + tag, header + "\n" + train),
          write_temp("california_rest_" + tag, header + "\n" + rest)};
}

const CsvOptions kCalifornia = {
    .targets = {"median_house_value"}, .categorical = {"ocean_proximity"}, .impute = Impute::kMean};

TEST(CsvEncoding, LearnedFromTheFile) {
  const std::string path = write_temp("enc_learn", "size,color,y\n1,red,cat\n,blue,dog\n3,green,cat\n");
  const CsvDataset d = read_csv(
      path, {.targets = {"y"}, .categorical = {"color"}, .impute = Impute::kMedian, .task = Task::kClassification});
  EXPECT_EQ(d.encoding.features, (std::vector<std::string>{"size", "color"}));
  EXPECT_EQ(d.encoding.categories,
            (std::map<std::string, std::vector<std::string>>{{"color", {"blue", "green", "red"}}}));
  EXPECT_EQ(d.encoding.fill_values, (std::map<std::string, double>{{"size", 2.0}}));
  EXPECT_EQ(d.encoding.class_names, (std::vector<std::string>{"cat", "dog"}));
  // Every numeric feature gets a fill value when imputing, even one with nothing missing; none without.
  const std::string full = write_temp("enc_full", "a,b\n1,2\n3,6\n");
  EXPECT_EQ(read_csv(full, {.impute = Impute::kMean}).encoding.fill_values,
            (std::map<std::string, double>{{"a", 2.0}, {"b", 4.0}}));
  EXPECT_TRUE(read_csv(full).encoding.fill_values.empty());
  // Regression: no class names; multilabel: the target columns.
  EXPECT_TRUE(read_csv(full, {.targets = {"b"}}).encoding.class_names.empty());
  const std::string multi = write_temp("enc_multi", "x,cat,dog\n1,1,0\n");
  EXPECT_EQ(read_csv(multi, {.targets = {"cat", "dog"}, .task = Task::kClassification}).encoding.class_names,
            (std::vector<std::string>{"cat", "dog"}));
}

TEST(CsvEncoding, SecondFileGetsTheTrainingLayout) {
  const std::string train = write_temp("enc_train", "size,color,y\n1,red,cat\n2,blue,dog\n3,green,cat\n");
  const CsvOptions options = {.targets = {"y"}, .categorical = {"color"}, .task = Task::kClassification};
  const CsvDataset t = read_csv(train, options);
  // Columns in another order, an extra column, only two of the three colors (red first), one class.
  const std::string second = write_temp("enc_second", "y,color,extra,size\ndog,red,x,10\ndog,blue,y,20\n");
  // On its own the second file would encode differently: two color columns, one class.
  const CsvDataset alone = read_csv(
      second,
      {.features = {"size", "color"}, .targets = {"y"}, .categorical = {"color"}, .task = Task::kClassification});
  EXPECT_EQ(alone.x.cols(), 3u);
  EXPECT_EQ(alone.y.cols(), 1u);
  CsvOptions with = options;
  with.encoding = t.encoding;
  const CsvDataset d = read_csv(second, with);
  EXPECT_EQ(d.feature_names, t.feature_names);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"size", "color=blue", "color=green", "color=red"}));
  EXPECT_EQ(row_of(d.x, 0), (std::vector<Scalar>{10, 0, 0, 1}));
  EXPECT_EQ(row_of(d.x, 1), (std::vector<Scalar>{20, 1, 0, 0}));
  EXPECT_EQ(d.class_names, t.class_names);
  EXPECT_EQ(row_of(d.y, 0), (std::vector<Scalar>{0, 1}));  // dog is class 1, as in training
  EXPECT_EQ(d.encoding, t.encoding);
  // features/categorical may be left out: the encoding names them.
  const CsvDataset bare = read_csv(second, {.targets = {"y"}, .task = Task::kClassification, .encoding = t.encoding});
  EXPECT_EQ(row_of(bare.x, 1), row_of(d.x, 1));
}

TEST(CsvEncoding, IntegerLabelsMatchByValue) {
  const std::string train = write_temp("enc_ints", "x,y\n0,10\n1,9\n2,-1\n");
  const CsvDataset t = read_csv(train, {.targets = {"y"}, .task = Task::kClassification});
  ASSERT_EQ(t.class_names, (std::vector<std::string>{"-1", "9", "10"}));
  const std::string second = write_temp("enc_ints2", "x,y\n5,09\n6, 10\n7,-1\n");
  const CsvDataset d = read_csv(second, {.targets = {"y"}, .task = Task::kClassification, .encoding = t.encoding});
  EXPECT_EQ(row_of(d.y, 0), (std::vector<Scalar>{0, 1, 0}));
  EXPECT_EQ(row_of(d.y, 1), (std::vector<Scalar>{0, 0, 1}));
  EXPECT_EQ(row_of(d.y, 2), (std::vector<Scalar>{1, 0, 0}));
  const std::string unseen = write_temp("enc_ints3", "x,y\n5,9\n6,3\n");
  EXPECT_EQ(error_of(unseen, {.targets = {"y"}, .task = Task::kClassification, .encoding = t.encoding}),
            unseen + ": line 3, column 'y': label '3' is not one of the encoding's classes: '-1', '9', '10'");
}

TEST(CsvEncoding, ImputesWithTheTrainingFillValue) {
  // Training: a = 1, 3 (mean 2, median 2), b = 0, 0, 9 (mean 3, median 0); nothing missing.
  const std::string train = write_temp("enc_fill", "a,b\n1,0\n3,0\n,9\n");
  const CsvDataset mean = read_csv(train, {.impute = Impute::kMean});
  const CsvDataset median = read_csv(train, {.impute = Impute::kMedian});
  // Second file: its own means would be 100 and 50.
  const std::string second = write_temp("enc_fill2", "b,a\n50,NA\n?,100\n");
  const CsvDataset m = read_csv(second, {.impute = Impute::kMean, .encoding = mean.encoding});
  EXPECT_EQ(row_of(m.x, 0), (std::vector<Scalar>{2, 50}));
  EXPECT_EQ(row_of(m.x, 1), (std::vector<Scalar>{100, 3}));
  const CsvDataset md = read_csv(second, {.impute = Impute::kMean, .encoding = median.encoding});
  EXPECT_EQ(row_of(md.x, 1), (std::vector<Scalar>{100, 0}));
  // impute = kNone still refuses missing values; an encoding learned without imputation has no fill values.
  EXPECT_EQ(error_of(second, {.encoding = mean.encoding}),
            second +
                ": line 2, column 'a': missing value "
                "(to fill it with the column mean or median: impute = \"mean\" or \"median\" in [data], "
                "CsvOptions::impute in C++)");
  const CsvDataset none = read_csv(write_temp("enc_nofill", "a,b\n1,2\n"));
  EXPECT_EQ(error_of(second, {.impute = Impute::kMean, .encoding = none.encoding}),
            second +
                ": line 2, column 'a': missing value, and CsvOptions::encoding has no fill value for this "
                "column (it was learned with CsvOptions::impute = kNone)");
}

TEST(CsvEncoding, PredictionInputHasNoTargets) {
  const std::string train = write_temp("enc_pred", "x,c,y\n1,u,b\n2,v,a\n");
  const CsvDataset t = read_csv(train, {.targets = {"y"}, .categorical = {"c"}, .task = Task::kClassification});
  const std::string input = write_temp("enc_pred2", "c,x\nv,7\n");
  const CsvDataset d = read_csv(input, {.task = Task::kClassification, .encoding = t.encoding});
  EXPECT_EQ(row_of(d.x, 0), (std::vector<Scalar>{7, 0, 1}));
  EXPECT_EQ(d.y.rows(), 1u);
  EXPECT_EQ(d.y.cols(), 0u);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"a", "b"}));  // to name the predicted classes
}

TEST(CsvEncoding, Errors) {
  const std::string train = write_temp("enc_err", "n,color,y\n1,red,cat\n2,blue,dog\n");
  const CsvOptions options = {.targets = {"y"}, .categorical = {"color"}, .task = Task::kClassification};
  CsvOptions with = options;
  with.encoding = read_csv(train, options).encoding;
  const std::string category = write_temp("enc_err_cat", "n,color,y\n1,red,cat\n2,Red,dog\n");
  EXPECT_EQ(error_of(category, with),
            category +
                ": line 3, column 'color': 'Red' is not one of the encoding's categories for this column: "
                "'blue', 'red'");
  const std::string label = write_temp("enc_err_label", "n,color,y\n1,red,cow\n");
  EXPECT_EQ(error_of(label, with),
            label + ": line 2, column 'y': label 'cow' is not one of the encoding's classes: 'cat', 'dog'");
  const std::string column = write_temp("enc_err_column", "color,y,m\nred,cat,1\n");
  EXPECT_EQ(error_of(column, with),
            column + ": no column 'n' (named in the encoding's features); the columns are: color, y, m");
  // Options that contradict the encoding.
  CsvOptions other_features = with;
  other_features.features = {"color", "n"};
  EXPECT_EQ(error_of(train, other_features),
            train +
                ": CsvOptions::features (color, n) differ from the encoding's (n, color); "
                "leave them empty to use the encoding's");
  CsvOptions other_categorical = with;
  other_categorical.categorical = {"n"};
  EXPECT_EQ(error_of(train, other_categorical),
            train +
                ": CsvOptions::categorical (n) differs from the encoding's categorical columns (color); "
                "leave it empty to use the encoding's");
  CsvOptions as_target = with;
  as_target.targets = {"n"};
  EXPECT_EQ(error_of(train, as_target),
            train + ": column 'n' is named both as a feature (in the encoding) and as a target");
  CsvOptions no_classes = with;
  no_classes.encoding->class_names.clear();
  EXPECT_EQ(error_of(train, no_classes),
            train +
                ": CsvOptions::encoding has no class names (it was not learned for classification with one "
                "target)");
  CsvOptions multilabel = with;
  multilabel.targets = {"y", "n"};
  multilabel.encoding->features = {"color"};
  EXPECT_EQ(error_of(train, multilabel),
            train + ": the targets (y, n) differ from the encoding's class names (cat, dog)");
  // An inconsistent encoding built by hand.
  CsvOptions bad = with;
  bad.encoding->fill_values["color"] = 1;
  EXPECT_EQ(error_of(train, bad), train +
                                      ": CsvOptions::encoding: 'fill_values' names column 'color', which is "
                                      "categorical (categorical columns are never imputed)");
}

TEST(CsvEncoding, CaliforniaSplitKeepsTheTrainingEncoding) {
  // Training: the first 10,000 rows (all five proximities, 100 missing total_bedrooms, whose mean is
  // 516.5390909090909); the rest has no ISLAND and its own total_bedrooms mean is 557.92.
  const auto [train_path, rest_path] = split_california(10000);
  const CsvDataset train = read_csv(train_path, kCalifornia);
  ASSERT_EQ(train.x.rows(), 10000u);
  EXPECT_DOUBLE_EQ(train.encoding.fill_values.at("total_bedrooms"), 516.5390909090909);
  EXPECT_EQ(train.encoding.fill_values.size(), 8u);
  const CsvDataset alone = read_csv(rest_path, kCalifornia);
  EXPECT_EQ(alone.x.cols(), 12u);  // on its own: four proximity columns
  CsvOptions with = kCalifornia;
  with.encoding = train.encoding;
  const CsvDataset rest = read_csv(rest_path, with);
  ASSERT_EQ(rest.x.rows(), 10640u);
  EXPECT_EQ(rest.feature_names, train.feature_names);
  ASSERT_EQ(rest.x.cols(), 13u);
  // Row 33 of the rest (original line 10035: INLAND, total_bedrooms missing).
  EXPECT_FLOAT_EQ(rest.x(33, 4), 516.5390909090909f);
  EXPECT_FLOAT_EQ(rest.x(33, 3), 2188.0f);
  EXPECT_EQ(std::vector<Scalar>(rest.x.row(33) + 8, rest.x.row(33) + 13), (std::vector<Scalar>{0, 1, 0, 0, 0}));
  for (std::size_t r = 0; r < rest.x.rows(); ++r) ASSERT_EQ(rest.x(r, 10), 0) << "row " << r;  // no ISLAND
  EXPECT_EQ(rest.y.cols(), 1u);
  // Through JSON, as a saved model would keep it: the same x.
  CsvOptions from_json = kCalifornia;
  from_json.encoding = csv_encoding_from_json(nlohmann::json::parse(to_json(train.encoding).dump()), "enc.json");
  EXPECT_EQ(*from_json.encoding, train.encoding);
  const CsvDataset again = read_csv(rest_path, from_json);
  EXPECT_TRUE(std::equal(again.x.data(), again.x.data() + again.x.size(), rest.x.data()));
  // Trained on the first 8,000 rows (no ISLAND), the rest's ISLAND rows (original line 8316) are an error.
  const auto [small_train, small_rest] = split_california(8000);
  CsvOptions small = kCalifornia;
  small.encoding = read_csv(small_train, kCalifornia).encoding;
  EXPECT_EQ(error_of(small_rest, small),
            small_rest +
                ": line 316, column 'ocean_proximity': 'ISLAND' is not one of the encoding's categories "
                "for this column: '<1H OCEAN', 'INLAND', 'NEAR BAY', 'NEAR OCEAN'");
}

// ---- Encoding as JSON ------------------------------------------------------------------------

std::string json_error_of(const std::string& text) {
  try {
    csv_encoding_from_json(nlohmann::json::parse(text), "model.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(CsvEncoding, JsonRoundTrip) {
  const CsvEncoding encoding = {.features = {"size", "color"},
                                .categories = {{"color", {"red", "blue"}}},
                                .fill_values = {{"size", 0.1}},
                                .class_names = {"10", "9"}};
  const nlohmann::json json = to_json(encoding);
  EXPECT_EQ(json.dump(), R"({"categories":{"color":["red","blue"]},"class_names":["10","9"],)"
                         R"("features":["size","color"],"fill_values":{"size":0.1}})");
  EXPECT_EQ(csv_encoding_from_json(nlohmann::json::parse(json.dump()), "model.json"), encoding);
  const CsvEncoding empty;
  EXPECT_EQ(to_json(empty).dump(), R"({"categories":{},"class_names":[],"features":[],"fill_values":{}})");
  EXPECT_EQ(csv_encoding_from_json(to_json(empty), "model.json"), empty);
  // Integer fill values are numbers too.
  EXPECT_EQ(csv_encoding_from_json(
                nlohmann::json::parse(R"({"features":["a"],"categories":{},"fill_values":{"a":3},"class_names":[]})"),
                "model.json")
                .fill_values.at("a"),
            3.0);
}

TEST(CsvEncoding, JsonErrorsNameTheKey) {
  const std::string valid_rest = R"("categories":{},"fill_values":{},"class_names":[])";
  EXPECT_EQ(json_error_of("[]"), "model.json: CSV encoding: expected a JSON object, not an array");
  EXPECT_EQ(json_error_of(R"({"features":[],)" + valid_rest + R"(,"target":"y"})"),
            "model.json: CSV encoding: unknown key 'target' (the keys are features, categories, fill_values, "
            "class_names)");
  EXPECT_EQ(json_error_of(R"({"features":[],"categories":{},"fill_values":{}})"),
            "model.json: CSV encoding: missing key 'class_names'");
  EXPECT_EQ(json_error_of(R"({"features":"a",)" + valid_rest + "}"),
            "model.json: CSV encoding: 'features' must be an array of strings, not a string");
  EXPECT_EQ(json_error_of(R"({"features":["a",1],)" + valid_rest + "}"),
            "model.json: CSV encoding: 'features[1]' must be a string, not a number");
  EXPECT_EQ(json_error_of(R"({"features":["c"],"categories":[],"fill_values":{},"class_names":[]})"),
            "model.json: CSV encoding: 'categories' must be an object (column: array of strings), not an array");
  EXPECT_EQ(json_error_of(R"({"features":["c"],"categories":{"c":["x",null]},"fill_values":{},"class_names":[]})"),
            "model.json: CSV encoding: 'categories.c[1]' must be a string, not null");
  EXPECT_EQ(json_error_of(R"({"features":["a"],"categories":{},"fill_values":{"a":"1"},"class_names":[]})"),
            "model.json: CSV encoding: 'fill_values.a' must be a number, not a string");
  EXPECT_EQ(json_error_of(R"({"features":["a"],"categories":{},"fill_values":{"a":true},"class_names":[]})"),
            "model.json: CSV encoding: 'fill_values.a' must be a number, not a boolean");
  EXPECT_EQ(json_error_of(R"({"features":[],"categories":{},"fill_values":{},"class_names":{}})"),
            "model.json: CSV encoding: 'class_names' must be an array of strings, not an object");
  // Well-typed but inconsistent.
  EXPECT_EQ(json_error_of(R"({"features":["a","a"],)" + valid_rest + "}"),
            "model.json: CSV encoding: 'features' names 'a' twice");
  EXPECT_EQ(json_error_of(R"({"features":["a"],"categories":{"c":["x"]},"fill_values":{},"class_names":[]})"),
            "model.json: CSV encoding: 'categories' names column 'c', which is not in 'features'");
  EXPECT_EQ(json_error_of(R"({"features":["c"],"categories":{"c":[]},"fill_values":{},"class_names":[]})"),
            "model.json: CSV encoding: 'categories.c' is empty");
  EXPECT_EQ(json_error_of(R"({"features":["c"],"categories":{"c":["x","x"]},"fill_values":{},"class_names":[]})"),
            "model.json: CSV encoding: 'categories.c' names 'x' twice");
  EXPECT_EQ(json_error_of(R"({"features":["a"],"categories":{},"fill_values":{"b":1},"class_names":[]})"),
            "model.json: CSV encoding: 'fill_values' names column 'b', which is not in 'features'");
  EXPECT_EQ(json_error_of(R"({"features":["a"],"categories":{},"fill_values":{"a":1e300},"class_names":[]})"),
            "model.json: CSV encoding: 'fill_values.a' is not a finite number in Scalar's range");
  EXPECT_EQ(json_error_of(R"({"features":[],"categories":{},"fill_values":{},"class_names":["x","x"]})"),
            "model.json: CSV encoding: 'class_names' names 'x' twice");
}

// ---- Writing ---------------------------------------------------------------------------------

TEST(Csv, FieldIsWrittenAsItIsWhenNothingNeedsQuoting) {
  EXPECT_EQ(csv_field("loss"), "loss");
  EXPECT_EQ(csv_field("0.30000000000000004"), "0.30000000000000004");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field(" spaces\tand 'single' quotes "), " spaces\tand 'single' quotes ");
  EXPECT_EQ(csv_field("a;b|c\td"), "a;b|c\td");  // other separators than the one in use
}

TEST(Csv, FieldWithSeparatorQuoteOrLineBreakIsQuoted) {
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field(","), "\",\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");  // quotes doubled
  EXPECT_EQ(csv_field("\""), "\"\"\"\"");
  EXPECT_EQ(csv_field("cr\ronly"), "\"cr\ronly\"");
  EXPECT_EQ(csv_field("lf\nonly"), "\"lf\nonly\"");
  EXPECT_EQ(csv_field("two\r\nlines"), "\"two\r\nlines\"");
  EXPECT_EQ(csv_field("a,\"b\"\n"), "\"a,\"\"b\"\"\n\"");
}

TEST(Csv, FieldQuotingFollowsTheSeparatorInUse) {
  EXPECT_EQ(csv_field("a;b", ';'), "\"a;b\"");
  EXPECT_EQ(csv_field("a,b", ';'), "a,b");
  EXPECT_EQ(csv_field("a\tb", '\t'), "\"a\tb\"");
  EXPECT_EQ(csv_field("a\"b", ';'), "\"a\"\"b\"");
  EXPECT_EQ(csv_field("a\nb", '\t'), "\"a\nb\"");
}

TEST(Csv, WrittenFieldsReadBackUnchanged) {
  const std::vector<std::string> names = {"a;b", "say \"hi\"", "two\r\nlines", "cr\ronly", "lf\nonly", "plain, comma",
                                          ""};
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += ';';
    text += csv_field(names[i], ';');
  }
  text += "\r\n1;2;3;4;5;6;7\r\n";
  const CsvDataset d = parse_csv(text, "written.csv", {.delimiter = ';'});
  EXPECT_EQ(d.feature_names, names);
  EXPECT_EQ(row_of(d.x, 0), (std::vector<Scalar>{1, 2, 3, 4, 5, 6, 7}));
}

}  // namespace
}  // namespace mlp
