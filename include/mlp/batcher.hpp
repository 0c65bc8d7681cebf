// SPDX-License-Identifier: MIT
#pragma once
// Batcher: the training data of one fit, cut into batches. It holds the validation split (the
// last fraction of the samples before any shuffling, Keras), the per-sample weights (sample
// weights times class weights), the order in which an epoch visits the training samples
// (shuffled in place by Rng::shuffle, so each epoch continues from the previous order) and the
// gather of one batch into reused buffers (no allocation once they have grown to a batch).
//
//   Batcher batches(xs, ys, {.batch_size = 32, .validation_split = 0.1});
//   batches.shuffle(rng);                        // once per epoch
//   for (std::size_t b = 0; b < batches.steps(); ++b) {
//     batches.gather(batches.batch_begin(b), batches.batch_rows(b), model_inputs);
//     ... batches.batch_targets(), batches.batch_weights()
//   }
//
// Letters: N samples (training and validation), T training samples, B rows of one batch.
#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "mlp/input.hpp"
#include "mlp/matrix.hpp"
#include "mlp/random.hpp"

namespace mlp {

struct BatcherOptions {
  std::size_t batch_size = 32;  // >= 1
  /// Fraction in [0, 1) of the N samples held out for validation, from the end. Ignored when
  /// validation_inputs is given.
  double validation_split = 0;
  /// Explicit validation data (one view per input, one target per output); it has no weights.
  std::vector<InputView> validation_inputs;
  std::vector<ConstMatrixView> validation_targets;
  /// One weight per sample, N of them (before the split); empty means all 1.
  std::span<const Scalar> sample_weight;
  /// Class index → weight, multiplying the weight of each training sample of that class (read
  /// from the first target: its argmax, its value when sparse_labels, else 0/1 for one column).
  std::map<std::size_t, double> class_weight;
  /// A target of one column holds class indices (a model with several classes), not a binary
  /// probability.
  bool sparse_labels = false;
  /// Prefix of error messages ("Sequential::fit: " when fit uses it).
  std::string error_prefix = "Batcher: ";
};

class Batcher {
 public:
  /// xs: one (N, F) view per input, ys: one (N, C) target per output; they must outlive the
  /// Batcher. Throws mlp::Error for batch_size 0, a split outside [0, 1) or one that leaves no
  /// validation sample, sample_weight not of N values, inputs and targets of different row
  /// counts, class weights without a target, or no training sample.
  Batcher(InputSpan xs, std::span<const ConstMatrixView> ys, BatcherOptions options);
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  /// T for N samples and a validation_split (Keras: the first ⌊N·(1 − split)⌋ are trained on).
  static std::size_t training_count(std::size_t n, double validation_split);

  std::size_t size() const { return order_.size(); }  // T, the training samples
  std::size_t batch_size() const { return options_.batch_size; }
  /// Batches per epoch: ⌈T / batch_size⌉ (the last one may be smaller).
  std::size_t steps() const { return (size() + batch_size() - 1) / batch_size(); }
  /// Batch b covers positions [batch_begin(b), batch_begin(b) + batch_rows(b)) of order().
  std::size_t batch_begin(std::size_t b) const { return b * batch_size(); }
  std::size_t batch_rows(std::size_t b) const;

  /// The first T samples: what is trained on, and their weights (empty: all 1).
  InputSpan train_inputs() const { return train_xs_; }
  std::span<const ConstMatrixView> train_targets() const { return train_ys_; }
  std::span<const Scalar> train_weights() const { return weights_; }
  /// The validation data (empty without any) and its weights (empty: all 1).
  bool has_validation() const { return !val_xs_.empty(); }
  InputSpan validation_inputs() const { return val_xs_; }
  std::span<const ConstMatrixView> validation_targets() const { return val_ys_; }
  std::span<const Scalar> validation_weights() const { return val_weights_; }

  /// The epoch's order of the training samples, a permutation of 0 … T−1 (0, 1, … at first).
  const std::vector<std::size_t>& order() const { return order_; }
  /// Shuffles order() in place (Rng::shuffle, T − 1 draws): an epoch's new order.
  void shuffle(Rng& rng) { rng.shuffle(order_); }
  /// order() ← 0, 1, …, T − 1.
  void reset_order();
  /// order() ← `order` (a saved run's); throws mlp::Error unless it has T indices below T.
  void set_order(const std::vector<std::size_t>& order);

  /// Rows order()[first … first + rows) of every input into xs[j] (resized; one per input), and
  /// of the targets and weights into batch_targets() / batch_weights().
  void gather(std::size_t first, std::size_t rows, std::span<Matrix> xs);
  /// The targets and weights of the last gather (weights empty when every weight is 1).
  std::span<const ConstMatrixView> batch_targets() const { return batch_views_; }
  std::span<const Scalar> batch_weights() const { return batch_w_; }

 private:
  BatcherOptions options_;
  std::vector<InputView> train_xs_, val_xs_;
  std::vector<ConstMatrixView> train_ys_, val_ys_;
  std::vector<Scalar> weights_;  // (T) or empty
  std::span<const Scalar> val_weights_;
  std::vector<std::size_t> order_;  // (T)
  std::vector<Matrix> batch_y_;     // per output, (B, C)
  std::vector<ConstMatrixView> batch_views_;
  std::vector<Scalar> batch_w_;  // (B) or empty
};

}  // namespace mlp
