// SPDX-License-Identifier: MIT
#include "mlp/optimizers/adamw.hpp"

#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "optimizer_config.hpp"

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

// ---- config (the table is src/registry/optimizers.cpp) ------------------------------------------

namespace {

std::unique_ptr<Optimizer> from_config(ConfigObject& c) {
  AdamW::Options o;
  optimizer_detail::read_adam(c, o);
  return std::make_unique<AdamW>(o);
}

void config(const Optimizer& optimizer, nlohmann::json& out) {
  optimizer_detail::write_adam(dynamic_cast<const AdamW&>(optimizer), out);
}

}  // namespace

registry::OptimizerRow adamw_row() { return {"AdamW", &from_config, &config}; }

}  // namespace mlp
