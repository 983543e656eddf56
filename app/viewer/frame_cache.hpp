// The frames of a finite source already read, kept within a memory budget so the timeline
// (seek, step back, loop) shows them again without reading the source: least recently used
// frames go first. No locking: one thread uses a cache (the source worker).
#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <unordered_map>

#include "core/io/source.hpp"

namespace peakscope::viewer {

// The default budget (--cache-mb).
inline constexpr std::size_t kDefaultCacheMb = 512;

class FrameCache {
 public:
  explicit FrameCache(std::size_t budget_bytes = kDefaultCacheMb << 20) : budget_(budget_bytes) {}

  // The memory a frame holds: its heatmap and its image (pixels only).
  static std::size_t frame_bytes(const io::Frame& f);

  // Keeps a copy of `f` under `index` (replacing one held there), then drops the least
  // recently used frames until the total is within the budget. A frame larger than the whole
  // budget is not kept. The image is shared with the caller's frame (cv::Mat reference), not
  // copied: neither side writes to it.
  void put(long index, const io::Frame& f);
  // A copy of the frame held under `index` (now the most recently used), or nullopt.
  std::optional<io::Frame> get(long index);
  bool contains(long index) const { return where_.count(index) != 0; }
  // Drops every frame (a new source).
  void clear();
  // A new budget; frames beyond it are dropped at once.
  void set_budget(std::size_t bytes);

  std::size_t budget() const { return budget_; }
  std::size_t bytes() const { return bytes_; }
  std::size_t size() const { return lru_.size(); }

 private:
  struct Entry {
    long index;
    io::Frame frame;
    std::size_t bytes;
  };
  void trim();

  std::size_t budget_;
  std::size_t bytes_ = 0;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<long, std::list<Entry>::iterator> where_;
};

}  // namespace peakscope::viewer
