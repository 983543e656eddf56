#include "core/reference.hpp"

#include <cmath>
#include <limits>

namespace peakscope::reference {
namespace {

void check(const HeatmapView& map, int c, const DecodeOptions& opt) {
  map.validate();
  opt.validate();
  if (c < 0 || c >= map.channels)
    throw std::out_of_range("channel " + std::to_string(c) + " out of range [0, " +
                            std::to_string(map.channels) + ")");
}

double max_finite(const HeatmapView& map, int c) {
  double m = -std::numeric_limits<double>::infinity();
  for (int y = 0; y < map.height; ++y)
    for (int x = 0; x < map.width; ++x) {
      const double v = map.at(c, y, x);
      if (std::isfinite(v) && v > m) m = v;
    }
  return m;
}

}  // namespace

long argmax(const HeatmapView& map, int c) {
  map.validate();
  long best = -1;
  double bv = 0;
  for (int y = 0; y < map.height; ++y)
    for (int x = 0; x < map.width; ++x) {
      const double v = map.at(c, y, x);
      if (std::isnan(v)) continue;
      if (best < 0 || v > bv) {
        best = static_cast<long>(y) * map.width + x;
        bv = v;
      }
    }
  return best;
}

double effective_beta(const HeatmapView& map, int c, const DecodeOptions& opt) {
  if (!opt.normalize) return opt.beta;
  const double m = max_finite(map, c);
  return (m > 0) ? opt.beta / m : opt.beta;
}

std::vector<double> softmax(const HeatmapView& map, int c, const DecodeOptions& opt) {
  check(map, c, opt);
  const int w = map.width, h = map.height;
  std::vector<double> p(map.pixels(), 0.0);
  const long am = argmax(map, c);
  if (am < 0) return p;
  const double m = map.at(c, static_cast<int>(am / w), static_cast<int>(am % w));
  if (m == -std::numeric_limits<double>::infinity()) return p;  // nothing valid
  const double beta = effective_beta(map, c, opt);
  double s = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double v = map.at(c, y, x);
      double e = 0;
      if (std::isinf(m)) {
        e = (v == m) ? 1.0 : 0.0;  // +Inf max: the +Inf pixels share everything
      } else if (!std::isnan(v)) {
        e = std::exp(beta * (v - m));  // v - m <= 0, so e in [0, 1]
      }
      p[static_cast<std::size_t>(y) * w + x] = e;
      s += e;
    }
  for (double& e : p) e /= s;
  return p;
}

Keypoint decode(const HeatmapView& map, int c, const DecodeOptions& opt) {
  check(map, c, opt);
  const int w = map.width, h = map.height;
  Keypoint k;
  const long am = argmax(map, c);
  const double m = am < 0 ? std::numeric_limits<double>::quiet_NaN()
                          : map.at(c, static_cast<int>(am / w), static_cast<int>(am % w));
  if (am < 0 || m == -std::numeric_limits<double>::infinity()) {
    k.valid = false;
    k.argmax_x = k.soft_x = 0.5 * (w - 1);
    k.argmax_y = k.soft_y = 0.5 * (h - 1);
    k.argmax_value = std::numeric_limits<double>::quiet_NaN();
    k.peak_probability = 0;
    return k;
  }
  k.argmax_x = static_cast<double>(am % w);
  k.argmax_y = static_cast<double>(am / w);
  k.argmax_value = m;
  const std::vector<double> p = softmax(map, c, opt);
  double sx = 0, sy = 0, pmax = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double q = p[static_cast<std::size_t>(y) * w + x];
      sx += q * x;
      sy += q * y;
      if (q > pmax) pmax = q;
    }
  k.soft_x = sx;
  k.soft_y = sy;
  k.peak_probability = pmax;
  return k;
}

std::vector<Keypoint> decode_all(const HeatmapView& map, const DecodeOptions& opt) {
  map.validate();
  std::vector<Keypoint> out;
  out.reserve(map.channels);
  for (int c = 0; c < map.channels; ++c) out.push_back(decode(map, c, opt));
  return out;
}

}  // namespace peakscope::reference
