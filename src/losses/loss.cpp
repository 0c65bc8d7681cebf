// SPDX-License-Identifier: MIT
// Loss: the shared reduction, shape checks, and the name -> class table.
#include "mlp/loss.hpp"

#include <cmath>
#include <sstream>

#include "loss_checks.hpp"
#include "mlp/error.hpp"
#include "mlp/losses/binary_crossentropy.hpp"
#include "mlp/losses/categorical_crossentropy.hpp"
#include "mlp/losses/regression_losses.hpp"

namespace mlp {
namespace loss_detail {
namespace {

std::string shape_string(std::size_t rows, std::size_t cols) {
  return "(" + std::to_string(rows) + ", " + std::to_string(cols) + ")";
}

}  // namespace

std::string format_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void check_target(const Loss& loss, ConstMatrixView pred, ConstMatrixView target) {
  // The name is formatted only on the error path: this runs every batch and must not allocate.
  const auto who = [&] { return std::string(loss.name()); };
  if (pred.cols() == 0) throw Error(who() + ": predictions have no columns");
  const std::size_t want = loss.target_cols(pred.cols());
  if (target.cols() != want) {
    throw Error(who() + ": target has " + std::to_string(target.cols()) + " columns but predictions have " +
                std::to_string(pred.cols()) + ", so the target needs " + std::to_string(want) +
                (want == 1 && pred.cols() != 1 ? " (the class index)" : ""));
  }
  if (target.rows() != pred.rows()) {
    throw Error(who() + ": target has " + std::to_string(target.rows()) + " rows but predictions have " +
                std::to_string(pred.rows()));
  }
}

void check_per_sample(const Loss& loss, ConstMatrixView pred, ConstMatrixView target, std::size_t out_size) {
  check_target(loss, pred, target);
  if (out_size != pred.rows()) {
    throw Error(std::string(loss.name()) + ": per_sample output has " + std::to_string(out_size) + " entries for " +
                std::to_string(pred.rows()) + " rows");
  }
}

void check_gradient(const Loss& loss, ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                    ConstMatrixView grad, const char* grad_name) {
  check_target(loss, pred, target);
  if (!weights.empty() && weights.size() != pred.rows()) {
    throw Error(std::string(loss.name()) + ": " + std::to_string(weights.size()) + " sample weights for " +
                std::to_string(pred.rows()) + " rows");
  }
  if (grad.rows() != pred.rows() || grad.cols() != pred.cols()) {
    throw Error(std::string(loss.name()) + ": " + grad_name + " is " + shape_string(grad.rows(), grad.cols()) +
                " but predictions are " + shape_string(pred.rows(), pred.cols()));
  }
}

std::size_t class_index(std::string_view loss, ConstMatrixView target, std::size_t r, std::size_t classes) {
  const double v = static_cast<double>(target(r, 0));
  // !(v >= 0) also catches NaN.
  if (!(v >= 0) || v >= static_cast<double>(classes) || v != std::floor(v)) {
    throw Error(std::string(loss) + ": target row " + std::to_string(r) + " holds " + format_number(v) +
                ", which is not a class index in [0, " + std::to_string(classes) +
                ") (one integer label per row, for " + std::to_string(classes) + " output columns)");
  }
  return static_cast<std::size_t>(v);
}

}  // namespace loss_detail

void Loss::gradient_wrt_logits(ConstMatrixView, ConstMatrixView, std::span<const Scalar>, MatrixView) const {
  throw Error(std::string(name()) +
              ": has no gradient with respect to logits; use gradient() (fuses_with() "
              "is false for this loss and activation)");
}

// L = Σ_i w_i·l_i / N   (Keras' "sum_over_batch_size": the weights are not renormalised)
double Loss::value(ConstMatrixView pred, ConstMatrixView target, std::span<const Scalar> weights,
                   std::vector<Scalar>& scratch) const {
  const std::size_t n = pred.rows();
  if (!weights.empty() && weights.size() != n) {
    throw Error(std::string(name()) + ": " + std::to_string(weights.size()) + " sample weights for " +
                std::to_string(n) + " rows");
  }
  scratch.resize(n);
  per_sample(pred, target, scratch);
  if (n == 0) return 0;
  double total = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const double w = weights.empty() ? 1.0 : static_cast<double>(weights[r]);
    total += w * static_cast<double>(scratch[r]);
  }
  return total / static_cast<double>(n);
}

namespace {

// The from_logits option exists for the cross-entropies only.
void no_logits(const LossOptions& options) {
  if (options.from_logits) {
    throw Error("loss '" + options.name + "' has no from_logits option (only the cross-entropies do)");
  }
}

template <class CrossEntropy>
std::unique_ptr<Loss> cross_entropy(const LossOptions& options) {
  return std::make_unique<CrossEntropy>(typename CrossEntropy::Options{options.from_logits});
}

template <class Plain>
std::unique_ptr<Loss> plain(const LossOptions& options) {
  no_logits(options);
  return std::make_unique<Plain>();
}

std::unique_ptr<Loss> huber(const LossOptions& options) {
  no_logits(options);
  return std::make_unique<Huber>(Huber::Options{options.delta});
}

struct LossRow {
  std::string_view name;
  std::unique_ptr<Loss> (*make)(const LossOptions&);
};

// Keras 3's function names and class names (keras.losses.get), plus its short aliases and the
// names Keras 2 also accepted (huber_loss, logcosh).
constexpr LossRow kLosses[] = {
    {"categorical_crossentropy", &cross_entropy<CategoricalCrossentropy>},
    {"CategoricalCrossentropy", &cross_entropy<CategoricalCrossentropy>},
    {"sparse_categorical_crossentropy", &cross_entropy<SparseCategoricalCrossentropy>},
    {"SparseCategoricalCrossentropy", &cross_entropy<SparseCategoricalCrossentropy>},
    {"binary_crossentropy", &cross_entropy<BinaryCrossentropy>},
    {"BinaryCrossentropy", &cross_entropy<BinaryCrossentropy>},
    {"bce", &cross_entropy<BinaryCrossentropy>},
    {"mean_squared_error", &plain<MeanSquaredError>},
    {"MeanSquaredError", &plain<MeanSquaredError>},
    {"mse", &plain<MeanSquaredError>},
    {"mean_absolute_error", &plain<MeanAbsoluteError>},
    {"MeanAbsoluteError", &plain<MeanAbsoluteError>},
    {"mae", &plain<MeanAbsoluteError>},
    {"huber", &huber},
    {"Huber", &huber},
    {"huber_loss", &huber},
    {"log_cosh", &plain<LogCosh>},
    {"LogCosh", &plain<LogCosh>},
    {"logcosh", &plain<LogCosh>},
};

}  // namespace

std::unique_ptr<Loss> make_loss(const LossOptions& options) {
  for (const LossRow& row : kLosses) {
    if (row.name == options.name) return row.make(options);
  }
  std::string known;
  for (const LossRow& row : kLosses) known += (known.empty() ? "" : ", ") + std::string(row.name);
  throw Error("unknown loss '" + options.name + "'; known: " + known);
}

}  // namespace mlp
