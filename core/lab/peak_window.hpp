// The small window of a channel around its argmax: all that a window decoder (quarter, DARK,
// window soft-argmax, centroid, MediaPipe) reads. An engine that keeps the map elsewhere (the
// GPU) fills one of these from a (2r+1)^2 readback instead of handing over the whole map.
#pragma once

#include <cstddef>
#include <vector>

#include "core/heatmap.hpp"

namespace peakscope {

struct PeakWindow {
  int cx = 0, cy = 0;  // the argmax (column, row) in the map
  int radius = 0;      // the window covers [cx - r, cx + r] x [cy - r, cy + r]
  int map_width = 0, map_height = 0;
  double peak = 0;  // the map's value at the argmax
  // (2r+1)^2 values, row-major, window-local; entries outside the map are never read.
  std::vector<double> values;

  int size() const { return 2 * radius + 1; }
  // Whether map pixel (x, y) lies in the map (callers stay within the radius).
  bool inside(int x, int y) const { return x >= 0 && y >= 0 && x < map_width && y < map_height; }
  // The value of map pixel (x, y); requires inside(x, y) and |x - cx|, |y - cy| <= radius.
  double at(int x, int y) const {
    return values[static_cast<std::size_t>(y - cy + radius) * size() + (x - cx + radius)];
  }
};

// Reads the window of radius r around (cx, cy) of channel c. Requires a valid view,
// 0 <= c < channels, (cx, cy) inside the map and r >= 0.
PeakWindow read_window(const HeatmapView& map, int c, int cx, int cy, int radius);

}  // namespace peakscope
