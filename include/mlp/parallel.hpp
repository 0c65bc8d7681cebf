// SPDX-License-Identifier: MIT
#pragma once
// parallel_for: runs f(i) for i in [0, n), across OpenMP threads (static schedule) when `work`
// (elements touched) is large enough and more than one thread is allowed, else serially.
// The serial path never enters an OpenMP region at all: libgomp allocates a team on every
// serialised region (an `if(false)` clause or one thread), which would put a heap allocation on
// every batch. Iterations must be independent; nothing here reduces across threads.
#include <omp.h>

#include <cstddef>

namespace mlp {

inline constexpr std::size_t kParallelWork = std::size_t{1} << 15;

template <class F>
void parallel_for(std::size_t n, std::size_t work, F&& f) {
  if (work >= kParallelWork && n > 1 && omp_get_max_threads() > 1) {
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < n; ++i) f(i);
  } else {
    for (std::size_t i = 0; i < n; ++i) f(i);
  }
}

}  // namespace mlp
