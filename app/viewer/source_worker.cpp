#include "app/viewer/source_worker.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <stdexcept>

namespace peakscope::viewer {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kQueueMax = 2;

std::unique_ptr<io::Source> open_source_within(const std::string& spec,
                                               const io::SourceOptions& options, double timeout_s) {
  struct Attempt {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::unique_ptr<io::Source> src;
    std::exception_ptr error;
  };
  auto at = std::make_shared<Attempt>();
  std::thread([at, spec, options] {
    std::unique_ptr<io::Source> s;
    std::exception_ptr e;
    try {
      s = io::open_source(spec, options);
    } catch (...) {
      e = std::current_exception();
    }
    std::lock_guard<std::mutex> lk(at->mu);
    at->src = std::move(s);  // abandoned: closed when the last owner of `at` goes
    at->error = e;
    at->done = true;
    at->cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lk(at->mu);
  if (!at->cv.wait_for(lk, std::chrono::duration<double>(timeout_s), [&] { return at->done; })) {
    char t[32];
    std::snprintf(t, sizeof t, "%g", timeout_s);
    throw std::runtime_error(spec + ": did not open within " + t +
                             " s (a FIFO with no writer, a device or a camera that does not "
                             "answer?)");
  }
  if (at->error) std::rethrow_exception(at->error);
  return std::move(at->src);
}

SourceWorker::SourceWorker(bool paced, double fps, io::SourceOptions options, double open_timeout_s)
    : paced_(paced), options_(std::move(options)), open_timeout_s_(open_timeout_s), fps_(fps) {
  thread_ = std::thread([this] { run(); });
}

SourceWorker::~SourceWorker() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
    if (src_) src_->interrupt();  // a stream waiting for frames returns
  }
  cv_.notify_all();
  thread_.join();
}

void SourceWorker::open(const std::string& spec) {
  std::lock_guard<std::mutex> lk(mu_);
  pending_open_ = spec;
  if (src_) src_->interrupt();  // a stream waiting for frames gives way
  cv_.notify_all();
}

void SourceWorker::start(std::unique_ptr<io::Source> src, std::string spec) {
  std::lock_guard<std::mutex> lk(mu_);
  pending_src_ = std::move(src);
  pending_spec_ = std::move(spec);
  if (src_) src_->interrupt();
  cv_.notify_all();
}

std::optional<WorkerFrame> SourceWorker::take(double wait_s) {
  std::unique_lock<std::mutex> lk(mu_);
  if (queue_.empty() && wait_s > 0)
    cv_.wait_for(lk, std::chrono::duration<double>(wait_s), [&] {
      // A finished source counts only when no other one is about to open.
      const bool ended = info_.finished && pending_open_.empty() && !pending_src_;
      return !queue_.empty() || ended || !error_.empty();
    });
  if (queue_.empty()) return std::nullopt;
  WorkerFrame f = std::move(queue_.front());
  queue_.pop_front();
  cv_.notify_all();
  return f;
}

std::string SourceWorker::take_error() {
  std::lock_guard<std::mutex> lk(mu_);
  std::string e;
  e.swap(error_);
  return e;
}

SourceInfo SourceWorker::info() const {
  std::lock_guard<std::mutex> lk(mu_);
  SourceInfo i = info_;
  if (src_) i.status = src_->status();  // thread-safe by Source's contract
  i.position = pos_;
  i.end_index = end_index_;
  i.queued = queue_.size();
  i.loop = loop_;
  return i;
}

void SourceWorker::seek(long index) {
  std::lock_guard<std::mutex> lk(mu_);
  index = std::max(0L, index);
  if (!src_ || pending_src_ || !pending_open_.empty()) {  // for the source about to run
    seek_on_install_ = index;
    return;
  }
  if (info_.frame_count < 0) return;  // a live source has no timeline
  const long count = end_index_ >= 0 ? end_index_ : info_.frame_count;
  pos_ = count > 0 ? std::min(index, count - 1) : index;
  ++serial_;
  queue_.clear();
  info_.finished = false;
  cv_.notify_all();
}

void SourceWorker::set_loop(bool on) {
  loop_ = on;
}

void SourceWorker::set_cache_budget(std::size_t bytes) {
  cache_budget_ = bytes;
}

bool SourceWorker::interrupted(long serial) {
  std::lock_guard<std::mutex> lk(mu_);
  return stop_ || serial != serial_ || !pending_open_.empty() || pending_src_;
}

SourceWorker::Step SourceWorker::timeline_step(long want, long serial) {
  Step r;
  try {
    cache_.set_budget(cache_budget_);
    if (std::optional<io::Frame> f = cache_.get(want)) {
      r.frame = std::move(f);
      return r;
    }
    io::Source* src = src_.get();
    if (read_pos_ != want) {
      if (src->seek(want)) {
        read_pos_ = want;
      } else if (want < read_pos_) {
        // Back before the source's position: reopen it and read forward from the start.
        if (spec_.empty())
          throw std::runtime_error(info_.description + ": cannot go back to frame " +
                                   std::to_string(want) +
                                   " (it is not in the frame cache and the source cannot seek "
                                   "or be reopened)");
        r.reopened = open_source_within(spec_, options_, open_timeout_s_);
        src = r.reopened.get();
        read_pos_ = 0;
        if (want > 0 && src->seek(want)) read_pos_ = want;
      }
    }
    // Forward-only: read up to `want`, keeping the frames on the way in the cache.
    for (;;) {
      if (read_pos_ < want && interrupted(serial)) {
        r.cancelled = true;
        return r;
      }
      std::optional<io::Frame> f = src->next();
      if (!f) {
        r.ended = true;
        r.end_index = read_pos_;
        return r;
      }
      if (cache_budget_ > 0) cache_.put(read_pos_, *f);
      if (read_pos_++ == want) {
        r.frame = std::move(f);
        return r;
      }
    }
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

void SourceWorker::install(std::unique_ptr<io::Source> s, std::string spec) {
  info_.generation = generation_ + 1;
  info_.description = s->describe();
  info_.warning = s->warning();
  info_.frame_count = s->frame_count();
  info_.frames_read = 0;
  info_.finished = false;
  src_ = std::move(s);
  spec_ = std::move(spec);
  queue_.clear();
  cache_.clear();
  info_.cache_frames = info_.cache_bytes = 0;
  read_pos_ = 0;
  end_index_ = -1;
  ++serial_;
  pos_ = 0;
  if (seek_on_install_ >= 0 && info_.frame_count >= 0)
    pos_ = info_.frame_count > 0 ? std::min(seek_on_install_, info_.frame_count - 1) : 0;
  seek_on_install_ = -1;
  generation_ = info_.generation;
}

void SourceWorker::run() {
  auto next_due = Clock::now();
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] {
      return stop_ || !pending_open_.empty() || pending_src_ ||
             (src_ && !info_.finished && queue_.size() < kQueueMax);
    });
    if (stop_) return;
    if (pending_src_) {
      install(std::move(pending_src_), std::move(pending_spec_));
      next_due = Clock::now();
      cv_.notify_all();
      continue;
    }
    if (!pending_open_.empty()) {
      const std::string spec = std::move(pending_open_);
      pending_open_.clear();
      lk.unlock();
      std::unique_ptr<io::Source> s;
      std::string err;
      try {
        s = open_source_within(spec, options_, open_timeout_s_);
      } catch (const std::exception& e) {
        err = e.what();
      }
      lk.lock();
      if (s) {
        install(std::move(s), spec);
        next_due = Clock::now();
      } else {
        error_ = err;
      }
      cv_.notify_all();
      continue;
    }
    if (paced_) {  // live viewing: keep to the frame rate, the source's own rate, or the hold
      // The source's interval: a video's frame rate, an image folder's --image-fps/--image-hold.
      const double src_interval = src_ ? src_->frame_interval_s() : 0;
      lk.unlock();
      std::this_thread::sleep_until(next_due);
      const double period =
          std::max({1.0 / std::max(1.0, fps_.load()), hold_s_.load(), src_interval});
      next_due = std::max(next_due + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(period)),
                          Clock::now() - std::chrono::milliseconds(100));
      lk.lock();
      if (stop_ || !src_ || !pending_open_.empty() || pending_src_) continue;
    }
    if (info_.frame_count >= 0) {  // a finite source: the timeline, the cache, the loop
      const long want = pos_, serial = serial_;
      lk.unlock();
      Step r = timeline_step(want, serial);
      lk.lock();
      if (r.reopened) src_ = std::move(r.reopened);
      info_.cache_frames = cache_.size();
      info_.cache_bytes = cache_.bytes();
      info_.cache_budget = cache_.budget();
      if (!r.error.empty()) {
        error_ = r.error;
        info_.finished = true;
      } else if (r.ended) {
        end_index_ = r.end_index;
        if (serial != serial_) {
          // a seek came meanwhile: it is served next
        } else if (loop_ && r.end_index > 1) {  // one frame is shown once
          pos_ = 0;
        } else {
          info_.finished = true;
        }
      } else if (r.frame && serial == serial_) {
        ++info_.frames_read;
        ++pos_;
        queue_.push_back({std::move(*r.frame), generation_});
      }
      cv_.notify_all();
      continue;
    }
    io::Source* src = src_.get();
    const long gen = generation_;
    lk.unlock();
    std::optional<io::Frame> f;
    std::string err;
    try {
      f = src->next();
    } catch (const std::exception& e) {
      err = e.what();
    }
    lk.lock();
    if (src != src_.get()) continue;  // replaced meanwhile
    if (!err.empty()) {
      error_ = err;
      info_.finished = true;
    } else if (!f) {
      info_.finished = true;
    } else {
      ++info_.frames_read;
      queue_.push_back({std::move(*f), gen});
    }
    cv_.notify_all();
  }
}

}  // namespace peakscope::viewer
