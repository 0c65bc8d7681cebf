// SPDX-License-Identifier: MIT
#include "labels.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "mlp/error.hpp"

namespace mlp::cli {
namespace {

constexpr std::array<std::pair<Task, std::string_view>, 3> kTasks{{
    {Task::kClassification, "classification"},
    {Task::kMultilabel, "multilabel"},
    {Task::kRegression, "regression"},
}};

constexpr std::array<std::pair<LabelFormat, std::string_view>, 5> kFormats{{
    {LabelFormat::kOneHot, "one_hot"},
    {LabelFormat::kIndex, "index"},
    {LabelFormat::kBinary, "binary"},
    {LabelFormat::kMultilabel, "multilabel"},
    {LabelFormat::kValues, "values"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  throw Error("internal: an enumerator without a name");
}

template <typename Enum, std::size_t N>
bool value_of(const std::array<std::pair<Enum, std::string_view>, N>& table, std::string_view name, Enum& value) {
  for (const auto& [e, n] : table) {
    if (n == name) {
      value = e;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string_view task_name(Task task) { return name_of(kTasks, task); }

bool parse_task(std::string_view name, Task& task) { return value_of(kTasks, name, task); }

std::string_view label_format_name(LabelFormat format) { return name_of(kFormats, format); }

LabelFormat label_format(Task task, const std::string& loss_name) {
  if (task == Task::kRegression) return LabelFormat::kValues;
  if (task == Task::kMultilabel) return LabelFormat::kMultilabel;
  if (loss_name == "sparse_categorical_crossentropy") return LabelFormat::kIndex;
  if (loss_name == "binary_crossentropy") return LabelFormat::kBinary;
  return LabelFormat::kOneHot;
}

nlohmann::json LabelInfo::to_json() const {
  return {{"task", task_name(task)}, {"class_names", class_names}, {"format", label_format_name(format)}};
}

LabelInfo LabelInfo::from_json(const nlohmann::json& labels, const std::string& source) {
  const std::string at = source + ": \"extra\" metadata: labels";
  if (!labels.is_object()) throw Error(at + ": expected an object");
  for (const char* key : {"task", "class_names", "format"}) {
    if (!labels.contains(key)) throw Error(at + "." + key + ": missing");
  }
  LabelInfo out;
  const nlohmann::json& task = labels["task"];
  if (!task.is_string() || !parse_task(task.get<std::string>(), out.task)) {
    throw Error(at + ".task: expected classification, multilabel or regression, got " + task.dump());
  }
  const nlohmann::json& format = labels["format"];
  if (!format.is_string() || !value_of(kFormats, format.get<std::string>(), out.format)) {
    throw Error(at + ".format: expected one_hot, index, binary, multilabel or values, got " + format.dump());
  }
  if (!labels["class_names"].is_array()) throw Error(at + ".class_names: expected an array of strings");
  for (const auto& name : labels["class_names"]) {
    if (!name.is_string()) throw Error(at + ".class_names: expected an array of strings, got " + name.dump());
    out.class_names.push_back(name.get<std::string>());
  }
  return out;
}

Matrix encode_labels(const Matrix& one_hot, LabelFormat format) {
  if ((format != LabelFormat::kIndex && format != LabelFormat::kBinary) || one_hot.cols() == 0) return one_hot;
  if (format == LabelFormat::kBinary && one_hot.cols() != 2) {
    throw Error("binary_crossentropy on one output needs two classes, the data has " + std::to_string(one_hot.cols()) +
                " (use categorical_crossentropy, or task = \"multilabel\")");
  }
  Matrix out(one_hot.rows(), 1);
  for (std::size_t r = 0; r < one_hot.rows(); ++r) {
    const Scalar* row = one_hot.row(r);
    out.row(r)[0] = format == LabelFormat::kBinary
                        ? row[1]
                        : static_cast<Scalar>(std::max_element(row, row + one_hot.cols()) - row);
  }
  return out;
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

}  // namespace mlp::cli
