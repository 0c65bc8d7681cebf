// SPDX-License-Identifier: MIT
// onnx_options_from_extra (src/interop/onnx_options.cpp): the preprocessing of a model file's
// "extra" metadata as the exported graph's first and last ops. End to end on a Wide & Deep graph
// like examples/housing_wide_deep.toml (two CSV inputs reading overlapping columns, standardised,
// targets divided by 100,000, two outputs): trained, saved with the metadata `mlp train` writes,
// loaded, exported, run in OpenCV on the raw encoded CSV columns and compared with predict on
// the same rows read as `mlp predict` reads them. Then the metadata errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mlp/data/preprocessing.hpp"
#include "mlp/interop/onnx.hpp"
#include "mlp/io/csv.hpp"
#include "mlp/mlp.hpp"
#include "mlp/model_file.hpp"
#include "onnx_runtime.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {
using test::OnnxTensor;

std::vector<std::size_t> columns_of(const CsvDataset& data, const std::vector<std::string>& names) {
  std::vector<std::size_t> out;
  for (const std::string& n : names) {
    out.push_back(static_cast<std::size_t>(std::find(data.feature_names.begin(), data.feature_names.end(), n) -
                                           data.feature_names.begin()));
  }
  return out;
}

Matrix select(const Matrix& x, const std::vector<std::size_t>& columns) {
  Matrix out(x.rows(), columns.size());
  for (std::size_t r = 0; r < x.rows(); ++r) {
    for (std::size_t j = 0; j < columns.size(); ++j) out.row(r)[j] = x.row(r)[columns[j]];
  }
  return out;
}

TEST(OnnxOptions, WideAndDeepOnHousingMatchesPredictWithItsPreprocessingInTheGraph) {
  CsvOptions csv{
      .targets = {"median_house_value"}, .categorical = {"ocean_proximity"}, .impute = CsvOptions::Impute::kMedian};
  const CsvDataset data = read_csv(std::string(MLP_TEST_DATA_DIR) + "/tabular/california_housing.csv", csv);
  const auto wide_cols =
      columns_of(data, {"median_income", "housing_median_age", "total_rooms", "total_bedrooms", "population"});
  const auto deep_cols =
      columns_of(data, {"total_rooms", "total_bedrooms", "population", "households", "latitude", "longitude"});
  ASSERT_LT(wide_cols.back(), data.x.cols());
  ASSERT_LT(deep_cols.back(), data.x.cols());

  Preprocessing p{.divide_by = 1, .mean = {}, .stddev = {}, .target_divide_by = 100000};
  p.fit_standardize(data.x);
  Matrix x = data.x, y = data.y;
  p.apply(x);
  p.apply_to_targets(y);

  Model model({.name = "wide_deep", .seed = 1});
  const Node wide = model.input({5}, "wide_input"), deep = model.input({6}, "deep_input");
  const Node h1 = model.add(Dense({.units = 30, .activation = "relu"}), {deep}, "hidden1");
  const Node h2 = model.add(Dense({.units = 30, .activation = "relu"}), {h1}, "hidden2");
  const Node concat = model.add(Concatenate(), {wide, h2}, "concat");
  const Node out = model.add(Dense({.units = 1}), {concat}, "output");
  const Node aux = model.add(Dense({.units = 1}), {h2}, "aux_output");
  model.set_outputs({out, aux});
  model.compile({.optimizer = std::make_unique<Adam>(), .loss = {.name = "mse"}});
  const Matrix xw = select(x, wide_cols), xd = select(x, deep_cols);
  model.fit({xw, xd}, {y, y}, {.batch_size = 32, .epochs = 2});

  const nlohmann::json extra = {
      {"input",
       {{"kind", "csv"},
        {"model_inputs",
         {{{"name", "wide_input"}, {"features", wide_cols}}, {{"name", "deep_input"}, {"features", deep_cols}}}}}},
      {"labels", {{"task", "regression"}, {"class_names", nlohmann::json::array()}, {"format", "value"}}},
      {"preprocessing", p.to_json()}};
  const std::string path = testing::TempDir() + "/mlp_onnx_wide_deep.safetensors";
  save_model(path, model, extra);
  const SavedModel saved = load_model(path);

  // mlp predict: the saved preprocessing over all columns, each input its columns, targets × 100,000.
  const std::size_t rows = 1000;
  Matrix raw(rows, data.x.cols());
  copy(data.x.view().row_range(0, rows), raw.view());
  Matrix scaled = raw;
  Preprocessing::from_json(ConfigObject(saved.extra.at("preprocessing"), "preprocessing")).apply(scaled);
  std::vector<Matrix> expected = saved.model->predict({select(scaled, wide_cols), select(scaled, deep_cols)});
  for (Matrix& e : expected) p.restore_targets(e);

  const OnnxExportOptions options = onnx_options_from_extra(*saved.model, saved.extra);
  EXPECT_EQ(options.output_scale, 100000);
  EXPECT_EQ(options.metadata.at("task"), "regression");
  const std::string bytes = onnx_model_bytes(*saved.model, options);
  // Relative to max(1, |y|): the outputs are house values of order 10^5, whose float32 ulp is ~0.01.
  const double d = test::opencv_difference(
      "wide_deep_housing", bytes,
      {{"wide_input", {5}, select(raw, wide_cols)}, {"deep_input", {6}, select(raw, deep_cols)}},
      {{"output", {1}, expected[0]}, {"aux_output", {1}, expected[1]}}, 1e-5, /*relative=*/true);
  std::printf("[ onnx ] %-28s OpenCV max relative difference %.3g over %zu rows\n", "wide_deep_housing", d, rows);
  EXPECT_LE(d, 1e-5);
  const onnx::ModelProto proto = test::checked_onnx(bytes);
  const auto ops = test::op_types(proto);
  EXPECT_EQ(std::vector<std::string>(ops.begin(), ops.begin() + 4),
            (std::vector<std::string>{"Mul", "Sub", "Mul", "Sub"}));
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Mul"), 4);  // two inputs' scales, two outputs' × 100,000
  ASSERT_EQ(proto.graph().output_size(), 2);
  EXPECT_EQ(proto.graph().output(1).name(), "aux_output");

  // Without the preprocessing: the caller standardises and selects, and scales the outputs back.
  std::vector<Matrix> unscaled = saved.model->predict({select(scaled, wide_cols), select(scaled, deep_cols)});
  const auto got =
      test::run_opencv(onnx_model_bytes(*saved.model),
                       {{"wide_input", {5}, select(scaled, wide_cols)}, {"deep_input", {6}, select(scaled, deep_cols)}},
                       {"output", "aux_output"});
  ASSERT_EQ(got.size(), 2u);
  const double plain = std::max(test::max_difference(got[0], unscaled[0]), test::max_difference(got[1], unscaled[1]));
  std::printf("[ onnx ] %-28s OpenCV max |difference| %.3g (no preprocessing in the graph)\n", "wide_deep_housing",
              plain);
  EXPECT_LE(plain, 1e-5);
}

TEST(OnnxOptions, ImagePixelsAndModelsWithoutPreprocessing) {
  Sequential model;
  model.add<InputLayer>({.shape = {2, 2}});
  model.add<Flatten>({});
  model.add<Dense>({.units = 2, .activation = "softmax"});
  model.build({2, 2});
  const OnnxExportOptions none = onnx_options_from_extra(model, nlohmann::json::object());
  EXPECT_TRUE(none.input_scaling.empty());
  EXPECT_EQ(none.output_scale, 1);
  const OnnxExportOptions pixels = onnx_options_from_extra(
      model,
      {{"preprocessing", {{"divide_by", 255}}}, {"labels", {{"task", "classification"}, {"class_names", {"a", "b"}}}}});
  ASSERT_EQ(pixels.input_scaling.size(), 1u);
  EXPECT_EQ(pixels.input_scaling[0].scale, std::vector<Scalar>(4, static_cast<Scalar>(1.0 / 255)));
  EXPECT_EQ(pixels.metadata.at("class_names"), R"(["a","b"])");
  const auto ops = test::op_types(test::checked_onnx(onnx_model_bytes(model, pixels)));
  EXPECT_EQ(ops, (std::vector<std::string>{"Mul", "Flatten", "Gemm", "Softmax"}));  // no Sub: no shift
}

TEST(OnnxOptions, MetadataThatDoesNotFitTheModelIsAnError) {
  Model model({.name = "two"});
  const Node a = model.input({2}, "a"), b = model.input({1}, "b");
  model.set_outputs({model.add(Concatenate(), {a, b}, "joined")});
  const nlohmann::json pre = Preprocessing{.divide_by = 1, .mean = {0, 0, 0}, .stddev = {1, 2, 3}}.to_json();
  auto extra = [&](nlohmann::json inputs) {
    return nlohmann::json{{"input", {{"kind", "csv"}, {"model_inputs", inputs}}}, {"preprocessing", pre}};
  };
  EXPECT_EQ(test::error_of([&] {
              onnx_options_from_extra(model, extra({{{"name", "a"}, {"features", {0, 1}}}}));
            }),
            "the model file's extra metadata lists 1 model inputs, the model has 2");
  EXPECT_EQ(test::error_of([&] {
              onnx_options_from_extra(
                  model, extra({{{"name", "b"}, {"features", {0, 1}}}, {{"name", "a"}, {"features", {2}}}}));
            }),
            "the model file's extra metadata names input 0 'b', the model's input is 'a'");
  EXPECT_EQ(test::error_of([&] {
              onnx_options_from_extra(
                  model, extra({{{"name", "a"}, {"features", {0, 1}}}, {{"name", "b"}, {"features", {7}}}}));
            }),
            "the model file's input 'b' reads column 7, the preprocessing has 3 columns");
  EXPECT_EQ(test::error_of([&] {
              onnx_options_from_extra(model, extra({{{"name", "a"}}, {{"name", "b"}}}));
            }).rfind("malformed \"extra\" metadata (", 0),
            0u);
  const OnnxExportOptions ok = onnx_options_from_extra(
      model, extra({{{"name", "a"}, {"features", {0, 2}}}, {{"name", "b"}, {"features", {1}}}}));
  ASSERT_EQ(ok.input_scaling.size(), 2u);
  EXPECT_EQ(ok.input_scaling[0].scale, (std::vector<Scalar>{1, static_cast<Scalar>(1.0 / 3)}));
  EXPECT_EQ(ok.input_scaling[1].scale, (std::vector<Scalar>{static_cast<Scalar>(0.5)}));

  Sequential flat;
  flat.add<Dense>({.units = 1});
  flat.build({4});
  EXPECT_EQ(test::error_of([&] {
              onnx_options_from_extra(flat, {{"preprocessing", pre}});
            }),
            "the model file's standardisation has 3 features, the model's input (None, 4) has 4");
  EXPECT_EQ(test::error_of([&] {
              onnx_options_from_extra(flat, {{"preprocessing", {{"divide_by", 0}}}});
            }),
            "preprocessing.divide_by: must be > 0, got 0.0");
}

}  // namespace
}  // namespace mlp
