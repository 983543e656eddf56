#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <vector>

#include "core/cpu/thread_pool.hpp"

namespace peakscope {
namespace {

TEST(ThreadPoolTest, EveryIndexRunsExactlyOnceAcrossManyLoops) {
  ThreadPool pool(4);
  EXPECT_EQ(pool.size(), 4);
  for (int round = 0; round < 2000; ++round) {
    const std::size_t n = 1 + static_cast<std::size_t>(round % 37);
    std::vector<std::atomic<int>> hits(n);
    pool.parallel_for(n, [&](std::size_t i) { hits[i].fetch_add(1, std::memory_order_relaxed); });
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_EQ(hits[i].load(), 1) << "round " << round << " index " << i;
  }
}

// The loop really runs on several threads at once: each of two tasks waits until both have
// started, which only a second thread can make happen (a pool that ran every index on the
// caller would leave the first task waiting out its 30 s).
TEST(ThreadPoolTest, TasksRunOnSeveralThreadsAtOnce) {
  ThreadPool pool(2);
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> started{0};
    std::atomic<bool> together{true};
    pool.parallel_for(2, [&](std::size_t) {
      started.fetch_add(1);
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (started.load() < 2)
        if (std::chrono::steady_clock::now() > until) {
          together = false;
          return;
        }
    });
    ASSERT_TRUE(together.load()) << "round " << round << ": the two tasks never overlapped";
  }
}

TEST(ThreadPoolTest, ZeroAndSingleThread) {
  ThreadPool one(1);
  int sum = 0;
  one.parallel_for(5, [&](std::size_t i) { sum += static_cast<int>(i); });
  EXPECT_EQ(sum, 10);
  one.parallel_for(0, [&](std::size_t) { sum = -1; });
  EXPECT_EQ(sum, 10);
}

}  // namespace
}  // namespace peakscope
