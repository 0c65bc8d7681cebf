// SPDX-License-Identifier: MIT
#pragma once
// The bridge from Model::fit's loop to Python: one C++ Callback that takes the GIL at each hook,
// calls the Python dispatcher (mlp.callbacks' list of Python callbacks) and checks for Ctrl-C.
// fit() runs with the GIL released; a Python exception or KeyboardInterrupt raised in a hook is
// left as Python's pending error, training stops at the end of that batch (the weights are
// whole: the step that ran is complete) and bind_fit re-raises it once fit() has returned.
#include <pybind11/pybind11.h>

#include <ostream>
#include <streambuf>
#include <string>

#include "mlp/callback.hpp"
#include "mlp/callbacks/progbar_logger.hpp"

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

/// A stream onto Python's sys.stdout (looked up at each flush, so contextlib.redirect_stdout,
/// pytest's capture and a notebook's stdout see it): text is buffered and written, with the GIL
/// taken, at each newline and when the stream is flushed (the progress bar flushes after each
/// draw). With `keep_carriage_returns` false every '\r' is dropped (a pipe or a file, where a
/// redraw would be a stray character).
class PythonStdout : public std::streambuf {
 public:
  explicit PythonStdout(bool keep_carriage_returns) : keep_cr_(keep_carriage_returns) {}
  ~PythonStdout() override;
  PythonStdout(const PythonStdout&) = delete;
  PythonStdout& operator=(const PythonStdout&) = delete;

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  std::string pending_;
  bool keep_cr_;
};

/// Keras' console output of fit (the library's ProgbarLogger) written to sys.stdout.
/// verbose 1 with `dynamic` (a terminal or a notebook, whose frontend redraws a line on '\r'):
/// "Epoch i/n", then the bar redrawn in place at most every 50 ms, then the epoch's final line.
/// verbose 1 without `dynamic` (a pipe, a file, a captured stdout): only "Epoch i/n" and the
/// final line, two lines per epoch (Keras' non-dynamic Progbar). verbose 2: one line per epoch.
class PythonProgress : public Callback {
 public:
  PythonProgress(int verbose, bool dynamic);
  void on_epoch_begin(TrainContext& ctx) override { bar_.on_epoch_begin(ctx); }
  void on_train_batch_end(TrainContext& ctx) override {
    if (dynamic_) bar_.on_train_batch_end(ctx);
  }
  void on_epoch_end(TrainContext& ctx) override { bar_.on_epoch_end(ctx); }
  std::ostream& stream() { return out_; }

 private:
  PythonStdout buf_;
  std::ostream out_;
  ProgbarLogger bar_;
  bool dynamic_;
};

/// Logs as a Python dict.
pyb::dict to_dict(const Logs& logs);

}  // namespace mlp::py
