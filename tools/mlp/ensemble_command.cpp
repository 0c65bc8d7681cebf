// SPDX-License-Identifier: MIT
// mlp ensemble MODEL MODEL... --data DATA [--labels FILE] [--voting soft|hard] [--weights w1,w2,...]
//              [--batch-size N] [--out FILE.json]
// Evaluates each saved model on labelled data, then their VotingEnsemble (mlp/ensemble.hpp), and
// prints one table. The data is read once, the way `mlp evaluate` reads it for the first model;
// every member must have been trained on data read and preprocessed the same way.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>

#include "commands.hpp"
#include "eval_data.hpp"
#include "mlp/ensemble.hpp"
#include "mlp/error.hpp"
#include "mlp/model_file.hpp"
#include "run_files.hpp"

namespace mlp::cli {
namespace {

struct EnsembleArgs {
  std::vector<std::string> models;
  std::string data;
  std::string labels;
  std::string voting = "soft";
  std::string weights;
  std::size_t batch_size = 256;
  std::string out;
};

// A usage error: the message on stderr and exit code 2 (docs/cli.md).
int usage_error(const std::string& message) {
  fmt::print(stderr, "mlp ensemble: {}\n", message);
  return kExitUsage;
}

// "1,2,0.5" → {1, 2, 0.5}; the error message, if any, into `error`.
std::vector<double> parse_weights(const std::string& text, std::size_t models, std::string& error) {
  std::vector<double> weights;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t end = std::min(text.find(',', begin), text.size());
    const std::string item = text.substr(begin, end - begin);
    char* stop = nullptr;
    const double w = std::strtod(item.c_str(), &stop);
    if (item.empty() || stop != item.c_str() + item.size() || !std::isfinite(w)) {
      error = fmt::format("--weights: '{}' is not a number", item);
      return {};
    }
    if (w < 0) {
      error = fmt::format("--weights: weight {} is negative ({})", weights.size() + 1, item);
      return {};
    }
    weights.push_back(w);
    begin = end + 1;
  }
  if (weights.size() != models) {
    error = fmt::format("--weights has {} values for {} models", weights.size(), models);
  } else if (std::all_of(weights.begin(), weights.end(), [](double w) { return w == 0; })) {
    error = "--weights: all weights are 0";
  }
  return weights;
}

// NaN (no value) as "-" in the table and null in the JSON.
std::string cell(double v) { return std::isnan(v) ? "-" : fmt::format("{:.4f}", v); }
nlohmann::json json_number(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }

int run_ensemble(const EnsembleArgs& args) {
  if (args.models.size() < 2) return usage_error(fmt::format("give at least 2 models, got {}", args.models.size()));
  std::vector<double> weights;
  if (!args.weights.empty()) {
    std::string error;
    weights = parse_weights(args.weights, args.models.size(), error);
    if (!error.empty()) return usage_error(error);
  }

  std::vector<std::unique_ptr<Model>> models;
  std::vector<nlohmann::json> extras;
  for (const std::string& path : args.models) {
    SavedModel saved = load_model(path);
    if (!saved.model->compiled()) throw Error(path + ": the model was saved without compile settings (no loss)");
    if (saved.model->num_inputs() != 1 || saved.model->num_outputs() != 1) {
      throw Error(
          fmt::format("{}: has {} inputs and {} outputs; an ensemble member takes one input and gives one "
                      "output",
                      path, saved.model->num_inputs(), saved.model->num_outputs()));
    }
    models.push_back(std::move(saved.model));
    extras.push_back(std::move(saved.extra));
  }
  VotingEnsemble ensemble(std::move(models),
                          {.voting = voting_from_name(args.voting), .weights = weights, .batch_size = args.batch_size},
                          args.models);
  // One data format for all: the data is read once, as the first model's metadata says.
  for (std::size_t i = 1; i < extras.size(); ++i) {
    for (const char* key : {"input", "labels", "preprocessing"}) {
      if (extras[i].value(key, nlohmann::json()) != extras[0].value(key, nlohmann::json())) {
        throw Error(
            fmt::format("{}: its \"{}\" metadata differs from {}'s; the members of an ensemble must be "
                        "trained on data read and preprocessed the same way",
                        args.models[i], key, args.models[0]));
      }
    }
  }
  const EvalData data = load_eval_data(extras[0], {args.data}, args.labels);
  if (data.y.cols() == 0) {
    throw Error(fmt::format("{}: has no labels to evaluate against{}", args.data,
                            extras[0].at("input").at("kind") == "image" ? " (give --labels FILE)" : ""));
  }

  std::size_t width = std::string_view("model").size();
  for (const auto& path : args.models) width = std::max(width, path.size());
  const std::string ensemble_label = fmt::format("ensemble ({})", args.voting);
  width = std::max(width, ensemble_label.size());
  std::string table = fmt::format("{:<{}}  {:>8}  {:>8}\n", "model", width, "loss", "accuracy");
  nlohmann::json members = nlohmann::json::array();
  for (std::size_t i = 0; i < ensemble.size(); ++i) {
    const Logs logs = ensemble.member(i).evaluate(data.x.view(), data.y, {.batch_size = args.batch_size});
    const double loss = logs.count("loss") ? logs.at("loss") : std::nan("");
    const double accuracy = logs.count("accuracy") ? logs.at("accuracy") : std::nan("");
    table += fmt::format("{:<{}}  {:>8}  {:>8}\n", args.models[i], width, cell(loss), cell(accuracy));
    members.push_back({{"path", args.models[i]},
                       {"weight", ensemble.weights()[i]},
                       {"loss", json_number(loss)},
                       {"accuracy", json_number(accuracy)}});
  }
  const EnsembleScores scores = ensemble.evaluate(data.x.view(), data.y);
  table += fmt::format("{:<{}}  {:>8}  {:>8}\n", ensemble_label, width, cell(scores.loss), cell(scores.accuracy));
  fmt::print("{} samples of {}\n{}", data.x.rows(), args.data, table);
  if (!args.out.empty()) {
    const nlohmann::json ensemble_json = {{"loss", json_number(scores.loss)},
                                          {"accuracy", json_number(scores.accuracy)}};
    const nlohmann::json out = {{"data", args.data},
                                {"samples", data.x.rows()},
                                {"voting", args.voting},
                                {"members", members},
                                {"ensemble", ensemble_json}};
    write_text(args.out, out.dump(2) + "\n");
    fmt::print("written to {}\n", args.out);
  }
  return kExitOk;
}

}  // namespace

void add_ensemble_command(CLI::App& app, std::vector<std::pair<CLI::App*, Runner>>& runners) {
  auto args = std::make_shared<EnsembleArgs>();
  CLI::App* command =
      app.add_subcommand("ensemble", "Evaluate saved models and their voting ensemble on labelled data");
  command->add_option("models", args->models, "Two or more model files (RUN_DIR/model.safetensors)")->required();
  command
      ->add_option("--data", args->data, "mnist or fashion-mnist (their test split), an IDX image file, or a CSV file")
      ->required();
  command->add_option("--labels", args->labels, "IDX labels for an IDX image file");
  command->add_option("--voting", args->voting, "soft: average the probabilities; hard: majority of the classes")
      ->check(CLI::IsMember({"soft", "hard"}))
      ->capture_default_str();
  command->add_option("--weights", args->weights, "One weight per model, comma-separated (default: all 1)");
  command->add_option("--batch-size", args->batch_size, "Samples per batch")->capture_default_str();
  command->add_option("--out", args->out, "Also write the numbers as JSON");
  runners.emplace_back(command, [args] { return run_ensemble(*args); });
}

}  // namespace mlp::cli
