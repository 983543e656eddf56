// The overlay view without a window: where a heatmap's cells lie on the source image (the
// frame's image_scale / image_offset as io::heatmap_to_image maps them, or UDP's scale when the
// lab's coordinates are "image (UDP)", plus a shift in cells that tests a grid's alignment), the
// inverse for the hover readout, and the per-joint colours of the "all" overlay. No ImGui, GL or
// GLFW: unit-tested in tests/app/overlay_test.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "app/viewer/settings.hpp"
#include "core/heatmap.hpp"
#include "core/io/source.hpp"

namespace peakscope::viewer {

// --overlay's value: "max", "all" or a channel number CH (then view kMax and that channel);
// empty means "max". channel -2: leave the channel as it is. Throws std::invalid_argument
// naming the text.
struct OverlaySpec {
  OverlayView view = OverlayView::kMax;
  int channel = -2;
};
OverlaySpec parse_overlay_spec(std::string_view s);

// The largest grid shift, in cells, either way.
inline constexpr double kGridShiftMax = 8;

// Heatmap cell coordinates (pixel centres at integers, the decoders' "index" convention) to
// source-image pixel coordinates (pixel centres at integers) and back. The map of
// map_width x map_height cells covers image_scale image pixels per cell from image_offset
// (edge coordinates); index: x_img = (x + 0.5) * scale - 0.5 + offset, io::heatmap_to_image;
// udp: x_img = x * (scale * W - 1) / (W - 1) + offset (UDP: the first and last cell centres on
// the first and last pixel centres; an axis of one cell maps as index). shift moves the grid by
// that many cells before it is placed: the markers and the map move together, the image stays.
struct GridMapping {
  int map_width = 1, map_height = 1;
  double scale_x = 1, scale_y = 1, offset_x = 0, offset_y = 0;
  bool udp = false;
  double shift_x = 0, shift_y = 0;

  // The mapping of frame f (its heatmap's size, image scale and offset).
  static GridMapping of(const io::Frame& f, bool udp = false, double shift_x = 0,
                        double shift_y = 0);
  io::Point2 to_image(double x, double y) const;
  io::Point2 to_cell(double image_x, double image_y) const;
  // The image rectangle the map's cells cover, in pixel-centre coordinates (the outer edges of
  // cells (0, 0) and (W - 1, H - 1)): where the heatmap texture is drawn.
  io::Point2 top_left() const { return to_image(-0.5, -0.5); }
  io::Point2 bottom_right() const { return to_image(map_width - 0.5, map_height - 0.5); }
};

// What the hover readout says at image point (image_x, image_y) (pixel-centre coordinates):
// the image pixel under it and the heatmap cell under it (nearest cell centre). inside: the
// pixel is in the image and the cell in the map.
struct OverlayHover {
  bool inside = false;
  int image_x = 0, image_y = 0;
  int cell_x = 0, cell_y = 0;
};
OverlayHover overlay_hover(const GridMapping& m, double image_x, double image_y, int image_width,
                           int image_height);

// Joint c's colour (RGB) among k: hues spread evenly around the colour wheel.
std::array<std::uint8_t, 3> joint_colour(int c, int k);
// The "all" overlay: W x H RGBA (row-major), each pixel the colour of the channel whose value there
// is the largest relative to the channel's own background..peak, (v - median) / (max - median)
// clamped to [0, 1] (the median is the background both of maps near 0 and of logits), with
// alpha 255 x that fraction (0 where every channel is at or below its median, NaN or flat).
// channel >= 0: that channel alone, in its colour.
std::vector<std::uint8_t> joint_overlay_rgba(const HeatmapView& map, int channel);

}  // namespace peakscope::viewer
