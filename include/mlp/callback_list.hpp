// SPDX-License-Identifier: MIT
#pragma once
// CallbackList: the callbacks of one fit in Keras' order (keras.callbacks.CallbackList): the
// progress bar first, the user's callbacks as given, History last (it records the logs as the
// other callbacks left them: ReduceLROnPlateau adds "learning_rate"). Each hook calls every
// callback's hook in that order.
#include <iosfwd>
#include <optional>
#include <vector>

#include "mlp/callback.hpp"
#include "mlp/callbacks/progbar_logger.hpp"

namespace mlp {

class CallbackList {
 public:
  /// A ProgbarLogger(*out, verbose) first when out is set and verbose > 0; then `callbacks`; then
  /// `history`. The callbacks and history must outlive the list.
  CallbackList(const std::vector<Callback*>& callbacks, History& history, std::ostream* out = nullptr, int verbose = 0);
  CallbackList(const CallbackList&) = delete;  // holds a pointer to its own progress bar
  CallbackList& operator=(const CallbackList&) = delete;

  /// Every callback in dispatch order.
  const std::vector<Callback*>& callbacks() const { return all_; }

  void on_train_begin(TrainContext& ctx);
  void on_epoch_begin(TrainContext& ctx);
  void on_train_batch_begin(TrainContext& ctx);
  void on_train_batch_end(TrainContext& ctx);
  void on_epoch_end(TrainContext& ctx);
  void on_train_end(TrainContext& ctx);

 private:
  std::optional<ProgbarLogger> progbar_;
  std::vector<Callback*> all_;
};

}  // namespace mlp
