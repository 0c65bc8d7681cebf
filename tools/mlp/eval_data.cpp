// SPDX-License-Identifier: MIT
#include "eval_data.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <fstream>

#include "labels.hpp"
#include "mlp/config.hpp"
#include "mlp/data/datasets.hpp"
#include "mlp/error.hpp"
#include "mlp/io/csv.hpp"
#include "mlp/io/idx.hpp"
#include "mlp/io/image.hpp"
#include "run_config.hpp"

namespace mlp::cli {
namespace {

bool starts_with_bytes(const std::string& path, std::initializer_list<unsigned char> magic) {
  std::ifstream in(path, std::ios::binary);
  for (unsigned char m : magic) {
    char c = 0;
    if (!in.get(c) || static_cast<unsigned char>(c) != m) return false;
  }
  return true;
}

bool is_idx_or_gz(const std::string& path) {
  return starts_with_bytes(path, {0x00, 0x00, 0x08}) || starts_with_bytes(path, {0x1f, 0x8b});
}

// The header fields of a CSV file (split on the delimiter, quotes stripped): enough to tell whether
// the target columns are present.
std::vector<std::string> csv_header(const std::string& path, char delimiter) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> fields;
  std::string field;
  for (char c : line + delimiter) {
    if (c == delimiter) {
      if (field.size() >= 2 && field.front() == '"' && field.back() == '"') field = field.substr(1, field.size() - 2);
      fields.push_back(field);
      field.clear();
    } else {
      field += c;
    }
  }
  return fields;
}

EvalData load_images(const nlohmann::json& input, const std::vector<std::string>& sources,
                     const std::string& labels_path, std::size_t classes) {
  const auto shape = input.at("shape").get<Shape>();
  EvalData out;
  if (sources.size() == 1 && input.contains("dataset") && sources[0] == input.at("dataset").get<std::string>()) {
    ImageDataset ds =
        load_dataset(sources[0], {.report = [](const std::string& line) { fmt::print(stderr, "{}\n", line); }});
    out.x.bytes = std::move(ds.x_test);
    out.y = std::move(ds.y_test);
  } else if (sources.size() == 1 && is_idx_or_gz(sources[0])) {
    IdxArray images = read_idx(sources[0]);
    const Shape got(images.dims.begin() + 1, images.dims.end());
    if (got != shape) {
      throw Error(sources[0] + ": images are " + format_shape(got) + ", the model takes " + format_shape(shape));
    }
    if (!labels_path.empty()) {
      const IdxArray labels = read_idx(labels_path);
      check_idx_pair(images, sources[0], labels, labels_path, classes);
      out.y = one_hot(labels, classes, labels_path);
    }
    out.x.bytes = idx_to_bytes(std::move(images));
  } else {
    if (!labels_path.empty()) throw Error("--labels goes with an IDX image file, not with PNG/JPEG images");
    if (shape.size() != 2 || shape[0] != shape[1]) {
      throw Error("the model takes inputs of shape " + format_shape(shape) +
                  "; PNG/JPEG input needs a square image model");
    }
    const std::string style_name = input.value("image_style", "mnist_digit");
    ImageStyle style = ImageStyle::kMnistDigit;
    if (!parse_image_style(style_name, style)) {
      throw Error("the model file names an unknown image style '" + style_name + "'");
    }
    out.x.bytes = ByteMatrix(sources.size(), shape[0] * shape[1]);
    for (std::size_t i = 0; i < sources.size(); ++i) {
      const GrayImage sample = to_dataset_sample(read_image(sources[i]), style, shape[0]);
      std::copy(sample.pixels.begin(), sample.pixels.end(), out.x.bytes.row(i));
    }
    out.sample_names = sources;
  }
  out.x.is_bytes = true;
  if (out.sample_names.empty()) {
    for (std::size_t i = 0; i < out.x.rows(); ++i) out.sample_names.push_back("index " + std::to_string(i));
  }
  return out;
}

EvalData load_csv(const nlohmann::json& input, const std::vector<std::string>& sources) {
  if (sources.size() != 1) throw Error("CSV input: give one file, got " + std::to_string(sources.size()));
  const std::string& path = sources[0];
  CsvOptions options;
  options.delimiter = input.at("delimiter").get<std::string>().at(0);
  options.header = input.at("header").get<bool>();
  Task task = Task::kClassification;
  if (!parse_task(input.at("task").get<std::string>(), task)) {
    throw Error("the model file names an unknown task '" + input.at("task").get<std::string>() + "'");
  }
  options.task = task == Task::kRegression ? CsvOptions::Task::kRegression : CsvOptions::Task::kClassification;
  options.impute =
      input.at("impute").get<std::string>() == "none" ? CsvOptions::Impute::kNone : CsvOptions::Impute::kMean;
  options.encoding = csv_encoding_from_json(input.at("encoding"), "the model file");
  const auto targets = input.at("targets").get<std::vector<std::string>>();
  const auto header = csv_header(path, options.delimiter);
  const bool has_targets = options.header && std::all_of(targets.begin(), targets.end(), [&](const std::string& t) {
                             return std::find(header.begin(), header.end(), t) != header.end();
                           });
  if (has_targets) options.targets = targets;
  CsvDataset data = read_csv(path, options);
  EvalData out;
  out.x.floats = std::move(data.x);
  out.y = std::move(data.y);
  for (std::size_t i = 0; i < out.x.rows(); ++i) out.sample_names.push_back("row " + std::to_string(i + 1));
  // A graph's inputs: the columns of x (in the encoding's order, as in training) feeding each.
  if (input.contains("model_inputs")) {
    for (const auto& model_input : input.at("model_inputs")) {
      auto columns = model_input.at("features").get<std::vector<std::size_t>>();
      for (std::size_t c : columns) {
        if (c >= out.x.cols()) {
          throw Error(fmt::format("the model file's input '{}' reads column {} of x, which has {} columns",
                                  model_input.at("name").get<std::string>(), c, out.x.cols()));
        }
      }
      out.input_columns.push_back(std::move(columns));
    }
  }
  return out;
}

}  // namespace

EvalData load_eval_data(const nlohmann::json& extra, const std::vector<std::string>& sources,
                        const std::string& labels_path) {
  if (!extra.contains("input") || !extra.contains("labels") || !extra.contains("preprocessing")) {
    throw Error(
        "the model file does not say how its data was read (it was not saved by `mlp train`); "
        "use the C++ API to feed it");
  }
  const nlohmann::json& input = extra.at("input");
  const LabelInfo labels = LabelInfo::from_json(extra.at("labels"), "the model file");
  const std::vector<std::string>& class_names = labels.class_names;
  EvalData out;
  const std::string kind = input.at("kind").get<std::string>();
  if (kind == "image") {
    // Multilabel image models were trained on class labels turned into label columns.
    const std::size_t classes = input.contains("multilabel") ? 0 : class_names.size();
    out = load_images(input, sources, labels_path, classes == 0 ? 256 : classes);
    if (input.contains("multilabel") && out.y.cols() > 0)
      out.y = to_multilabel(out.y, input.at("multilabel").get<std::map<std::string, std::vector<std::size_t>>>());
  } else if (kind == "csv") {
    if (!labels_path.empty()) throw Error("--labels goes with IDX images; a CSV file holds its own target columns");
    out = load_csv(input, sources);
  } else {
    throw Error("the model file names an unknown input kind '" + kind + "'");
  }
  ConfigObject pre(extra.at("preprocessing"), "preprocessing");
  const Preprocessing preprocessing = Preprocessing::from_json(pre);
  out.x.apply(preprocessing);
  preprocessing.apply_to_targets(out.y);
  if (labels.format == LabelFormat::kIndex || labels.format == LabelFormat::kBinary) {
    out.y = encode_labels(out.y, labels.format);
  }
  return out;
}

}  // namespace mlp::cli
