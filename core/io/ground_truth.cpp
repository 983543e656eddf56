#include <cmath>

#include "core/io/source.hpp"

namespace peakscope::io {

double ground_truth_error(const Frame& f, int c, const Keypoint& k) {
  if (c < 0 || c >= static_cast<int>(f.ground_truth.size()) || f.ground_truth[c].empty()) return -1;
  double best = 1e300, err = -1;
  for (const Point2& p : f.ground_truth[c]) {
    const double d = std::hypot(p.x - k.argmax_x, p.y - k.argmax_y);
    if (d < best) {
      best = d;
      err = std::hypot(p.x - k.soft_x, p.y - k.soft_y);
    }
  }
  return err;
}

}  // namespace peakscope::io
