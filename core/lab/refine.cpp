#include "core/lab/refine.hpp"

#include <algorithm>
#include <cmath>

namespace peakscope {
namespace {

double sign_or_zero(double d) {
  return d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0);
}  // NaN -> 0

DecodedPoint at_argmax(const PeakWindow& w, double score) {
  return {static_cast<double>(w.cx), static_cast<double>(w.cy), score, true};
}

}  // namespace

DecodedPoint refine_quarter(const PeakWindow& w) {
  const int x = w.cx, y = w.cy, W = w.map_width, H = w.map_height;
  double dx = 0, dy = 0;
  if (1 < x && x < W - 1 && 0 < y && y < H) dx = w.at(x + 1, y) - w.at(x - 1, y);
  if (1 < y && y < H - 1 && 0 < x && x < W) dy = w.at(x, y + 1) - w.at(x, y - 1);
  return {x + 0.25 * sign_or_zero(dx), y + 0.25 * sign_or_zero(dy), w.peak, true};
}

DecodedPoint refine_window(const PeakWindow& w, int r, double beta, bool normalize) {
  const bool inf_peak = w.peak == INFINITY;
  const double b = effective_beta({beta, normalize}, w.peak);
  double s = 0, sx = 0, sy = 0;
  for (int y = w.cy - r; y <= w.cy + r; ++y)
    for (int x = w.cx - r; x <= w.cx + r; ++x) {
      if (!w.inside(x, y)) continue;
      const double v = w.at(x, y);
      double e = 0;
      if (inf_peak)
        e = v == INFINITY ? 1.0 : 0.0;
      else if (std::isfinite(v))
        e = std::exp(b * (v - w.peak));  // v <= peak: e in [0, 1]
      s += e;
      sx += e * x;
      sy += e * y;
    }
  // s >= 1: the argmax itself weighs exp(0) = 1.
  return {sx / s, sy / s, 1.0 / s, true};
}

DecodedPoint refine_centroid(const PeakWindow& w, int size) {
  const int r = size / 2;
  const bool inf_peak = w.peak == INFINITY;
  double s = 0, sx = 0, sy = 0;
  for (int y = w.cy - r; y <= w.cy + r; ++y)
    for (int x = w.cx - r; x <= w.cx + r; ++x) {
      if (!w.inside(x, y)) continue;
      const double v = w.at(x, y);
      const double e = inf_peak ? (v == INFINITY ? 1.0 : 0.0) : (v > 0 ? v : 0.0);
      s += e;
      sx += e * x;
      sy += e * y;
    }
  if (!(s > 0)) return at_argmax(w, w.peak);
  return {sx / s, sy / s, w.peak, true};
}

DecodedPoint refine_mediapipe(const PeakWindow& w, int size, double threshold) {
  const int r = size / 2;
  double s = 0, sx = 0, sy = 0, best = 0;
  for (int y = w.cy - r; y <= w.cy + r; ++y)
    for (int x = w.cx - r; x <= w.cx + r; ++x) {
      if (!w.inside(x, y)) continue;
      const double v = w.at(x, y);
      if (std::isnan(v)) continue;
      const double e = 1.0 / (1.0 + std::exp(-v));  // sigmoid; +-Inf give 1 and 0
      s += e;
      sx += e * x;
      sy += e * y;
      best = std::max(best, e);
    }
  if (best >= threshold && s > 0) return {sx / s, sy / s, best, true};
  return at_argmax(w, best);
}

}  // namespace peakscope
