// SPDX-License-Identifier: MIT
#pragma once
// VotingEnsemble: several trained models that vote, as scikit-learn's VotingClassifier (and, for
// regressors, VotingRegressor). Members are whole models trained apart (different seeds, different
// architectures with the same input and output shapes); nothing is trained here.
//
//   std::vector<std::unique_ptr<Model>> models;
//   for (auto path : {"a.safetensors", "b.safetensors", "c.safetensors"}) models.push_back(load_model(path).model);
//   VotingEnsemble ensemble(std::move(models), {.voting = Voting::kSoft, .weights = {2, 1, 1}});
//   std::vector<std::size_t> classes = ensemble.predict_classes(x);
//   EnsembleScores s = ensemble.evaluate(x, y);   // accuracy (and loss for soft voting)
//
// With member outputs P_m (N, C) and weights w_m ≥ 0 (all 1 when none are given), W = Σ_m w_m:
//   predict          P = Σ_m w_m·P_m / W                  (N, C): sklearn's predict_proba for
//                                                          classifiers, VotingRegressor.predict
//   soft voting      class_i = argmax_c P[i, c]            binary (C = 1): class_i = [P[i] > 0.5]
//   hard voting      votes[i, c] = Σ_m w_m·[argmax P_m[i] = c]   binary: member vote [P_m[i] > 0.5]
//                    class_i = argmax_c votes[i, c]
// Every argmax takes the FIRST largest value, so a tie goes to the smallest class index (sklearn:
// "in the cases of a tie, the VotingClassifier will select the class based on the ascending sort
// order"; np.argmax(np.bincount(...))). The binary threshold is strict, as Keras'
// binary_accuracy and a logistic regression's decision > 0: p = 0.5 is class 0.
//
// The task is read from the members' output layer unless given: softmax → multiclass, sigmoid of
// width 1 → binary, any other activation → regression (averaging only; hard voting is refused).
// A sigmoid of width > 1 (multilabel) and logits (a cross-entropy loss with from_logits) are
// refused: averaging logits is not averaging probabilities.
// Every member must be built and take the same input shape and give the same output shape and
// task; an Error names the member (its name from `names`, else its model name) otherwise.
// Determinism: members are summed in their order, each sample's sum in the same order, so the
// result does not depend on the thread count beyond what each member's predict does.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "mlp/input.hpp"
#include "mlp/matrix.hpp"
#include "mlp/sequential.hpp"

namespace mlp {

enum class Voting { kSoft, kHard };
enum class EnsembleTask { kAuto, kMulticlass, kBinary, kRegression };

struct VotingOptions {
  Voting voting = Voting::kSoft;
  /// One weight per member, each finite and ≥ 0, not all 0; empty means all 1 (sklearn).
  std::vector<double> weights;
  /// kAuto: from the members' output activation (see above).
  EnsembleTask task = EnsembleTask::kAuto;
  /// Passed to every member's predict.
  std::size_t batch_size = 256;
};

struct EnsembleScores {
  /// Fraction of samples whose voted class is the label; NaN for regression.
  double accuracy = 0;
  /// Of the averaged outputs P: categorical cross-entropy (multiclass), binary cross-entropy
  /// (binary), both with Keras' clipping of p to [1e-7, 1 − 1e-7]; mean squared error
  /// (regression). NaN for hard voting, which has no probabilities (sklearn's predict_proba
  /// refuses hard voting too).
  double loss = 0;
};

/// "soft" / "hard"; anything else throws Error.
Voting voting_from_name(const std::string& name);
const char* voting_name(Voting voting);

class VotingEnsemble {
 public:
  /// Takes the models (at least 2). `names` (empty, or one per model) label members in errors.
  explicit VotingEnsemble(std::vector<std::unique_ptr<Model>> models, VotingOptions options = {},
                          std::vector<std::string> names = {});

  /// The weighted average of the members' outputs, (N, output width).
  Matrix predict(InputView x);
  /// The voted class of each sample (classifiers only).
  std::vector<std::size_t> predict_classes(InputView x);
  /// Accuracy and loss against labels: one-hot (N, C), class indices (N, 1), or for a binary
  /// model 0/1 labels (N, 1); for regression, targets (N, output width) and only the loss.
  EnsembleScores evaluate(InputView x, ConstMatrixView y);

  std::size_t size() const { return models_.size(); }
  Model& member(std::size_t i) { return *models_.at(i); }
  const std::string& member_name(std::size_t i) const { return names_.at(i); }
  EnsembleTask task() const { return task_; }
  const VotingOptions& options() const { return options_; }
  /// The weights in use (all 1 when none were given).
  const std::vector<double>& weights() const { return weights_; }

 private:
  /// Each member's predictions of x, in order, into preds_.
  void predict_members(InputView x);
  void vote(const Matrix& average, std::vector<std::size_t>& classes) const;
  Matrix average() const;

  std::vector<std::unique_ptr<Model>> models_;
  VotingOptions options_;
  std::vector<std::string> names_;
  std::vector<double> weights_;
  EnsembleTask task_ = EnsembleTask::kAuto;
  std::vector<Matrix> preds_;  // the last predict_members(), one per member
};

}  // namespace mlp
