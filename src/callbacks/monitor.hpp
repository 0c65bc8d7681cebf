// SPDX-License-Identifier: MIT
#pragma once
// Internal helpers shared by the callbacks (not installed, not public API).
#include <iosfwd>
#include <string>

#include "mlp/callback.hpp"

namespace mlp::detail {

/// Python's repr() of a float: the shortest text that reads back to the same double, fixed
/// notation for exponents in [-4, 16) with at least one digit after the point ("0.1", "2.0",
/// "1e-05", "1e+16", "inf", "nan"). Keras writes numbers this way in messages and CSV files.
std::string python_float_repr(double value);

/// Keras 3's MonitorCallback rule for mode "auto": "loss" (after removing a "val_" prefix) is
/// minimized; a metric compiled into the model is maximized or minimized by its direction
/// (accuracy, precision, recall, auc: up; mae, mse, rmse: down). Returns true when the monitored
/// quantity is maximized. mode "min"/"max" decide directly. Throws Error (naming `who`) when
/// mode is "auto" and the direction cannot be determined, as Keras raises ValueError.
bool monitor_maximizes(const std::string& who, const std::string& monitor, const std::string& mode, const Model* model);

/// Keras warns and falls back to "auto" for an unknown mode; the warning goes to `out` if set.
std::string checked_mode(const std::string& who, const std::string& mode, std::ostream* out);

/// "a,b,c": the keys of the logs, for "not available" warnings.
std::string joined_keys(const Logs& logs);

}  // namespace mlp::detail
