// SPDX-License-Identifier: MIT
#include "callbacks.hpp"

namespace mlp::py {

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
