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

#include "app/viewer/frame_cache.hpp"
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
  // The timeline of a finite source (frame_count >= 0): the index of the next frame the
  // worker delivers, the frames the source turned out to have once it ended (-1 before), the
  // frames waiting in the queue, and the frame cache's use.
  long position = 0;
  long end_index = -1;
  std::size_t queued = 0;
  std::size_t cache_frames = 0, cache_bytes = 0, cache_budget = 0;
  bool loop = false;
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
  // Starts reading an already opened source; `spec` (what opened it) lets the timeline reopen
  // it to go back where the source cannot seek ("": it cannot be reopened).
  void start(std::unique_ptr<io::Source> src, std::string spec = {});

  // ---- The timeline of a finite source (frame_count() >= 0; ignored for live sources).
  // The next frame delivered is `index` (clamped to 0 .. the last frame); frames queued before
  // are dropped. Frames come from the cache, else from the source: Source::seek, else read
  // forward (reopening the source to go back). Before a source is running, the seek applies
  // to the next one installed.
  void seek(long index);
  // At the end, start again at frame 0 (true) or stop there (false, the default; the Viewer
  // sets it from the timeline). A source of one frame stops either way.
  void set_loop(bool on);
  // The frame cache's budget in bytes (0: no cache).
  void set_cache_budget(std::size_t bytes);

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
  void install(std::unique_ptr<io::Source> s, std::string spec);  // with mu_ held
  // One frame of a finite source at `want` (worker thread, mu_ not held): see seek().
  struct Step {
    std::optional<io::Frame> frame;
    bool ended = false;  // the source has no frame `want`: it has end_index frames
    long end_index = -1;
    bool cancelled = false;  // a seek, an open or the stop came meanwhile
    std::string error;
    std::unique_ptr<io::Source> reopened;  // the source reopened to go back (replaces src_)
  };
  Step timeline_step(long want, long serial);
  bool interrupted(long serial);  // takes mu_

  const bool paced_;
  const io::SourceOptions options_;
  const double open_timeout_s_;
  std::atomic<double> fps_, hold_s_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WorkerFrame> queue_;
  std::unique_ptr<io::Source> src_;          // touched by the worker only
  std::unique_ptr<io::Source> pending_src_;  // handed over by start()
  std::string pending_spec_, spec_;          // what opened pending_src_ and src_
  // The timeline: the next index delivered, the next one the source reads (worker only), the
  // seek count (a frame read for an earlier seek is not delivered), a seek waiting for the
  // next source, the frames found at the end. Guarded by mu_ except read_pos_ and cache_.
  long pos_ = 0, read_pos_ = 0, serial_ = 0, seek_on_install_ = -1, end_index_ = -1;
  std::atomic<bool> loop_{false};
  std::atomic<std::size_t> cache_budget_{kDefaultCacheMb << 20};
  FrameCache cache_;  // worker only
  std::string pending_open_;
  std::string error_;
  SourceInfo info_;
  std::atomic<long> generation_{-1};
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace peakscope::viewer
