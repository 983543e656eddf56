// The colour-mapped image (rgba8) of one map, ready for ImGui draw lists: coloured on the CPU
// from floats, or by shaders/heatmap_view.* (core/gpu/colour_pass.hpp) into an FBO from an
// r32f texture (the GPU engine's maps). Both by the one colour scale of core/colour_scale.hpp:
// the same values give the same bytes on either path.
#pragma once

#include <epoxy/gl.h>

#include <opencv2/core.hpp>
#include <string>

#include "core/colour_scale.hpp"
#include "core/gpu/colour_pass.hpp"
#include "core/gpu/device_traits.hpp"
#include "core/heatmap.hpp"
#include "core/io/colormap.hpp"

namespace peakscope::viewer {

class MapTexture {
 public:
  // glsl_version: "330 core" works everywhere the viewer runs (also below GL 4.3).
  explicit MapTexture(const std::string& glsl_version = "330 core");
  ~MapTexture();
  MapTexture(const MapTexture&) = delete;
  MapTexture& operator=(const MapTexture&) = delete;

  // Copies channel c of `map` as floats (uint8 read as 0..255) for colorize_cpu(); returns
  // the channel's finite min and max through lo/hi. No GL upload of the raw values.
  void stage(const HeatmapView& map, int c, float* lo, float* hi);
  // Colours `raw` (an r32f texture of w x h, e.g. the GPU engine's softmax) into color() on the
  // colour scale [lo, hi], linear or log.
  void colorize(GLuint raw, int w, int h, float lo, float hi, bool log, io::Colormap cmap);

  // The same colouring (the same bytes) done on the CPU from W x H floats, uploaded:
  // cheaper than a shader pass where "the GPU" is a software rasteriser and the values
  // are on the CPU anyway (the heatmap; the CPU engine's softmax).
  void colorize_cpu(const float* values, int w, int h, float lo, float hi, bool log,
                    io::Colormap cmap);
  // The channel last uploaded by upload(map, ...), as floats.
  const float* staged() const { return staging_.data(); }

  GLuint color() const { return color_; }
  int width() const { return w_; }
  int height() const { return h_; }

 private:
  void ensure(int w, int h);
  const ColourTable& table(io::Colormap cmap);
  gpu::ColourPass pass_;
  GLuint color_ = 0, fbo_ = 0;
  int w_ = 0, h_ = 0;
  std::vector<float> staging_;
  std::vector<std::uint8_t> rgba_;
  ColourTable table_{};
  io::Colormap table_map_ = io::Colormap::kGray;
  bool table_valid_ = false;
};

// The traits of the window's GL device (core/gpu/device_traits.hpp), from its renderer and
// the environment, decided once: the window's context must be current at the first call.
const gpu::DeviceTraits& window_device_traits();
// True when colouring a map by shader from the engine's device copy beats colouring it on
// the CPU and uploading the colours: DeviceTraits::colour_on_gpu (a hardware GL renderer;
// PEAKSCOPE_GPU_COLOUR=1|0 overrides).
bool gpu_colouring_pays();
// True when the window's renderer is a hardware GPU (not llvmpipe, softpipe or SWR):
// DeviceTraits::hardware.
bool hardware_gl_renderer();

// An RGBA texture of a source frame (a BGR cv::Mat), drawn under the markers, or of RGBA
// bytes (the overlay's per-joint colours). filter: GL_LINEAR for photos, GL_NEAREST for maps.
class FrameTexture {
 public:
  explicit FrameTexture(GLint filter = GL_LINEAR) : filter_(filter) {}
  ~FrameTexture();
  FrameTexture(const FrameTexture&) = delete;
  FrameTexture& operator=(const FrameTexture&) = delete;
  void upload(const cv::Mat& bgr);
  void upload_rgba(const std::uint8_t* rgba, int w, int h);
  GLuint id() const { return tex_; }
  int width() const { return w_; }
  int height() const { return h_; }

 private:
  void ensure(int w, int h);
  GLint filter_;
  GLuint tex_ = 0;
  int w_ = 0, h_ = 0;
  cv::Mat rgba_;
};

}  // namespace peakscope::viewer
