// SPDX-License-Identifier: MIT
#pragma once
// Private to the optimizers' config readers and writers (src/optimizers/*.cpp): the six base
// arguments every optimizer reads, and Adam's four, which AdamW shares. The base arguments are
// written by optimizer_config() (src/serialize_compile.cpp).
#include <nlohmann/json.hpp>
#include <utility>

#include "mlp/config.hpp"
#include "mlp/optimizers/adam.hpp"
#include "mlp/serialize.hpp"

namespace mlp::optimizer_detail {

// Reads the six base arguments into any optimizer's flat Options; learning_rate may be a number
// or a schedule table.
template <class Options>
void read_base(ConfigObject& c, Options& o) {
  if (const auto* lr = c.find("learning_rate"); lr != nullptr && lr->is_object()) {
    o.schedule = schedule_from_config(*c.get_object("learning_rate"));
  } else {
    o.learning_rate = c.get_double("learning_rate", o.learning_rate);
  }
  o.weight_decay = c.get_double("weight_decay", o.weight_decay);
  // Keras writes null for an unset clipping argument.
  for (auto [key, field] : {std::pair{"clipnorm", &o.clipnorm}, std::pair{"clipvalue", &o.clipvalue},
                            std::pair{"global_clipnorm", &o.global_clipnorm}}) {
    const auto* v = c.find(key);
    if (v != nullptr && !v->is_null()) *field = c.get_double(key, 0);
  }
}

// Adam's four arguments, shared with AdamW (whose Options differ only in weight_decay's default).
template <class Options>
void read_adam(ConfigObject& c, Options& o) {
  read_base(c, o);
  o.beta_1 = c.get_double("beta_1", o.beta_1);
  o.beta_2 = c.get_double("beta_2", o.beta_2);
  o.epsilon = c.get_double("epsilon", o.epsilon);
  o.amsgrad = c.get_bool("amsgrad", o.amsgrad);
}

inline void write_adam(const Adam& a, nlohmann::json& out) {
  out["beta_1"] = a.beta_1();
  out["beta_2"] = a.beta_2();
  out["epsilon"] = a.epsilon();
  out["amsgrad"] = a.amsgrad();
}

}  // namespace mlp::optimizer_detail
