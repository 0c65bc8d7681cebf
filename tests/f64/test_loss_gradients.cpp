// SPDX-License-Identifier: MIT
// Finite-difference checks (double build, central differences, h = 1e-6) of every loss:
//   gradient()             against d value(pred)/d pred, for probabilities and from_logits, with and
//                          without sample weights;
//   gradient_wrt_logits()  against d value(act(z))/d z, act = softmax (cross-entropies) or sigmoid
//                          (binary), z the logits.
// Inputs keep probabilities inside [1e-7, 1 − 1e-7] and errors away from the kinks of mae/huber,
// where the loss is not differentiable. Worst relative error must be ≤ 1e-6.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gradcheck.hpp"
#include "mlp/activation.hpp"
#include "mlp/loss.hpp"
#include "mlp/random.hpp"

namespace mlp {
namespace {

constexpr double kMaxError = 1e-6;
constexpr std::size_t kRows = 5;
constexpr std::size_t kCols = 4;

enum class TargetKind { kOneHot, kSoft, kLabels, kBinary, kReal };

Matrix make_target(TargetKind kind, Rng& rng) {
  Matrix y(kRows, kind == TargetKind::kLabels ? 1 : kCols);
  for (std::size_t r = 0; r < kRows; ++r) {
    const std::size_t cls = static_cast<std::size_t>(rng.uniform() * kCols) % kCols;
    switch (kind) {
      case TargetKind::kOneHot: y(r, cls) = 1; break;
      case TargetKind::kLabels: y(r, 0) = static_cast<Scalar>(cls); break;
      case TargetKind::kSoft: {  // a random distribution over the classes
        double sum = 0;
        for (std::size_t c = 0; c < kCols; ++c) sum += y(r, c) = 0.1 + rng.uniform();
        for (std::size_t c = 0; c < kCols; ++c) y(r, c) /= sum;
        break;
      }
      case TargetKind::kBinary:
        for (std::size_t c = 0; c < kCols; ++c) y(r, c) = rng.uniform() < 0.5 ? 0 : 1;
        break;
      case TargetKind::kReal:
        for (std::size_t c = 0; c < kCols; ++c) y(r, c) = rng.normal();
        break;
    }
  }
  return y;
}

std::vector<Scalar> make_weights(bool weighted, Rng& rng) {
  std::vector<Scalar> w;
  if (!weighted) return w;
  for (std::size_t r = 0; r < kRows; ++r) w.push_back(0.25 + 2 * rng.uniform());
  w[1] = 0;  // a masked row
  return w;
}

// Worst relative error of loss.gradient() at pred.
double check_gradient(const Loss& loss, Matrix pred, const Matrix& target, const std::vector<Scalar>& w) {
  Matrix analytic(pred.rows(), pred.cols());
  loss.gradient(pred, target, w, analytic);
  std::vector<Scalar> scratch;
  const Matrix numeric = gradcheck::numeric_gradient(pred, [&] { return loss.value(pred, target, w, scratch); });
  return gradcheck::compare(analytic, numeric);
}

// Worst relative error of loss.gradient_wrt_logits(act(z)) against d value(act(z))/dz.
double check_fused(const Loss& loss, const ActivationFunction& act, Matrix z, const Matrix& target,
                   const std::vector<Scalar>& w) {
  Matrix p(z.rows(), z.cols());
  activation_forward(act, z, p);
  EXPECT_TRUE(loss.fuses_with(act));
  Matrix analytic(z.rows(), z.cols());
  loss.gradient_wrt_logits(p, target, w, analytic);
  std::vector<Scalar> scratch;
  const Matrix numeric = gradcheck::numeric_gradient(z, [&] {
    activation_forward(act, z, p);
    return loss.value(p, target, w, scratch);
  });
  return gradcheck::compare(analytic, numeric);
}

struct Case {
  std::string loss;
  bool from_logits;
  TargetKind target;
};

std::string case_name(const Case& c, bool weighted) {
  const char* targets[] = {"one-hot", "soft", "labels", "binary", "real"};
  return c.loss + (c.from_logits ? " from_logits" : "") + ", " + targets[static_cast<int>(c.target)] + " target" +
         (weighted ? ", weighted" : "");
}

// Predictions the loss reads: logits uniform in [−2, 2] (wider spreads make some softmax entries so
// small that the finite difference's rounding, ~1e-16·L/h, exceeds 1e-6 of them); probabilities for the categorical
// losses are unnormalised positive rows in [.2, 1.2] (so the renormalisation p/Σp is exercised), for binary in [.05,
// .95]; regression predictions are targets plus errors with |d| ∈ [.05, 2] and, for huber, |d| at least .05 away from
// δ.
Matrix make_pred(const Case& c, const Matrix& target, double delta, Rng& rng) {
  Matrix p(kRows, kCols);
  const bool categorical = c.loss.find("categorical") != std::string::npos;
  const bool binary = c.loss == "binary_crossentropy";
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (c.from_logits) {
      p[i] = rng.uniform(-2, 2);
    } else if (categorical) {
      p[i] = 0.2 + rng.uniform();
    } else if (binary) {
      p[i] = 0.05 + 0.9 * rng.uniform();
    } else {
      double d = 0;
      do {
        d = (rng.uniform() < 0.5 ? -1 : 1) * (0.05 + 1.95 * rng.uniform());
      } while (std::abs(std::abs(d) - delta) < 0.05);
      p[i] = target[i] + d;
    }
  }
  return p;
}

TEST(LossGradients, MatchFiniteDifferences) {
  const Case cases[] = {
      {"categorical_crossentropy", false, TargetKind::kOneHot},
      {"categorical_crossentropy", false, TargetKind::kSoft},
      {"categorical_crossentropy", true, TargetKind::kOneHot},
      {"categorical_crossentropy", true, TargetKind::kSoft},
      {"sparse_categorical_crossentropy", false, TargetKind::kLabels},
      {"sparse_categorical_crossentropy", true, TargetKind::kLabels},
      {"binary_crossentropy", false, TargetKind::kBinary},
      {"binary_crossentropy", false, TargetKind::kSoft},
      {"binary_crossentropy", true, TargetKind::kBinary},
      {"binary_crossentropy", true, TargetKind::kSoft},
      {"mean_squared_error", false, TargetKind::kReal},
      {"mean_absolute_error", false, TargetKind::kReal},
      {"huber", false, TargetKind::kReal},
      {"log_cosh", false, TargetKind::kReal},
  };
  Rng rng(2024);
  for (const auto& c : cases) {
    for (bool weighted : {false, true}) {
      const Matrix target = make_target(c.target, rng);
      const auto loss = make_loss(LossOptions{.name = c.loss, .from_logits = c.from_logits});
      const Matrix pred = make_pred(c, target, 1.0, rng);
      EXPECT_LE(check_gradient(*loss, pred, target, make_weights(weighted, rng)), kMaxError) << case_name(c, weighted);
    }
  }
}

TEST(LossGradients, HuberWithOtherDelta) {
  Rng rng(7);
  const Case c{"huber", false, TargetKind::kReal};
  for (double delta : {0.3, 1.5}) {
    const auto loss = make_loss(LossOptions{.name = "huber", .delta = delta});
    const Matrix target = make_target(TargetKind::kReal, rng);
    const Matrix pred = make_pred(c, target, delta, rng);
    // Both branches are exercised: |d| spans [.05, 2] around δ.
    EXPECT_LE(check_gradient(*loss, pred, target, make_weights(true, rng)), kMaxError) << "delta " << delta;
  }
}

TEST(LossGradients, FusedLogitGradientsMatchFiniteDifferences) {
  struct FusedCase {
    std::string loss;
    std::string activation;
    TargetKind target;
  };
  const FusedCase cases[] = {
      {"categorical_crossentropy", "softmax", TargetKind::kOneHot},
      {"categorical_crossentropy", "softmax", TargetKind::kSoft},
      {"sparse_categorical_crossentropy", "softmax", TargetKind::kLabels},
      {"binary_crossentropy", "sigmoid", TargetKind::kBinary},
      {"binary_crossentropy", "sigmoid", TargetKind::kSoft},
  };
  Rng rng(99);
  for (const auto& c : cases) {
    for (bool weighted : {false, true}) {
      const auto loss = make_loss(LossOptions{.name = c.loss});
      const ActivationFunction act = ActivationFunction::from_name(c.activation);
      const Matrix target = make_target(c.target, rng);
      // Logits in [−2, 2]: probabilities stay well inside the clipping bounds.
      Matrix z(kRows, kCols);
      for (auto& v : z.values()) v = rng.uniform(-2, 2);
      EXPECT_LE(check_fused(*loss, act, z, target, make_weights(weighted, rng)), kMaxError)
          << c.loss << " + " << c.activation << (weighted ? " weighted" : "");
    }
  }
}

TEST(LossGradients, CategoricalClippedEntryPassesNoGradientThroughTheLog) {
  // p = [.5, .5 − 1e-9, 1e-9], Σp = 1, y = [.2, .3, .5]: p̂₃ < ε is clipped, so g₃ = 0 (Keras' clip
  // passes no gradient) and only the renormalisation reaches p₃:
  //   g = [−.2/.5, −.3/(.5 − 1e-9), 0],  Σ_k g_k·p̂_k = −(.2 + .3) = −.5,  dp_j = g_j + .5
  const auto loss = make_loss(LossOptions{.name = "categorical_crossentropy"});
  const Matrix pred(1, 3, {0.5, 0.5 - 1e-9, 1e-9});
  const Matrix target(1, 3, {0.2, 0.3, 0.5});
  Matrix analytic(1, 3);
  loss->gradient(pred, target, {}, analytic);
  EXPECT_NEAR(analytic[0], -0.4 + 0.5, 1e-12);
  EXPECT_NEAR(analytic[1], -0.3 / (0.5 - 1e-9) + 0.5, 1e-12);
  EXPECT_NEAR(analytic[2], 0.5, 1e-12);
}

}  // namespace
}  // namespace mlp
