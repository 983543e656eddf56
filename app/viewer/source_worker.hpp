// Reads frames from a Source on a worker thread, so a slow camera or file never stalls the
// UI. The UI thread takes frames from a small queue; each frame says which source it came
// from (a generation number that grows with every source opened).
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

// What the worker knows of the source it reads.
struct SourceInfo {
  long generation = -1;
  std::string description;
  long frame_count = -1;  // as the source claims (-1: unknown or endless)
  long frames_read = 0;
  bool finished = false;
  std::string status;   // the source's status() line (a live stream's counts), "" when none
  std::string warning;  // the source's warning() when it opened (e.g. a .npy's shape)
};

struct WorkerFrame {
  io::Frame frame;
  long generation = 0;
};

// How long opening a source may take before the viewer gives up on it (a camera needs a
// second or two; a FIFO with no writer or a device that does not answer never opens).
inline constexpr double kOpenTimeoutS = 5;

// Opens `spec` (io::open_source) on a thread of its own and waits at most `timeout_s`, so a
// source that blocks cannot stall the caller. Throws what the open threw, or
// std::runtime_error naming the source and the timeout; an open still blocked is abandoned
// (its source, should it ever open, is closed).
std::unique_ptr<io::Source> open_source_within(const std::string& spec,
                                               const io::SourceOptions& options, double timeout_s);

class SourceWorker {
 public:
  // paced: produce at most `fps` frames per second (live viewing); otherwise as fast as
  // they are taken (scripted runs, where every frame must be shown in order). Sources opened
  // by open() use `options` (the command line's --transform, --model, ...) and must open
  // within `open_timeout_s` (open_source_within).
  SourceWorker(bool paced, double fps, io::SourceOptions options,
               double open_timeout_s = kOpenTimeoutS);
  ~SourceWorker();

  // Opens `spec` on the worker (io::open_source with the worker's options) and starts
  // reading it. Errors are reported through take_error(); the previous source keeps running
  // until the new one opens.
  void open(const std::string& spec);
  // Starts reading an already opened source.
  void start(std::unique_ptr<io::Source> src);

  // The next frame: non-blocking, or waiting up to `wait_s` seconds.
  std::optional<WorkerFrame> take(double wait_s = 0);
  // Last error (empty when none); clears it.
  std::string take_error();
  SourceInfo info() const;
  long generation() const { return generation_; }
  void set_fps(double fps) { fps_ = fps; }
  // Every frame is held at least `s` seconds (0: the frame rate alone decides).
  void set_hold(double s) { hold_s_ = s; }

 private:
  void run();
  void install(std::unique_ptr<io::Source> s);  // with mu_ held

  const bool paced_;
  const io::SourceOptions options_;
  const double open_timeout_s_;
  std::atomic<double> fps_, hold_s_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WorkerFrame> queue_;
  std::unique_ptr<io::Source> src_;          // touched by the worker only
  std::unique_ptr<io::Source> pending_src_;  // handed over by start()
  std::string pending_open_;
  std::string error_;
  SourceInfo info_;
  std::atomic<long> generation_{-1};
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace peakscope::viewer
