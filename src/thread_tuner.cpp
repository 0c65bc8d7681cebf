// SPDX-License-Identifier: MIT
#include "mlp/thread_tuner.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>

#include "mlp/error.hpp"
#include "mlp/matrix.hpp"
#include "mlp/ops.hpp"
#include "mlp/random.hpp"

namespace mlp {

namespace {
std::atomic<bool> g_threads_set{false};
}  // namespace

bool threads_fixed() {
  const char* env = std::getenv("OMP_NUM_THREADS");
  return g_threads_set.load(std::memory_order_relaxed) || (env != nullptr && *env != '\0');
}

int num_threads() { return omp_get_max_threads(); }

void set_num_threads(int n) {
  static const int automatic = omp_get_max_threads();  // OpenMP's count before any call
  if (n < 0) throw Error("set_num_threads: need at least 1 thread (or 0: automatic), got " + std::to_string(n));
  omp_set_num_threads(n == 0 ? automatic : n);
  g_threads_set.store(n != 0, std::memory_order_relaxed);
}

// ---- ThreadChooser ----

ThreadChooser::ThreadChooser(int max_threads, Options options) : opt_(options) {
  if (max_threads < 1) throw Error("ThreadChooser: need at least 1 thread, got " + std::to_string(max_threads));
  if (opt_.window == 0 || opt_.first_wait == 0 || opt_.max_wait < opt_.first_wait) {
    throw Error("ThreadChooser: window and first_wait must be positive and max_wait >= first_wait");
  }
  for (int t = max_threads; t > 1; t /= 2) ladder_.push_back(t);
  ladder_.push_back(1);
  wait_ = opt_.first_wait;
  if (opt_.warmup == 0) phase_ = Phase::kRun;
}

void ThreadChooser::record(double seconds) {
  if (ladder_.size() == 1) return;  // one thread: nothing to choose
  sum_ += seconds;
  ++in_window_;
  if (phase_ == Phase::kProbe && in_window_ == opt_.abandon_after &&
      sum_ / static_cast<double>(in_window_) > opt_.abandon * usual()) {
    // Clearly slower (two threads where one core is busy: a step can take 40× one thread's): a
    // lost probe, without spending a whole window on it.
    skip_probe();
    return;
  }
  // A window spans several of the scheduler's time slices: with one core busy, a few steps at two
  // threads can all fall in a slice where the other process waits, and look fast.
  if (in_window_ < opt_.window || sum_ < opt_.window_seconds) return;
  const double total = sum_;
  const std::size_t steps = in_window_;
  sum_ = 0;
  in_window_ = 0;
  end_window(total, steps);
}

std::size_t ThreadChooser::next_probe() {
  if (current_ == 0) return 1;                              // at the most threads: try fewer
  if (current_ + 1 == ladder_.size()) return current_ - 1;  // at one thread: try more
  probe_down_ = !probe_down_;
  return probe_down_ ? current_ + 1 : current_ - 1;
}

void ThreadChooser::skip_probe() {
  if (phase_ != Phase::kProbe) return;
  sum_ = 0;
  in_window_ = 0;
  lost_probe();
}

void ThreadChooser::lost_probe() {
  wait_ = std::min(2 * wait_, opt_.max_wait);
  since_probe_ = 0;
  phase_ = Phase::kRun;
}

void ThreadChooser::end_window(double total, std::size_t steps) {
  switch (phase_) {
    case Phase::kWarmup:
      if (++windows_ >= opt_.warmup) phase_ = Phase::kRun;
      return;
    case Phase::kRun:
      // The current count's usual step: time over steps of its recent windows, each older one
      // weighing `decay` less. Weighted by time, so that the rare window where every step waits
      // for a preempted thread (40× the others, with one core busy) counts for what it costs.
      usual_seconds_ = usual_seconds_ * opt_.decay + total;
      usual_steps_ = usual_steps_ * opt_.decay + static_cast<double>(steps);
      if (++since_probe_ >= wait_) {
        probe_ = next_probe();
        phase_ = Phase::kProbe;
      }
      return;
    case Phase::kProbe:
      if (total / static_cast<double>(steps) < opt_.margin * usual()) {
        current_ = probe_;
        ++moves_;
        wait_ = opt_.first_wait;
        since_probe_ = 0;
        usual_seconds_ = total;  // the probe's window is the new count's first
        usual_steps_ = static_cast<double>(steps);
        phase_ = Phase::kRun;
      } else {
        lost_probe();
      }
      return;
  }
}

// ---- gemm_same_at ----

bool gemm_same_at(const GemmShape& shape, int threads) {
  if (threads == 1 || shape.m == 0 || shape.n == 0) return true;
  using Key = std::tuple<std::size_t, std::size_t, std::size_t, int, int>;
  static std::mutex mutex;
  static std::map<Key, bool> known;
  const Key key{shape.m, shape.n, shape.k, static_cast<int>(shape.trans), threads};
  const std::lock_guard lock(mutex);
  if (const auto it = known.find(key); it != known.end()) return it->second;
  const bool ta = shape.trans == Trans::kA || shape.trans == Trans::kAB;
  const bool tb = shape.trans == Trans::kB || shape.trans == Trans::kAB;
  Matrix a(ta ? shape.k : shape.m, ta ? shape.m : shape.k), b(tb ? shape.n : shape.k, tb ? shape.k : shape.n);
  Rng rng(0x5eed);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<Scalar>(rng.uniform() - 0.5);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<Scalar>(rng.uniform() - 0.5);
  Matrix one(shape.m, shape.n), many(shape.m, shape.n);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  gemm(a, b, one, shape.trans);
  omp_set_num_threads(threads);
  gemm(a, b, many, shape.trans);
  omp_set_num_threads(saved);
  const bool same = std::memcmp(one.data(), many.data(), one.size() * sizeof(Scalar)) == 0;
  known.emplace(key, same);
  return same;
}

// ---- The machine's idle cores (Linux: /proc/stat) ----

CpuTimes parse_cpu_times(std::string_view proc_stat) {
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice" (clock ticks).
  CpuTimes t;
  if (proc_stat.substr(0, 4) != "cpu ") return t;
  std::istringstream in{std::string(proc_stat.substr(4, proc_stat.find('\n') - 4))};
  double v = 0;
  for (int field = 0; field < 8 && in >> v; ++field) {
    t.total += v;
    if (field == 3 || field == 4) t.idle += v;
  }
  t.valid = t.total > 0;
  return t;
}

CpuTimes read_cpu_times() {
  std::ifstream in("/proc/stat");
  std::string line;
  if (!std::getline(in, line)) return {};
  return parse_cpu_times(line);
}

double idle_cores(const CpuTimes& before, const CpuTimes& after) {
  // Fewer than 10 ticks (50 ms of two cores at Linux's 100 Hz) say too little.
  if (!before.valid || !after.valid || after.total < before.total + 10) return -1;
  return (after.idle - before.idle) / (after.total - before.total) * omp_get_num_procs();
}

// ---- ThreadTuner ----

bool ThreadTuner::count_is_free() { return !threads_fixed() && omp_get_max_threads() > 1; }

ThreadTuner::ThreadTuner(bool enabled, std::span<const GemmShape> products)
    : enabled_(enabled && count_is_free()),
      start_threads_(omp_get_max_threads()),
      applied_(start_threads_),
      chooser_(enabled_ ? start_threads_ : 1) {
  if (enabled_) {
    products_.assign(products.begin(), products.end());
    seen_ = read_cpu_times();
  }
}

// Every count of the ladder (max, max/2, …, 2) against one thread. Run before the first change
// of the count, not at the start: most short fits never get there, and under load a product at
// two threads can take milliseconds.
bool ThreadTuner::products_allow_moving() {
  for (int t = start_threads_; t > 1; t /= 2) {
    for (const GemmShape& p : products_) {
      if (!gemm_same_at(p, t)) return false;
    }
  }
  return true;
}

ThreadTuner::~ThreadTuner() {
  if (applied_ != start_threads_) omp_set_num_threads(start_threads_);
}

void ThreadTuner::step_begin() {
  if (!enabled_) return;
  int t = chooser_.threads();
  if (t > applied_ && t != chooser_.current()) {
    // A probe of more threads: only when the cores it would add were idle, on average, since the
    // last look. With one core busy, a step at two threads can take 40× one at one thread.
    const CpuTimes now = read_cpu_times();
    const double idle = idle_cores(seen_, now);
    seen_ = now;
    if (idle >= 0 && idle < 0.5 * (t - applied_)) {
      chooser_.skip_probe();
      t = chooser_.threads();
    }
  }
  if (t != applied_) {
    if (!checked_) {
      checked_ = true;
      if (!products_allow_moving()) {
        enabled_ = false;  // the count stays where the user's program put it
        return;
      }
    }
    omp_set_num_threads(t);
    applied_ = t;
  }
  began_ = std::chrono::steady_clock::now();
}

void ThreadTuner::step_end() {
  if (!enabled_) return;
  chooser_.record(std::chrono::duration<double>(std::chrono::steady_clock::now() - began_).count());
}

}  // namespace mlp
