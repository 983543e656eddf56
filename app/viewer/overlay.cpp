#include "app/viewer/overlay.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace peakscope::viewer {

namespace {
// One axis: cell coordinate x (shifted) to image pixel-centre coordinates.
double axis_to_image(double x, int cells, double scale, double offset, bool udp) {
  if (udp && cells > 1) return x * (scale * cells - 1) / (cells - 1) + offset;
  return (x + 0.5) * scale - 0.5 + offset;
}
double axis_to_cell(double v, int cells, double scale, double offset, bool udp) {
  if (udp && cells > 1) return (v - offset) * (cells - 1) / (scale * cells - 1);
  return (v - offset + 0.5) / scale - 0.5;
}
}  // namespace

OverlaySpec parse_overlay_spec(std::string_view s) {
  if (s.empty() || s == "max") return {OverlayView::kMax, -2};
  if (s == "all") return {OverlayView::kAll, -2};
  if (s.size() <= 4 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return {OverlayView::kMax, std::stoi(std::string(s))};
  throw std::invalid_argument("--overlay takes max, all or a channel number, got '" +
                              std::string(s) + "'");
}

GridMapping GridMapping::of(const io::Frame& f, bool udp, double shift_x, double shift_y) {
  GridMapping m;
  m.map_width = std::max(1, f.heatmap.width());
  m.map_height = std::max(1, f.heatmap.height());
  m.scale_x = f.image_scale_x;
  m.scale_y = f.image_scale_y;
  m.offset_x = f.image_offset_x;
  m.offset_y = f.image_offset_y;
  m.udp = udp;
  m.shift_x = shift_x;
  m.shift_y = shift_y;
  return m;
}

io::Point2 GridMapping::to_image(double x, double y) const {
  return {axis_to_image(x + shift_x, map_width, scale_x, offset_x, udp),
          axis_to_image(y + shift_y, map_height, scale_y, offset_y, udp)};
}

io::Point2 GridMapping::to_cell(double image_x, double image_y) const {
  return {axis_to_cell(image_x, map_width, scale_x, offset_x, udp) - shift_x,
          axis_to_cell(image_y, map_height, scale_y, offset_y, udp) - shift_y};
}

OverlayHover overlay_hover(const GridMapping& m, double image_x, double image_y, int image_width,
                           int image_height) {
  OverlayHover h;
  h.image_x = static_cast<int>(std::lround(image_x));
  h.image_y = static_cast<int>(std::lround(image_y));
  const io::Point2 c = m.to_cell(image_x, image_y);
  h.cell_x = static_cast<int>(std::lround(c.x));
  h.cell_y = static_cast<int>(std::lround(c.y));
  h.inside = h.image_x >= 0 && h.image_y >= 0 && h.image_x < image_width &&
             h.image_y < image_height && h.cell_x >= 0 && h.cell_y >= 0 && h.cell_x < m.map_width &&
             h.cell_y < m.map_height;
  return h;
}

std::array<std::uint8_t, 3> joint_colour(int c, int k) {
  // HSV with s = v = 1, hue c / k of the wheel.
  const double h = 6.0 * static_cast<double>(c) / std::max(1, k);
  const int i = static_cast<int>(std::floor(h)) % 6;
  const double f = h - std::floor(h);
  const auto u = [](double v) { return static_cast<std::uint8_t>(std::lround(255 * v)); };
  switch (i) {
    case 0:
      return {255, u(f), 0};
    case 1:
      return {u(1 - f), 255, 0};
    case 2:
      return {0, 255, u(f)};
    case 3:
      return {0, u(1 - f), 255};
    case 4:
      return {u(f), 0, 255};
    default:
      return {255, 0, u(1 - f)};
  }
}

std::vector<std::uint8_t> joint_overlay_rgba(const HeatmapView& map, int channel) {
  const int k = map.channels, w = map.width, h = map.height;
  std::vector<std::uint8_t> rgba(static_cast<std::size_t>(w) * h * 4, 0);
  std::vector<float> best(static_cast<std::size_t>(w) * h, 0.0f), finite;
  const int c0 = channel >= 0 ? channel : 0, c1 = channel >= 0 ? channel + 1 : k;
  for (int c = c0; c < c1; ++c) {
    finite.clear();
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        if (const double v = map.at(c, y, x); std::isfinite(v))
          finite.push_back(static_cast<float>(v));
    if (finite.empty()) continue;
    const auto mid = finite.begin() + static_cast<std::ptrdiff_t>(finite.size() / 2);
    std::nth_element(finite.begin(), mid, finite.end());
    const double median = *mid, peak = *std::max_element(finite.begin(), finite.end());
    if (!(peak > median)) continue;  // flat above its median: no peak to show
    const std::array<std::uint8_t, 3> col = joint_colour(c, k);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const double v = map.at(c, y, x);
        const float r = static_cast<float>(std::clamp((v - median) / (peak - median), 0.0, 1.0));
        const std::size_t i = static_cast<std::size_t>(y) * w + x;
        if (!(r > best[i])) continue;  // also skips NaN
        best[i] = r;
        rgba[4 * i] = col[0];
        rgba[4 * i + 1] = col[1];
        rgba[4 * i + 2] = col[2];
        rgba[4 * i + 3] = static_cast<std::uint8_t>(std::lround(255 * r));
      }
  }
  return rgba;
}

}  // namespace peakscope::viewer
