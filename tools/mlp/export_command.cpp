// SPDX-License-Identifier: MIT
// mlp export --format FORMAT MODEL OUT: a model file in another framework's format. Each format is
// one row of kFormats, {name, what it writes, writer}; a writer gets the loaded model file and the
// command's arguments. The output is written atomically (the old file is kept on any failure).
//   onnx   ONNX opset 17 of the inference graph (src/interop/onnx_export.cpp, docs/interop.md)
//   keras  a Keras 3 .keras zip; h5  a legacy Keras HDF5 full model (src/interop/keras_export.cpp)
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "mlp/error.hpp"
#include "mlp/interop/keras.hpp"
#include "mlp/interop/onnx.hpp"
#include "mlp/io/files.hpp"
#include "mlp/model_file.hpp"

namespace mlp::cli {
namespace {

struct ExportArgs {
  std::string format;
  std::string model;
  std::string out;
  bool no_preprocessing = false;  // onnx: leave the model file's preprocessing to the caller
  bool keep_batch_norm = false;   // onnx: BatchNormalization ops instead of folding into Dense
};

using Writer = void (*)(SavedModel& saved, const ExportArgs& args);

// ---- onnx ----
void write_onnx(SavedModel& saved, const ExportArgs& args) {
  OnnxExportOptions options;
  try {
    options = onnx_options_from_extra(*saved.model, saved.extra);
  } catch (const Error& e) {
    throw Error(args.model + ": " + e.what());
  }
  const bool had_preprocessing = !options.input_scaling.empty() || options.output_scale != 1;
  if (args.no_preprocessing) {
    options.input_scaling.clear();
    options.output_scale = 1;
  }
  options.fold_batch_normalization = !args.keep_batch_norm;
  std::string bytes;
  try {
    bytes = onnx_model_bytes(*saved.model, options);
  } catch (const Error& e) {
    throw Error(args.model + ": " + e.what());
  }
  write_file_atomic(args.out, {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  fmt::print("wrote {} (ONNX opset {}, {} input{}, {} output{})\n", args.out, kOnnxOpset, saved.model->num_inputs(),
             saved.model->num_inputs() == 1 ? "" : "s", saved.model->num_outputs(),
             saved.model->num_outputs() == 1 ? "" : "s");
  if (had_preprocessing) {
    fmt::print("{}\n", args.no_preprocessing
                           ? "the graph leaves the model file's preprocessing to the caller (docs/interop.md)"
                           : "the graph applies the model file's preprocessing: feed it raw values");
  }
}

// ---- keras, h5 ----
// Keras files carry no preprocessing: the caller applies the model file's (docs/interop.md).
void write_keras_format(SavedModel& saved, const ExportArgs& args, KerasFormat format) {
  try {
    save_keras(args.out, *saved.model, format);
  } catch (const Error& e) {
    throw Error(args.model + ": " + e.what());
  }
  fmt::print("wrote {} ({})\n", args.out,
             format == KerasFormat::kKeras ? "Keras 3 .keras zip" : "Keras HDF5 full model");
  if (saved.extra.contains("preprocessing")) {
    fmt::print("Keras files carry no preprocessing: apply the model file's (divide_by, standardize) to the inputs\n");
  }
}
void write_keras(SavedModel& saved, const ExportArgs& args) { write_keras_format(saved, args, KerasFormat::kKeras); }
void write_h5(SavedModel& saved, const ExportArgs& args) { write_keras_format(saved, args, KerasFormat::kH5); }

struct Format {
  const char* name;
  const char* description;
  Writer write;
};
constexpr Format kFormats[] = {
    {"onnx", "ONNX opset 17, the inference graph", write_onnx},
    {"keras", "a Keras 3 .keras zip", write_keras},
    {"h5", "a legacy Keras HDF5 full model", write_h5},
};

int run_export(const ExportArgs& args) {
  for (const Format& f : kFormats) {
    if (args.format == f.name) {
      SavedModel saved = load_model(args.model);
      f.write(saved, args);
      return kExitOk;
    }
  }
  return kExitUsage;  // unreachable: --format is checked against kFormats by CLI11
}

}  // namespace

void add_export_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners) {
  auto args = std::make_shared<ExportArgs>();
  std::vector<std::string> names;
  std::string formats;
  for (const Format& f : kFormats) {
    names.emplace_back(f.name);
    formats += fmt::format("{}{} ({})", formats.empty() ? "" : ", ", f.name, f.description);
  }
  CLI::App* command = app.add_subcommand("export", "Write a model file in another format: " + formats);
  command->add_option("--format", args->format, "The format to write")->required()->check(CLI::IsMember(names));
  command->add_option("model", args->model, "A model file (RUN_DIR/model.safetensors)")->required();
  command->add_option("out", args->out, "The file to write (replaced atomically)")->required();
  command->add_flag("--no-preprocessing", args->no_preprocessing,
                    "onnx: leave the model file's preprocessing (divide_by, standardize, target_divide_by) out of "
                    "the graph; the caller then applies it to the inputs and outputs");
  command->add_flag("--keep-batch-norm", args->keep_batch_norm,
                    "onnx: write BatchNormalization ops instead of folding them into the Dense before them");
  runners.emplace_back(command, [args] { return run_export(*args); });
}

}  // namespace mlp::cli
