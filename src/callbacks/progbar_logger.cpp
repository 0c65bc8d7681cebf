// SPDX-License-Identifier: MIT
#include "mlp/callbacks/progbar_logger.hpp"

#include <cstdio>
#include <ostream>
#include <string>

namespace mlp {
namespace {
std::string format_logs(const Logs& logs, bool validation) {
  std::string s;
  char buf[64];
  // Keras' order: loss first, then the metrics, then val_loss and the val_ metrics.
  auto append = [&](const std::string& key, double value) {
    std::snprintf(buf, sizeof buf, "%.4f", value);
    s += " - " + key + ": " + buf;
  };
  for (int pass = 0; pass < 2; ++pass) {
    const bool want_val = pass == 1;
    if (want_val && !validation) break;
    const std::string prefix = want_val ? "val_" : "";
    if (auto it = logs.find(prefix + "loss"); it != logs.end()) append(it->first, it->second);
    for (const auto& [key, value] : logs) {
      const bool is_val = key.rfind("val_", 0) == 0;
      if (is_val != want_val || key == prefix + "loss" || key == "learning_rate") continue;
      append(key, value);
    }
  }
  return s;
}

std::string format_seconds(double seconds) {
  char buf[32];
  if (seconds >= 1) {
    std::snprintf(buf, sizeof buf, "%.0fs", seconds);
  } else {
    std::snprintf(buf, sizeof buf, "%.0fms", seconds * 1e3);
  }
  return buf;
}
}  // namespace

void ProgbarLogger::on_epoch_begin(TrainContext& ctx) {
  epoch_start_ = last_draw_ = std::chrono::steady_clock::now();
  if (verbose_ == 1) out_ << "Epoch " << ctx.epoch + 1 << "/" << ctx.epochs << "\n";
}

void ProgbarLogger::on_train_batch_end(TrainContext& ctx) {
  if (verbose_ != 1) return;
  const auto now = std::chrono::steady_clock::now();
  const bool last = ctx.batch + 1 == ctx.steps;
  if (!last && now - last_draw_ < std::chrono::milliseconds(50)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - epoch_start_).count();
  const std::size_t done = ctx.batch + 1;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / ctx.steps);
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<std::size_t>(kWidth - filled - 1), '.');
  const std::string count = std::to_string(ctx.steps);
  std::string step = std::to_string(done);
  step = std::string(count.size() - step.size(), ' ') + step;
  const double eta = elapsed / static_cast<double>(done) * static_cast<double>(ctx.steps - done);
  out_ << "\r" << step << "/" << count << " [" << bar << "] - ETA: " << format_seconds(eta)
       << format_logs(ctx.logs, false) << std::flush;
}

void ProgbarLogger::on_epoch_end(TrainContext& ctx) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start_).count();
  if (verbose_ == 1) {
    const std::string count = std::to_string(ctx.steps);
    out_ << "\r" << count << "/" << count << " [" << std::string(30, '=') << "] - " << format_seconds(elapsed)
         << format_logs(ctx.logs, true) << "\n";
  } else if (verbose_ == 2) {
    out_ << "Epoch " << ctx.epoch + 1 << "/" << ctx.epochs << " - " << format_seconds(elapsed)
         << format_logs(ctx.logs, true) << "\n";
  }
  out_.flush();  // a log file or a pipe (mlp train > log; tail -f log) sees each epoch as it ends
}

}  // namespace mlp
