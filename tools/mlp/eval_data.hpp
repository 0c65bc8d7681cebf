// SPDX-License-Identifier: MIT
#pragma once
// New inputs for `mlp evaluate`, `mlp predict` and `mlp ensemble`, read the way a model file's
// "extra" metadata says the training data was read (train_data.hpp's model_extra writes it).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mlp/matrix.hpp"
#include "train_data.hpp"

namespace mlp::cli {

struct EvalData {
  InputData x;
  Matrix y;                                             // y empty (0 columns) when the input has no labels
  std::vector<std::vector<std::size_t>> input_columns;  // as LoadedData::input_columns
  std::vector<std::string> sample_names;                // one per row: "image.png", "line 12", "index 5"
};

/// `sources`: a built-in data set name (its test split), a CSV file, an IDX image file (with
/// `labels_path` optional), or image files (PNG/JPEG). Applies the saved preprocessing.
EvalData load_eval_data(const nlohmann::json& extra, const std::vector<std::string>& sources,
                        const std::string& labels_path);

}  // namespace mlp::cli
