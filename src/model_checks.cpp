// SPDX-License-Identifier: MIT
// Model, argument checks: the data against the model's inputs and outputs (every fit, evaluate,
// predict and batch call), and the options of fit and evaluate, which share their checks (and
// Batcher's, src/argument_checks.hpp) so that a bad argument fails with one message everywhere.
#include <cmath>

#include "argument_checks.hpp"
#include "mlp/error.hpp"
#include "mlp/model.hpp"
#include "model_detail.hpp"

namespace mlp {

void Model::check_data(const char* what, InputSpan xs, TensorSpan ys) const {
  // Formatted only on the error path: this runs every batch and must not allocate.
  const auto at = [&] { return where(what); };
  const bool one_in = input_shapes_.size() == 1, one_out = output_layers_.size() == 1;
  const auto input_name = [&](std::size_t j) {
    return one_in ? std::string("x") : "input '" + layers_[input_layers_[j]]->name() + "'";
  };
  const auto target_name = [&](std::size_t o) {
    return one_out ? std::string("y") : "the target of output '" + layers_[output_layers_[o]]->name() + "'";
  };
  if (xs.size() != input_shapes_.size()) {
    throw Error(at() + std::to_string(xs.size()) + " input matrices for a model with " +
                std::to_string(input_shapes_.size()) + " inputs");
  }
  for (std::size_t j = 0; j < xs.size(); ++j) {
    const std::size_t in = features(input_shapes_[j]);
    if (xs[j].cols() != in) {
      throw Error(at() + input_name(j) + " has " + std::to_string(xs[j].cols()) +
                  " features per sample but the model's input " + format_shape(input_shapes_[j]) + " needs " +
                  std::to_string(in));
    }
    if (xs[j].rows() != xs[0].rows()) {
      throw Error(at() + input_name(j) + " has " + std::to_string(xs[j].rows()) + " samples but " + input_name(0) +
                  " has " + std::to_string(xs[0].rows()));
    }
  }
  if (ys.empty()) return;
  if (ys.size() != output_layers_.size()) {
    throw Error(at() + std::to_string(ys.size()) + " target matrices for a model with " +
                std::to_string(output_layers_.size()) + " outputs");
  }
  for (std::size_t o = 0; o < ys.size(); ++o) {
    const ConstMatrixView y = ys[o];
    const Loss& loss = *outputs_[o].loss;
    const Shape& out_shape = layers_[output_layers_[o]]->output_shape();
    if (xs[0].rows() != y.rows()) {
      throw Error(at() + input_name(0) + " has " + std::to_string(xs[0].rows()) + " samples but " + target_name(o) +
                  " has " + std::to_string(y.rows()));
    }
    if (loss.name() == "sparse_categorical_crossentropy") {
      // Class indices index the output row: one outside [0, classes) would read past it.
      const std::size_t classes = features(out_shape);
      for (std::size_t r = 0; r < y.rows() && y.cols() == 1; ++r) {
        const Scalar v = y.row(r)[0];
        if (!(v >= 0 && v < static_cast<Scalar>(classes)) || v != std::floor(v)) {
          const bool whole = v == std::floor(v) && std::abs(v) < Scalar(1e15);
          throw Error(at() + (one_out ? "y" : target_name(o)) + "[" + std::to_string(r) +
                      "] = " + (whole ? std::to_string(static_cast<long long>(v)) : std::to_string(v)) +
                      " is not a class index in [0, " + std::to_string(classes) + ")");
        }
      }
    }
    const std::size_t want = loss.target_cols(features(out_shape));
    if (y.cols() != want) {
      throw Error(at() + target_name(o) + " has " + std::to_string(y.cols()) + " columns but loss '" +
                  std::string(loss.name()) + "' with output " + format_shape(out_shape) + " needs " +
                  std::to_string(want));
    }
  }
}

void Model::check_fit_options(InputSpan xs, const FitOptions& opt) const {
  const std::string at = where("fit");
  detail::check_batch_size(at, opt.batch_size);
  if (opt.epochs < 0 || opt.initial_epoch < 0 || opt.initial_epoch > opt.epochs) {
    throw Error(at + "need 0 <= initial_epoch <= epochs, got initial_epoch " + std::to_string(opt.initial_epoch) +
                " and epochs " + std::to_string(opt.epochs));
  }
  detail::check_validation_split(at, opt.validation_split);
  detail::check_sample_weight(at, opt.sample_weight, xs[0].rows());
  if (opt.validation_x.has_value() != opt.validation_y.has_value() ||
      opt.validation_inputs.empty() != opt.validation_targets.empty()) {
    throw Error(at + "validation inputs and targets must be given together");
  }
  if (!opt.class_weight.empty() && outputs_.size() != 1) {
    throw Error(at + "class_weight needs a model with one output; model '" + options_.name + "' has " +
                std::to_string(outputs_.size()));
  }
  if (opt.validation_x) {
    check_data("fit (validation data)", {&*opt.validation_x, 1}, {&*opt.validation_y, 1});
  } else if (!opt.validation_inputs.empty()) {
    check_data("fit (validation data)", opt.validation_inputs, opt.validation_targets);
  }
}

void Model::check_evaluate_options(InputSpan xs, const EvaluateOptions& opt) const {
  const std::string at = where("evaluate");
  detail::check_batch_size(at, opt.batch_size);
  if (xs[0].rows() == 0) throw Error(at + "no samples");
  detail::check_sample_weight(at, opt.sample_weight, xs[0].rows());
}

}  // namespace mlp
