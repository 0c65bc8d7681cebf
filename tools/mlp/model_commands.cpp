// SPDX-License-Identifier: MIT
// mlp evaluate MODEL DATA [--labels FILE] [--plots DIR]   loss and metrics of a saved model on new data
// mlp predict MODEL INPUT... [--top K] [--out FILE.csv]
// mlp summary [CONFIG.toml | MODEL] [--example NAME]
#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <system_error>

#include "commands.hpp"
#include "eval_data.hpp"
#include "labels.hpp"
#include "mlp/error.hpp"
#include "mlp/metrics/confusion_matrix.hpp"
#include "mlp/model_file.hpp"
#include "mlp/models/reference.hpp"
#include "mlp/plot/plots.hpp"
#include "mlp/serialize.hpp"
#include "model_assembly.hpp"
#include "run_config.hpp"
#include "run_files.hpp"
#include "train_data.hpp"

namespace mlp::cli {
namespace {

struct ModelArgs {
  std::string model;
  std::vector<std::string> inputs;
  std::string labels;
  std::size_t batch_size = 256;
  std::size_t top = 3;
  std::string out;
  std::string example = "mnist_mlp";
  std::string plots;  // evaluate: directory for confusion_matrix.png (or predicted_vs_true.png), weights.png
};

// The "extra" metadata is read with nlohmann's checked accessors; a file whose metadata lacks a
// key or has a wrong type gets an error naming the file instead of a JSON library message.
template <class F>
int with_model_metadata(const std::string& model_path, F&& run) {
  try {
    return run();
  } catch (const nlohmann::json::exception& e) {
    throw Error(model_path + ": malformed \"extra\" metadata (" + e.what() + "); was it written by `mlp train`?");
  }
}

// evaluate --plots DIR: the confusion matrix of a classifier (the predicted-vs-true scatter of a
// regression model's first target) and the weight histograms.
void write_evaluation_plots(const ModelArgs& args, SavedModel& saved, const EvalData& data) {
  std::error_code error;
  std::filesystem::create_directories(args.plots, error);
  if (error) throw Error(args.plots + ": cannot create the plots directory (" + error.message() + ")");
  const std::string title = std::filesystem::path(args.model).filename().string() + " on " +
                            std::filesystem::path(args.inputs.front()).filename().string();
  const LabelInfo labels = LabelInfo::from_json(saved.extra.at("labels"), args.model);
  std::vector<Matrix> parts;
  std::vector<Matrix> preds = saved.model->predict(model_inputs(data.x, data.input_columns, parts), args.batch_size);
  Matrix& pred = preds.front();  // several outputs: the first (the main one)
  if (preds.size() > 1) fmt::print("plots of the first output, '{}'\n", saved.model->output_names().front());
  if (labels.task == Task::kClassification) {
    const std::vector<std::string>& names = labels.class_names;
    const std::size_t model_classes = pred.cols() == 1 ? 2 : pred.cols();
    const metrics::ConfusionMatrix matrix =
        metrics::confusion_matrix(pred, data.y, names.size() >= model_classes ? names.size() : 0);
    const std::string path = (std::filesystem::path(args.plots) / "confusion_matrix.png").string();
    plot_confusion_matrix(path, matrix, names.size() == matrix.classes() ? names : std::vector<std::string>{}, title);
    fmt::print("wrote {}\n", path);
  } else if (labels.task == Task::kRegression) {
    const Preprocessing preprocessing =
        Preprocessing::from_json(ConfigObject(saved.extra.at("preprocessing"), "preprocessing"));
    Matrix truth(data.y.rows(), data.y.cols());
    copy(data.y, truth);
    preprocessing.restore_targets(pred);
    preprocessing.restore_targets(truth);
    const auto targets = saved.extra.at("input").value("targets", std::vector<std::string>{});
    std::vector<double> t(truth.rows()), p(pred.rows());
    for (std::size_t r = 0; r < truth.rows(); ++r) {
      t[r] = truth(r, 0);
      p[r] = pred(r, 0);
    }
    const std::string path = (std::filesystem::path(args.plots) / "predicted_vs_true.png").string();
    plot_predicted_vs_true(path, t, p, targets.empty() ? std::string("value") : targets[0], title);
    fmt::print("wrote {}{}\n", path,
               pred.cols() > 1 ? fmt::format(" (the first of {} targets)", pred.cols()) : std::string());
  } else {
    fmt::print("no confusion matrix: a {} model has no single predicted class\n", task_name(labels.task));
  }
  const std::string weights = (std::filesystem::path(args.plots) / "weights.png").string();
  plot_weight_histograms(weights, *saved.model, "weights of " + std::filesystem::path(args.model).filename().string());
  fmt::print("wrote {}\n", weights);
}

// One output's prediction for one sample as CSV cells and a text: the value(s) of a regression
// (target scale undone), the class of a classifier, the probabilities of a multilabel model.
struct OutputCells {
  std::vector<std::string> header;
  std::vector<std::string> cells, text;  // per sample: ",v1,v2" and "v1, v2"
};

OutputCells output_cells(const std::string& output, Matrix& pred, const nlohmann::json& extra, const LabelInfo& labels,
                         const Preprocessing& preprocessing) {
  const Task task = labels.task;
  const std::vector<std::string>& names = labels.class_names;
  const auto targets = extra.at("input").value("targets", std::vector<std::string>{});
  OutputCells out;
  // Columns: the output's name, or "<output>_<target or label>" when it gives several values.
  const bool one_class = task == Task::kClassification;
  if (one_class || pred.cols() == 1) {
    out.header.push_back(output);
  } else {
    const auto& column_names = task == Task::kMultilabel ? names : targets;
    for (std::size_t c = 0; c < pred.cols(); ++c) {
      out.header.push_back(output + "_" + (c < column_names.size() ? column_names[c] : std::to_string(c)));
    }
  }
  if (task == Task::kRegression) preprocessing.restore_targets(pred);
  for (std::size_t r = 0; r < pred.rows(); ++r) {
    const Scalar* p = pred.row(r);
    std::string cells, text;
    if (one_class) {
      const std::size_t c = labels.format == LabelFormat::kBinary
                                ? (p[0] >= 0.5 ? 1 : 0)
                                : static_cast<std::size_t>(std::max_element(p, p + pred.cols()) - p);
      const std::string name = c < names.size() ? names[c] : std::to_string(c);
      cells = ",\"" + name + "\"";
      text = name;
    } else {
      for (std::size_t c = 0; c < pred.cols(); ++c) {
        cells += fmt::format(",{:.9g}", p[c]);
        text += fmt::format("{}{:.6g}", c ? ", " : "", p[c]);
      }
    }
    out.cells.push_back(std::move(cells));
    out.text.push_back(std::move(text));
  }
  return out;
}

// predict for a model with several outputs: one CSV column per output (per value of an output
// that gives several), headed by the output's name; on the console "output: value" per output.
int print_outputs(const ModelArgs& args, const SavedModel& saved, const EvalData& data, std::vector<Matrix>& preds,
                  const Preprocessing& preprocessing) {
  const auto output_names = saved.model->output_names();
  const LabelInfo labels = LabelInfo::from_json(saved.extra.at("labels"), args.model);
  std::vector<OutputCells> outputs;
  for (std::size_t o = 0; o < preds.size(); ++o) {
    outputs.push_back(output_cells(output_names[o], preds[o], saved.extra, labels, preprocessing));
  }
  std::string csv = "sample";
  for (const auto& o : outputs) {
    for (const auto& h : o.header) csv += ",\"" + h + "\"";
  }
  csv += "\n";
  std::string text;
  for (std::size_t r = 0; r < data.x.rows(); ++r) {
    csv += "\"" + data.sample_names[r] + "\"";
    text += data.sample_names[r] + ":";
    for (std::size_t o = 0; o < outputs.size(); ++o) {
      csv += outputs[o].cells[r];
      text += fmt::format("{} {}: {}", o ? "," : "", output_names[o], outputs[o].text[r]);
    }
    csv += "\n";
    text += "\n";
  }
  if (args.out.empty()) {
    fmt::print("{}", text);
  } else {
    write_text(args.out, csv);
    fmt::print("{} predictions of {} outputs written to {}\n", data.x.rows(), outputs.size(), args.out);
  }
  return kExitOk;
}

int run_evaluate(const ModelArgs& args) {
  SavedModel saved = load_model(args.model);
  if (!saved.model->compiled()) throw Error(args.model + ": the model was saved without compile settings (no loss)");
  const EvalData data = load_eval_data(saved.extra, args.inputs, args.labels);
  if (data.y.cols() == 0) {
    throw Error(fmt::format("{}: has no labels to evaluate against{}", args.inputs.front(),
                            saved.extra.at("input").at("kind") == "image" ? " (give --labels FILE)" : ""));
  }
  std::vector<Matrix> parts;
  const Logs logs = saved.model->evaluate(model_inputs(data.x, data.input_columns, parts),
                                          model_targets(*saved.model, data.y), {.batch_size = args.batch_size});
  fmt::print("{} samples - {}\n", data.x.rows(), format_logs(logs));
  if (!args.plots.empty()) write_evaluation_plots(args, saved, data);
  return kExitOk;
}

int run_predict(const ModelArgs& args) {
  SavedModel saved = load_model(args.model);
  const EvalData data = load_eval_data(saved.extra, args.inputs, "");
  std::vector<Matrix> parts;
  std::vector<Matrix> preds = saved.model->predict(model_inputs(data.x, data.input_columns, parts), args.batch_size);
  const Preprocessing preprocessing =
      Preprocessing::from_json(ConfigObject(saved.extra.at("preprocessing"), "preprocessing"));
  if (preds.size() > 1) return print_outputs(args, saved, data, preds, preprocessing);
  Matrix& pred = preds.front();
  preprocessing.restore_targets(pred);
  const LabelInfo labels = LabelInfo::from_json(saved.extra.at("labels"), args.model);
  const std::vector<std::string>& names = labels.class_names;
  std::string csv;
  std::string text;
  if (labels.task == Task::kClassification && labels.format == LabelFormat::kBinary) {
    csv = "sample,class,probability\n";
    for (std::size_t r = 0; r < pred.rows(); ++r) {
      const double p1 = pred.row(r)[0];
      const std::size_t c = p1 >= 0.5 ? 1 : 0;
      const double p = c == 1 ? p1 : 1 - p1;
      const std::string name = c < names.size() ? names[c] : std::to_string(c);
      text += fmt::format("{}: {} ({:.4f})\n", data.sample_names[r], name, p);
      csv += fmt::format("\"{}\",\"{}\",{:.6g}\n", data.sample_names[r], name, p);
    }
  } else if (labels.task == Task::kClassification) {
    csv = "sample,class,probability\n";
    const std::size_t k = std::min(args.top, pred.cols());
    for (std::size_t r = 0; r < pred.rows(); ++r) {
      std::vector<std::size_t> order(pred.cols());
      std::iota(order.begin(), order.end(), 0);
      const Scalar* p = pred.row(r);
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                        [&](std::size_t a, std::size_t b) { return p[a] > p[b]; });
      auto name = [&](std::size_t c) { return c < names.size() ? names[c] : std::to_string(c); };
      std::string top;
      for (std::size_t i = 0; i < k; ++i) top += fmt::format("{}{} {:.4f}", i ? ", " : "", name(order[i]), p[order[i]]);
      text += fmt::format("{}: {} ({:.4f})   top-{}: {}\n", data.sample_names[r], name(order[0]), p[order[0]], k, top);
      csv += fmt::format("\"{}\",\"{}\",{:.6g}\n", data.sample_names[r], name(order[0]), p[order[0]]);
    }
  } else if (labels.task == Task::kMultilabel) {
    csv = "sample";
    for (const auto& n : names) csv += ",\"" + n + "\"";
    csv += "\n";
    for (std::size_t r = 0; r < pred.rows(); ++r) {
      std::string on, all;
      csv += "\"" + data.sample_names[r] + "\"";
      for (std::size_t c = 0; c < pred.cols(); ++c) {
        const std::string n = c < names.size() ? names[c] : std::to_string(c);
        if (pred.row(r)[c] >= 0.5) on += (on.empty() ? "" : ", ") + n;
        all += fmt::format("{}{} {:.4f}", c ? ", " : "", n, pred.row(r)[c]);
        csv += fmt::format(",{:.6g}", pred.row(r)[c]);
      }
      csv += "\n";
      text += fmt::format("{}: [{}]   ({})\n", data.sample_names[r], on, all);
    }
  } else {
    const auto targets = saved.extra.at("input").value("targets", std::vector<std::string>{});
    csv = "sample";
    for (std::size_t c = 0; c < pred.cols(); ++c)
      csv += ",\"" + (c < targets.size() ? targets[c] : std::to_string(c)) + "\"";
    csv += "\n";
    for (std::size_t r = 0; r < pred.rows(); ++r) {
      std::string values;
      csv += "\"" + data.sample_names[r] + "\"";
      for (std::size_t c = 0; c < pred.cols(); ++c) {
        values += fmt::format("{}{:.6g}", c ? ", " : "", pred.row(r)[c]);
        csv += fmt::format(",{:.9g}", pred.row(r)[c]);
      }
      csv += "\n";
      text += fmt::format("{}: {}\n", data.sample_names[r], values);
    }
  }
  if (args.out.empty()) {
    fmt::print("{}", text);
  } else {
    write_text(args.out, csv);
    fmt::print("{} predictions written to {}\n", pred.rows(), args.out);
  }
  return kExitOk;
}

int run_summary(const ModelArgs& args) {
  if (args.model.empty()) {
    if (args.example != "mnist_mlp") {
      fmt::print(stderr, "mlp summary: unknown built-in example '{}'; known: mnist_mlp\n", args.example);
      return kExitUsage;
    }
    Sequential model;
    add_reference_mnist_layers(model);
    compile_reference_mnist(model);
    fmt::print("{}", model.summary());
    return kExitOk;
  }
  fmt::print("{}", model_from_file_or_config(args.model)->summary());
  return kExitOk;
}

}  // namespace

std::unique_ptr<Model> model_from_file_or_config(const std::string& path) {
  if (std::filesystem::path(path).extension() == ".toml") {
    const ConfigDocument doc = read_toml(path);
    const TrainConfig config = parse_train_config(doc);
    auto model = model_from_train_config(doc, config, nullptr);
    CompileOptions compile = compile_options_from_config(ConfigObject(config.compile, "compile", &doc.source));
    if (model == nullptr) {
      // A graph whose input widths come from the data (a one-hot column, or all of x).
      const LoadedData data = load_training_data(config, compile.loss.name);
      return model_from_train_config(doc, config, &data);
    }
    if (!model->built()) {
      // The input shape comes from the data: the built-in sets are 28×28; otherwise read the data.
      if (!config.data.dataset.empty()) {
        model->build({28, 28});
      } else {
        model->build(load_training_data(config, compile.loss.name).input_shape);
      }
    }
    return model;
  }
  return load_model(path).model;
}

void add_model_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners) {
  auto eval_args = std::make_shared<ModelArgs>();
  CLI::App* evaluate = app.add_subcommand("evaluate", "Loss and metrics of a saved model on labelled data");
  evaluate->add_option("model", eval_args->model, "A model file (RUN_DIR/model.safetensors)")->required();
  evaluate
      ->add_option("data", eval_args->inputs,
                   "mnist or fashion-mnist (their test split), an IDX image file, or a CSV file")
      ->required()
      ->expected(1);
  evaluate->add_option("--labels", eval_args->labels, "IDX labels for an IDX image file");
  evaluate->add_option("--batch-size", eval_args->batch_size, "Samples per batch")->capture_default_str();
  evaluate->add_option("--plots", eval_args->plots,
                       "Also write DIR/confusion_matrix.png (classifiers; regression: DIR/predicted_vs_true.png) "
                       "and DIR/weights.png");
  runners.emplace_back(evaluate, [eval_args] {
    return with_model_metadata(eval_args->model, [&] { return run_evaluate(*eval_args); });
  });

  auto predict_args = std::make_shared<ModelArgs>();
  CLI::App* predict = app.add_subcommand("predict", "Predictions of a saved model: class, probability and top-k");
  predict->add_option("model", predict_args->model, "A model file (RUN_DIR/model.safetensors)")->required();
  predict
      ->add_option("inputs", predict_args->inputs,
                   "PNG/JPEG images (made 28x28 grayscale as the data set was), an IDX image file, a CSV file")
      ->required();
  predict->add_option("--top", predict_args->top, "How many classes to list per sample")->capture_default_str();
  predict->add_option("--out", predict_args->out, "Write the predictions as CSV instead of printing them");
  predict->add_option("--batch-size", predict_args->batch_size, "Samples per batch")->capture_default_str();
  runners.emplace_back(predict, [predict_args] {
    return with_model_metadata(predict_args->model, [&] { return run_predict(*predict_args); });
  });

  auto summary_args = std::make_shared<ModelArgs>();
  CLI::App* summary = app.add_subcommand("summary", "Print a model's summary as Keras does");
  summary->add_option("target", summary_args->model, "A config (.toml) or a model file; none: --example");
  summary->add_option("--example", summary_args->example, "Built-in example model")->capture_default_str();
  runners.emplace_back(summary, [summary_args] { return run_summary(*summary_args); });
}

}  // namespace mlp::cli
