// SPDX-License-Identifier: MIT
// VotingEnsemble on hand-built "table" models: one Dense layer whose input is a one-hot sample
// selector, so member m's output on sample s is exactly the row s of its table (softmax of log p,
// sigmoid of logit p, or the value itself). Every vote below is computed by hand in the comments.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "mlp/ensemble.hpp"
#include "mlp/error.hpp"
#include "mlp/layers/dense.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {

using mlp::test::error_of;
using Table = std::vector<std::vector<double>>;  // [sample][output]

// A model with S inputs whose output on e_s (the s-th unit row) is table[s]: kernel row s holds
// log p (softmax: softmax(log p) = p when Σp = 1), logit p (sigmoid) or the value (linear).
std::unique_ptr<Sequential> table_model(const std::string& name, const Table& table,
                                        const std::string& activation = "softmax") {
  auto model = std::make_unique<Sequential>(ModelOptions{.name = name, .seed = 1});
  Dense& dense = model->add<Dense>({.units = table[0].size(), .activation = activation});
  model->build({table.size()});
  for (std::size_t s = 0; s < table.size(); ++s) {
    for (std::size_t c = 0; c < table[s].size(); ++c) {
      const double p = table[s][c];
      const double w = activation == "softmax" ? std::log(p) : activation == "sigmoid" ? std::log(p / (1 - p)) : p;
      dense.kernel().value.row(s)[c] = static_cast<Scalar>(w);
    }
  }
  return model;
}

Matrix identity(std::size_t n) {
  Matrix x(n, n);
  for (std::size_t i = 0; i < n; ++i) x.row(i)[i] = 1;
  return x;
}

// Three 3-class members on four samples.
//   sample 0: m1 → 0 (0.98), m2, m3 → 1 (0.4)   hard: 1 (2 votes to 1)   soft: mean (0.5267, 0.27, 0.2033) → 0
//   sample 1: all → 2                            hard: 2                   soft: 2
//   sample 2: m1 → 2, m2 → 1, m3 → 0             hard: 1-1-1 tie → 0       soft: mean (0.2667, 0.3167, 0.4167) → 2
//   sample 3: all (0.2, 0.4, 0.4)                each member's argmax and the soft mean tie at 1 and 2 → 1
const Table kM1 = {{0.98, 0.01, 0.01}, {0.2, 0.2, 0.6}, {0.1, 0.2, 0.7}, {0.2, 0.4, 0.4}};
const Table kM2 = {{0.3, 0.4, 0.3}, {0.1, 0.1, 0.8}, {0.2, 0.5, 0.3}, {0.2, 0.4, 0.4}};
const Table kM3 = {{0.3, 0.4, 0.3}, {0.3, 0.3, 0.4}, {0.5, 0.25, 0.25}, {0.2, 0.4, 0.4}};

VotingEnsemble three_classes(VotingOptions options) {
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(table_model("a", kM1));
  models.push_back(table_model("b", kM2));
  models.push_back(table_model("c", kM3));
  return VotingEnsemble(std::move(models), std::move(options));
}

TEST(VotingEnsemble, SoftVotingAveragesProbabilities) {
  VotingEnsemble ensemble = three_classes({.voting = Voting::kSoft});
  EXPECT_EQ(ensemble.task(), EnsembleTask::kMulticlass);
  const Matrix p = ensemble.predict(identity(4));
  ASSERT_EQ(p.rows(), 4u);
  ASSERT_EQ(p.cols(), 3u);
  for (std::size_t s = 0; s < 4; ++s) {
    for (std::size_t c = 0; c < 3; ++c) {
      EXPECT_NEAR(p.row(s)[c], (kM1[s][c] + kM2[s][c] + kM3[s][c]) / 3, 1e-6) << s << "," << c;
    }
  }
  EXPECT_EQ(ensemble.predict_classes(identity(4)), (std::vector<std::size_t>{0, 2, 2, 1}));
}

TEST(VotingEnsemble, HardVotingTakesTheMajorityAndBreaksTiesTowardTheSmallestClass) {
  VotingEnsemble ensemble = three_classes({.voting = Voting::kHard});
  // Sample 0: soft says 0, hard says 1; sample 2: a three-way tie goes to class 0 (sklearn).
  EXPECT_EQ(ensemble.predict_classes(identity(4)), (std::vector<std::size_t>{1, 2, 0, 1}));
}

TEST(VotingEnsemble, WeightsScaleProbabilitiesAndVotes) {
  // Weights (1, 2, 1), W = 4.
  //   soft, sample 2: (0.1 + 0.4 + 0.5, 0.2 + 1.0 + 0.25, 0.7 + 0.6 + 0.25) / 4 = (0.25, 0.3625, 0.3875) → 2
  //   soft, sample 0: (0.98 + 0.6 + 0.3, 0.01 + 0.8 + 0.4, ...) / 4 = (0.47, 0.3025, 0.2275) → 0
  //   hard, sample 2: votes (1, 2, 1) → 1;  sample 0: votes (1, 3, 0) → 1
  VotingEnsemble soft = three_classes({.voting = Voting::kSoft, .weights = {1, 2, 1}});
  const Matrix p = soft.predict(identity(4));
  EXPECT_NEAR(p.row(2)[0], 0.25, 1e-6);
  EXPECT_NEAR(p.row(2)[1], 0.3625, 1e-6);
  EXPECT_NEAR(p.row(2)[2], 0.3875, 1e-6);
  EXPECT_EQ(soft.predict_classes(identity(4)), (std::vector<std::size_t>{0, 2, 2, 1}));
  VotingEnsemble hard = three_classes({.voting = Voting::kHard, .weights = {1, 2, 1}});
  EXPECT_EQ(hard.predict_classes(identity(4)), (std::vector<std::size_t>{1, 2, 1, 1}));
  // Weights (2, 1, 1): sample 0 votes 2 for class 0 and 2 for class 1, a tie → 0; sample 2 votes
  // 2 for class 2 (m1) against 1 and 1.
  VotingEnsemble tied = three_classes({.voting = Voting::kHard, .weights = {2, 1, 1}});
  EXPECT_EQ(tied.predict_classes(identity(4)), (std::vector<std::size_t>{0, 2, 2, 1}));
  // A zero weight silences a member: only m2 and m3 vote.
  VotingEnsemble silenced = three_classes({.voting = Voting::kHard, .weights = {0, 1, 1}});
  EXPECT_EQ(silenced.predict_classes(identity(4)), (std::vector<std::size_t>{1, 2, 0, 1}));
}

TEST(VotingEnsemble, EvaluateTakesOneHotOrSparseLabels) {
  // Labels (1, 2, 2, 2): soft predicts (0, 2, 2, 1) → 2/4; hard predicts (1, 2, 0, 1) → 2/4 too,
  // but right on different samples.
  const Matrix sparse(4, 1, {1, 2, 2, 2});
  Matrix one_hot(4, 3);
  for (std::size_t s = 0; s < 4; ++s) one_hot.row(s)[static_cast<std::size_t>(sparse.row(s)[0])] = 1;
  VotingEnsemble soft = three_classes({.voting = Voting::kSoft});
  const EnsembleScores a = soft.evaluate(identity(4), sparse);
  const EnsembleScores b = soft.evaluate(identity(4), one_hot);
  EXPECT_DOUBLE_EQ(a.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(b.accuracy, 0.5);
  // Loss: mean of −log(mean p of the label): 0.27, 0.6, 0.4167, 0.4.
  const double loss = -(std::log(0.81 / 3) + std::log(1.8 / 3) + std::log(1.25 / 3) + std::log(0.4)) / 4;
  EXPECT_NEAR(a.loss, loss, 1e-5);
  EXPECT_NEAR(b.loss, loss, 1e-5);
  VotingEnsemble hard = three_classes({.voting = Voting::kHard});
  const EnsembleScores h = hard.evaluate(identity(4), sparse);
  EXPECT_DOUBLE_EQ(h.accuracy, 0.5);
  EXPECT_TRUE(std::isnan(h.loss));  // hard voting has no probabilities
  const Matrix labels_sample2_is_0(4, 1, {1, 2, 0, 2});
  EXPECT_DOUBLE_EQ(hard.evaluate(identity(4), labels_sample2_is_0).accuracy, 0.75);  // samples 0-2 right
  EXPECT_DOUBLE_EQ(soft.evaluate(identity(4), labels_sample2_is_0).accuracy, 0.25);
}

// Binary members: one sigmoid output, p = P(class 1).
//   sample 0: 0.9, 0.4, 0.4   soft mean 0.5667 → 1   hard votes 1, 0, 0 → 0
//   sample 1: 0.6, 0.6, 0.1   soft mean 0.4333 → 0   hard votes 1, 1, 0 → 1
//   sample 2: 0.5 everywhere  p = 0.5 is class 0 (strict threshold), soft and hard
const Table kB1 = {{0.9}, {0.6}, {0.5}};
const Table kB2 = {{0.4}, {0.6}, {0.5}};
const Table kB3 = {{0.4}, {0.1}, {0.5}};

VotingEnsemble binary(VotingOptions options) {
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(table_model("a", kB1, "sigmoid"));
  models.push_back(table_model("b", kB2, "sigmoid"));
  models.push_back(table_model("c", kB3, "sigmoid"));
  return VotingEnsemble(std::move(models), std::move(options));
}

TEST(VotingEnsemble, BinarySigmoidMembersVoteWithAThresholdOfOneHalf) {
  VotingEnsemble soft = binary({.voting = Voting::kSoft});
  EXPECT_EQ(soft.task(), EnsembleTask::kBinary);
  const Matrix p = soft.predict(identity(3));
  ASSERT_EQ(p.cols(), 1u);
  EXPECT_NEAR(p.row(0)[0], 1.7 / 3, 1e-6);
  EXPECT_NEAR(p.row(1)[0], 1.3 / 3, 1e-6);
  EXPECT_EQ(soft.predict_classes(identity(3)), (std::vector<std::size_t>{1, 0, 0}));
  VotingEnsemble hard = binary({.voting = Voting::kHard});
  EXPECT_EQ(hard.predict_classes(identity(3)), (std::vector<std::size_t>{0, 1, 0}));
  // Weights (2, 1, 1) on sample 0: 2 votes for 1, 2 for 0: a tie → 0; sample 1: 3 to 1 → 1.
  VotingEnsemble tied = binary({.voting = Voting::kHard, .weights = {2, 1, 1}});
  EXPECT_EQ(tied.predict_classes(identity(3)), (std::vector<std::size_t>{0, 1, 0}));
  // Labels (1, 1, 0): soft gets 0 and 2 right, hard 1 and 2. Soft loss: binary cross-entropy of the means.
  const Matrix y(3, 1, {1, 1, 0});
  const EnsembleScores s = soft.evaluate(identity(3), y);
  EXPECT_NEAR(s.accuracy, 2.0 / 3, 1e-12);
  EXPECT_NEAR(s.loss, -(std::log(1.7 / 3) + std::log(1.3 / 3) + std::log(0.5)) / 3, 1e-5);
  EXPECT_NEAR(hard.evaluate(identity(3), y).accuracy, 2.0 / 3, 1e-12);
}

TEST(VotingEnsemble, RegressorsAreAveraged) {
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(table_model("a", {{1.0, 10.0}, {2.0, -4.0}}, "linear"));
  models.push_back(table_model("b", {{3.0, 20.0}, {4.0, 0.0}}, "linear"));
  VotingEnsemble ensemble(std::move(models), {.weights = {3, 1}});
  EXPECT_EQ(ensemble.task(), EnsembleTask::kRegression);
  const Matrix p = ensemble.predict(identity(2));
  EXPECT_NEAR(p.row(0)[0], 1.5, 1e-6);  // (3·1 + 3) / 4
  EXPECT_NEAR(p.row(0)[1], 12.5, 1e-6);
  EXPECT_NEAR(p.row(1)[0], 2.5, 1e-6);
  EXPECT_NEAR(p.row(1)[1], -3.0, 1e-6);
  const Matrix y(2, 2, {1.5, 12.5, 2.5, -1.0});
  const EnsembleScores s = ensemble.evaluate(identity(2), y);
  EXPECT_TRUE(std::isnan(s.accuracy));
  EXPECT_NEAR(s.loss, 4.0 / 4, 1e-5);  // one error of 2, squared, over 4 values
  EXPECT_EQ(error_of([&] { ensemble.predict_classes(identity(2)); }),
            "VotingEnsemble::predict_classes: the members are regressors");
}

TEST(VotingEnsemble, PredictionsAreDeterministic) {
  VotingEnsemble a = three_classes({.weights = {0.3, 0.5, 0.2}});
  VotingEnsemble b = three_classes({.weights = {0.3, 0.5, 0.2}});
  const Matrix pa = a.predict(identity(4));
  const Matrix pb = b.predict(identity(4));
  const Matrix pa2 = a.predict(identity(4));
  for (std::size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa.data()[i], pb.data()[i]);
    EXPECT_EQ(pa.data()[i], pa2.data()[i]);
  }
}

template <class... M>
std::vector<std::unique_ptr<Model>> models_of(M&&... m) {
  std::vector<std::unique_ptr<Model>> out;
  (out.push_back(std::forward<M>(m)), ...);
  return out;
}

TEST(VotingEnsemble, RejectsBadMembersAndWeightsNamingTheMember) {
  const Table two = {{0.5, 0.5}, {0.5, 0.5}};
  auto make = [&](VotingOptions options, std::vector<std::string> names = {}) {
    VotingEnsemble(models_of(table_model("a", kM1), table_model("b", kM2), table_model("c", kM3)), std::move(options),
                   std::move(names));
  };
  EXPECT_EQ(error_of([&] { VotingEnsemble(models_of(table_model("a", kM1))); }),
            "VotingEnsemble: needs at least 2 models, got 1");
  EXPECT_EQ(error_of([&] { make({.weights = {1, 2}}); }), "VotingEnsemble: 2 weights for 3 models");
  EXPECT_EQ(error_of([&] {
              make({.weights = {1, -0.5, 1}});
            }),
            "VotingEnsemble: weight 2 must be finite and >= 0, got -0.5");
  EXPECT_EQ(error_of([&] {
              make({.weights = {1, 1, std::nan("")}});
            }),
            "VotingEnsemble: weight 3 must be finite and >= 0, got nan");
  EXPECT_EQ(error_of([&] {
              make({.weights = {0, 0, 0}});
            }),
            "VotingEnsemble: the weights are all 0; give at least one member a positive weight");
  EXPECT_EQ(error_of([&] { make({}, {"x.safetensors"}); }), "VotingEnsemble: 1 names for 3 models");
  EXPECT_EQ(error_of([&] { VotingEnsemble(models_of(table_model("a", kM1), nullptr)); }),
            "VotingEnsemble: model 2 is null");
  EXPECT_EQ(error_of([&] {
              VotingEnsemble(models_of(table_model("a", kM1),
                                       table_model("b", {{0.2, 0.8}, {0.5, 0.5}, {0.5, 0.5}, {0.5, 0.5}, {0.5, 0.5}})),
                             {}, {"a.safetensors", "b.safetensors"});
            }),
            "VotingEnsemble: member 2 (b.safetensors) takes inputs of shape (None, 5), member 1 (a.safetensors) "
            "takes (None, 4)");
  EXPECT_EQ(error_of([&] {
              VotingEnsemble(
                  models_of(table_model("a", kM1), table_model("b", {{0.2, 0.8}, {0.5, 0.5}, {0.5, 0.5}, {0.5, 0.5}})));
            }),
            "VotingEnsemble: member 2 (b) gives outputs of shape (None, 2), member 1 (a) gives (None, 3)");
  EXPECT_EQ(error_of([&] { VotingEnsemble(models_of(table_model("a", kM1), table_model("b", kM2, "linear"))); }),
            "VotingEnsemble: member 2 (b) is a regressor, member 1 (a) is a multiclass classifier (softmax output)");
  EXPECT_EQ(
      error_of([&] { VotingEnsemble(models_of(table_model("a", kM1, "sigmoid"), table_model("b", kM2, "sigmoid"))); }),
      "VotingEnsemble: member 1 (a) has a sigmoid output of width 3 (multilabel), which voting does not support");
  EXPECT_EQ(error_of([&] {
              VotingEnsemble(models_of(table_model("a", two, "linear"), table_model("b", two, "linear")),
                             {.voting = Voting::kHard});
            }),
            "VotingEnsemble: hard voting needs classifiers, the members are regressors (soft voting averages them)");
  EXPECT_EQ(error_of([&] {
              auto unbuilt = std::make_unique<Sequential>(ModelOptions{.name = "u"});
              unbuilt->add<Dense>({.units = 3, .activation = "softmax"});
              VotingEnsemble(models_of(table_model("a", kM1), std::move(unbuilt)));
            }),
            "VotingEnsemble: member 2 (u) is not built (give it an InputLayer or call build)");
  EXPECT_EQ(error_of([&] { voting_from_name("majority"); }), "voting must be 'soft' or 'hard', got 'majority'");
  EXPECT_EQ(voting_from_name("hard"), Voting::kHard);
}

TEST(VotingEnsemble, EvaluateRejectsLabelsOfTheWrongShape) {
  VotingEnsemble ensemble = three_classes({});
  EXPECT_EQ(error_of([&] { ensemble.evaluate(identity(4), Matrix(3, 1)); }),
            "VotingEnsemble::evaluate: 4 samples but 3 labels");
  EXPECT_EQ(error_of([&] { ensemble.evaluate(identity(4), Matrix(4, 2)); }),
            "VotingEnsemble::evaluate: labels have 2 columns; expected 3 (one-hot) or 1 (class index)");
  EXPECT_EQ(error_of([&] {
              ensemble.evaluate(identity(4), Matrix(4, 1, {0, 1, 3, 0}));
            }),
            "VotingEnsemble::evaluate: row 2: label 3 is not a class index in [0, 3)");
}

}  // namespace
}  // namespace mlp
