// SPDX-License-Identifier: MIT
// Model, data-parallel: what fit() does differently when FitOptions::group is set
// (mlp/process_group.hpp has the contract). The single-process fit never enters this file.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "mlp/error.hpp"
#include "mlp/model.hpp"
#include "mlp/process_group.hpp"
#include "model_detail.hpp"

namespace mlp {
namespace {

// FNV-1a, 64 bits, over raw bytes: a fingerprint to tell whether two processes hold the same
// data, not a cryptographic hash.
class Fingerprint {
 public:
  void add(const void* data, std::size_t bytes) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < bytes; ++i) {
      h_ ^= p[i];
      h_ *= 0x100000001b3ULL;
    }
  }
  void add(std::size_t value) {
    const auto v = static_cast<std::uint64_t>(value);
    add(&v, sizeof v);
  }
  void add(ConstMatrixView m) {
    add(m.rows());
    add(m.cols());
    for (std::size_t r = 0; r < m.rows(); ++r) add(m.row(r), m.cols() * sizeof(Scalar));
  }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

// The ranks whose fingerprint differs from rank 0's, the same list on every process: rank 0's
// value is broadcast in four 16-bit pieces (exact in a double), each process compares, and the
// flags are summed.
std::vector<int> ranks_differing(ProcessGroup& group, std::uint64_t value) {
  double pieces[4];
  for (int k = 0; k < 4; ++k) pieces[k] = static_cast<double>((value >> (16 * k)) & 0xffffU);
  double mine[4];
  std::copy(pieces, pieces + 4, mine);
  group.broadcast_doubles(pieces);
  std::vector<double> flags(static_cast<std::size_t>(group.size()), 0.0);
  flags[static_cast<std::size_t>(group.rank())] = std::equal(pieces, pieces + 4, mine) ? 0.0 : 1.0;
  group.sum_doubles(flags);
  std::vector<int> differ;
  for (std::size_t r = 0; r < flags.size(); ++r) {
    if (flags[r] != 0) differ.push_back(static_cast<int>(r));
  }
  return differ;
}

std::string rank_list(const std::vector<int>& ranks) {
  std::string out;
  for (int r : ranks) out += (out.empty() ? "" : ", ") + std::to_string(r);
  return out;
}

std::vector<Matrix*> weights_and_state(const std::vector<std::unique_ptr<Layer>>& layers) {
  std::vector<Matrix*> out;
  for (const auto& layer : layers) {
    for (Param* p : layer->params()) out.push_back(&p->value);
    for (Param* p : layer->state()) out.push_back(&p->value);
  }
  return out;
}

std::span<Scalar> span_of(Matrix& m) { return {m.data(), m.size()}; }

}  // namespace

void Model::group_begin(ProcessGroup& group, InputSpan xs, TensorSpan ys, std::span<const Scalar> weights) {
  const std::string at = where("fit") + "data-parallel over " + std::to_string(group.size()) + " processes: ";
  // The same training data everywhere: the shards are cut from one shuffle order.
  Fingerprint data;
  data.add(xs.size());
  Matrix chunk;
  for (const InputView& x : xs) {
    data.add(x.rows());
    for (std::size_t begin = 0; begin < x.rows(); begin += 1024) {
      const std::size_t count = std::min<std::size_t>(1024, x.rows() - begin);
      chunk.resize(count, x.cols());
      x.copy_rows(begin, count, chunk);
      data.add(chunk.view());
    }
  }
  for (ConstMatrixView y : ys) data.add(y);
  data.add(weights.size());
  data.add(weights.data(), weights.size_bytes());
  if (const std::vector<int> differ = ranks_differing(group, data.value()); !differ.empty()) {
    throw Error(at + "the training data of rank " + rank_list(differ) + " differs from rank 0's (every process " +
                "must read the same data with the same config and seed)");
  }
  // Rank 0's weights, layer state and optimizer slots: the same start everywhere, even if a
  // process built its model some other way.
  for (Matrix* m : weights_and_state(layers_)) group.broadcast(span_of(*m));
  for (Matrix* m : optimizer_->slots()) group.broadcast(span_of(*m));

  group_params_ = params();
  std::size_t n = 0;
  for (const Param* p : group_params_) n += p->grad.size();
  group_grads_.assign(n, Scalar(0));
  group_metric_state_.clear();
  for (auto& s : outputs_) {
    for (auto& m : s.metrics) {
      for (double* v : m->state()) group_metric_state_.push_back(v);
    }
  }
  group_metric_before_.assign(group_metric_state_.size(), 0.0);
  group_stats_.assign(1 + outputs_.size() + group_metric_state_.size(), 0.0);
}

// One step on this process's rows [offset, offset + rows) of a batch of batch_rows rows (already
// gathered into the input buffers). rows 0: this process has no rows of the batch (one smaller
// than the group); the batch's first row is in the buffers and is computed with weight 0, so that
// this process makes the same random draws as the others (only BatchNormalization's moving
// statistics see that row). Returns the batch loss of the whole batch.
double Model::group_train_step(ProcessGroup& group, TensorSpan ys, std::span<const Scalar> weights, std::size_t rows,
                               std::size_t offset, std::size_t batch_rows) {
  const bool empty_shard = rows == 0;
  const std::size_t computed = empty_shard ? 1 : rows;
  for (std::size_t k = 0; k < group_metric_state_.size(); ++k) group_metric_before_[k] = *group_metric_state_[k];
  const std::size_t n_out = outputs_.size();
  std::fill(group_stats_.begin(), group_stats_.end(), 0.0);
  for (auto& layer : layers_) layer->set_batch_row_offset(offset);
  forward_batch(computed, Mode::kTrain);
  const double loss = batch_loss(ys, weights, computed);
  backward_batch(ys, weights, computed);
  if (!empty_shard) {
    // Each loss is a mean over this shard's rows: × rows makes the sums of the whole batch.
    group_stats_[0] = loss * static_cast<double>(rows);
    for (std::size_t o = 0; o < n_out; ++o) group_stats_[1 + o] = outputs_[o].last_loss * static_cast<double>(rows);
    update_metrics(ys, weights, rows);
  }
  // g = Σ_r (n_r / B)·g_r: each g_r is the mean gradient over n_r rows (plus the regularization
  // gradient, which the weights n_r / B add up to once).
  const auto share = static_cast<Scalar>(static_cast<double>(rows) / static_cast<double>(batch_rows));
  Scalar* out = group_grads_.data();
  for (Param* p : group_params_) {
    const Scalar* g = p->grad.data();
    const std::size_t n = p->grad.size();
    if (!empty_shard) {
      for (std::size_t i = 0; i < n; ++i) out[i] = g[i] * share;
    } else {
      std::fill(out, out + n, Scalar(0));
    }
    out += n;
  }
  for (std::size_t k = 0; k < group_metric_state_.size(); ++k) {
    group_stats_[1 + n_out + k] = *group_metric_state_[k] - group_metric_before_[k];
  }
  group.sum(group_grads_);
  group.sum_doubles(group_stats_);
  const Scalar* in = group_grads_.data();
  for (Param* p : group_params_) {
    std::copy(in, in + p->grad.size(), p->grad.data());
    in += p->grad.size();
  }
  for (std::size_t k = 0; k < group_metric_state_.size(); ++k) {
    *group_metric_state_[k] = group_metric_before_[k] + group_stats_[1 + n_out + k];
  }
  const auto b = static_cast<double>(batch_rows);
  for (std::size_t o = 0; o < n_out; ++o) outputs_[o].last_loss = group_stats_[1 + o] / b;
  optimizer_->step();
  return group_stats_[0] / b;
}

// Layer state (BatchNormalization's moving statistics, updated from each shard's own batches):
// the mean over the group, so that every process validates and saves the same model.
void Model::group_average_state(ProcessGroup& group) {
  const auto inv = static_cast<Scalar>(1.0 / group.size());
  for (const auto& layer : layers_) {
    for (Param* p : layer->state()) {
      group.sum(span_of(p->value));
      for (Scalar& v : span_of(p->value)) v *= inv;
    }
  }
}

// The weights must have stayed bit-identical: the same summed gradient and the same optimizer
// step everywhere. Anything else is a bug (or processes that do not run the same code).
void Model::group_end(ProcessGroup& group) {
  for (auto& layer : layers_) layer->set_batch_row_offset(0);
  Fingerprint weights;
  for (Matrix* m : weights_and_state(layers_)) weights.add(m->view());
  if (const std::vector<int> differ = ranks_differing(group, weights.value()); !differ.empty()) {
    throw Error(where("fit") + "data-parallel over " + std::to_string(group.size()) +
                " processes: after training, the weights of rank " + rank_list(differ) + " differ from rank 0's");
  }
}

void Model::group_agree_on_stop(ProcessGroup& group, TrainContext& ctx) {
  double stop = ctx.stop_training ? 1.0 : 0.0;
  group.sum_doubles({&stop, 1});
  ctx.stop_training = stop > 0;
}

void Model::group_share_logs(ProcessGroup& group, Logs& logs) {
  // Every process has the same weights and data, so the same logs; rank 0's, to be sure that
  // every callback decides alike.
  std::vector<double> values;
  for (const auto& [key, value] : logs) values.push_back(value);
  group.broadcast_doubles(values);
  std::size_t k = 0;
  for (auto& [key, value] : logs) value = values[k++];
}

}  // namespace mlp
