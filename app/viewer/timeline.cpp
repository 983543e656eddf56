#include "app/viewer/timeline.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace peakscope::viewer {

ABSide parse_ab_side(std::string_view text) {
  ABSide s;
  const std::size_t colon = text.find(':');
  const std::string_view beta = text.substr(0, colon);
  try {
    s.beta = parse_beta(beta);
    if (colon != std::string_view::npos) s.decoder = parse_decoder(text.substr(colon + 1));
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("A/B side '" + std::string(text) + "': " + e.what() +
                                " (write BETA:DECODER, e.g. 20:softargmax)");
  }
  return s;
}

std::string ab_label(char which, const ABSide& side) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%c: beta %g %s", which, side.beta, decoder_name(side.decoder));
  return buf;
}

void Timeline::request_seek(long index) {
  index = std::max(0L, index);
  if (count_ > 0) index = std::min(index, count_ - 1);
  seek_ = index;
  target_ = index;
  awaiting_ = true;
}

std::optional<long> Timeline::take_seek() {
  std::optional<long> s = seek_;
  seek_.reset();
  return s;
}

void Timeline::frame_arrived(const io::Frame& f) {
  awaiting_ = false;
  target_ = f.index;
  if (pin_at_ >= 0 && f.index == pin_at_) {
    pin(f);
    pin_at_ = -1;
  }
}

void Timeline::pin(const io::Frame& f) {
  pinned_ = f;
  if (mode_ == CompareMode::kOff) mode_ = CompareMode::kPinned;
}

void Timeline::unpin() {
  pinned_.reset();
  if (mode_ == CompareMode::kPinned) mode_ = CompareMode::kOff;
}

void Timeline::set_mode(CompareMode m) {
  if (m == CompareMode::kPinned && !pinned_) return;
  mode_ = m;
}

void Timeline::set_side(char which, const ABSide& s) {
  validate_beta(s.beta);
  (which == 'A' ? a_ : b_) = s;
}

}  // namespace peakscope::viewer
