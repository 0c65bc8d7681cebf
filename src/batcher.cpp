// SPDX-License-Identifier: MIT
#include "mlp/batcher.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "argument_checks.hpp"
#include "mlp/error.hpp"
#include "mlp/ops.hpp"

namespace mlp {
namespace {

// Class index of row r of a target: argmax of a one-hot row, the value of a sparse (N, 1) row, or
// 0/1 for a single binary column.
std::size_t class_of(ConstMatrixView y, std::size_t r, bool sparse) {
  const Scalar* row = y.row(r);
  if (y.cols() == 1) {
    return sparse ? static_cast<std::size_t>(row[0]) : (row[0] >= Scalar(0.5) ? 1 : 0);
  }
  return static_cast<std::size_t>(std::max_element(row, row + y.cols()) - row);
}

}  // namespace

std::size_t Batcher::training_count(std::size_t n, double validation_split) {
  if (validation_split <= 0) return n;
  return static_cast<std::size_t>(std::floor(static_cast<double>(n) * (1.0 - validation_split)));
}

Batcher::Batcher(InputSpan xs, std::span<const ConstMatrixView> ys, BatcherOptions options)
    : options_(std::move(options)) {
  const std::string& at = options_.error_prefix;
  detail::check_batch_size(at, options_.batch_size);
  detail::check_validation_split(at, options_.validation_split);
  if (xs.empty()) throw Error(at + "no input");
  const std::size_t n_all = xs[0].rows();
  detail::check_sample_weight(at, options_.sample_weight, n_all);
  for (const InputView& x : xs) {
    if (x.rows() != n_all) throw Error(at + "the inputs have different numbers of samples");
  }
  for (ConstMatrixView y : ys) {
    if (y.rows() != n_all) {
      throw Error(at + "a target has " + std::to_string(y.rows()) + " rows for " + std::to_string(n_all) + " samples");
    }
  }
  if (!options_.class_weight.empty() && ys.empty()) throw Error(at + "class_weight needs a target");

  // Validation data: explicit, or the last fraction of the samples before shuffling (Keras).
  std::size_t n_train = n_all;
  if (!options_.validation_inputs.empty()) {
    val_xs_ = options_.validation_inputs;
    val_ys_ = options_.validation_targets;
  } else if (options_.validation_split > 0) {
    n_train = training_count(n_all, options_.validation_split);
    if (n_all - n_train == 0) {
      throw Error(at + "validation_split " + std::to_string(options_.validation_split) + " of " +
                  std::to_string(n_all) + " samples leaves no validation sample");
    }
    for (const InputView& x : xs) val_xs_.push_back(x.row_range(n_train, n_all - n_train));
    for (ConstMatrixView y : ys) val_ys_.push_back(y.row_range(n_train, n_all - n_train));
    if (!options_.sample_weight.empty()) val_weights_ = options_.sample_weight.subspan(n_train);
  }
  if (n_train == 0) throw Error(at + "no training samples");
  for (const InputView& x : xs) train_xs_.push_back(x.row_range(0, n_train));
  for (ConstMatrixView y : ys) train_ys_.push_back(y.row_range(0, n_train));

  // weight = sample weight (1 when none) × the class weight of the sample's class (1 when none).
  const std::span<const Scalar> base = options_.sample_weight.first(options_.sample_weight.empty() ? 0 : n_train);
  if (!base.empty() || !options_.class_weight.empty()) {
    weights_.assign(n_train, Scalar(1));
    std::copy(base.begin(), base.end(), weights_.begin());
    for (std::size_t r = 0; r < n_train && !options_.class_weight.empty(); ++r) {
      const auto it = options_.class_weight.find(class_of(train_ys_[0], r, options_.sparse_labels));
      if (it != options_.class_weight.end()) weights_[r] *= static_cast<Scalar>(it->second);
    }
  }

  order_.resize(n_train);
  reset_order();
  batch_y_.resize(train_ys_.size());
  batch_views_.resize(train_ys_.size());
}

std::size_t Batcher::batch_rows(std::size_t b) const { return std::min(batch_size(), size() - batch_begin(b)); }

void Batcher::reset_order() { std::iota(order_.begin(), order_.end(), std::size_t{0}); }

void Batcher::set_order(const std::vector<std::size_t>& order) {
  const std::string& at = options_.error_prefix;
  if (order.size() != size()) {
    throw Error(at + "an order of " + std::to_string(order.size()) + " indices for " + std::to_string(size()) +
                " training samples");
  }
  for (std::size_t i : order) {
    if (i >= size()) throw Error(at + "index " + std::to_string(i) + " in an order of " + std::to_string(size()));
  }
  order_ = order;
}

void Batcher::gather(std::size_t first, std::size_t rows, std::span<Matrix> xs) {
  if (xs.size() != train_xs_.size() || first + rows > size()) {
    throw Error(options_.error_prefix + "gather of rows [" + std::to_string(first) + ", " +
                std::to_string(first + rows) + ") of " + std::to_string(size()) + " into " + std::to_string(xs.size()) +
                " buffers for " + std::to_string(train_xs_.size()) + " inputs");
  }
  const std::size_t* index = order_.data() + first;
  for (std::size_t j = 0; j < train_xs_.size(); ++j) train_xs_[j].gather(index, rows, xs[j]);
  for (std::size_t o = 0; o < train_ys_.size(); ++o) {
    gather_rows(train_ys_[o], index, rows, batch_y_[o]);
    batch_views_[o] = batch_y_[o];
  }
  batch_w_.resize(weights_.empty() ? 0 : rows);
  for (std::size_t r = 0; r < batch_w_.size(); ++r) batch_w_[r] = weights_[index[r]];
}

}  // namespace mlp
