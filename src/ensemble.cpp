// SPDX-License-Identifier: MIT
// VotingEnsemble: the formulas and tie rules are in mlp/ensemble.hpp.
#include "mlp/ensemble.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "mlp/activation.hpp"
#include "mlp/error.hpp"
#include "mlp/shape.hpp"

namespace mlp {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kClip = 1e-7;  // Keras' epsilon for cross-entropy of probabilities

// %g of a number (the library does not link fmt): "1", "0.5", "-1e-05".
std::string num(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

std::string str(std::size_t n) { return std::to_string(n); }

// First index of the largest value (np.argmax): ties go to the smallest index.
template <class T>
std::size_t argmax(const T* v, std::size_t n) {
  return static_cast<std::size_t>(std::max_element(v, v + n) - v);
}

const char* task_words(EnsembleTask task) {
  switch (task) {
    case EnsembleTask::kMulticlass: return "a multiclass classifier (softmax output)";
    case EnsembleTask::kBinary: return "a binary classifier (sigmoid output of width 1)";
    case EnsembleTask::kRegression: return "a regressor";
    case EnsembleTask::kAuto: break;
  }
  return "?";
}

// The task a member's output layer implies (ensemble.hpp); `who` names it in errors.
EnsembleTask task_of(const Model& model, const std::string& who) {
  if (model.num_inputs() != 1 || model.num_outputs() != 1) {
    throw Error("VotingEnsemble: " + who + " has " + str(model.num_inputs()) + " inputs and " +
                str(model.num_outputs()) + " outputs; voting needs members with one of each");
  }
  const ActivationFunction* act = model.layers()[model.output_layers()[0]]->output_activation();
  const std::size_t width = features(model.output_shape());
  if (act != nullptr && act->kind == ActivationKind::kSoftmax) return EnsembleTask::kMulticlass;
  if (act != nullptr && act->kind == ActivationKind::kSigmoid) {
    if (width == 1) return EnsembleTask::kBinary;
    throw Error("VotingEnsemble: " + who + " has a sigmoid output of width " + str(width) +
                " (multilabel), which voting does not support");
  }
  if (model.compiled() && model.loss_options().from_logits) {
    throw Error("VotingEnsemble: " + who +
                " outputs logits (its loss has from_logits); voting averages probabilities: end the model with "
                "a softmax or sigmoid");
  }
  return EnsembleTask::kRegression;
}

}  // namespace

Voting voting_from_name(const std::string& name) {
  if (name == "soft") return Voting::kSoft;
  if (name == "hard") return Voting::kHard;
  throw Error("voting must be 'soft' or 'hard', got '" + name + "'");
}

const char* voting_name(Voting voting) { return voting == Voting::kSoft ? "soft" : "hard"; }

VotingEnsemble::VotingEnsemble(std::vector<std::unique_ptr<Model>> models, VotingOptions options,
                               std::vector<std::string> names)
    : models_(std::move(models)), options_(std::move(options)), names_(std::move(names)) {
  const std::size_t n = models_.size();
  if (n < 2) throw Error("VotingEnsemble: needs at least 2 models, got " + str(n));
  if (!names_.empty() && names_.size() != n) {
    throw Error("VotingEnsemble: " + str(names_.size()) + " names for " + str(n) + " models");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!models_[i]) throw Error("VotingEnsemble: model " + str(i + 1) + " is null");
  }
  if (names_.empty()) {
    for (const auto& m : models_) names_.push_back(m->name());
  }
  auto who = [&](std::size_t i) { return "member " + str(i + 1) + " (" + names_[i] + ")"; };

  weights_ = options_.weights.empty() ? std::vector<double>(n, 1.0) : options_.weights;
  if (weights_.size() != n) {
    throw Error("VotingEnsemble: " + str(weights_.size()) + " weights for " + str(n) + " models");
  }
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(weights_[i]) || weights_[i] < 0) {
      throw Error("VotingEnsemble: weight " + str(i + 1) + " must be finite and >= 0, got " + num(weights_[i]));
    }
    total += weights_[i];
  }
  if (total <= 0) throw Error("VotingEnsemble: the weights are all 0; give at least one member a positive weight");
  if (options_.batch_size == 0) throw Error("VotingEnsemble: batch_size must be positive, got 0");

  for (std::size_t i = 0; i < n; ++i) {
    if (!models_[i]->built() || models_[i]->layers().empty()) {
      throw Error("VotingEnsemble: " + who(i) + " is not built (give it an InputLayer or call build)");
    }
  }
  for (std::size_t i = 1; i < n; ++i) {
    if (models_[i]->input_shape() != models_[0]->input_shape()) {
      throw Error("VotingEnsemble: " + who(i) + " takes inputs of shape " + format_shape(models_[i]->input_shape()) +
                  ", " + who(0) + " takes " + format_shape(models_[0]->input_shape()));
    }
    if (models_[i]->output_shape() != models_[0]->output_shape()) {
      throw Error("VotingEnsemble: " + who(i) + " gives outputs of shape " + format_shape(models_[i]->output_shape()) +
                  ", " + who(0) + " gives " + format_shape(models_[0]->output_shape()));
    }
  }
  const std::size_t width = features(models_[0]->output_shape());
  task_ = options_.task;
  if (task_ == EnsembleTask::kAuto) {
    task_ = task_of(*models_[0], who(0));
    for (std::size_t i = 1; i < n; ++i) {
      const EnsembleTask t = task_of(*models_[i], who(i));
      if (t != task_) {
        throw Error("VotingEnsemble: " + who(i) + " is " + task_words(t) + ", " + who(0) + " is " + task_words(task_));
      }
    }
  } else if (task_ == EnsembleTask::kBinary && width != 1) {
    throw Error("VotingEnsemble: a binary ensemble needs outputs of width 1, the members give " + str(width));
  } else if (task_ == EnsembleTask::kMulticlass && width < 2) {
    throw Error("VotingEnsemble: a multiclass ensemble needs outputs of width 2 or more, the members give " +
                str(width));
  }
  if (task_ == EnsembleTask::kRegression && options_.voting == Voting::kHard) {
    throw Error(
        "VotingEnsemble: hard voting needs classifiers, the members are regressors (soft voting averages them)");
  }
  preds_.resize(n);
}

void VotingEnsemble::predict_members(InputView x) {
  for (std::size_t m = 0; m < models_.size(); ++m) preds_[m] = models_[m]->predict(x, options_.batch_size);
}

// P = Σ_m w_m·P_m / W, summed in member order.
Matrix VotingEnsemble::average() const {
  double total = 0;
  for (double w : weights_) total += w;
  const std::size_t rows = preds_[0].rows(), cols = preds_[0].cols();
  Matrix out(rows, cols);
  std::vector<double> acc(cols);
  for (std::size_t r = 0; r < rows; ++r) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (std::size_t m = 0; m < preds_.size(); ++m) {
      const Scalar* p = preds_[m].row(r);
      for (std::size_t c = 0; c < cols; ++c) acc[c] += weights_[m] * static_cast<double>(p[c]);
    }
    for (std::size_t c = 0; c < cols; ++c) out.row(r)[c] = static_cast<Scalar>(acc[c] / total);
  }
  return out;
}

void VotingEnsemble::vote(const Matrix& average, std::vector<std::size_t>& classes) const {
  const std::size_t rows = average.rows(), cols = average.cols();
  classes.assign(rows, 0);
  if (options_.voting == Voting::kSoft) {
    for (std::size_t r = 0; r < rows; ++r) {
      const Scalar* p = average.row(r);
      classes[r] = task_ == EnsembleTask::kBinary ? (p[0] > Scalar(0.5) ? 1 : 0) : argmax(p, cols);
    }
    return;
  }
  const std::size_t k = task_ == EnsembleTask::kBinary ? 2 : cols;
  std::vector<double> votes(k);
  for (std::size_t r = 0; r < rows; ++r) {
    std::fill(votes.begin(), votes.end(), 0.0);
    for (std::size_t m = 0; m < preds_.size(); ++m) {
      const Scalar* p = preds_[m].row(r);
      const std::size_t c = task_ == EnsembleTask::kBinary ? (p[0] > Scalar(0.5) ? 1 : 0) : argmax(p, cols);
      votes[c] += weights_[m];
    }
    classes[r] = argmax(votes.data(), k);
  }
}

Matrix VotingEnsemble::predict(InputView x) {
  predict_members(x);
  return average();
}

std::vector<std::size_t> VotingEnsemble::predict_classes(InputView x) {
  if (task_ == EnsembleTask::kRegression) throw Error("VotingEnsemble::predict_classes: the members are regressors");
  predict_members(x);
  std::vector<std::size_t> classes;
  vote(average(), classes);
  return classes;
}

EnsembleScores VotingEnsemble::evaluate(InputView x, ConstMatrixView y) {
  if (y.rows() != x.rows()) {
    throw Error("VotingEnsemble::evaluate: " + str(x.rows()) + " samples but " + str(y.rows()) + " labels");
  }
  const std::size_t width = features(models_[0]->output_shape());
  const std::size_t n = x.rows();
  EnsembleScores scores{.accuracy = kNaN, .loss = kNaN};
  if (task_ == EnsembleTask::kRegression) {
    if (y.cols() != width) {
      throw Error("VotingEnsemble::evaluate: targets have " + str(y.cols()) + " columns, the members give " +
                  str(width));
    }
    const Matrix p = predict(x);
    double sum = 0;
    for (std::size_t r = 0; r < n; ++r) {
      for (std::size_t c = 0; c < width; ++c) {
        const double d = static_cast<double>(p.row(r)[c]) - static_cast<double>(y.row(r)[c]);
        sum += d * d;
      }
    }
    scores.loss = n == 0 ? kNaN : sum / static_cast<double>(n * width);
    return scores;
  }
  const bool one_hot = task_ == EnsembleTask::kMulticlass && y.cols() == width;
  if (!one_hot && y.cols() != 1) {
    throw Error("VotingEnsemble::evaluate: labels have " + str(y.cols()) + " columns; expected " +
                (task_ == EnsembleTask::kBinary ? std::string("1 (0/1 labels)")
                                                : str(width) + " (one-hot) or 1 (class index)"));
  }
  // The label of row r as a class index; a sparse label must be a whole number in range.
  auto label = [&](std::size_t r) -> std::size_t {
    if (one_hot) return argmax(y.row(r), width);
    const double v = static_cast<double>(y.row(r)[0]);
    if (task_ == EnsembleTask::kBinary) return v > 0.5 ? 1 : 0;
    if (!(v >= 0 && v < static_cast<double>(width) && v == std::floor(v))) {
      throw Error("VotingEnsemble::evaluate: row " + str(r) + ": label " + num(v) + " is not a class index in [0, " +
                  str(width) + ")");
    }
    return static_cast<std::size_t>(v);
  };
  predict_members(x);
  const Matrix p = average();
  std::vector<std::size_t> classes;
  vote(p, classes);
  std::size_t hits = 0;
  double loss = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const std::size_t t = label(r);
    hits += classes[r] == t ? 1 : 0;
    if (task_ == EnsembleTask::kBinary) {
      const double q = std::clamp(static_cast<double>(p.row(r)[0]), kClip, 1 - kClip);
      loss -= t == 1 ? std::log(q) : std::log(1 - q);
    } else {
      // Keras' categorical cross-entropy of probabilities: p ← p/Σp, clipped, −log p_label.
      double s = 0;
      for (std::size_t c = 0; c < width; ++c) s += static_cast<double>(p.row(r)[c]);
      const double q = s > 0 ? static_cast<double>(p.row(r)[t]) / s : 0;
      loss -= std::log(std::clamp(q, kClip, 1 - kClip));
    }
  }
  if (n > 0) {
    scores.accuracy = static_cast<double>(hits) / static_cast<double>(n);
    if (options_.voting == Voting::kSoft) scores.loss = loss / static_cast<double>(n);
  }
  return scores;
}

}  // namespace mlp
