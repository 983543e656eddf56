#include "app/viewer/view_images.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/colour_scale.hpp"

namespace peakscope::viewer {

int grid_columns(int k) {
  int c = 1;
  while (c * c < k) ++c;
  return c;
}

namespace {

struct Grid {
  int cols = 1, rows = 1, w = 0, h = 0;
  std::vector<TileOffset> tiles;
};

Grid make_grid(int k, int w, int h) {
  Grid g;
  g.cols = grid_columns(k);
  g.rows = (k + g.cols - 1) / g.cols;
  g.w = g.cols * w + (g.cols - 1) * kGridGap;
  g.h = g.rows * h + (g.rows - 1) * kGridGap;
  for (int c = 0; c < k; ++c)
    g.tiles.push_back({(c % g.cols) * (w + kGridGap), (c / g.cols) * (h + kGridGap)});
  return g;
}

void finite_range(const std::vector<float>& v, float* lo, float* hi) {
  float mn = std::numeric_limits<float>::infinity(), mx = -mn;
  for (float x : v)
    if (std::isfinite(x)) {
      mn = std::min(mn, x);
      mx = std::max(mx, x);
    }
  if (!(mx >= mn)) mn = mx = 0;
  *lo = mn;
  *hi = mx;
}

}  // namespace

double channel_min(const HeatmapView& map, int c) {
  double mn = std::numeric_limits<double>::infinity();
  for (int y = 0; y < map.height; ++y)
    for (int x = 0; x < map.width; ++x) {
      const double v = map.at(c, y, x);
      if (std::isfinite(v) && v < mn) mn = v;
    }
  return std::isfinite(mn) ? mn : 0.0;
}

bool channel_has_nan(const HeatmapView& map, int c) {
  for (int y = 0; y < map.height; ++y)
    for (int x = 0; x < map.width; ++x)
      if (std::isnan(map.at(c, y, x))) return true;
  return false;
}

ViewImage heat_image(const HeatmapView& map, int channel, AllChannelsView view) {
  ViewImage im;
  const int k = map.channels, w = map.width, h = map.height;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  if (channel >= 0 || k == 1 || view == AllChannelsView::kMax) {
    im.width = w;
    im.height = h;
    im.values.assign(static_cast<std::size_t>(w) * h, nan);
    const int c0 = channel >= 0 ? channel : 0, c1 = channel >= 0 ? channel + 1 : k;
    for (int c = c0; c < c1; ++c)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          const float v = static_cast<float>(map.at(c, y, x));
          float& o = im.values[static_cast<std::size_t>(y) * w + x];
          if (v == v && !(o >= v)) o = v;  // NaN-skipping max
        }
    im.tiles.assign(k, TileOffset{});
    finite_range(im.values, &im.lo, &im.hi);
    im.has_nan = std::any_of(im.values.begin(), im.values.end(), [](float v) { return v != v; });
    im.constant = im.lo == im.hi;
    return im;
  }
  const Grid g = make_grid(k, w, h);
  im.width = g.w;
  im.height = g.h;
  // The gaps and an empty last row hold no data: -inf (the colour scale's lowest entry), so
  // only real NaN pixels get the NaN colour.
  im.values.assign(static_cast<std::size_t>(g.w) * g.h, -std::numeric_limits<float>::infinity());
  im.tiles = g.tiles;
  im.per_tile_scale = true;
  im.lo = 0;
  im.hi = 1;
  std::vector<float> tile(static_cast<std::size_t>(w) * h);
  for (int c = 0; c < k; ++c) {
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) tile[static_cast<std::size_t>(y) * w + x] = map.at(c, y, x);
    float lo = 0, hi = 0;
    finite_range(tile, &lo, &hi);
    const float inv = hi > lo ? 1.0f / (hi - lo) : 0.0f;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const float v = tile[static_cast<std::size_t>(y) * w + x];
        im.values[static_cast<std::size_t>(g.tiles[c].y + y) * g.w + g.tiles[c].x + x] =
            v == v ? std::clamp((v - lo) * inv, 0.0f, 1.0f) : nan;
        im.has_nan = im.has_nan || v != v;
      }
  }
  return im;
}

int colormap_index(double v, float lo, float hi, bool log) {
  return ColourScale(lo, hi, log).index(static_cast<float>(v));
}

double log_scale_floor(const Keypoint& k, double heat_min, const DecodeOptions& opt) {
  return softmax_log_floor(softmax_at(heat_min, k, opt), k.peak_probability);
}

PRange softmax_range(const std::vector<Keypoint>& kps, const std::vector<double>& heat_min,
                     int channel, SoftmaxScale scale, const DecodeOptions& opt) {
  PRange r;
  bool any = false;
  for (int c = 0; c < static_cast<int>(kps.size()); ++c) {
    if ((channel >= 0 && c != channel) || !kps[c].valid) continue;
    r.hi = std::max(r.hi, kps[c].peak_probability);
    r.min = std::max(r.min, softmax_at(heat_min[c], kps[c], opt));
    any = true;
  }
  if (!any) return r;
  r.constant = r.min >= r.hi;
  if (scale == SoftmaxScale::kLinear) return r;
  r.lo = softmax_log_floor(r.min, r.hi);  // core/colour_scale.hpp: the sheets' too
  r.clipped = r.min < r.lo;
  return r;
}

ViewImage softmax_image(const std::vector<const float*>& p, const std::vector<Keypoint>& kps,
                        const std::vector<double>& heat_min, const HeatmapView& map, int channel,
                        AllChannelsView view, SoftmaxScale scale, const DecodeOptions& opt) {
  ViewImage im;
  const int k = static_cast<int>(kps.size()), width = map.width, height = map.height;
  const bool log = scale == SoftmaxScale::kLog;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::size_t n = static_cast<std::size_t>(width) * height;
  const PRange range = softmax_range(kps, heat_min, channel, scale, opt);
  im.p_hi = range.hi;
  im.p_lo = range.lo;
  im.p_min = range.min;
  im.p_clipped = range.clipped;
  im.constant = range.constant;
  auto shown = [&](int c) { return (channel < 0 || c == channel) && p[c] && c < map.channels; };
  if (channel >= 0 || k == 1 || view == AllChannelsView::kMax) {
    im.width = width;
    im.height = height;
    im.values.assign(n, nan);  // NaN until a channel shown has a value there
    for (int c = 0; c < k; ++c) {
      if (!shown(c)) continue;
      for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
          const std::size_t i = static_cast<std::size_t>(y) * width + x;
          if (std::isnan(map.at(c, y, x))) continue;
          float& o = im.values[i];
          o = o == o ? std::max(o, p[c][i]) : p[c][i];
        }
    }
    im.has_nan = std::any_of(im.values.begin(), im.values.end(), [](float v) { return v != v; });
    im.tiles.assign(k, TileOffset{});
    im.lo = static_cast<float>(im.p_lo);
    im.hi = static_cast<float>(std::max(im.p_hi, 1e-30));
    return im;
  }
  const Grid g = make_grid(k, width, height);
  im.width = g.w;
  im.height = g.h;
  // The gaps and an empty last row hold no data: -inf (the colour scale's lowest entry), so
  // only real NaN pixels get the NaN colour.
  im.values.assign(static_cast<std::size_t>(g.w) * g.h, -std::numeric_limits<float>::infinity());
  im.tiles = g.tiles;
  im.per_tile_scale = true;
  double rel_floor = 1;
  for (int c = 0; c < k; ++c) {
    if (!shown(c)) continue;
    const bool valid = kps[c].valid && kps[c].peak_probability > 0;
    if (valid) {
      const PRange rc = softmax_range(kps, heat_min, c, scale, opt);
      rel_floor = std::min(rel_floor, rc.lo / rc.hi);
      im.p_clipped = im.p_clipped || rc.clipped;
    }
    const float inv = valid ? static_cast<float>(1.0 / kps[c].peak_probability) : 0.0f;
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        float& o = im.values[static_cast<std::size_t>(g.tiles[c].y + y) * g.w + g.tiles[c].x + x];
        if (!valid || std::isnan(map.at(c, y, x))) {
          o = nan;  // an invalid channel's tile: NaN throughout
          im.has_nan = true;
          continue;
        }
        o = p[c][static_cast<std::size_t>(y) * width + x] * inv;
      }
  }
  im.hi = 1;
  im.lo = log ? static_cast<float>(rel_floor) : 0.0f;
  return im;
}

}  // namespace peakscope::viewer
