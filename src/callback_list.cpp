// SPDX-License-Identifier: MIT
#include "mlp/callback_list.hpp"

namespace mlp {

CallbackList::CallbackList(const std::vector<Callback*>& callbacks, History& history, std::ostream* out, int verbose) {
  if (out != nullptr && verbose > 0) all_.push_back(&progbar_.emplace(*out, verbose));
  all_.insert(all_.end(), callbacks.begin(), callbacks.end());
  all_.push_back(&history);
}

void CallbackList::on_train_begin(TrainContext& ctx) {
  for (Callback* c : all_) c->on_train_begin(ctx);
}

void CallbackList::on_epoch_begin(TrainContext& ctx) {
  for (Callback* c : all_) c->on_epoch_begin(ctx);
}

void CallbackList::on_train_batch_begin(TrainContext& ctx) {
  for (Callback* c : all_) c->on_train_batch_begin(ctx);
}

void CallbackList::on_train_batch_end(TrainContext& ctx) {
  for (Callback* c : all_) c->on_train_batch_end(ctx);
}

void CallbackList::on_epoch_end(TrainContext& ctx) {
  for (Callback* c : all_) c->on_epoch_end(ctx);
}

void CallbackList::on_train_end(TrainContext& ctx) {
  for (Callback* c : all_) c->on_train_end(ctx);
}

}  // namespace mlp
