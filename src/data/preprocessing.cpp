// SPDX-License-Identifier: MIT
#include "mlp/data/preprocessing.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "mlp/error.hpp"
#include "mlp/parallel.hpp"

namespace mlp {

void Preprocessing::fit_standardize(InputView x) {
  if (x.rows() == 0) throw Error("standardize: no training samples to fit on");
  const std::size_t f = x.cols();
  mean.assign(f, 0.0);
  stddev.assign(f, 0.0);
  // Two passes in double, column-wise, top to bottom: the same result at any thread count. The
  // rows are decoded a block at a time (bytes never exist as floats all at once).
  constexpr std::size_t kBlock = 256;
  Matrix block;
  const auto each_row = [&](auto&& f_row) {
    for (std::size_t begin = 0; begin < x.rows(); begin += kBlock) {
      const std::size_t count = std::min(kBlock, x.rows() - begin);
      block.resize(count, f);
      x.copy_rows(begin, count, block);
      for (std::size_t r = 0; r < count; ++r) f_row(block.row(r));
    }
  };
  each_row([&](const Scalar* row) {
    for (std::size_t j = 0; j < f; ++j) mean[j] += static_cast<double>(row[j]);
  });
  for (auto& m : mean) m /= static_cast<double>(x.rows());
  each_row([&](const Scalar* row) {
    for (std::size_t j = 0; j < f; ++j) {
      const double d = static_cast<double>(row[j]) - mean[j];
      stddev[j] += d * d;
    }
  });
  for (auto& s : stddev) {
    s = std::sqrt(s / static_cast<double>(x.rows()));
    if (!(s > 1e-12)) s = 1;  // a constant feature is only centred
  }
}

ColumnScaling Preprocessing::scaling(std::size_t cols) const {
  if (standardizes() && cols != mean.size()) {
    throw Error("preprocessing: the data has " + std::to_string(cols) + " features, standardisation was fitted on " +
                std::to_string(mean.size()));
  }
  ColumnScaling s = ColumnScaling::divide_by(divide_by, cols);
  if (standardizes()) {
    const double inv = 1.0 / divide_by;
    for (std::size_t j = 0; j < cols; ++j) {
      s.scale[j] = static_cast<Scalar>(inv / stddev[j]);
      s.shift[j] = static_cast<Scalar>(mean[j] / stddev[j]);
    }
  }
  return s;
}

void Preprocessing::apply(MatrixView x) const {
  const ColumnScaling s = scaling(x.cols());
  parallel_for(x.rows(), x.rows() * x.cols(),
               [&](std::size_t r) { scale_shift_row(x.row(r), x.row(r), x.cols(), s.scale.data(), s.shift.data()); });
}

void Preprocessing::apply_to_targets(MatrixView y) const {
  if (target_divide_by == 1) return;
  const auto inv = static_cast<Scalar>(1.0 / target_divide_by);
  for (std::size_t r = 0; r < y.rows(); ++r) {
    for (std::size_t j = 0; j < y.cols(); ++j) y.row(r)[j] *= inv;
  }
}

void Preprocessing::restore_targets(MatrixView pred) const {
  if (target_divide_by == 1) return;
  const auto s = static_cast<Scalar>(target_divide_by);
  for (std::size_t r = 0; r < pred.rows(); ++r) {
    for (std::size_t j = 0; j < pred.cols(); ++j) pred.row(r)[j] *= s;
  }
}

nlohmann::json Preprocessing::to_json() const {
  nlohmann::json out = {{"divide_by", divide_by}, {"target_divide_by", target_divide_by}};
  if (standardizes()) {
    out["mean"] = mean;
    out["stddev"] = stddev;
  }
  return out;
}

Preprocessing Preprocessing::from_json(ConfigObject c) {
  Preprocessing p;
  p.divide_by = c.get_double("divide_by", 1);
  if (!(p.divide_by > 0)) throw c.error("divide_by", "must be > 0, got " + nlohmann::json(p.divide_by).dump());
  p.target_divide_by = c.get_double("target_divide_by", 1);
  if (!(p.target_divide_by > 0)) {
    throw c.error("target_divide_by", "must be > 0, got " + nlohmann::json(p.target_divide_by).dump());
  }
  p.mean = c.get_doubles("mean");
  p.stddev = c.get_doubles("stddev");
  c.finish();
  if (p.mean.size() != p.stddev.size()) {
    throw c.error("stddev",
                  "has " + std::to_string(p.stddev.size()) + " entries, mean has " + std::to_string(p.mean.size()));
  }
  for (double s : p.stddev) {
    if (!(s > 0)) throw c.error("stddev", "every entry must be > 0");
  }
  return p;
}

}  // namespace mlp
