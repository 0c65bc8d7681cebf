// SPDX-License-Identifier: MIT
// The optimizer table: one row per optimizer (Keras class name, config reader, config writer),
// each made next to its class in src/optimizers/<name>.cpp. The order is the order
// optimizer_types() and the error messages list the names in. Adding an optimizer: its class
// files with its row function, and its declaration and row here.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/config.hpp"
#include "mlp/error.hpp"
#include "mlp/optimizer.hpp"
#include "mlp/serialize.hpp"
#include "mlp/strings.hpp"
#include "registry.hpp"

namespace mlp {

registry::OptimizerRow sgd_row();
registry::OptimizerRow rmsprop_row();
registry::OptimizerRow adam_row();
registry::OptimizerRow adamw_row();
registry::OptimizerRow nadam_row();
registry::OptimizerRow adagrad_row();

namespace registry {

std::span<const OptimizerRow> optimizers() {
  static const OptimizerRow kRows[] = {sgd_row(), rmsprop_row(), adam_row(), adamw_row(), nadam_row(), adagrad_row()};
  return kRows;
}

}  // namespace registry

const std::vector<std::string>& optimizer_types() {
  static const std::vector<std::string> kTypes = registry::names(registry::optimizers());
  return kTypes;
}

std::unique_ptr<Optimizer> make_optimizer(std::string_view name) {
  const registry::OptimizerRow* row = registry::find(registry::optimizers(), name);
  if (row == nullptr) {
    std::vector<std::string> lower;
    for (const std::string& n : optimizer_types()) lower.push_back(serialize_detail::lower(n));
    throw Error("unknown optimizer '" + std::string(name) + "'; known names (case-insensitive): " + join(lower));
  }
  // An empty config: every argument at its Keras default, as the class's default constructor.
  const nlohmann::json empty = nlohmann::json::object();
  ConfigObject c(empty, "optimizer");
  return row->from_config(c);
}

}  // namespace mlp
