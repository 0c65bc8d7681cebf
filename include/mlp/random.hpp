// SPDX-License-Identifier: MIT
#pragma once
// Rng: xoshiro256** (Blackman & Vigna 2018) seeded through SplitMix64. Every random draw in the
// library (initializers, shuffling, dropout masks, noise) comes from an Rng the caller seeded, and
// every transform below is our own, so one seed gives the same numbers with any compiler or
// standard library (std::normal_distribution does not).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace mlp {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);

  std::uint64_t next_u64();
  /// Uniform in [0, 1) with 53 random bits.
  double uniform();
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [0, n); n > 0. Unbiased (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t n);
  /// Standard normal (Box–Muller; the second value of each pair is kept for the next call).
  double normal();
  /// Standard normal conditioned on |z| <= 2, by rejection: Keras' truncated_normal.
  double truncated_normal();
  /// A child generator with an independent stream, derived from this one's next output.
  Rng split();
  /// Shuffles `v` in place (Fisher–Yates, Durstenfeld's form: for i = n down to 2, swap v[i-1]
  /// with v[below(i)]): n - 1 draws, none for n <= 1. Every shuffle in the library is this one
  /// (fit's epochs, the lr finder, the CLI's test split), so a seed gives the same order everywhere.
  void shuffle(std::span<std::size_t> v);
  /// Puts `count` <= v.size() distinct elements of `v`, chosen uniformly, in its first `count`
  /// places (the forward, partial Fisher–Yates: for i < count, swap v[i] with v[i + below(n - i)]).
  /// Its draws differ from shuffle()'s; `mlp data show --seed` picks its samples with it.
  void choose_first(std::span<std::size_t> v, std::size_t count);

  /// The complete state (for checkpoints): four words of xoshiro, the cached normal and its flag.
  struct State {
    std::array<std::uint64_t, 4> s{};
    double cached_normal = 0;
    bool has_cached = false;
  };
  State state() const { return {s_, cached_normal_, has_cached_}; }
  void set_state(const State& st) {
    s_ = st.s;
    cached_normal_ = st.cached_normal;
    has_cached_ = st.has_cached;
  }

 private:
  std::array<std::uint64_t, 4> s_{};
  double cached_normal_ = 0;
  bool has_cached_ = false;
};

/// Counter-based uniform in [0, 1): a SplitMix64 finalizer of (key, index). Dropout masks and
/// noise draw one key per batch from an Rng and hash each element's index, so element i's draw
/// does not depend on how the elements are split among threads.
inline std::uint64_t hash_bits(std::uint64_t key, std::uint64_t index) {
  std::uint64_t z = key + (index + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
inline double hash_uniform(std::uint64_t key, std::uint64_t index) {
  return static_cast<double>(hash_bits(key, index) >> 11) * 0x1.0p-53;
}

}  // namespace mlp
