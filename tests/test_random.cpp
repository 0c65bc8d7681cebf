// SPDX-License-Identifier: MIT
// Rng::shuffle and Rng::choose_first replaced four hand-written loops (fit, the lr finder, the
// CLI's test split, mlp data show); these tests pin their draws to what those loops produced, so
// that every seeded run keeps its order.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "mlp/random.hpp"

namespace {

using mlp::Rng;

std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t{0});
  return v;
}

// The loop fit and the CLI's test split used (the lr finder's counted k = i - 1, the same draws).
std::vector<std::size_t> old_shuffle(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> order = iota(n);
  Rng rng(seed);
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  return order;
}

// The lr finder's loop, as it was written.
std::vector<std::size_t> old_lr_finder_shuffle(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> order = iota(n);
  Rng rng(seed);
  for (std::size_t k = n - 1; k > 0; --k) std::swap(order[k], order[rng.below(k + 1)]);
  return order;
}

// mlp data show's partial shuffle, as it was written.
std::vector<std::size_t> old_choose(std::size_t n, std::size_t count, std::uint64_t seed) {
  std::vector<std::size_t> order = iota(n);
  Rng rng(seed);
  for (std::size_t i = 0; i < count; ++i) std::swap(order[i], order[i + rng.below(order.size() - i)]);
  return order;
}

TEST(RngShuffle, KnownPermutationForASeed) {
  // Computed with the old loop at the commit before Rng::shuffle existed.
  std::vector<std::size_t> v = iota(10);
  Rng rng(42);
  rng.shuffle(v);
  EXPECT_EQ(v, old_shuffle(10, 42));
  const std::vector<std::size_t> expected = {9, 1, 4, 2, 8, 7, 6, 5, 3, 0};
  EXPECT_EQ(v, expected);
}

TEST(RngShuffle, SameDrawsAsTheOldLoops) {
  for (std::uint64_t seed : {0ULL, 1ULL, 7ULL, 123456789ULL}) {
    for (std::size_t n : {2U, 3U, 10U, 1000U}) {
      std::vector<std::size_t> v = iota(n);
      Rng rng(seed);
      rng.shuffle(v);
      EXPECT_EQ(v, old_shuffle(n, seed)) << "n=" << n << " seed=" << seed;
      EXPECT_EQ(v, old_lr_finder_shuffle(n, seed)) << "n=" << n << " seed=" << seed;
      // and the generator is left where the old loop left it: n - 1 draws (no rejection here)
      Rng after(seed);
      std::vector<std::size_t> w = iota(n);
      for (std::size_t i = n; i > 1; --i) std::swap(w[i - 1], w[after.below(i)]);
      EXPECT_EQ(rng.next_u64(), after.next_u64());
    }
  }
}

TEST(RngShuffle, IsAPermutation) {
  std::vector<std::size_t> v = iota(257);
  Rng rng(3);
  rng.shuffle(v);
  EXPECT_NE(v, iota(257));
  std::sort(v.begin(), v.end());
  EXPECT_EQ(v, iota(257));
}

TEST(RngShuffle, EmptyAndSingleDrawNothing) {
  for (std::size_t n : {0U, 1U}) {
    std::vector<std::size_t> v = iota(n);
    Rng rng(5), untouched(5);
    rng.shuffle(v);
    EXPECT_EQ(v, iota(n));
    EXPECT_EQ(rng.next_u64(), untouched.next_u64()) << "n=" << n;
  }
}

TEST(RngChooseFirst, SameDrawsAsTheOldLoop) {
  for (std::uint64_t seed : {0ULL, 9ULL, 2024ULL}) {
    for (const auto& [n, count] :
         std::vector<std::pair<std::size_t, std::size_t>>{{10, 3}, {10, 10}, {60000, 16}, {1, 1}}) {
      std::vector<std::size_t> v = iota(n);
      Rng rng(seed);
      rng.choose_first(v, count);
      EXPECT_EQ(v, old_choose(n, count, seed)) << "n=" << n << " count=" << count << " seed=" << seed;
    }
  }
}

TEST(RngChooseFirst, EdgeCases) {
  std::vector<std::size_t> empty;
  Rng rng(1), untouched(1);
  rng.choose_first(empty, 0);
  rng.choose_first(empty, 3);  // more than there are: stops at the end, draws nothing
  EXPECT_TRUE(empty.empty());
  std::vector<std::size_t> v = iota(4);
  rng.choose_first(v, 0);
  EXPECT_EQ(v, iota(4));
  EXPECT_EQ(rng.next_u64(), untouched.next_u64());
}

}  // namespace
