// The benchmark's clock: repeated wall-clock timings and their median.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

#include "app/bench/bench_results.hpp"

namespace peakscope::bench {

// How long each figure is measured: repetitions until budget_s has passed (at least 5),
// never more than max_reps.
struct Timing {
  double budget_s = 1.0;
  int max_reps = 200;
};

// The median of v; kNa when v is empty.
inline double median(std::vector<double> v) {
  if (v.empty()) return kNa;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Runs f three times as a warm-up, then times it (wall clock, microseconds) as `t` allows.
template <typename F>
std::vector<double> time_us(F&& f, const Timing& t) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> us;
  const auto start = Clock::now();
  for (int i = 0; i < 3; ++i) f();  // warm-up
  while (
      static_cast<int>(us.size()) < t.max_reps &&
      (us.size() < 5 || std::chrono::duration<double>(Clock::now() - start).count() < t.budget_s)) {
    const auto a = Clock::now();
    f();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
  }
  return us;
}

// The median of time_us(f, t).
template <typename F>
double median_us(F&& f, const Timing& t) {
  return median(time_us(f, t));
}

}  // namespace peakscope::bench
