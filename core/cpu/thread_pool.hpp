// A fixed pool of worker threads, created once, for data-parallel loops.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace peakscope {

class ThreadPool {
 public:
  // threads = total parallelism including the caller; 0 = hardware concurrency.
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs fn(i) for i in [0, n), spread over the workers and the calling thread; returns when
  // all are done. Calls are serialised: one loop runs at a time. fn must not throw.
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn);

 private:
  void worker_main();
  void run_tasks();

  std::vector<std::thread> workers_;
  std::mutex loop_mu_;  // one parallel_for at a time
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(std::size_t)>* fn_ = nullptr;
  std::size_t n_ = 0;  // written under mu_ before the generation changes
  std::atomic<std::size_t> next_{0};
  std::size_t finished_ = 0;  // workers done with the current generation
  std::uint64_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace peakscope
