// SPDX-License-Identifier: MIT
#include "run_files.hpp"

#include <fmt/core.h>

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <span>

#include "mlp/io/csv.hpp"
#include "mlp/io/files.hpp"

namespace mlp::cli {

namespace fs = std::filesystem;

std::string format_logs(const std::map<std::string, double>& logs) {
  std::string out;
  if (auto it = logs.find("loss"); it != logs.end()) out = fmt::format("loss: {:.4f}", it->second);
  for (const auto& [key, value] : logs) {
    if (key != "loss") out += fmt::format("{}{}: {:.4f}", out.empty() ? "" : " - ", key, value);
  }
  return out;
}

void write_text(const std::string& path, const std::string& text) {
  write_file_atomic(path, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::string default_run_dir(const std::string& config, const std::string& suffix) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  return (fs::path("runs") / (fs::path(config).stem().string() + suffix + "-" + stamp)).string();
}

std::string history_csv(const History& history) {
  std::string out = "epoch";
  for (const auto& [key, values] : history.history) {
    out += ',';
    out += csv_field(key);  // quoted as CSVLogger quotes it
  }
  out += "\n";
  for (std::size_t i = 0; i < history.epoch.size(); ++i) {
    out += std::to_string(history.epoch[i]);
    for (const auto& [key, values] : history.history) {
      const std::size_t missing = history.epoch.size() - values.size();
      out += i < missing ? std::string(",") : fmt::format(",{:.9g}", values[i - missing]);
    }
    out += "\n";
  }
  return out;
}

}  // namespace mlp::cli
