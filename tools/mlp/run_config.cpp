// SPDX-License-Identifier: MIT
#include "run_config.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <utility>

#include "mlp/config.hpp"
#include "mlp/data/datasets.hpp"
#include "mlp/error.hpp"

namespace mlp::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::pair<ImageStyle, std::string_view>, 3> kImageStyles{{
    {ImageStyle::kMnistDigit, "mnist_digit"},
    {ImageStyle::kFashionItem, "fashion_item"},
    {ImageStyle::kResize, "resize"},
}};

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
    throw d.error(
        "give exactly one of dataset = \"mnist\" | \"fashion-mnist\", train_images (IDX files) or "
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
    throw d.error(data.test_images.empty() ? "test_images" : "test_labels", "test_images and test_labels go together");
  }
  const std::string task = d.get_string("task", data.train.empty() ? "classification" : "");
  if (!parse_task(task, data.task)) {
    throw d.error("task", task.empty() ? "required for CSV data: classification, multilabel or regression"
                                       : "expected classification, multilabel or regression, got \"" + task + "\"");
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
  data.csv.task = data.task == Task::kRegression ? CsvOptions::Task::kRegression : CsvOptions::Task::kClassification;
  if (!data.train.empty() && data.csv.targets.empty()) {
    throw d.error("target", "required for CSV data: the column(s) to predict");
  }
  if (!data.train.empty() && data.task == Task::kClassification && data.csv.targets.size() != 1) {
    throw d.error("targets", "classification takes one target column; use task = \"multilabel\" for several");
  }
  if (data.train.empty() &&
      (!data.csv.targets.empty() || !data.csv.features.empty() || !data.csv.categorical.empty())) {
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
    if (data.task != Task::kMultilabel) throw d.error("task", "must be \"multilabel\" with a multilabel table");
  }
  const std::string style =
      d.get_string("image_style", data.dataset == "fashion-mnist" ? "fashion_item" : "mnist_digit");
  if (!parse_image_style(style, data.image_style)) {
    throw d.error("image_style", "expected mnist_digit, fashion_item or resize, got \"" + style + "\"");
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
      throw in.error("columns",
                     "names CSV columns; image data has none (a model with one input takes the images whole)");
    }
    if (csv && inputs.size() > 1 && input.columns.empty()) {
      throw in.error("columns",
                     "required with several inputs: the CSV columns feeding this input, e.g. [\"a\", \"b\"]");
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
    throw model.error("inputs",
                      "a model with several inputs needs CSV data, whose named columns feed each input; "
                      "image data feeds one input");
  }
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
    if (config.preprocess.target_divide_by != 1 && config.data.task != Task::kRegression) {
      throw pre->error("target_divide_by",
                       "scales regression targets; this data's task is " + std::string(task_name(config.data.task)));
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

std::string_view image_style_name(ImageStyle style) {
  for (const auto& [s, name] : kImageStyles) {
    if (s == style) return name;
  }
  throw Error("internal: an image style without a name");
}

bool parse_image_style(std::string_view name, ImageStyle& style) {
  for (const auto& [s, n] : kImageStyles) {
    if (n == name) {
      style = s;
      return true;
    }
  }
  return false;
}

}  // namespace mlp::cli
