#include "core/engine/decoded_frame.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace peakscope {

DecodedFrame::DecodedFrame(Info info, std::shared_ptr<FrameQueries> queries,
                           FrameGeneration::Guard guard)
    : info_(std::move(info)), queries_(std::move(queries)) {
  guards_.push_back(std::move(guard));
}

bool DecodedFrame::current() const {
  if (!queries_) return false;
  for (const FrameGeneration::Guard& g : guards_) {
    const std::shared_ptr<const std::uint64_t> n = g.count.lock();
    if (!n || *n != g.at) return false;
  }
  return true;
}

FrameQueries& DecodedFrame::checked(const char* what) const {
  if (!queries_) throw std::logic_error(std::string(what) + ": no decoded frame");
  for (const FrameGeneration::Guard& g : guards_) {
    const std::shared_ptr<const std::uint64_t> n = g.count.lock();
    if (!n)
      throw std::logic_error(std::string(what) + ": the engine that decoded the frame is gone");
    if (*n != g.at)
      throw std::logic_error(std::string(what) +
                             ": the engine has moved on to another frame since this one");
  }
  return *queries_;
}

SoftmaxImage DecodedFrame::softmax(int c) const {
  FrameQueries& q = checked("softmax");
  if (c < 0 || c >= info_.shape.channels)
    throw std::out_of_range("softmax: channel " + std::to_string(c) + " out of range");
  return q.softmax(c, info_.keypoints[static_cast<std::size_t>(c)]);
}

std::uint32_t DecodedFrame::values_texture(int c) const {
  FrameQueries& q = checked("values_texture");
  if (c < 0 || c >= info_.shape.channels)
    throw std::out_of_range("values_texture: channel " + std::to_string(c) + " out of range");
  return q.values_texture(c);
}

std::vector<PeakWindow> DecodedFrame::windows(int radius) const {
  FrameQueries& q = checked("windows");
  if (radius < 0 || radius > 64)
    throw std::invalid_argument("windows: radius " + std::to_string(radius) + " outside [0, 64]");
  return q.windows(radius, info_.keypoints);
}

double DecodedFrame::blurred_max(int c, int kernel) const {
  FrameQueries& q = checked("blurred_max");
  if (c < 0 || c >= info_.shape.channels)
    throw std::out_of_range("blurred_max: channel " + std::to_string(c) + " out of range");
  if (kernel < 1 || kernel > 101 || kernel % 2 == 0)
    throw std::invalid_argument("blurred_max: kernel " + std::to_string(kernel) +
                                " is not an odd number in [1, 101]");
  return q.blurred_max(c, kernel);
}

BetaGrid DecodedFrame::beta_grid(const std::vector<double>& betas, bool normalize,
                                 bool debiased) const {
  FrameQueries& q = checked("beta_grid");
  for (double b : betas) validate_beta(b);
  return q.beta_grid(betas, normalize, debiased);
}

DecodedFrame& DecodedFrame::guard_with(FrameGeneration::Guard g) {
  guards_.push_back(std::move(g));
  return *this;
}

DecodedFrame& DecodedFrame::wrap_queries(std::shared_ptr<FrameQueries> q) {
  queries_ = std::move(q);
  return *this;
}

DecodedFrame& DecodedFrame::set_backend(Backend b, std::string reason) {
  info_.backend = b;
  info_.fallback_reason = std::move(reason);
  return *this;
}

}  // namespace peakscope
