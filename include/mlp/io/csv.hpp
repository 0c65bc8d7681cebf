// SPDX-License-Identifier: MIT
#pragma once
// CSV files of tabular data (RFC 4180: fields may be quoted with ", a doubled "" is a literal
// quote, quoted fields may hold the delimiter and line breaks, lines end in LF or CRLF, the last
// line may or may not end in one). The first row names the columns; the caller picks feature and
// target columns by name and gets x (N, F) and y (N, T) ready for Sequential::fit.
//
// Cells, in a numeric column: a number as std::from_chars reads it (surrounding spaces and one
// leading '+' allowed, nothing else), or a missing value: an empty field, NA, N/A, NaN (any case)
// or "?". Inf and out-of-range numbers are errors: a value that cannot be trained on must never
// enter x silently. Blank lines are skipped (as pandas does). A UTF-8 byte-order mark is skipped.
// Every error is an mlp::Error whose message starts with the file path and names the line (1-based,
// as an editor shows it; for a record spanning several lines, the line it starts on) and column.
//
// Reading a training file learns an encoding (CsvEncoding: feature columns, categories, fill values,
// class names); passing it back in CsvOptions::encoding reads a test set or data to predict on with
// exactly the same columns of x and y, so a model sees every later file as it saw the training file.
//
// Sources: src/io/csv.cpp (read_csv, parse_csv), src/io/csv_fields.cpp (RFC 4180 records, csv_field),
// src/io/csv_encoding.cpp (CsvEncoding: class names, checks, JSON).
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/matrix.hpp"

namespace mlp {

/// What read_csv learned from a training file, to apply unchanged to other files
/// (CsvOptions::encoding). Serialize it with to_json / csv_encoding_from_json.
struct CsvEncoding {
  /// The feature columns, in x's order (before one-hot expansion).
  std::vector<std::string> features;
  /// Categorical column → its values, in one-hot order (the training file's values, sorted).
  std::map<std::string, std::vector<std::string>> categories;
  /// Numeric feature column → the value a missing cell gets. Learned with CsvOptions::impute other
  /// than kNone for EVERY numeric feature column (a later file may miss values where the training file
  /// had none); empty with kNone.
  std::map<std::string, double> fill_values;
  /// Classification with one target: the label of each class index (integer labels in decimal).
  /// Multilabel: the target column names. Regression: empty.
  std::vector<std::string> class_names;

  /// Equal when every member is, orders included.
  bool operator==(const CsvEncoding&) const = default;
};

/// What read_csv takes from the file and how it turns text into numbers.
struct CsvOptions {
  /// How a missing feature value is filled in: not at all (it is an error naming its line and
  /// column), or with the mean or median of the column's non-missing values. Targets and
  /// categorical columns are never imputed: a missing value there is always an error.
  enum class Impute { kNone, kMean, kMedian };
  /// kRegression: y holds the target columns as numbers, one column each (several = multi-output).
  /// kClassification with one target: labels (integers, or any text) become class indices in
  /// sorted order (integers by value, text by byte order) and y is one-hot (N, classes).
  /// kClassification with several targets: multilabel; every target cell must be 0 or 1 and
  /// y is (N, targets).
  enum class Task { kRegression, kClassification };

  char delimiter = ',';
  /// false: the first row is data, and the columns are named "1", "2", … (1-based).
  bool header = true;
  /// Feature columns in the order x gets them; empty: every column that is not a target, in file order.
  std::vector<std::string> features;
  /// Target columns; empty: y has no columns (data to predict on). Classification needs at least one.
  std::vector<std::string> targets;
  /// Text feature columns to one-hot encode, one x column per distinct value in sorted order.
  std::vector<std::string> categorical;
  Impute impute = Impute::kNone;
  Task task = Task::kRegression;
  /// Set: apply this encoding (usually CsvDataset::encoding of the training file) instead of learning
  /// one. x gets the encoding's feature columns in its order (the file holds them in any order, and
  /// may hold others, which are ignored); a categorical cell must be one of the encoding's categories;
  /// a missing numeric feature value gets the encoding's fill value (when impute is not kNone; which
  /// of kMean/kMedian does not matter then); a class label must be one of its class names (integer
  /// class names match by value, so "07" is class "7"). `features` and `categorical` may then be left
  /// empty; if given they must name the encoding's columns. With no targets, classification is allowed
  /// too (data to predict on): y has no columns and class_names are the encoding's.
  std::optional<CsvEncoding> encoding;
};

/// A table read from CSV: x (N, F) features, y (N, T) targets.
struct CsvDataset {
  Matrix x, y;
  /// One per column of x; a one-hot column is named "<column>=<value>", e.g. "ocean_proximity=NEAR BAY".
  std::vector<std::string> feature_names;
  /// The target columns as the options named them.
  std::vector<std::string> target_names;
  /// Classification with one target: the label of each class index, as written in the file for text
  /// labels, in decimal for integer labels. Multilabel: the target column names. Regression: empty.
  std::vector<std::string> class_names;
  /// What was learned from this file, or a copy of CsvOptions::encoding when one was given.
  CsvEncoding encoding;
};

/// Reads a CSV file as described above. Throws mlp::Error, message starting with the path, on: a file
/// that cannot be opened, is empty or has no data rows; malformed quoting; a row whose field count
/// differs from the header's; an unknown or duplicated column name (the message lists the columns);
/// a cell that is not a number in a numeric column (text in a feature column suggests listing it in
/// `categorical`); a missing value that is not to be imputed; a multilabel target other than 0 or 1.
/// With CsvOptions::encoding also on: an inconsistent encoding (see csv_encoding_from_json); a feature
/// column of the encoding that the file lacks (the message lists the file's columns); a category or a
/// class label the encoding does not know (the message lists the known ones: an unseen value is never
/// encoded as all zeros); a missing value in a column the encoding has no fill value for.
CsvDataset read_csv(const std::string& path, const CsvOptions& options = {});
/// read_csv on the text of a file already in memory; `source` names it in errors as the path would.
CsvDataset parse_csv(std::string_view text, const std::string& source, const CsvOptions& options = {});

/// The encoding as a JSON object: {"features": [...], "categories": {column: [...]},
/// "fill_values": {column: number}, "class_names": [...]}.
nlohmann::json to_json(const CsvEncoding& encoding);

/// Reads to_json's object back, strictly: every key present, no other key, each of its type. Throws
/// mlp::Error, message starting with `source` (e.g. the file the JSON came from) and naming the key,
/// on a wrong type, an unknown or missing key, and on an inconsistent encoding: a duplicated feature,
/// category or class name; a categories or fill_values column that is not a feature; an empty category
/// list; a fill value for a categorical column or one that is not finite in Scalar's range.
CsvEncoding csv_encoding_from_json(const nlohmann::json& json, const std::string& source);

/// One field as Python's csv writer writes it with QUOTE_MINIMAL (its default, and what Keras'
/// CSVLogger writes): as it is, unless it holds `separator`, a double quote, CR or LF; then it is
/// enclosed in double quotes, each double quote inside doubled: `a"b` -> `"a""b"`. read_csv reads
/// such a field back unchanged (with CsvOptions::delimiter = separator). Joining fields into a row
/// and ending the line (Python: "\r\n") is the caller's.
std::string csv_field(std::string_view field, char separator = ',');

}  // namespace mlp
