// SPDX-License-Identifier: MIT
#include "monitor.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <set>
#include <string_view>

#include "mlp/error.hpp"
#include "mlp/sequential.hpp"

namespace mlp::detail {

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  // Shortest round-trip digits in scientific form, e.g. "1.2345e-05", then laid out as Python does.
  std::array<char, 64> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::scientific);
  std::string_view sci(buf.data(), static_cast<std::size_t>(res.ptr - buf.data()));
  const bool negative = sci.front() == '-';
  if (negative) sci.remove_prefix(1);
  const std::size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  const int exponent = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
  std::string out;
  if (negative) out.push_back('-');
  if (exponent < -4 || exponent >= 16) {
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out.append(exp_buf);
    return out;
  }
  if (exponent < 0) {
    out.append("0.");
    out.append(static_cast<std::size_t>(-exponent - 1), '0');
    out.append(digits);
    return out;
  }
  const auto int_digits = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= int_digits) {
    out.append(digits);
    out.append(int_digits - digits.size(), '0');
    out.append(".0");
    return out;
  }
  out.append(digits, 0, int_digits);
  out.push_back('.');
  out.append(digits, int_digits, std::string::npos);
  return out;
}

namespace {
// Keras 3's Metric._direction for the metrics mlp knows (mlp/metric.hpp).
int metric_direction(const std::string& name) {
  static const std::set<std::string> up = {"accuracy",
                                           "acc",
                                           "binary_accuracy",
                                           "categorical_accuracy",
                                           "sparse_categorical_accuracy",
                                           "top_k_categorical_accuracy",
                                           "sparse_top_k_categorical_accuracy",
                                           "precision",
                                           "recall",
                                           "auc"};
  static const std::set<std::string> down = {"mae",  "mean_absolute_error",    "mse", "mean_squared_error",
                                             "rmse", "root_mean_squared_error"};
  if (up.contains(name)) return 1;
  if (down.contains(name)) return -1;
  return 0;
}
}  // namespace

bool monitor_maximizes(const std::string& who, const std::string& monitor, const std::string& mode,
                       const Model* model) {
  if (mode == "min") return false;
  if (mode == "max") return true;
  const std::string name = monitor.starts_with("val_") ? monitor.substr(4) : monitor;
  int direction = name == "loss" ? -1 : 0;
  if (model != nullptr) {
    // The log names of the compiled metrics: a weighted metric also in `metrics` is logged as
    // "weighted_<name>" (Model::compile).
    const auto& plain = model->metric_names();
    for (const auto& m : plain) {
      if (m == name) direction = metric_direction(m);
    }
    for (const auto& m : model->weighted_metric_names()) {
      const bool also_plain = std::find(plain.begin(), plain.end(), m) != plain.end();
      if ((also_plain ? "weighted_" + m : m) == name) direction = metric_direction(m);
    }
  }
  if (direction == 0) {
    throw Error(who + ": monitor '" + monitor +
                "' is not the loss or a compiled metric whose direction is known, so mode 'auto' cannot tell "
                "whether it should be maximized or minimized; pass mode \"max\" or \"min\"");
  }
  return direction > 0;
}

std::string checked_mode(const std::string& who, const std::string& mode, std::ostream* out) {
  if (mode == "auto" || mode == "min" || mode == "max") return mode;
  if (out != nullptr) *out << "Warning: " << who << " mode '" << mode << "' is unknown, fallback to auto mode.\n";
  return "auto";
}

std::string joined_keys(const Logs& logs) {
  std::string s;
  for (const auto& [key, value] : logs) s += (s.empty() ? "" : ",") + key;
  return s;
}

}  // namespace mlp::detail
