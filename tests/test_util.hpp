// SPDX-License-Identifier: MIT
#pragma once
// Helpers shared by the tests.
#include <functional>
#include <string>

#include "mlp/error.hpp"

namespace mlp::test {

/// The message of the mlp::Error that f throws, or "no error", so a test can assert the exact text.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace mlp::test
