// SPDX-License-Identifier: MIT
#include "mlp/random.hpp"

#include <cmath>
#include <numbers>
#include <utility>

namespace mlp {
namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
__extension__ using Uint128 = unsigned __int128;  // GCC/Clang extension, for Lemire's method
}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& w : s_) w = splitmix64(seed);
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::below(std::uint64_t n) {
  // Lemire 2019: the high word of a 128-bit product, rejecting the biased low range.
  Uint128 m = static_cast<Uint128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<Uint128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double Rng::normal() {
  if (has_cached_) {
    has_cached_ = false;
    return cached_normal_;
  }
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = 2.0 * std::numbers::pi * u2;
  cached_normal_ = radius * std::sin(angle);
  has_cached_ = true;
  return radius * std::cos(angle);
}

double Rng::truncated_normal() {
  for (;;) {
    const double z = normal();
    if (std::abs(z) <= 2.0) return z;
  }
}

Rng Rng::split() { return Rng(next_u64()); }

void Rng::shuffle(std::span<std::size_t> v) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
}

void Rng::choose_first(std::span<std::size_t> v, std::size_t count) {
  for (std::size_t i = 0; i < count && i < v.size(); ++i) std::swap(v[i], v[i + below(v.size() - i)]);
}

}  // namespace mlp
