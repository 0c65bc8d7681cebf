// SPDX-License-Identifier: MIT
#include "mlp/callbacks/csv_logger.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "mlp/checkpoint.hpp"
#include "mlp/error.hpp"
#include "mlp/io/csv.hpp"
#include "mlp/io/files.hpp"
#include "monitor.hpp"

namespace mlp {

CSVLogger::CSVLogger(Options options) : options_(std::move(options)) {
  if (options_.filename.empty()) throw Error("CSVLogger: filename is empty");
}

CSVLogger::~CSVLogger() { close(); }

void CSVLogger::close() {
  if (file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
}

void CSVLogger::on_train_begin(TrainContext&) {
  close();
  write_header_ = true;
  if (options_.append && std::filesystem::exists(options_.filename)) {
    // Keras: the header is skipped when the existing file's first line is not empty.
    std::ifstream in(options_.filename, std::ios::binary);
    std::string first;
    std::getline(in, first);
    write_header_ = first.empty();
  }
  file_ = std::fopen(options_.filename.c_str(), options_.append ? "ab" : "wb");
  if (file_ == nullptr) {
    throw Error("CSVLogger: cannot open '" + options_.filename + "' for writing: " + std::strerror(errno));
  }
  have_keys_ = false;
  keys_.clear();
}

void CSVLogger::write_row(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += options_.separator;
    line += csv_field(fields[i], options_.separator);  // Python csv QUOTE_MINIMAL
  }
  line += "\r\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    throw Error("CSVLogger: cannot write to '" + options_.filename + "': " + std::strerror(errno));
  }
}

void CSVLogger::on_epoch_end(TrainContext& ctx) {
  if (file_ == nullptr) {
    throw Error("CSVLogger: '" + options_.filename + "' is not open (on_train_begin was not called)");
  }
  if (!have_keys_) {
    for (const auto& [key, value] : ctx.logs) keys_.push_back(key);  // std::map: already sorted
    bool has_val = false;
    for (const auto& k : keys_) has_val = has_val || k.starts_with("val_");
    if (!has_val) {
      const std::size_t n = keys_.size();
      for (std::size_t i = 0; i < n; ++i) keys_.push_back("val_" + keys_[i]);
    }
    have_keys_ = true;
    if (write_header_) {
      std::vector<std::string> header{"epoch"};
      header.insert(header.end(), keys_.begin(), keys_.end());
      write_row(header);
    }
  }
  std::vector<std::string> row{std::to_string(ctx.epoch)};
  for (const auto& k : keys_) {
    const auto it = ctx.logs.find(k);
    row.push_back(it == ctx.logs.end() ? "NA" : detail::python_float_repr(it->second));
  }
  write_row(row);
}

void CSVLogger::on_train_end(TrainContext&) { close(); }

void CSVLogger::save_state(CallbackState& state) const {
  state.kind = "CSVLogger";
  std::ifstream in(options_.filename, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  state.values = {{"content", content}, {"have_keys", have_keys_}, {"keys", keys_}};
}

void CSVLogger::load_state(const CallbackState& state) {
  if (state.kind != "CSVLogger") throw Error("CSVLogger: the saved state is a " + state.kind + "'s");
  std::string content;
  try {
    content = state.values.at("content").get<std::string>();
    keys_ = state.values.at("keys").get<std::vector<std::string>>();
    have_keys_ = state.values.at("have_keys").get<bool>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("CSVLogger: corrupt saved state: ") + e.what());
  }
  close();
  write_file_atomic(options_.filename,
                    std::span(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()));
  file_ = std::fopen(options_.filename.c_str(), "ab");
  if (file_ == nullptr) {
    throw Error("CSVLogger: cannot open '" + options_.filename + "' for writing: " + std::strerror(errno));
  }
  write_header_ = false;
}

}  // namespace mlp
