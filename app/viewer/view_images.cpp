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
    return im;
  }
  const Grid g = make_grid(k, w, h);
  im.width = g.w;
  im.height = g.h;
  im.values.assign(static_cast<std::size_t>(g.w) * g.h, nan);
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

ViewImage softmax_image(const std::vector<const float*>& p, const std::vector<Keypoint>& kps,
                        const std::vector<double>& heat_min, int width, int height, int channel,
                        AllChannelsView view, SoftmaxScale scale, const DecodeOptions& opt) {
  ViewImage im;
  const int k = static_cast<int>(kps.size());
  const bool log = scale == SoftmaxScale::kLog;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::size_t n = static_cast<std::size_t>(width) * height;
  // The real range: largest peak, and the floor of the log scale (the largest floor among
  // the channels shown, so no channel's peak drowns).
  double peak = 0, floor_p = 0;
  for (int c = 0; c < k; ++c) {
    if ((channel >= 0 && c != channel) || !p[c] || !kps[c].valid) continue;
    peak = std::max(peak, kps[c].peak_probability);
    floor_p = std::max(floor_p, log_scale_floor(kps[c], heat_min[c], opt));
  }
  im.p_hi = peak;
  im.p_lo = log ? floor_p : 0.0;
  if (channel >= 0 || k == 1 || view == AllChannelsView::kMax) {
    im.width = width;
    im.height = height;
    im.values.assign(n, 0.0f);
    for (int c = 0; c < k; ++c) {
      if ((channel >= 0 && c != channel) || !p[c]) continue;
      for (std::size_t i = 0; i < n; ++i) im.values[i] = std::max(im.values[i], p[c][i]);
    }
    im.tiles.assign(k, TileOffset{});
    im.lo = static_cast<float>(im.p_lo);
    im.hi = static_cast<float>(std::max(im.p_hi, 1e-30));
    return im;
  }
  const Grid g = make_grid(k, width, height);
  im.width = g.w;
  im.height = g.h;
  im.values.assign(static_cast<std::size_t>(g.w) * g.h, nan);
  im.tiles = g.tiles;
  im.per_tile_scale = true;
  double rel_floor = 1;
  for (int c = 0; c < k; ++c) {
    if (!p[c] || !kps[c].valid || kps[c].peak_probability <= 0) continue;
    const double pk = kps[c].peak_probability;
    rel_floor = std::min(rel_floor, log_scale_floor(kps[c], heat_min[c], opt) / pk);
    const float inv = static_cast<float>(1.0 / pk);
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x)
        im.values[static_cast<std::size_t>(g.tiles[c].y + y) * g.w + g.tiles[c].x + x] =
            p[c][static_cast<std::size_t>(y) * width + x] * inv;
  }
  im.hi = 1;
  im.lo = log ? static_cast<float>(rel_floor) : 0.0f;
  return im;
}

}  // namespace peakscope::viewer
