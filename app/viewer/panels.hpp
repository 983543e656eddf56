// The viewer's panels: ImGui functions over a ViewerState. They read the state and request
// changes through its setters; they own nothing but what ImGui needs to place them.
// Called on the main thread between ImGui::NewFrame and ImGui::Render.
#pragma once

#include <epoxy/gl.h>
#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "app/viewer/compare.hpp"
#include "app/viewer/source_worker.hpp"
#include "app/viewer/view_images.hpp"
#include "app/viewer/viewer_state.hpp"

namespace peakscope::viewer {

// Where a map is drawn on screen: map pixel centre (x, y) lands at
// origin + (x + 0.5, y + 0.5) * zoom, in window pixels (top-left origin).
struct ViewPlacement {
  ImVec2 origin{0, 0};
  float zoom = 1;
  ImVec2 rect_min{0, 0}, rect_max{0, 0};  // the view's clip rectangle
  ImVec2 to_screen(double x, double y) const {
    return {origin.x + static_cast<float>((x + 0.5) * zoom),
            origin.y + static_cast<float>((y + 0.5) * zoom)};
  }
};

// A named thing on screen (a legend entry, a plot label, a control) and its rectangle.
struct NamedRect {
  std::string name;
  ImVec2 min{0, 0}, max{0, 0};
};

// Where the panels put things this frame (the scripted report and the tests read it).
struct ViewLayout {
  ViewPlacement heat, soft;
  ImVec2 colorbar_min{0, 0}, colorbar_max{0, 0};    // the softmax view's colour bar
  ImVec2 time_plot_min{0, 0}, time_plot_max{0, 0};  // the plots' axes boxes
  ImVec2 beta_plot_min{0, 0}, beta_plot_max{0, 0};
  // The overlay's heatmap quad on screen (both zero when no overlay is drawn).
  ImVec2 overlay_min{0, 0}, overlay_max{0, 0};
  float controls_overflow = 0;  // how far the controls panel scrolls (0: all of it in view)
  std::string hover;         // what the hover readout or a plot's tooltip says this frame ("" none)
  std::string marker_hover;  // the tooltip of the marker under the pointer ("" none)
  // The legend under the views: its entries and how many rows they flow onto.
  std::vector<NamedRect> legend;
  int legend_rows = 0;
  // The error-vs-beta plot's level labels (after collision avoidance).
  std::vector<NamedRect> level_labels;
  // The docked gradient panel (both zero when it is off).
  ImVec2 gradient_min{0, 0}, gradient_max{0, 0};
  // Controls a panel named with note_control() (their places must not depend on readouts).
  std::vector<NamedRect> controls;
  float ui_scale = 1;       // the font size over the default 13 px
  bool left_frame = false;  // the left view shows the source image (frame view or overlay)
};

// Records the last ImGui item's rectangle under `name` into the layout of this frame
// (take_noted_controls() hands them over and starts afresh).
void note_control(const char* name);
std::vector<NamedRect> take_noted_controls();

// A length in pixels at the UI scale: `px` at the default 13 px font.
inline float ui_px(float px) {
  return px * ImGui::GetFontSize() / 13.0f;
}

// Marker colours (the tests look for them) and sizes.
struct MarkerStyle {
  static constexpr ImU32 kArgmax = IM_COL32(255, 255, 255, 255);
  static constexpr ImU32 kSoftArgmax = IM_COL32(255, 0, 255, 255);
  static constexpr ImU32 kGroundTruth = IM_COL32(0, 255, 0, 255);
  static constexpr ImU32 kRim = IM_COL32(0, 0, 0, 255);
  static constexpr ImU32 kSkeleton = IM_COL32(0, 200, 255, 255);   // --pose: decoded skeleton
  static constexpr ImU32 kRegressed = IM_COL32(255, 220, 0, 255);  // --pose: model's landmarks
  // Radius of the hole every marker leaves at its centre, in screen pixels, at zoom z and
  // marker size `size` (Settings::marker_size): the marked pixel (z wide) stays visible at
  // every zoom and size.
  static float hole(float z, float size = 1) {
    return std::max(4.0f * size, 0.75f * z + 2.0f * size);
  }
};

// How the markers of a view are drawn: the screen size z of a map pixel, the size factor and
// the opacity (Settings::marker_size, marker_alpha). Every marker's radius offsets and line
// widths scale with `size`; at size 1 they are MarkerStyle's defaults.
struct MarkerLook {
  float z = 1, size = 1, alpha = 1;
  static MarkerLook of(const Settings& s, float z) {
    return {z, static_cast<float>(s.marker_size()), static_cast<float>(s.marker_alpha())};
  }
  float hole() const { return MarkerStyle::hole(z, size); }
  float line() const { return std::clamp(2.0f * size, 1.0f, 3.0f); }  // 2 at size 1
  // `c` with its alpha times the opacity.
  ImU32 faded(ImU32 c) const {
    const auto a = static_cast<ImU32>(
        std::lround(((c >> IM_COL32_A_SHIFT) & 0xff) * std::clamp(alpha, 0.0f, 1.0f)));
    return (c & ~IM_COL32_A_MASK) | (a << IM_COL32_A_SHIFT);
  }
};

// One coloured view as the panel draws it.
struct ViewTexture {
  GLuint id = 0;
  int width = 0, height = 0;
  // Channel c's map pixel (x, y) is drawn at image pixel
  // ((x + 0.5) * scale - 0.5 + offset + tile): io::heatmap_to_image for the source frame.
  double scale_x = 1, scale_y = 1;
  std::vector<TileOffset> tiles;
  // Per channel: the colour of its argmax pixel. Where a map pixel is smaller than
  // kPeakDotZoom screen pixels, that pixel is drawn at least this large over the texture, so
  // a one-pixel peak is never lost to minification.
  std::vector<ImU32> peak_colors;
  static constexpr float kPeakDotZoom = 1.5f;
  // Where the map's grid starts in the image (Frame::image_offset: a model fed a crop of the
  // frame, --roi / --pose), added to every channel's position.
  double offset_x = 0, offset_y = 0;
  // --pose on the source frame: draw the preset's skeleton between the decoded keypoints and
  // the model's own regressed landmarks (core/io/pose_preset.hpp).
  bool skeleton = false;
  // The source image: map points are placed by ViewerState::grid_mapping() (UDP and the grid
  // shift included) rather than by scale and offset.
  bool on_image = false;
};
struct ViewTextures {
  ViewTexture heat, soft, frame;  // frame: the source image (id 0 when there is none)
  // The overlay's map (width x height = the heatmap's cells; id 0 when off): drawn as one quad
  // over the image where ViewerState::grid_mapping() puts the cells.
  ViewTexture overlay;
  bool overlay_colormap = true;           // coloured by the colour map, else each joint its colour
  double overlay_lo = 0, overlay_hi = 1;  // the colour map's value range
  std::string heat_title, soft_title, overlay_title;
  double heat_lo = 0, heat_hi = 1;  // the heatmap colour bar's value range
  bool heat_relative = false;       // grid: each tile scaled to its own range
  double p_lo = 0, p_hi = 0;        // the softmax colour bar's real p range
  bool p_relative = false;          // grid: each tile scaled to its own peak
  io::Colormap colormap = io::Colormap::kJet;
};

// Source, soft-argmax options, display, engine, playback, readouts, capture.
void panel_controls(ViewerState& st);
// The messages under the controls: the error shown (with its dismiss button) and `note` (a
// recording in progress), in a panel of w x h pixels at the cursor; messages_height() is the
// height they need at width w (0: nothing to say).
float messages_height(const ViewerState& st, const std::string& note, float w);
void panel_messages(ViewerState& st, const std::string& note, float w, float h);
// The heatmap (or source frame) and softmax views with markers, zoom/pan, hover readout,
// legend and colour bar; writes where it drew into `layout`.
void panel_views(ViewerState& st, const ViewTextures& tex, float w, float h, ViewLayout& layout);
// The legend under the views (every marker kind drawn, the decoders, the skeleton), flowing
// onto as many rows as a width of `w` needs: legend_height() is its height, panel_legend()
// draws it at the cursor and writes its entries into `layout`.
float legend_height(const ViewerState& st, float w);
void panel_legend(const ViewerState& st, float w, ViewLayout& layout);
// Error over time and error against beta, with axes, ticks and hover.
// Writes the plots' boxes and any hover text into `layout`.
// `time_plot` false: the error-vs-beta plot alone, w wide (a narrow window's docked gradient
// panel takes the error over time's place).
void panel_plots(ViewerState& st, float w, float h, ViewLayout& layout, bool time_plot = true);
// The timeline strip of a finite source of two frames or more (seek bar, step, loop, jump to
// frame); its height, 0 when the source has none (app/viewer/panel_timeline.cpp).
float timeline_height(const ViewerState& st);
void panel_timeline(ViewerState& st, const SourceInfo& info);
// The compare view in place of the two views: the comparer's panes (textures[0] left,
// textures[1] right) with their markers, labels and readouts, and the A/B controls
// (app/viewer/panel_compare.cpp).
struct CompareLayout {
  ImVec2 left_min{0, 0}, left_max{0, 0}, right_min{0, 0}, right_max{0, 0};  // the pictures
};
void panel_compare(ViewerState& st, const Comparer& cmp, const std::array<GLuint, 2>& textures,
                   float w, float h, CompareLayout& layout);
// The key table and the mouse (F1).
void panel_help(ViewerState& st);

}  // namespace peakscope::viewer
