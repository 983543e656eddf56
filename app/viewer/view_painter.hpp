// The view side of a decoded frame: colours the heatmap view, the softmax view and the source
// frame into GL textures (app/viewer/map_texture.hpp) from the frame, its keypoints and the
// maps FrameStep got from the decode (ViewMaps), with the titles, colour-bar ranges and peak
// colours the panels draw (ViewTextures). Main thread, the window's context current.
#pragma once

#include <vector>

#include "app/viewer/frame_results.hpp"
#include "app/viewer/map_texture.hpp"
#include "app/viewer/panels.hpp"
#include "app/viewer/settings.hpp"
#include "core/io/source.hpp"

namespace peakscope::viewer {

class ViewPainter {
 public:
  // Colours the views of `f` as `s` asks, channel `shown` alone (-1: all): kps are its
  // keypoints (one per channel), maps the decode's maps. Throws on a GL or image error
  // (textures() may then be part new).
  void paint(const io::Frame& f, const std::vector<Keypoint>& kps, const ViewMaps& maps,
             const Settings& s, int shown);
  const ViewTextures& textures() const { return tex_; }

 private:
  // Returns each shown channel's smallest finite value (the softmax view's log scale).
  std::vector<double> paint_heat(const io::Frame& f, const std::vector<Keypoint>& kps,
                                 const ViewMaps& maps, const Settings& s, int shown);
  void paint_softmax(const io::Frame& f, const std::vector<Keypoint>& kps, const ViewMaps& maps,
                     const std::vector<double>& heat_min, const Settings& s, int shown);
  // The source image whatever the view mode (one channel, max or grid): the frame view and the
  // overlay draw every channel's markers on it.
  void paint_frame(const io::Frame& f);
  // The overlay's map (Settings::overlay_view): the heatmap view's texture where it is one
  // map of the heatmap's size, else its own (the max when the view is a grid; per joint).
  void paint_overlay(const io::Frame& f, const Settings& s, int shown);

  MapTexture heat_tex_, soft_tex_, overlay_tex_;
  FrameTexture frame_tex_, joints_tex_{GL_NEAREST};
  ViewTextures tex_;
};

}  // namespace peakscope::viewer
