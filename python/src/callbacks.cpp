// SPDX-License-Identifier: MIT
#include "callbacks.hpp"

namespace mlp::py {

PythonStdout::~PythonStdout() {
  try {
    sync();
  } catch (...) {  // nothing to report to from a destructor
  }
}

PythonStdout::int_type PythonStdout::overflow(int_type c) {
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    const char ch = traits_type::to_char_type(c);
    if (keep_cr_ || ch != '\r') pending_.push_back(ch);
    if (ch == '\n') sync();
  }
  return traits_type::not_eof(c);
}

std::streamsize PythonStdout::xsputn(const char* s, std::streamsize n) {
  bool line = false;
  for (std::streamsize i = 0; i < n; ++i) {
    if (keep_cr_ || s[i] != '\r') pending_.push_back(s[i]);
    line = line || s[i] == '\n';
  }
  if (line) sync();  // line-buffered, so that Python's own prints keep their place
  return n;
}

int PythonStdout::sync() {
  if (pending_.empty()) return 0;
  pyb::gil_scoped_acquire gil;
  const pyb::error_scope pending;  // a callback's exception (or Ctrl-C) stays pending across the write
  std::string text;
  text.swap(pending_);
  try {
    pyb::object out = pyb::module_::import("sys").attr("stdout");
    if (out.is_none()) return 0;
    out.attr("write")(pyb::str(text));
    out.attr("flush")();
  } catch (pyb::error_already_set&) {  // a closed or broken stdout: the output is lost, training goes on
    return -1;
  }
  return 0;
}

PythonProgress::PythonProgress(int verbose, bool dynamic)
    : buf_(dynamic), out_(&buf_), bar_(out_, verbose), dynamic_(dynamic) {}

pyb::dict to_dict(const Logs& logs) {
  pyb::dict d;
  for (const auto& [key, value] : logs) d[pyb::str(key)] = value;
  return d;
}

void PythonBridge::call(const char* event, long index, TrainContext& ctx) {
  if (failed_ || dispatch_.is_none()) return;
  pyb::gil_scoped_acquire gil;
  try {
    if (pyb::bool_(dispatch_(event, index, to_dict(ctx.logs)))) ctx.stop_training = true;
  } catch (pyb::error_already_set& e) {
    e.restore();  // pending again; fit's caller raises it
    failed_ = true;
    ctx.stop_training = true;
  }
}

void PythonBridge::on_train_batch_end(TrainContext& ctx) {
  if (failed_) return;
  pyb::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) {  // Ctrl-C: KeyboardInterrupt is now pending
    failed_ = true;
    ctx.stop_training = true;
    return;
  }
  if (!wants_batches_ || dispatch_.is_none()) return;
  try {
    pyb::object r = dispatch_("batch_end", static_cast<long>(ctx.batch), to_dict(ctx.logs));
    if (r.is_none()) {
      wants_batches_ = false;  // the dispatcher has no batch hooks: stop paying for the dict
    } else if (pyb::bool_(r)) {
      ctx.stop_training = true;
    }
  } catch (pyb::error_already_set& e) {
    e.restore();
    failed_ = true;
    ctx.stop_training = true;
  }
}

}  // namespace mlp::py
