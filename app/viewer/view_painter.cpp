#include "app/viewer/view_painter.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>

#include "app/viewer/overlay.hpp"
#include "app/viewer/view_images.hpp"

namespace peakscope::viewer {
namespace {

// Several channels shown together: as their maximum or as a grid (one channel: kMax).
AllChannelsView all_view_of(int k, int shown, const Settings& s) {
  return k > 1 && shown < 0 ? s.all_channels_view() : AllChannelsView::kMax;
}

// Colour-map entry i of `lut` (colormap_lut_rgb) as an ImGui colour.
ImU32 lut_colour(const std::string& lut, int i) {
  return IM_COL32(static_cast<unsigned char>(lut[3 * i]),
                  static_cast<unsigned char>(lut[3 * i + 1]),
                  static_cast<unsigned char>(lut[3 * i + 2]), 255);
}

}  // namespace

void ViewPainter::paint(const io::Frame& f, const std::vector<Keypoint>& kps, const ViewMaps& maps,
                        const Settings& s, int shown) {
  const std::vector<double> heat_min = paint_heat(f, kps, maps, s, shown);
  paint_softmax(f, kps, maps, heat_min, s, shown);
  tex_.colormap = s.colormap();
  const bool overlay = s.overlay_view() != OverlayView::kOff && !f.image.empty();
  paint_frame(f);
  if (overlay)
    paint_overlay(f, s, shown);
  else
    tex_.overlay = ViewTexture{};
}

void ViewPainter::paint_overlay(const io::Frame& f, const Settings& s, int sc) {
  const HeatmapView map = f.heatmap.view();
  const int k = map.channels;
  const std::string what = sc >= 0  ? "channel " + std::to_string(sc)
                           : k == 1 ? std::string("heatmap")
                                    : "max of " + std::to_string(k) + " channels";
  tex_.overlay = ViewTexture{};
  tex_.overlay.width = map.width;
  tex_.overlay.height = map.height;
  tex_.overlay.on_image = true;
  if (s.overlay_view() == OverlayView::kAll) {
    const std::vector<std::uint8_t> rgba = joint_overlay_rgba(map, sc);
    joints_tex_.upload_rgba(rgba.data(), map.width, map.height);
    tex_.overlay.id = joints_tex_.id();
    tex_.overlay_colormap = false;
    tex_.overlay_title = sc >= 0 ? "overlay: channel " + std::to_string(sc) + " in its colour"
                                 : "overlay: " + std::to_string(k) + " channels, each its colour";
    return;
  }
  tex_.overlay_colormap = true;
  tex_.overlay_title = "overlay: " + what;
  if (!tex_.heat_relative && tex_.heat.width == map.width && tex_.heat.height == map.height) {
    tex_.overlay.id = tex_.heat.id;  // the heatmap view's own colours
    tex_.overlay_lo = tex_.heat_lo;
    tex_.overlay_hi = tex_.heat_hi;
    return;
  }
  // The heatmap view is a grid of tiles: the overlay shows the max over the channels.
  const ViewImage heat = heat_image(map, sc, AllChannelsView::kMax);
  overlay_tex_.colorize_cpu(heat.values.data(), heat.width, heat.height, heat.lo, heat.hi, false,
                            s.colormap());
  tex_.overlay.id = overlay_tex_.color();
  tex_.overlay_lo = heat.lo;
  tex_.overlay_hi = heat.hi;
}

std::vector<double> ViewPainter::paint_heat(const io::Frame& f, const std::vector<Keypoint>& kps,
                                            const ViewMaps& maps, const Settings& s, int sc) {
  const HeatmapView map = f.heatmap.view();
  const int k = map.channels;
  const AllChannelsView all_view = all_view_of(k, sc, s);
  const io::Colormap cmap = s.colormap();
  std::vector<double> heat_min(k, 0.0);
  const ViewImage heat = heat_image(map, sc, all_view);
  for (int c = 0; c < k; ++c)
    if (sc < 0 || c == sc) heat_min[c] = channel_min(map, c);
  // One channel on a hardware GPU: coloured by a shader from the engine's copy of the frame.
  if (maps.values_texture)
    heat_tex_.colorize(maps.values_texture, map.width, map.height, heat.lo, heat.hi, false, cmap);
  else
    heat_tex_.colorize_cpu(heat.values.data(), heat.width, heat.height, heat.lo, heat.hi, false,
                           cmap);
  const std::string lut = io::colormap_lut_rgb(cmap);
  tex_.heat = {heat_tex_.color(), heat.width, heat.height, 1, 1, heat.tiles, {}};
  tex_.heat_lo = heat.lo;
  tex_.heat_hi = heat.hi;
  tex_.heat_relative = heat.per_tile_scale;
  for (int c = 0; c < k; ++c)
    tex_.heat.peak_colors.push_back(lut_colour(
        lut,
        heat.per_tile_scale ? 255 : colormap_index(kps[c].argmax_value, heat.lo, heat.hi, false)));
  tex_.heat_title = sc >= 0  ? "heatmap, channel " + std::to_string(sc)
                    : k == 1 ? std::string("heatmap")
                    : all_view == AllChannelsView::kMax
                        ? "heatmap, max over " + std::to_string(k) + " channels"
                        : "heatmap, " + std::to_string(k) + " channels (each scaled)";
  return heat_min;
}

void ViewPainter::paint_softmax(const io::Frame& f, const std::vector<Keypoint>& kps,
                                const ViewMaps& maps, const std::vector<double>& heat_min,
                                const Settings& s, int sc) {
  const HeatmapView map = f.heatmap.view();
  const int k = map.channels;
  const DecodeOptions opt = s.decode_options();
  const bool log = s.softmax_scale() == SoftmaxScale::kLog;
  const io::Colormap cmap = s.colormap();
  const std::string lut = io::colormap_lut_rgb(cmap);
  const int one = maps.channel;
  if (maps.softmax_texture) {  // one channel, straight from the engine's texture
    const double peak = kps[one].peak_probability;
    const double lo = log ? log_scale_floor(kps[one], heat_min[one], opt) : 0.0;
    soft_tex_.colorize(maps.softmax_texture, map.width, map.height, static_cast<float>(lo),
                       static_cast<float>(std::max(peak, 1e-30)), log, cmap);
    tex_.p_lo = lo;
    tex_.p_hi = peak;
    tex_.p_relative = false;
    tex_.soft = {soft_tex_.color(),
                 map.width,
                 map.height,
                 1,
                 1,
                 std::vector<TileOffset>(k, TileOffset{}),
                 {}};
    for (int c = 0; c < k; ++c)
      tex_.soft.peak_colors.push_back(
          lut_colour(lut, colormap_index(kps[c].peak_probability, static_cast<float>(lo),
                                         static_cast<float>(std::max(peak, 1e-30)), log)));
  } else {  // the channels shown, gathered on the host
    std::vector<const float*> p(k, nullptr);
    for (int c = 0; c < k; ++c)
      if (one < 0 || c == one) p[c] = maps.softmax[c].data();
    const ViewImage soft = softmax_image(p, kps, heat_min, map.width, map.height, sc,
                                         all_view_of(k, sc, s), s.softmax_scale(), opt);
    soft_tex_.colorize_cpu(soft.values.data(), soft.width, soft.height, soft.lo, soft.hi, log,
                           cmap);
    tex_.p_lo = soft.p_lo;
    tex_.p_hi = soft.p_hi;
    tex_.p_relative = soft.per_tile_scale;
    tex_.soft = {soft_tex_.color(), soft.width, soft.height, 1, 1, soft.tiles, {}};
    for (int c = 0; c < k; ++c)
      tex_.soft.peak_colors.push_back(
          lut_colour(lut, soft.per_tile_scale
                              ? 255
                              : colormap_index(kps[c].peak_probability, soft.lo, soft.hi, log)));
  }
  tex_.soft_title = std::string("softmax p (") + (log ? "log" : "linear") +
                    (tex_.p_relative ? ", each channel / its peak)" : ")");
}

void ViewPainter::paint_frame(const io::Frame& fr) {
  const int k = fr.heatmap.channels();
  if (fr.image.empty()) {
    tex_.frame = ViewTexture{};
    return;
  }
  frame_tex_.upload(fr.image);
  tex_.frame = {frame_tex_.id(),
                frame_tex_.width(),
                frame_tex_.height(),
                fr.image_scale_x,
                fr.image_scale_y,
                std::vector<TileOffset>(k, TileOffset{}),
                {}};
  tex_.frame.offset_x = fr.image_offset_x;
  tex_.frame.offset_y = fr.image_offset_y;
  tex_.frame.skeleton = fr.pose != nullptr || !fr.skeleton.empty();  // --pose, a stream's
  tex_.frame.on_image = true;
}

}  // namespace peakscope::viewer
