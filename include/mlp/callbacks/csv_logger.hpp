// SPDX-License-Identifier: MIT
#pragma once
// CSVLogger: streams each epoch's logs to a CSV file (keras.callbacks.CSVLogger).
//
//   CSVLogger csv({.filename = "run/log.csv"});
//
// Columns: "epoch" (0-based, as Keras writes it) then the keys of the first epoch's logs,
// sorted; when none of them starts with "val_", a "val_<key>" column is added for each (Keras
// does this; those cells read "NA"). A key missing from a later epoch is written as "NA".
// Numbers are written as Python's repr (0.5, 1.0, 0.6931471824645996). Python's csv "excel"
// dialect is followed: rows end with "\r\n", a field holding the separator, a quote or a line
// break is quoted. The header is written unless appending to a file whose first line is not
// empty. The file is opened in on_train_begin and flushed after every row, so a crash keeps the
// finished epochs. Errors (cannot open or write) are mlp::Error naming the file.
#include <cstdio>
#include <string>
#include <vector>

#include "mlp/callback.hpp"

namespace mlp {

class CSVLogger : public Callback {
 public:
  struct Options {
    std::string filename;
    char separator = ',';
    bool append = false;  // true: append to an existing file (continuing training)
  };
  explicit CSVLogger(Options options);
  ~CSVLogger() override;
  CSVLogger(const CSVLogger&) = delete;
  CSVLogger& operator=(const CSVLogger&) = delete;

  void on_train_begin(TrainContext& ctx) override;
  void on_epoch_end(TrainContext& ctx) override;
  void on_train_end(TrainContext& ctx) override;
  /// The rows written so far and the column keys (checkpoints): a resumed run rewrites the file
  /// as it was at the checkpoint, so a row of an epoch that was cut short is not repeated.
  void save_state(CallbackState& state) const override;
  void load_state(const CallbackState& state) override;

 private:
  void close();
  void write_row(const std::vector<std::string>& fields);

  Options options_;
  std::FILE* file_ = nullptr;
  bool write_header_ = true;
  bool have_keys_ = false;
  std::vector<std::string> keys_;
};

}  // namespace mlp
