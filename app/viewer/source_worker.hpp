// Reads frames from a Source on a worker thread, so a slow camera or file never stalls the
// UI. The UI thread takes frames from a small queue.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/io/source.hpp"

namespace peakscope::viewer {

class SourceWorker {
 public:
  // paced: produce at most `fps` frames per second (live viewing); otherwise as fast as
  // they are taken (scripted runs, where every frame must be shown in order).
  SourceWorker(bool paced, double fps);
  ~SourceWorker();

  // Opens `spec` on the worker (io::open_source) and starts reading it. Errors are
  // reported through error(); the previous source keeps running until the new one opens.
  void open(const std::string& spec);
  // Starts reading an already opened source.
  void start(std::unique_ptr<io::Source> src);

  // The next frame: non-blocking, or waiting up to `wait_s` seconds.
  std::optional<io::Frame> take(double wait_s = 0);
  // Last error (empty when none); clears it.
  std::string take_error();
  std::string description() const;
  bool finished() const { return finished_; }
  void set_fps(double fps) { fps_ = fps; }

 private:
  void run();

  const bool paced_;
  std::atomic<double> fps_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<io::Frame> queue_;
  std::unique_ptr<io::Source> src_;          // touched by the worker only
  std::unique_ptr<io::Source> pending_src_;  // handed over by start()
  std::string pending_open_;
  std::string error_;
  std::string description_;
  std::atomic<bool> finished_{false};
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace peakscope::viewer
