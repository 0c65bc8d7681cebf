// SPDX-License-Identifier: MIT
#pragma once
#include <stdexcept>
#include <string>

namespace mlp {
/// Every error the library reports: a message that names what is wrong (the layer, the argument,
/// the file) and, where one helps, what to do next. The library never prints or exits.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
}  // namespace mlp
