// SPDX-License-Identifier: MIT
#include "run_config.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>

#include "mlp/data/datasets.hpp"
#include "mlp/error.hpp"
#include "mlp/interop/keras.hpp"
#include "mlp/io/files.hpp"
#include "mlp/model_file.hpp"
#include "mlp/io/idx.hpp"
#include "mlp/io/image.hpp"
#include "mlp/random.hpp"
#include "mlp/sequential.hpp"
#include "mlp/serialize.hpp"
#include "mlp/strings.hpp"

namespace mlp::cli {
namespace {

namespace fs = std::filesystem;

std::string resolve(const std::string& base, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute() || base.empty()) return path;
  return (fs::path(base) / path).lexically_normal().string();
}

void parse_data(ConfigObject d, DataConfig& data) {
  data.dataset = d.get_string("dataset", "");
  data.train_images = d.get_string("train_images", "");
  data.train_labels = d.get_string("train_labels", "");
  data.test_images = d.get_string("test_images", "");
  data.test_labels = d.get_string("test_labels", "");
  data.train = d.get_string("train", "");
  data.test = d.get_string("test", "");
  const int sources = int(!data.dataset.empty()) + int(!data.train_images.empty()) + int(!data.train.empty());
  if (sources != 1) {
    throw d.error("give exactly one of dataset = \"mnist\" | \"fashion-mnist\", train_images (IDX files) or "
                  "train (a CSV file)");
  }
  if (!data.dataset.empty()) {
    const auto names = dataset_names();
    if (std::find(names.begin(), names.end(), data.dataset) == names.end()) {
      throw d.error("dataset", "unknown data set '" + data.dataset + "'; built in: mnist, fashion-mnist");
    }
  }
  if (!data.train_images.empty() && data.train_labels.empty()) {
    throw d.error("train_labels", "required with train_images (the IDX labels file)");
  }
  if (!data.test_images.empty() != !data.test_labels.empty()) {
    throw d.error(data.test_images.empty() ? "test_images" : "test_labels",
                  "test_images and test_labels go together");
  }
  data.task = d.get_string("task", data.train.empty() ? "classification" : "");
  if (data.task != "classification" && data.task != "multilabel" && data.task != "regression") {
    throw d.error("task", data.task.empty() ? "required for CSV data: classification, multilabel or regression"
                                            : "expected classification, multilabel or regression, got \"" +
                                                  data.task + "\"");
  }
  // CSV settings.
  auto targets = d.get_strings("target");
  auto more = d.get_strings("targets");
  if (!targets.empty() && !more.empty()) throw d.error("targets", "give target or targets, not both");
  data.csv.targets = targets.empty() ? more : targets;
  data.csv.features = d.get_strings("features");
  data.csv.categorical = d.get_strings("categorical");
  const std::string impute = d.get_string("impute", "none");
  if (impute == "none") {
    data.csv.impute = CsvOptions::Impute::kNone;
  } else if (impute == "mean") {
    data.csv.impute = CsvOptions::Impute::kMean;
  } else if (impute == "median") {
    data.csv.impute = CsvOptions::Impute::kMedian;
  } else {
    throw d.error("impute", "expected none, mean or median, got \"" + impute + "\"");
  }
  const std::string delimiter = d.get_string("delimiter", ",");
  if (delimiter.size() != 1) throw d.error("delimiter", "expected one character, got \"" + delimiter + "\"");
  data.csv.delimiter = delimiter[0];
  data.csv.header = d.get_bool("header", true);
  data.csv.task = data.task == "regression" ? CsvOptions::Task::kRegression : CsvOptions::Task::kClassification;
  if (!data.train.empty() && data.csv.targets.empty()) {
    throw d.error("target", "required for CSV data: the column(s) to predict");
  }
  if (!data.train.empty() && data.task == "classification" && data.csv.targets.size() != 1) {
    throw d.error("targets", "classification takes one target column; use task = \"multilabel\" for several");
  }
  if (data.train.empty() && (!data.csv.targets.empty() || !data.csv.features.empty() || !data.csv.categorical.empty())) {
    throw d.error("target", "target, features and categorical are settings of CSV data (train = \"file.csv\")");
  }
  data.test_split = d.get_double("test_split", 0);
  if (data.test_split < 0 || data.test_split >= 1) {
    throw d.error("test_split", "must be in [0, 1), got " + fmt::format("{:g}", data.test_split));
  }
  if (data.test_split > 0 && (!data.test.empty() || !data.test_images.empty() || !data.dataset.empty())) {
    throw d.error("test_split", "only for data without its own test set");
  }
  data.split_seed = static_cast<std::uint64_t>(d.get_size("split_seed", 42));
  data.train_samples = d.get_size("train_samples", 0);
  data.test_samples = d.get_size("test_samples", 0);
  if (auto m = d.get_object("multilabel")) {
    if (!data.train.empty()) throw d.error("multilabel", "for image data; CSV data lists its label columns in targets");
    for (const auto& [name, v] : d.find("multilabel")->items()) {
      auto list = m->get_sizes(name);
      if (list.empty()) throw m->error(name, "list the classes for which this label is 1, e.g. [0, 2, 4]");
      data.multilabel[name] = list;
    }
    m->finish();
    if (data.multilabel.empty()) throw d.error("multilabel", "needs at least one label");
    if (data.task != "multilabel") throw d.error("task", "must be \"multilabel\" with a multilabel table");
  }
  data.image_style = d.get_string("image_style", data.dataset == "fashion-mnist" ? "fashion_item" : "mnist_digit");
  if (data.image_style != "mnist_digit" && data.image_style != "fashion_item" && data.image_style != "resize") {
    throw d.error("image_style", "expected mnist_digit, fashion_item or resize, got \"" + data.image_style + "\"");
  }
  d.finish();
}

void parse_fit(ConfigObject f, FitConfig& fit) {
  fit.batch_size = f.get_size("batch_size", fit.batch_size);
  if (fit.batch_size == 0) throw f.error("batch_size", "must be at least 1, got 0");
  const auto epochs = f.get_int("epochs", fit.epochs);
  if (epochs < 1 || epochs > 1000000) throw f.error("epochs", "must be in [1, 1000000], got " + std::to_string(epochs));
  fit.epochs = static_cast<int>(epochs);
  fit.validation_split = f.get_double("validation_split", 0);
  if (fit.validation_split < 0 || fit.validation_split >= 1) {
    throw f.error("validation_split", "must be in [0, 1), got " + fmt::format("{:g}", fit.validation_split));
  }
  fit.shuffle = f.get_bool("shuffle", true);
  fit.seed = static_cast<std::uint64_t>(f.get_size("seed", 0));
  if (const auto v = f.get_int("verbose")) {
    if (*v < 0 || *v > 2) throw f.error("verbose", "expected 0, 1 or 2, got " + std::to_string(*v));
    fit.verbose = static_cast<int>(*v);
  }
  if (const auto* cw = f.find("class_weight")) {
    ConfigObject weights(*cw, config_path(f.path(), "class_weight"), f.source());
    for (const auto& [key, value] : cw->items()) {
      std::size_t cls = 0;
      const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), cls);
      if (ec != std::errc() || end != key.data() + key.size()) {
        throw weights.error(key, "class_weight keys are class indices (\"0\" = 1.0), got '" + key + "'");
      }
      const double w = weights.get_double(key, 1);
      if (w < 0) throw weights.error(key, "weight must be >= 0");
      fit.class_weight[cls] = w;
    }
  }
  const auto threads = f.get_int("threads", 0);
  if (threads < 0 || threads > 1024) throw f.error("threads", "must be in [0, 1024], got " + std::to_string(threads));
  fit.threads = static_cast<int>(threads);
  f.finish();
}

// A graph's [[model.inputs]]: each input's name and the CSV columns feeding it. CSV data with
// several inputs needs the columns of each; image data has no named columns, so it feeds a graph
// with one input, whole. The rest of each table (shape, and what is wrong in it) is read by
// model_from_config.
void parse_model_inputs(const ConfigDocument& doc, TrainConfig& config) {
  ConfigObject model(config.model, "model", &doc.source);
  std::vector<ConfigObject> inputs = model.get_objects("inputs");
  const bool csv = !config.data.train.empty();
  for (ConfigObject& in : inputs) {
    ModelInputConfig input;
    input.name = in.get_string("name", "");
    input.columns = in.get_strings("columns");
    input.has_shape = in.has("shape");
    const std::string columns_path = config_path(in.path(), "columns"), shape_path = config_path(in.path(), "shape");
    input.columns_where = doc.source.locate(columns_path) + columns_path + ": ";
    input.shape_where = doc.source.locate(shape_path) + shape_path + ": ";
    if (!csv && in.has("columns")) {
      throw in.error("columns", "names CSV columns; image data has none (a model with one input takes the images whole)");
    }
    if (csv && inputs.size() > 1 && input.columns.empty()) {
      throw in.error("columns", "required with several inputs: the CSV columns feeding this input, e.g. [\"a\", \"b\"]");
    }
    for (std::size_t i = 0; i < input.columns.size(); ++i) {
      if (std::find(input.columns.begin(), input.columns.begin() + static_cast<std::ptrdiff_t>(i), input.columns[i]) !=
          input.columns.begin() + static_cast<std::ptrdiff_t>(i)) {
        throw in.error("columns", "'" + input.columns[i] + "' is listed twice");
      }
    }
    config.inputs.push_back(std::move(input));
  }
  if (!csv && inputs.size() > 1) {
    throw model.error("inputs", "a model with several inputs needs CSV data, whose named columns feed each input; "
                                "image data feeds one input");
  }
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
        throw Error(input.columns_where + "'" + name + "' is the target column; an input takes feature columns: " +
                    join(train.encoding.features));
      }
      throw Error(input.columns_where + "no column '" + name + "' in " + train_path + "; its feature columns: " +
                  join(train.encoding.features));
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

TrainConfig parse_train_config(const ConfigDocument& doc) {
  ConfigObject root(doc.root, "", &doc.source);
  TrainConfig config;
  config.base_dir = fs::path(doc.source.file).parent_path().string();
  auto data = root.get_object("data");
  if (!data) throw root.error("data", "required: the [data] table (dataset = \"mnist\", or train = \"file.csv\")");
  parse_data(std::move(*data), config.data);
  if (auto pre = root.get_object("preprocess")) {
    if (const auto d = pre->get_double("divide_by")) {
      if (!(*d > 0)) throw pre->error("divide_by", "must be > 0");
      config.preprocess.divide_by = *d;
    }
    config.preprocess.standardize = pre->get_bool("standardize", false);
    config.preprocess.target_divide_by = pre->get_double("target_divide_by", 1);
    if (!(config.preprocess.target_divide_by > 0)) throw pre->error("target_divide_by", "must be > 0");
    if (config.preprocess.target_divide_by != 1 && config.data.task != "regression") {
      throw pre->error("target_divide_by", "scales regression targets; this data's task is " + config.data.task);
    }
    pre->finish();
  }
  const auto* model = root.find("model");
  if (model == nullptr) throw root.error("model", "required: the [model] table with its [[model.layers]]");
  config.model = *model;
  if (!config.model.is_object()) throw root.error("model", "expected a table");
  if (config.model.contains("seed")) {
    throw root.error("model", "the seed is set in [fit] (seed = 1), which seeds weights, dropout and shuffling");
  }
  const auto* compile = root.find("compile");
  config.compile = compile != nullptr ? *compile : nlohmann::json::object();
  if (auto fit = root.get_object("fit")) parse_fit(std::move(*fit), config.fit);
  if (const auto* callbacks = root.find("callbacks")) config.callbacks = *callbacks;
  root.finish();
  auto take_path = [&](const char* key, std::string& out) {
    if (!config.model.contains(key)) return;
    if (!config.model[key].is_string() || config.model[key].get<std::string>().empty()) {
      throw Error(doc.source.locate(std::string("model.") + key) + "model." + key + ": expected a file path");
    }
    out = (fs::path(config.base_dir) / config.model[key].get<std::string>()).lexically_normal().string();
    config.model.erase(key);
  };
  take_path("init_from", config.init_from);
  take_path("architecture", config.init_architecture);
  if (!config.init_architecture.empty() && config.init_from.empty()) {
    throw Error(doc.source.locate("model.architecture") + "model.architecture: only used with model.init_from");
  }
  if (!config.init_from.empty() && !config.model.empty()) {
    throw Error(doc.source.locate("model") + "model: init_from gives the whole model; remove the other keys (" +
                config.model.begin().key() + ")");
  }
  config.model["seed"] = config.fit.seed;
  const nlohmann::json* type = config.model.contains("type") ? &config.model["type"] : nullptr;
  config.functional = type != nullptr ? *type == "Functional" : config.model.contains("inputs");
  if (config.functional) parse_model_inputs(doc, config);
  return config;
}

Matrix to_multilabel(const Matrix& one_hot, const std::map<std::string, std::vector<std::size_t>>& labels) {
  Matrix out(one_hot.rows(), labels.size());
  for (std::size_t r = 0; r < one_hot.rows(); ++r) {
    const Scalar* row = one_hot.row(r);
    const auto cls = static_cast<std::size_t>(std::max_element(row, row + one_hot.cols()) - row);
    std::size_t j = 0;
    for (const auto& [name, classes] : labels) {
      out.row(r)[j++] = std::find(classes.begin(), classes.end(), cls) != classes.end() ? 1 : 0;
    }
  }
  return out;
}

std::string format_logs(const std::map<std::string, double>& logs) {
  std::string out;
  if (auto it = logs.find("loss"); it != logs.end()) out = fmt::format("loss: {:.4f}", it->second);
  for (const auto& [key, value] : logs) {
    if (key != "loss") out += fmt::format("{}{}: {:.4f}", out.empty() ? "" : " - ", key, value);
  }
  return out;
}

void write_text(const std::string& path, const std::string& text) {
  write_file_atomic(path, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::string default_run_dir(const std::string& config, const std::string& suffix) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  return (fs::path("runs") / (fs::path(config).stem().string() + suffix + "-" + stamp)).string();
}

std::string label_format(const std::string& task, const std::string& loss_name) {
  if (task == "regression") return "values";
  if (task == "multilabel") return "multilabel";
  if (loss_name == "sparse_categorical_crossentropy") return "index";
  if (loss_name == "binary_crossentropy") return "binary";
  return "one_hot";
}

Matrix encode_labels(const Matrix& one_hot, const std::string& format) {
  if (format == "one_hot" || one_hot.cols() == 0) return one_hot;
  if (format == "binary" && one_hot.cols() != 2) {
    throw Error("binary_crossentropy on one output needs two classes, the data has " + std::to_string(one_hot.cols()) +
                " (use categorical_crossentropy, or task = \"multilabel\")");
  }
  Matrix out(one_hot.rows(), 1);
  for (std::size_t r = 0; r < one_hot.rows(); ++r) {
    const Scalar* row = one_hot.row(r);
    out.row(r)[0] = format == "binary" ? row[1] : static_cast<Scalar>(std::max_element(row, row + one_hot.cols()) - row);
  }
  return out;
}

LoadedData load_training_data(const TrainConfig& config, const std::string& loss_name) {
  const DataConfig& d = config.data;
  LoadedData out;
  std::vector<std::string> class_names;
  bool images = true;
  if (!d.dataset.empty()) {
    ImageDataset ds = load_dataset(d.dataset, {.report = [](const std::string& line) {
                                     fmt::print(stderr, "{}\n", line);
                                   }});
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
                 {"task", d.task},
                 {"impute", d.csv.impute == CsvOptions::Impute::kNone ? "none" : "fitted"},
                 {"encoding", to_json(train.encoding)}};
    if (!out.input_columns.empty()) out.input["model_inputs"] = model_inputs_json(config, out.input_columns);
  }
  keep_first(out.x_train, out.y_train, d.train_samples);
  if (out.x_test.rows() > 0) keep_first(out.x_test, out.y_test, d.test_samples);

  std::string task = d.task;
  if (images) {
    out.input = {{"kind", "image"}, {"shape", out.input_shape}, {"image_style", d.image_style}};
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
  const std::string format = label_format(task, loss_name);
  if (loss_name == "sparse_categorical_crossentropy" && task != "classification") {
    throw Error("compile.loss: sparse_categorical_crossentropy needs single-label classification data, this is " + task);
  }
  if (format == "index" || format == "binary") {
    out.y_train = encode_labels(out.y_train, format);
    if (out.y_test.rows() > 0) out.y_test = encode_labels(out.y_test, format);
  }
  out.labels = {{"task", task}, {"class_names", class_names}, {"format", format}};

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
  out.description = fmt::format("{}: {} training samples, {} test samples, {}, {}",
                                !d.dataset.empty() ? d.dataset : (!d.train.empty() ? d.train : d.train_images),
                                out.x_train.rows(), out.x_test.rows(), inputs,
                                task == "regression" ? fmt::format("{} target(s)", out.y_train.cols())
                                                     : fmt::format("{} {}", class_names.size(),
                                                                   task == "multilabel" ? "labels" : "classes"));
  return out;
}

nlohmann::json model_extra(const LoadedData& data) {
  return {{"input", data.input}, {"labels", data.labels}, {"preprocessing", data.preprocessing.to_json()}};
}

namespace {
// A classifier must have one output unit per class of its data (one sigmoid unit for a binary
// task): a label the model cannot express is an error naming the labels, before any training.
void check_classes_fit_model(const TrainConfig& config, const LoadedData& data, const Model& model) {
  const std::string task = data.labels.value("task", "");
  const std::string format = data.labels.value("format", "");
  if (task != "classification") return;
  const std::size_t classes = data.labels.at("class_names").size();
  const std::size_t needed = format == "binary" ? 1 : classes;
  for (const Shape& shape : model.output_shapes()) {  // every output learns the same labels
    const std::size_t outputs = features(shape);
    if (outputs == needed) continue;
    const std::string file = !config.data.train_labels.empty() ? config.data.train_labels : config.data.train;
  const std::string source =
      file.empty() ? config.data.dataset : (fs::path(config.base_dir) / file).lexically_normal().string();
    throw Error(fmt::format("{}: the labels have {} classes{}, but the model's output {} has {} unit{}; {}", source,
                            classes, format == "binary" ? " (binary: one sigmoid unit)" : "", format_shape(shape),
                            outputs, outputs == 1 ? "" : "s",
                            classes > outputs ? "a label the model cannot predict (out of range)"
                                              : "set the last layer's units to the class count"));
  }
}

// The sample width of input i of a graph: its columns' width once the data is read; before, the
// number of its columns when none is categorical (one-hot widths come from the data).
std::optional<std::size_t> input_width(const TrainConfig& config, const LoadedData* data, std::size_t i) {
  if (data != nullptr) {
    return data->input_columns.empty() ? features(data->input_shape) : data->input_columns[i].size();
  }
  const auto& columns = config.inputs[i].columns;
  if (columns.empty()) return std::nullopt;
  for (const auto& c : columns) {
    const auto& categorical = config.data.csv.categorical;
    if (std::find(categorical.begin(), categorical.end(), c) != categorical.end()) return std::nullopt;
  }
  return columns.size();
}

}  // namespace

std::unique_ptr<Model> model_from_train_config(const ConfigDocument& doc, const TrainConfig& config,
                                               const LoadedData* data) {
  if (!config.init_from.empty()) {
    // A Keras file by content (load_keras tells the layouts apart), else an mlp model file.
    std::ifstream in(config.init_from, std::ios::binary);
    char magic[8] = {};
    in.read(magic, sizeof magic);
    const bool keras = std::string_view(magic, 4) == "PK\x03\x04" || std::string_view(magic, 4) == "\x89HDF";
    if (keras) return load_keras(config.init_from, config.init_architecture).model;
    return std::move(load_model(config.init_from).model);
  }
  if (!config.functional) return sequential_from_config(ConfigObject(config.model, "model", &doc.source));
  nlohmann::json model = config.model;
  nlohmann::json& inputs = model["inputs"];
  for (std::size_t i = 0; i < config.inputs.size(); ++i) {
    const ModelInputConfig& input = config.inputs[i];
    if (!input.has_shape) {
      // Image data feeds its one input whole, in the images' shape.
      const bool images = data != nullptr ? data->input.value("kind", "") == "image" : !config.data.dataset.empty();
      const std::optional<std::size_t> width = input_width(config, data, i);
      if (images) {
        inputs[i]["shape"] = data != nullptr ? data->input_shape : Shape{28, 28};
      } else if (width) {
        inputs[i]["shape"] = Shape{*width};
      } else {
        return nullptr;  // known once the data is read
      }
    } else if (data != nullptr && inputs[i]["shape"].is_array()) {
      const Shape shape = inputs[i]["shape"].get<Shape>();
      const std::size_t width = *input_width(config, data, i);
      if (features(shape) != width) {
        throw Error(input.shape_where + format_shape(shape) + " takes " + std::to_string(features(shape)) +
                    " values per sample, but its data has " + std::to_string(width) +
                    (input.columns.empty() ? std::string() : " (a one-hot column counts once per category)"));
      }
    }
  }
  return model_from_config(ConfigObject(model, "model", &doc.source));
}

nlohmann::json resolved_model_config(const Model& model, const TrainConfig& config) {
  nlohmann::json out = model_config(model);
  if (!model.functional()) return out;
  for (std::size_t i = 0; i < config.inputs.size() && i < out["inputs"].size(); ++i) {
    if (!config.inputs[i].columns.empty()) out["inputs"][i]["columns"] = config.inputs[i].columns;
  }
  return out;
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

Inputs model_inputs(const InputData& data, const std::vector<std::vector<std::size_t>>& columns,
                    std::vector<Matrix>& storage) {
  if (columns.empty()) return {data.view()};
  if (data.is_bytes) throw Error("internal: input columns select CSV columns, this data is images");
  const Matrix& x = data.floats;
  storage.clear();
  for (const auto& cols : columns) {
    Matrix part(x.rows(), cols.size());
    for (std::size_t r = 0; r < x.rows(); ++r) {
      const Scalar* from = x.row(r);
      Scalar* to = part.row(r);
      for (std::size_t j = 0; j < cols.size(); ++j) to[j] = from[cols[j]];
    }
    storage.push_back(std::move(part));
  }
  return Inputs(storage.begin(), storage.end());
}

Tensors model_targets(const Model& model, const Matrix& y) {
  return Tensors(std::max<std::size_t>(model.num_outputs(), 1), ConstMatrixView(y));
}

void fit_model_to_data(Model& model, CompileOptions compile, const ConfigDocument& doc, const TrainConfig& config,
                       const LoadedData& data) {
  if (model.functional()) {
    // Built by model_from_train_config for the data's widths.
  } else if (!model.built()) {
    try {
      model.build(data.input_shape);
    } catch (const Error& e) {
      throw Error(doc.source.locate("model") + "model: " + e.what());
    }
  } else if (model.input_shape() != data.input_shape) {
    throw Error(doc.source.locate("model.input_shape") + "model.input_shape: " + format_shape(model.input_shape()) +
                " does not match the data's " + format_shape(data.input_shape));
  }
  model.compile(std::move(compile));
  check_classes_fit_model(config, data, model);
}

}  // namespace mlp::cli
