#include "app/viewer/frame_cache.hpp"

namespace peakscope::viewer {

std::size_t FrameCache::frame_bytes(const io::Frame& f) {
  return f.heatmap.size_bytes() + f.image.total() * f.image.elemSize();
}

void FrameCache::put(long index, const io::Frame& f) {
  if (auto it = where_.find(index); it != where_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    where_.erase(it);
  }
  const std::size_t b = frame_bytes(f);
  if (b > budget_) return;
  lru_.push_front({index, f, b});
  where_[index] = lru_.begin();
  bytes_ += b;
  trim();
}

std::optional<io::Frame> FrameCache::get(long index) {
  auto it = where_.find(index);
  if (it == where_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);  // iterators stay valid
  return it->second->frame;
}

void FrameCache::clear() {
  lru_.clear();
  where_.clear();
  bytes_ = 0;
}

void FrameCache::set_budget(std::size_t bytes) {
  budget_ = bytes;
  trim();
}

void FrameCache::trim() {
  while (bytes_ > budget_ && !lru_.empty()) {
    bytes_ -= lru_.back().bytes;
    where_.erase(lru_.back().index);
    lru_.pop_back();
  }
}

}  // namespace peakscope::viewer
