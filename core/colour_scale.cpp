#include "core/colour_scale.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace peakscope {
namespace {

constexpr float kLogFloor = 1e-30f;  // the log scale's smallest lower end
constexpr float kInf = std::numeric_limits<float>::infinity();

// The smallest float at or above x.
float ceil_to_float(double x) {
  float f = static_cast<float>(x);
  if (static_cast<double>(f) < x) f = std::nextafter(f, kInf);
  return f;
}

}  // namespace

ColourScale::ColourScale(float lo, float hi, bool log) : lo_(lo), hi_(hi), log_(log) {
  edges_.fill(kInf);
  edges_[0] = -kInf;
  if (log) {
    floor_ = lo > kLogFloor ? lo : kLogFloor;  // NaN lo: the floor
    if (!(std::isfinite(hi) && hi > floor_)) return;
    // In base 2: exact for ranges of whole octaves.
    const double l0 = std::log2(static_cast<double>(floor_));
    const double l1 = std::log2(static_cast<double>(hi));
    for (int k = 1; k < kEntries; ++k)
      edges_[k] = ceil_to_float(std::exp2(l0 + (l1 - l0) * k / kEntries));
    log_floor_ = std::log2(floor_);
    per_unit_ = static_cast<float>(kEntries / (l1 - l0));
  } else {
    if (!(std::isfinite(lo) && std::isfinite(hi) && hi > lo)) return;
    const double span = static_cast<double>(hi) - lo;
    for (int k = 1; k < kEntries; ++k) edges_[k] = ceil_to_float(lo + span * k / kEntries);
    per_unit_ = static_cast<float>(kEntries / span);
  }
}

int ColourScale::guess(float v) const {
  const float t = log_ ? (std::log2(v) - log_floor_) * per_unit_ : (v - lo_) * per_unit_;
  return t >= 0 ? (t < kEntries - 1 ? static_cast<int>(t) : kEntries - 1) : 0;
}

int ColourScale::index(float v) const {
  if (!(v >= edges_[1])) return 0;  // NaN too
  if (v >= edges_[kEntries - 1]) return kEntries - 1;
  // edges_[1] <= v < edges_[255]: both walks stay inside 1..254.
  int i = guess(v);
  while (edges_[i] > v) --i;
  while (edges_[i + 1] <= v) ++i;
  return i;
}

int colour_bar_entry(double t) {
  const double e = std::floor(t * ColourScale::kEntries);
  return e >= 0 ? (e < ColourScale::kEntries - 1 ? static_cast<int>(e) : ColourScale::kEntries - 1)
                : 0;
}

void colour_rgba(const float* values, std::size_t n, const ColourScale& scale,
                 const ColourTable& table, std::uint8_t* rgba) {
  std::array<std::array<std::uint8_t, 4>, ColourScale::kEntries> px;
  for (int i = 0; i < ColourScale::kEntries; ++i)
    px[i] = {table[i][0], table[i][1], table[i][2], 255};
  for (std::size_t i = 0; i < n; ++i)
    std::memcpy(rgba + 4 * i, px[scale.index(values[i])].data(), 4);
}

double softmax_log_floor(double smallest_p, double peak) {
  return std::clamp(smallest_p, peak * 1e-12, peak * std::pow(10.0, -0.5));
}

}  // namespace peakscope
