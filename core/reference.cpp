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

// The rules, stated here from docs/conventions.md rather than taken from core/decode.hpp, so
// that this oracle does not share the code it checks:
//   normalise  divides the map by its largest finite value before beta is applied, and only
//              when that value is > 0: a channel whose maximum is 0 or negative is used as it
//              is (beta applies to the raw values, never beta / |max|).
//   NaN        ignored: weight 0, never the argmax.
//   +Inf       the maximum: every +Inf pixel weighs 1, everything else 0.
//   -Inf       weight 0 (the argmax only when nothing larger exists).
//   no pixel other than NaN / -Inf: invalid, argmax and soft-argmax at ((W-1)/2, (H-1)/2).

// What normalise divides the values by: the largest finite value when normalise is on and it
// is > 0, else 1.
double normaliser(bool normalize, double max_finite_value) {
  return normalize && max_finite_value > 0 && max_finite_value < kInf ? max_finite_value : 1.0;
}

// The invalid keypoint of a width x height channel, as docs/conventions.md states it.
Keypoint invalid(int width, int height) {
  Keypoint k;
  k.argmax_x = k.soft_x = (width - 1) / 2.0;
  k.argmax_y = k.soft_y = (height - 1) / 2.0;
  k.argmax_value = std::numeric_limits<double>::quiet_NaN();
  k.peak_probability = 0;
  k.valid = false;
  return k;
}

// What a channel's weights need: the maximum m (argmax value), the normaliser and beta, and
// the mode.
struct Plan {
  enum Mode { kFinite, kPlusInf, kInvalid } mode = kInvalid;
  long am = -1;
  double m = 0, scale = 1, beta = 0;
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
  p.scale = normaliser(opt.normalize, p.m);  // m is the largest finite value here
  p.beta = opt.beta;
  return p;
}

// The unnormalised weight of a pixel of value v: exp(beta (v / s - m / s)) in [0, 1] (s the
// normaliser); 1 for every +Inf pixel of a +Inf map; 0 for NaN and -Inf.
double weight(const Plan& p, double v) {
  if (p.mode == Plan::kPlusInf) return v == kInf ? 1.0 : 0.0;
  if (std::isnan(v) || v == -kInf) return 0.0;
  // v - m <= 0 is exact or within an ulp; divided by a denormal s it stays below 1e84, and
  // times beta <= 1e30 finite (see header).
  return std::exp(p.beta * ((v - p.m) / p.scale));
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
  return opt.beta / normaliser(opt.normalize, max_finite(map, c));
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
  if (pl.mode == Plan::kInvalid) return invalid(w, h);
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
