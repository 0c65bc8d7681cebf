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

/// Runs f(t, count) once on each of `count` OpenMP threads (t = 0 … count − 1) in one parallel
/// region, or f(0, 1) serially under the same conditions as parallel_for (with n = threads).
template <class F>
void parallel_threads(std::size_t work, F&& f) {
  const int threads = omp_get_max_threads();
  if (work >= kParallelWork && threads > 1) {
#pragma omp parallel num_threads(threads)
    f(static_cast<std::size_t>(omp_get_thread_num()), static_cast<std::size_t>(omp_get_num_threads()));
  } else {
    f(std::size_t{0}, std::size_t{1});
  }
}

/// Runs f(begin, end) on contiguous chunks covering [0, n), one chunk per thread (the same split
/// for the same thread count), or f(0, n) serially under the same conditions as parallel_for.
/// For loops the compiler should vectorise: the body is a plain loop over [begin, end).
template <class F>
void parallel_chunks(std::size_t n, std::size_t work, F&& f) {
  if (n <= 1) {
    f(std::size_t{0}, n);
    return;
  }
  parallel_threads(work, [&](std::size_t t, std::size_t count) {
    const std::size_t begin = n * t / count, end = n * (t + 1) / count;
    if (begin < end) f(begin, end);
  });
}

}  // namespace mlp
