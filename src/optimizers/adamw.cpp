// SPDX-License-Identifier: MIT
#include "mlp/optimizers/adamw.hpp"

namespace mlp {

namespace {

// AdamW is Adam with a different default weight_decay: the base class applies the decay.
Adam::Options as_adam_options(const AdamW::Options& o) {
  return {.learning_rate = o.learning_rate,
          .schedule = o.schedule,
          .beta_1 = o.beta_1,
          .beta_2 = o.beta_2,
          .epsilon = o.epsilon,
          .amsgrad = o.amsgrad,
          .weight_decay = o.weight_decay,
          .clipnorm = o.clipnorm,
          .clipvalue = o.clipvalue,
          .global_clipnorm = o.global_clipnorm};
}

}  // namespace

AdamW::AdamW() : AdamW(Options{}) {}

AdamW::AdamW(Options options) : Adam(as_adam_options(options)) {}

}  // namespace mlp
