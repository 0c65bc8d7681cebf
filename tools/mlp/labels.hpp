// SPDX-License-Identifier: MIT
#pragma once
// What the labels of a run are and how they reach the loss: the task, the label format and the
// class names, typed. The model file's "extra" metadata carries them as JSON ({"task",
// "class_names", "format"}); LabelInfo reads and writes that, and nothing else handles the text.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/matrix.hpp"

namespace mlp::cli {

enum class Task { kClassification, kMultilabel, kRegression };

/// How labels are given to the loss:
///   kOneHot     (N, classes)  categorical_crossentropy and the other losses of classes
///   kIndex      (N, 1)        class indices, for sparse_categorical_crossentropy
///   kBinary     (N, 1)        0/1 for a two-class problem on one sigmoid unit (binary_crossentropy)
///   kMultilabel (N, labels)   0/1 per label
///   kValues     (N, targets)  regression targets
enum class LabelFormat { kOneHot, kIndex, kBinary, kMultilabel, kValues };

/// "classification", "multilabel", "regression".
std::string_view task_name(Task task);
/// The task of a name; false when the name is none of them.
bool parse_task(std::string_view name, Task& task);
/// "one_hot", "index", "binary", "multilabel", "values".
std::string_view label_format_name(LabelFormat format);

/// The format the labels of `task` take for the loss named `loss_name`.
LabelFormat label_format(Task task, const std::string& loss_name);

struct LabelInfo {
  Task task = Task::kClassification;
  std::vector<std::string> class_names;  // classes, or labels of a multilabel task; empty for regression
  LabelFormat format = LabelFormat::kOneHot;

  nlohmann::json to_json() const;
  /// From a model file's "labels": throws mlp::Error, message starting with `source` (the model
  /// file), naming the key that is missing or holds an unknown value.
  static LabelInfo from_json(const nlohmann::json& labels, const std::string& source);
};

/// One-hot class labels (N, classes) in `format` (kIndex and kBinary encode; the others keep
/// them). kBinary needs two classes: otherwise an error saying what to use instead.
Matrix encode_labels(const Matrix& one_hot, LabelFormat format);

/// Class labels (one-hot, N × classes) as derived 0/1 labels: column j is 1 when the class is in
/// the j-th list of `labels` (the [data] multilabel table, in name order).
Matrix to_multilabel(const Matrix& one_hot, const std::map<std::string, std::vector<std::size_t>>& labels);

}  // namespace mlp::cli
