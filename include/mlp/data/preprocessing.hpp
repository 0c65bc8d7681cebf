// SPDX-License-Identifier: MIT
#pragma once
// Preprocessing of raw inputs, fitted on the training split and saved with the model so that
// evaluate and predict apply exactly what training applied:
//   x ← x / divide_by                               (255 turns pixels 0–255 into 0–1)
//   x ← (x − mean_j) / stddev_j  per feature j      (standardize; scikit-learn's StandardScaler:
//                                                    population stddev, 1 for a constant feature)
//   y ← y / target_divide_by  (regression targets; predictions are multiplied back)
// x is (N, F); mean and stddev have F entries, or none when standardisation is off.
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "mlp/config.hpp"
#include "mlp/input.hpp"
#include "mlp/matrix.hpp"

namespace mlp {

struct Preprocessing {
  double divide_by = 1;
  std::vector<double> mean, stddev;  // empty: no standardisation
  double target_divide_by = 1;

  bool standardizes() const { return !mean.empty(); }
  /// Fits mean and stddev on x (already divided: floats, or bytes scaled by 1 / divide_by), in
  /// double. Throws Error on an empty x.
  void fit_standardize(InputView x);
  /// The steps on x as one scaling per column: x_j · scale_j − shift_j, scale_j = 1 / (divide_by ·
  /// stddev_j) and shift_j = mean_j / stddev_j (rounded to Scalar once each). Throws Error when
  /// `cols` differs from the fitted width.
  ColumnScaling scaling(std::size_t cols) const;
  /// Applies scaling(x.cols()) in place. Bytes given InputView(bytes, scaling(cols)) decode to
  /// exactly these values.
  void apply(MatrixView x) const;

  /// y ← y / target_divide_by, in place.
  void apply_to_targets(MatrixView y) const;
  /// predictions ← predictions · target_divide_by, in place.
  void restore_targets(MatrixView pred) const;

  /// {"divide_by": 255, "target_divide_by": 1, "mean": [...], "stddev": [...]} (mean/stddev only when fitted).
  nlohmann::json to_json() const;
  /// Strict inverse of to_json (validates sizes, finiteness, stddev > 0).
  static Preprocessing from_json(ConfigObject config);
};

}  // namespace mlp
