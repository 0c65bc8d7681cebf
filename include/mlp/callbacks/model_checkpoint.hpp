// SPDX-License-Identifier: MIT
#pragma once
// ModelCheckpoint: saves the model at the end of every epoch, or only when a monitored quantity
// improves (keras.callbacks.ModelCheckpoint, Keras 3 semantics, save_freq "epoch").
//
//   ModelCheckpoint ckpt({.filepath = "ckpt/model-{epoch:02d}-{val_loss:.4f}.safetensors",
//                         .save_best_only = true});
//
// filepath is a template in Python's str.format syntax: {epoch} is the 1-based epoch (as in
// Keras), any other field names a key of the epoch's logs ({val_loss}, {accuracy}); a spec after
// ':' follows Python's format mini-language ([[fill]align][sign][0][width][.precision][type],
// type one of d f F e E g G %), "{{"/"}}" are literal braces. A field naming an unknown key, a
// malformed template or 'd' applied to a (float) log value is an Error naming the field.
// The file is written by save_model (mlp/model_file.hpp): the architecture, the weights and,
// unless save_weights_only, the compile settings (optimizer, loss, metrics). A weights-only file
// is the same format without the "compile" metadata (load_model returns it uncompiled); Keras
// writes a separate .weights.h5 format instead, and requires .keras/.weights.h5 endings, which we
// do not. Writes are atomic; a missing parent directory is created.
// save_best_only: saved only when the monitored value improves on the best so far (strictly;
// starting from initial_value_threshold when given, else ±inf); when the value is missing from
// the logs a warning goes to `out` and the model is saved (Keras). Direction: mode "min"/"max", or
// "auto" as EarlyStopping (loss down; compiled metrics by direction; otherwise an Error, raised at
// the first epoch end even without save_best_only, as Keras does).
// verbose 1 writes Keras' messages ("Epoch 3: val_loss improved from 0.41230 to 0.39811, saving
// model to ...") to `out`.
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "mlp/callback.hpp"

namespace mlp {

class ModelCheckpoint : public Callback {
 public:
  struct Options {
    std::string filepath;
    std::string monitor = "val_loss";
    int verbose = 0;
    bool save_best_only = false;
    bool save_weights_only = false;
    std::string mode = "auto";
    std::optional<double> initial_value_threshold;
    std::ostream* out = nullptr;
    /// Stored as the file's "extra" metadata (save_model), e.g. the CLI's preprocessing, so that a
    /// checkpoint can be evaluated and used for prediction like the final model.
    nlohmann::json extra = nlohmann::json::object();
  };
  explicit ModelCheckpoint(Options options);

  void on_epoch_end(TrainContext& ctx) override;
  /// The best value so far, its direction and the last file written (checkpoints).
  void save_state(CallbackState& state) const override;
  void load_state(const CallbackState& state) override;

  /// The file name for this 0-based epoch and these logs (the template filled in).
  std::string format_filepath(int epoch, const Logs& logs) const;
  /// The best monitored value so far (empty until the direction is known).
  std::optional<double> best() const { return best_; }
  /// The last file written (empty if none).
  const std::string& last_saved() const { return last_saved_; }
  /// Replaces Options::extra (for callers that know it only after construction).
  void set_extra(nlohmann::json extra) { options_.extra = std::move(extra); }

 private:
  bool should_save(int epoch, const Logs& logs, const std::string& path);

  Options options_;
  std::optional<bool> maximize_;
  std::optional<double> best_;
  std::string last_saved_;
};

}  // namespace mlp
