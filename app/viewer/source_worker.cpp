#include "app/viewer/source_worker.hpp"

#include <chrono>

namespace peakscope::viewer {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kQueueMax = 2;

SourceWorker::SourceWorker(bool paced, double fps) : paced_(paced), fps_(fps) {
  thread_ = std::thread([this] { run(); });
}

SourceWorker::~SourceWorker() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void SourceWorker::open(const std::string& spec) {
  std::lock_guard<std::mutex> lk(mu_);
  pending_open_ = spec;
  cv_.notify_all();
}

void SourceWorker::start(std::unique_ptr<io::Source> src) {
  std::lock_guard<std::mutex> lk(mu_);
  pending_src_ = std::move(src);
  cv_.notify_all();
}

std::optional<io::Frame> SourceWorker::take(double wait_s) {
  std::unique_lock<std::mutex> lk(mu_);
  if (queue_.empty() && wait_s > 0)
    cv_.wait_for(lk, std::chrono::duration<double>(wait_s),
                 [&] { return !queue_.empty() || finished_ || !error_.empty(); });
  if (queue_.empty()) return std::nullopt;
  io::Frame f = std::move(queue_.front());
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

std::string SourceWorker::description() const {
  std::lock_guard<std::mutex> lk(mu_);
  return description_;
}

void SourceWorker::run() {
  auto next_due = Clock::now();
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] {
      return stop_ || !pending_open_.empty() || pending_src_ ||
             (src_ && !finished_ && queue_.size() < kQueueMax);
    });
    if (stop_) return;
    if (pending_src_) {
      description_ = pending_src_->describe();
      src_ = std::move(pending_src_);
      queue_.clear();
      finished_ = false;
      continue;
    }
    if (!pending_open_.empty()) {
      const std::string spec = std::move(pending_open_);
      pending_open_.clear();
      lk.unlock();
      std::unique_ptr<io::Source> s;
      std::string err;
      try {
        s = io::open_source(spec);
      } catch (const std::exception& e) {
        err = e.what();
      }
      lk.lock();
      if (s) {
        description_ = s->describe();
        src_ = std::move(s);
        queue_.clear();
        finished_ = false;
      } else {
        error_ = err;
      }
      cv_.notify_all();
      continue;
    }
    if (paced_) {  // live viewing: keep to the frame rate
      lk.unlock();
      std::this_thread::sleep_until(next_due);
      next_due =
          std::max(next_due + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(1.0 / std::max(1.0, fps_.load()))),
                   Clock::now() - std::chrono::milliseconds(100));
      lk.lock();
      if (stop_ || !src_) continue;
    }
    io::Source* src = src_.get();
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
      finished_ = true;
    } else if (!f) {
      finished_ = true;
    } else {
      queue_.push_back(std::move(*f));
    }
    cv_.notify_all();
  }
}

}  // namespace peakscope::viewer
