#include "core/reference.hpp"

#include <cmath>
#include <limits>

namespace peakscope::reference {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void check(const HeatmapView& map, int c, const DecodeOptions& opt) {
  map.validate();
  opt.validate();
  if (c < 0 || c >= map.channels)
    throw std::out_of_range("channel " + std::to_string(c) + " out of range [0, " +
                            std::to_string(map.channels) + ")");
}

// What a channel's weights need: the maximum m (argmax value), beta_eff, and the mode.
struct Plan {
  enum Mode { kFinite, kPlusInf, kInvalid } mode = kInvalid;
  long am = -1;
  double m = 0, beta = 0;
};

Plan plan(const HeatmapView& map, int c, const DecodeOptions& opt) {
  Plan p;
  p.am = argmax(map, c);
  if (p.am < 0) return p;
  p.m = map.at(c, static_cast<int>(p.am / map.width), static_cast<int>(p.am % map.width));
  if (p.m == -kInf) return p;  // nothing but NaN / -Inf
  if (p.m == kInf) {
    p.mode = Plan::kPlusInf;
    return p;
  }
  p.mode = Plan::kFinite;
  p.beta = peakscope::effective_beta(opt, p.m);  // m is the largest finite value here
  return p;
}

// The unnormalised weight of a pixel of value v: exp(beta (v - m)) in [0, 1]; 1 for every
// +Inf pixel of a +Inf map; 0 for NaN and -Inf.
double weight(const Plan& p, double v) {
  if (p.mode == Plan::kPlusInf) return v == kInf ? 1.0 : 0.0;
  if (std::isnan(v) || v == -kInf) return 0.0;
  return std::exp(p.beta * (v - p.m));  // v - m <= 0; beta * (v - m) finite (see header)
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

double max_finite(const HeatmapView& map, int c) {
  double m = -kInf;
  for (int y = 0; y < map.height; ++y)
    for (int x = 0; x < map.width; ++x) {
      const double v = map.at(c, y, x);
      if (std::isfinite(v) && v > m) m = v;
    }
  return m;
}

double effective_beta(const HeatmapView& map, int c, const DecodeOptions& opt) {
  check(map, c, opt);
  return peakscope::effective_beta(opt, max_finite(map, c));
}

std::vector<double> softmax(const HeatmapView& map, int c, const DecodeOptions& opt) {
  check(map, c, opt);
  const int w = map.width, h = map.height;
  std::vector<double> p(map.pixels(), 0.0);
  const Plan pl = plan(map, c, opt);
  if (pl.mode == Plan::kInvalid) return p;
  long double s = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double e = weight(pl, map.at(c, y, x));
      p[static_cast<std::size_t>(y) * w + x] = e;
      s += e;
    }
  const double inv = static_cast<double>(1.0L / s);  // s >= 1: the maximum's weight is 1
  for (double& e : p) e *= inv;
  return p;
}

Keypoint decode(const HeatmapView& map, int c, const DecodeOptions& opt) {
  check(map, c, opt);
  const int w = map.width, h = map.height;
  const Plan pl = plan(map, c, opt);
  if (pl.mode == Plan::kInvalid) return invalid_keypoint(w, h);
  Keypoint k;
  k.argmax_x = static_cast<double>(pl.am % w);
  k.argmax_y = static_cast<double>(pl.am / w);
  k.argmax_value = pl.m;
  // One pass: the weights are known once m is. Row sums first (short, in long double), then
  // the rows, so sum(w * x) keeps its precision over very long rows too.
  long double s = 0, sx = 0, sy = 0;
  for (int y = 0; y < h; ++y) {
    long double rs = 0, rsx = 0;
    for (int x = 0; x < w; ++x) {
      const long double e = weight(pl, map.at(c, y, x));
      rs += e;
      rsx += e * x;
    }
    s += rs;
    sx += rsx;
    sy += rs * y;
  }
  k.soft_x = static_cast<double>(sx / s);
  k.soft_y = static_cast<double>(sy / s);
  k.peak_probability = static_cast<double>(1.0L / s);  // every maximum has weight exactly 1
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
