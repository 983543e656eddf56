#include "core/lab/peak_window.hpp"

namespace peakscope {

PeakWindow read_window(const HeatmapView& map, int c, int cx, int cy, int radius) {
  PeakWindow w;
  w.cx = cx;
  w.cy = cy;
  w.radius = radius;
  w.map_width = map.width;
  w.map_height = map.height;
  w.peak = map.at(c, cy, cx);
  const int n = w.size();
  w.values.assign(static_cast<std::size_t>(n) * n, 0.0);
  for (int y = cy - radius; y <= cy + radius; ++y)
    for (int x = cx - radius; x <= cx + radius; ++x)
      if (w.inside(x, y))
        w.values[static_cast<std::size_t>(y - cy + radius) * n + (x - cx + radius)] =
            map.at(c, y, x);
  return w;
}

}  // namespace peakscope
