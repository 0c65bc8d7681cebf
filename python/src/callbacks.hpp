// SPDX-License-Identifier: MIT
#pragma once
// The bridge from Model::fit's loop to Python: one C++ Callback that takes the GIL at each hook,
// calls the Python dispatcher (mlp.callbacks' list of Python callbacks) and checks for Ctrl-C.
// fit() runs with the GIL released; a Python exception or KeyboardInterrupt raised in a hook is
// left as Python's pending error, training stops at the end of that batch (the weights are
// whole: the step that ran is complete) and bind_fit re-raises it once fit() has returned.
#include <pybind11/pybind11.h>

#include "mlp/callback.hpp"

namespace mlp::py {

namespace pyb = pybind11;

class PythonBridge : public Callback {
 public:
  /// `dispatch(event: str, index: int, logs: dict) -> bool` (True: stop training); may be None.
  explicit PythonBridge(pyb::object dispatch) : dispatch_(std::move(dispatch)) {}
  void on_train_begin(TrainContext& ctx) override { call("train_begin", 0, ctx); }
  void on_train_end(TrainContext& ctx) override { call("train_end", 0, ctx); }
  void on_epoch_begin(TrainContext& ctx) override { call("epoch_begin", ctx.epoch, ctx); }
  void on_epoch_end(TrainContext& ctx) override { call("epoch_end", ctx.epoch, ctx); }
  void on_train_batch_end(TrainContext& ctx) override;
  /// True when a Python error (or KeyboardInterrupt) is pending: the caller re-raises it.
  bool failed() const { return failed_; }

 private:
  void call(const char* event, long index, TrainContext& ctx);
  pyb::object dispatch_;
  bool failed_ = false;
  bool wants_batches_ = true;
};

/// Logs as a Python dict.
pyb::dict to_dict(const Logs& logs);

}  // namespace mlp::py
