// SPDX-License-Identifier: MIT
#pragma once
// Helpers shared by the tests: the text of an expected error, a scoped thread count, exact matrix
// comparison and seeded random matrices.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "mlp/error.hpp"
#include "mlp/matrix.hpp"
#include "mlp/ops.hpp"
#include "mlp/random.hpp"

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

/// Sets the thread count for a scope and restores the previous one (automatic if it was).
struct ThreadCount {
  explicit ThreadCount(int n) : saved(threads_fixed() ? num_threads() : 0) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(saved); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;
  int saved;
};

/// Whether a and b hold bit-for-bit equal values (same element count).
inline bool same_values(const Matrix& a, const Matrix& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

/// A (rows, cols) matrix of standard normal draws from Rng(seed).
inline Matrix normal_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  Rng rng(seed);
  Matrix m(rows, cols);
  for (auto& v : m.values()) v = static_cast<Scalar>(rng.normal());
  return m;
}

/// A (rows, cols) matrix of uniform draws in [-1, 1) from Rng(seed).
inline Matrix uniform_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  Rng rng(seed);
  Matrix m(rows, cols);
  for (auto& v : m.values()) v = static_cast<Scalar>(rng.uniform() * 2 - 1);
  return m;
}

}  // namespace mlp::test
