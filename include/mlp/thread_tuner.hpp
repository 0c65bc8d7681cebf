// SPDX-License-Identifier: MIT
#pragma once
// fit()'s thread count on a machine that is not idle. With every core in use, a training step is a
// chain of ~20 parallel regions (GEMMs split evenly across the threads, element-wise passes), each
// ending at a barrier: when another process takes one of the cores, the thread on it runs only part
// of the time and every barrier waits for it, so two threads on two cores with one of them busy are
// slower than one thread (measured: 1.08 s against 0.36 s per epoch; docs/performance.md).
//
// ThreadTuner measures it instead of guessing: fit() runs its steps at the current thread count
// and, now and then, one window of steps (≥ 8 steps and ≥ 25 ms) at the next count down or up the
// ladder max, max/2, …, 1. If that window's step is faster than 0.92 × the current count's usual
// step (a time-weighted mean of its recent windows: with one core busy, two threads give mostly
// ordinary windows and now and then one where every step waits 20-40× for a preempted thread),
// the count moves there; a probe whose first step is 1.5× the usual ends at once, lost. A lost
// probe makes the next one wait twice as long (2 → 256 windows), so on a quiet machine the probes
// cost well under 1% of an epoch; a move resets the wait, so load that comes and goes is followed.
// The seed alone must still fix the weights. Our element-wise passes and reductions give the
// same bits at any thread count (each element computed in one fixed order); oneDNN's sgemm does
// for most products but splits the sum over k between threads for some (k ≥ 256 and one row, or a
// weight gradient over a batch of 256 or more, measured here). So before it tunes, fit() checks
// every product of its steps and of its validation (Layer::gemm_products, for the full and the
// last batch) at each count of the ladder against one thread, on seeded data (gemm_same_at,
// remembered per shape), just before its first move; if any differs, the count stays where it is.
// tests/test_thread_tuner.cpp trains with the tuner moving and compares the bits with a fixed count.
//
// fit() tunes only when the thread count is free: OMP_NUM_THREADS unset and set_num_threads() not
// called (mlp train: fit.threads = 0), and not under a ProcessGroup (every rank keeps its share).
#include <chrono>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "mlp/ops.hpp"

namespace mlp {

/// The decision, without clocks or OpenMP: told each step's seconds, it says the next step's
/// thread count. Deterministic for given durations (tests feed them).
class ThreadChooser {
 public:
  struct Options {
    std::size_t window = 8;         // steps per measured window, at least
    double window_seconds = 0.025;  // and at least this long: several of the scheduler's slices
    std::size_t warmup = 1;         // windows ignored at the start (allocation, caches)
    std::size_t first_wait = 2;     // windows between probes after a move
    std::size_t max_wait = 256;     // bound of the doubling wait
    double margin = 0.92;           // a probe must take < margin × the current count's usual step
    double decay = 0.9;             // the weight of the usual step's windows, per window of age
    std::size_t abandon_after = 1;  // a probe whose first step(s) take
    double abandon = 1.5;           // > abandon × the usual step ends there, lost
  };
  explicit ThreadChooser(int max_threads) : ThreadChooser(max_threads, Options{}) {}
  ThreadChooser(int max_threads, Options options);

  /// Threads for the next step.
  int threads() const { return ladder_[phase_ == Phase::kProbe ? probe_ : current_]; }
  /// The count fit() settles on between probes.
  int current() const { return ladder_[current_]; }
  /// Records the step just run (at threads()).
  void record(double seconds);
  /// How many times the current count changed.
  std::size_t moves() const { return moves_; }
  /// Ends the probe about to run (or running) as lost, e.g. because the cores it would add are busy.
  void skip_probe();

 private:
  enum class Phase { kWarmup, kRun, kProbe };
  void end_window(double total, std::size_t steps);
  void lost_probe();
  std::size_t next_probe();
  double usual() const { return usual_steps_ > 0 ? usual_seconds_ / usual_steps_ : 0; }

  Options opt_;
  std::vector<int> ladder_;  // descending: max, max/2, …, 1
  std::size_t current_ = 0, probe_ = 0;
  Phase phase_ = Phase::kWarmup;
  std::size_t in_window_ = 0, windows_ = 0, wait_ = 0, since_probe_ = 0;
  double sum_ = 0, usual_seconds_ = 0, usual_steps_ = 0;
  bool probe_down_ = true;
  std::size_t moves_ = 0;
};

/// The machine's CPU time so far (clock ticks, all cores): Linux's /proc/stat; invalid elsewhere.
struct CpuTimes {
  double idle = 0, total = 0;
  bool valid = false;
};
CpuTimes parse_cpu_times(std::string_view proc_stat);
CpuTimes read_cpu_times();
/// Cores idle on average between two readings (0 … the machine's cores), or −1 if unknown.
double idle_cores(const CpuTimes& before, const CpuTimes& after);

/// Whether the product gives the same bits at `threads` threads as at one (measured once per shape
/// and count on seeded data, then remembered for the process).
bool gemm_same_at(const GemmShape& shape, int threads);

/// ThreadChooser on the real clock and OpenMP: step_begin() sets the step's thread count,
/// step_end() records the step's time; the destructor restores the count fit() started with.
/// Disabled (nothing changes) unless `enabled` and the count is free (count_is_free()); before
/// its first move it checks that every one of `products` gives the same bits at each count it
/// could choose (products_allow_moving()), and stays where it is otherwise.
class ThreadTuner {
 public:
  ThreadTuner(bool enabled, std::span<const GemmShape> products);
  /// The thread count is not fixed by the user and there is more than one to choose from.
  static bool count_is_free();
  ~ThreadTuner();
  ThreadTuner(const ThreadTuner&) = delete;
  ThreadTuner& operator=(const ThreadTuner&) = delete;

  void step_begin();
  void step_end();
  bool enabled() const { return enabled_; }
  /// Every product gives the same bits at each count of the ladder as at one thread.
  bool products_allow_moving();

 private:
  bool enabled_;
  int start_threads_;
  int applied_ = 0;
  bool checked_ = false;
  std::vector<GemmShape> products_;
  CpuTimes seen_;
  ThreadChooser chooser_;
  std::chrono::steady_clock::time_point began_;
};

}  // namespace mlp
