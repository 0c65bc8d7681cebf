// SPDX-License-Identifier: MIT
#include "train_data.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "mlp/data/datasets.hpp"
#include "mlp/error.hpp"
#include "mlp/io/csv.hpp"
#include "mlp/io/idx.hpp"
#include "mlp/random.hpp"
#include "mlp/strings.hpp"

namespace mlp::cli {
namespace {

namespace fs = std::filesystem;

std::string resolve(const std::string& base, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute() || base.empty()) return path;
  return (fs::path(base) / path).lexically_normal().string();
}

Matrix take_rows(const Matrix& m, const std::vector<std::size_t>& rows) {
  Matrix out(rows.size(), m.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) std::copy(m.row(rows[i]), m.row(rows[i]) + m.cols(), out.row(i));
  return out;
}

void keep_first(InputData& x, Matrix& y, std::size_t n) {
  if (n == 0 || n >= x.rows()) return;
  x.keep_first(n);
  y = to_matrix(InputView(y).row_range(0, n));
}

// Images + labels from IDX files; classes = max label + 1 unless given.
void read_idx_pair(const std::string& images_path, const std::string& labels_path, InputData& x, Matrix& y,
                   Shape& shape, std::size_t& classes) {
  IdxArray images = read_idx(images_path);
  const IdxArray labels = read_idx(labels_path);
  if (classes == 0) {
    for (std::uint8_t l : labels.data) classes = std::max<std::size_t>(classes, std::size_t{l} + 1);
  }
  check_idx_pair(images, images_path, labels, labels_path, classes);
  y = one_hot(labels, classes, labels_path);
  shape.assign(images.dims.begin() + 1, images.dims.end());
  x.bytes = idx_to_bytes(std::move(images));
  x.is_bytes = true;
}

// The columns of x feeding each input of a graph: a numeric column is one column of x, a
// categorical one its one-hot columns ("ocean_proximity=INLAND", ...). A name that is not a
// feature column of the file is an error naming the config line.
std::vector<std::vector<std::size_t>> resolve_input_columns(const TrainConfig& config, const CsvDataset& train,
                                                            const std::string& train_path) {
  std::vector<std::vector<std::size_t>> out;
  for (const ModelInputConfig& input : config.inputs) {
    if (input.columns.empty()) return {};  // the one input takes all of x
    std::vector<std::size_t> columns;
    for (const std::string& name : input.columns) {
      const bool categorical = train.encoding.categories.contains(name);
      const std::size_t before = columns.size();
      for (std::size_t j = 0; j < train.feature_names.size(); ++j) {
        const std::string& f = train.feature_names[j];
        if (f == name || (categorical && f.starts_with(name + "="))) columns.push_back(j);
      }
      if (columns.size() > before) continue;
      const auto& targets = config.data.csv.targets;
      if (std::find(targets.begin(), targets.end(), name) != targets.end()) {
        throw Error(input.columns_where + "'" + name +
                    "' is the target column; an input takes feature columns: " + join(train.encoding.features));
      }
      throw Error(input.columns_where + "no column '" + name + "' in " + train_path +
                  "; its feature columns: " + join(train.encoding.features));
    }
    out.push_back(std::move(columns));
  }
  return out;
}

// {"name", "columns" (as the config names them), "features" (their columns of x)} per input.
nlohmann::json model_inputs_json(const TrainConfig& config, const std::vector<std::vector<std::size_t>>& columns) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < columns.size(); ++i) {
    out.push_back({{"name", config.inputs[i].name}, {"columns", config.inputs[i].columns}, {"features", columns[i]}});
  }
  return out;
}

}  // namespace

LoadedData load_training_data(const TrainConfig& config, const std::string& loss_name) {
  const DataConfig& d = config.data;
  LoadedData out;
  std::vector<std::string> class_names;
  bool images = true;
  if (!d.dataset.empty()) {
    ImageDataset ds =
        load_dataset(d.dataset, {.report = [](const std::string& line) { fmt::print(stderr, "{}\n", line); }});
    out.x_train.bytes = std::move(ds.x_train);
    out.x_test.bytes = std::move(ds.x_test);
    out.x_train.is_bytes = out.x_test.is_bytes = true;
    out.y_train = std::move(ds.y_train);
    out.y_test = std::move(ds.y_test);
    out.input_shape = {28, 28};
    class_names = ds.class_names;
  } else if (!d.train_images.empty()) {
    std::size_t classes = 0;
    read_idx_pair(resolve(config.base_dir, d.train_images), resolve(config.base_dir, d.train_labels), out.x_train,
                  out.y_train, out.input_shape, classes);
    if (!d.test_images.empty()) {
      Shape test_shape;
      read_idx_pair(resolve(config.base_dir, d.test_images), resolve(config.base_dir, d.test_labels), out.x_test,
                    out.y_test, test_shape, classes);
      if (test_shape != out.input_shape) {
        throw Error(d.test_images + ": images are " + format_shape(test_shape) + ", the training images " +
                    format_shape(out.input_shape));
      }
      if (out.y_test.cols() != out.y_train.cols()) {  // the test labels reach a higher class
        throw Error(d.test_labels + ": has labels up to " + std::to_string(out.y_test.cols() - 1) +
                    ", the training labels only up to " + std::to_string(out.y_train.cols() - 1));
      }
    }
    for (std::size_t c = 0; c < out.y_train.cols(); ++c) class_names.push_back(std::to_string(c));
  } else {
    images = false;
    const std::string train_path = resolve(config.base_dir, d.train);
    CsvDataset train = read_csv(train_path, d.csv);
    out.x_train.floats = std::move(train.x);
    out.y_train = std::move(train.y);
    out.input_shape = {out.x_train.cols()};
    class_names = train.class_names;
    if (config.functional) out.input_columns = resolve_input_columns(config, train, train_path);
    if (!d.test.empty()) {
      CsvOptions test_options = d.csv;
      test_options.encoding = train.encoding;
      CsvDataset test = read_csv(resolve(config.base_dir, d.test), test_options);
      out.x_test.floats = std::move(test.x);
      out.y_test = std::move(test.y);
    } else if (d.test_split > 0) {
      // A seeded random split, as scikit-learn's train_test_split(test_size, random_state).
      std::vector<std::size_t> order(out.x_train.rows());
      std::iota(order.begin(), order.end(), 0);
      Rng rng(d.split_seed);
      rng.shuffle(order);
      const auto n_test = static_cast<std::size_t>(std::round(d.test_split * static_cast<double>(order.size())));
      if (n_test == 0 || n_test >= order.size()) {
        throw Error(train_path + ": test_split " + fmt::format("{:g}", d.test_split) + " of " +
                    std::to_string(order.size()) + " rows leaves no test or no training rows");
      }
      const std::vector<std::size_t> test_rows(order.end() - static_cast<std::ptrdiff_t>(n_test), order.end());
      const std::vector<std::size_t> train_rows(order.begin(), order.end() - static_cast<std::ptrdiff_t>(n_test));
      out.x_test.floats = take_rows(out.x_train.floats, test_rows);
      out.y_test = take_rows(out.y_train, test_rows);
      out.x_train.floats = take_rows(out.x_train.floats, train_rows);
      out.y_train = take_rows(out.y_train, train_rows);
    }
    out.input = {{"kind", "csv"},
                 {"delimiter", std::string(1, d.csv.delimiter)},
                 {"header", d.csv.header},
                 {"targets", d.csv.targets},
                 {"task", task_name(d.task)},
                 {"impute", d.csv.impute == CsvOptions::Impute::kNone ? "none" : "fitted"},
                 {"encoding", to_json(train.encoding)}};
    if (!out.input_columns.empty()) out.input["model_inputs"] = model_inputs_json(config, out.input_columns);
  }
  keep_first(out.x_train, out.y_train, d.train_samples);
  if (out.x_test.rows() > 0) keep_first(out.x_test, out.y_test, d.test_samples);

  const Task task = d.task;
  out.images = images;
  if (images) {
    out.input = {{"kind", "image"}, {"shape", out.input_shape}, {"image_style", image_style_name(d.image_style)}};
    if (!d.dataset.empty()) out.input["dataset"] = d.dataset;
    if (!d.multilabel.empty()) {
      for (const auto& [name, classes] : d.multilabel) {
        for (std::size_t c : classes) {
          if (c >= out.y_train.cols()) {
            throw Error("data.multilabel." + name + ": class " + std::to_string(c) + " does not exist (the data has " +
                        std::to_string(out.y_train.cols()) + " classes)");
          }
        }
      }
      out.y_train = to_multilabel(out.y_train, d.multilabel);
      if (out.y_test.rows() > 0) out.y_test = to_multilabel(out.y_test, d.multilabel);
      class_names.clear();
      for (const auto& [name, classes] : d.multilabel) class_names.push_back(name);
      out.input["multilabel"] = d.multilabel;
    }
  }
  const LabelFormat format = label_format(task, loss_name);
  if (loss_name == "sparse_categorical_crossentropy" && task != Task::kClassification) {
    throw Error("compile.loss: sparse_categorical_crossentropy needs single-label classification data, this is " +
                std::string(task_name(task)));
  }
  if (format == LabelFormat::kIndex || format == LabelFormat::kBinary) {
    out.y_train = encode_labels(out.y_train, format);
    if (out.y_test.rows() > 0) out.y_test = encode_labels(out.y_test, format);
  }
  out.labels = {.task = task, .class_names = class_names, .format = format};

  out.preprocessing.divide_by = config.preprocess.divide_by.value_or(images ? 255.0 : 1.0);
  out.preprocessing.target_divide_by = config.preprocess.target_divide_by;
  out.preprocessing.apply_to_targets(out.y_train);
  out.preprocessing.apply_to_targets(out.y_test);
  if (out.x_train.is_bytes) {
    // Images stay bytes; the preprocessing becomes their scaling (the same floats as applying it).
    const ColumnScaling divided = ColumnScaling::divide_by(out.preprocessing.divide_by, out.x_train.cols());
    if (config.preprocess.standardize) out.preprocessing.fit_standardize(InputView(out.x_train.bytes, divided));
    out.x_train.apply(out.preprocessing);
    if (out.x_test.is_bytes) out.x_test.apply(out.preprocessing);
  } else {
    Preprocessing divide_only{.divide_by = out.preprocessing.divide_by, .mean = {}, .stddev = {}};
    divide_only.apply(out.x_train.floats);
    if (config.preprocess.standardize) out.preprocessing.fit_standardize(out.x_train.floats);
    Preprocessing standardize_only = out.preprocessing;
    standardize_only.divide_by = 1;
    standardize_only.apply(out.x_train.floats);
    if (out.x_test.rows() > 0) out.preprocessing.apply(out.x_test.floats);
  }
  std::string inputs = "input " + format_shape(out.input_shape);
  for (std::size_t i = 0; i < out.input_columns.size(); ++i) {
    inputs += fmt::format("{} {} {}", i == 0 ? " for inputs" : ",", config.inputs[i].name,
                          format_shape({out.input_columns[i].size()}));
  }
  out.description =
      fmt::format("{}: {} training samples, {} test samples, {}, {}",
                  !d.dataset.empty() ? d.dataset : (!d.train.empty() ? d.train : d.train_images), out.x_train.rows(),
                  out.x_test.rows(), inputs,
                  task == Task::kRegression
                      ? fmt::format("{} target(s)", out.y_train.cols())
                      : fmt::format("{} {}", class_names.size(), task == Task::kMultilabel ? "labels" : "classes"));
  return out;
}

nlohmann::json model_extra(const LoadedData& data) {
  return {{"input", data.input}, {"labels", data.labels.to_json()}, {"preprocessing", data.preprocessing.to_json()}};
}

void InputData::keep_first(std::size_t n) {
  if (n == 0 || n >= rows()) return;
  if (is_bytes) {
    bytes.keep_first(n);
    return;
  }
  floats = to_matrix(InputView(floats).row_range(0, n));
}

void InputData::apply(const Preprocessing& p) {
  if (is_bytes) {
    scaling = p.scaling(bytes.cols());
  } else {
    p.apply(floats);
  }
}

}  // namespace mlp::cli
