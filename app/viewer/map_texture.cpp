#include "app/viewer/map_texture.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "core/gpu/gl_program.hpp"

namespace peakscope::viewer {

const gpu::DeviceTraits& window_device_traits() {
  static const gpu::DeviceTraits traits =
      gpu::device_traits(gpu::current_renderer(), gpu::device_env());
  return traits;
}

bool gpu_colouring_pays() {
  return window_device_traits().colour_on_gpu;
}

bool hardware_gl_renderer() {
  return window_device_traits().hardware;
}

MapTexture::MapTexture(const std::string& glsl_version) : pass_(glsl_version) {
  glGenFramebuffers(1, &fbo_);
}

MapTexture::~MapTexture() {
  if (color_) glDeleteTextures(1, &color_);
  if (fbo_) glDeleteFramebuffers(1, &fbo_);
}

const ColourTable& MapTexture::table(io::Colormap cmap) {
  if (!table_valid_ || table_map_ != cmap) {
    table_ = io::colour_table(cmap);
    table_map_ = cmap;
    table_valid_ = true;
  }
  return table_;
}

void MapTexture::ensure(int w, int h) {
  if (w == w_ && h == h_ && color_) return;
  if (color_) glDeleteTextures(1, &color_);
  glGenTextures(1, &color_);
  glBindTexture(GL_TEXTURE_2D, color_);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  gpu::set_texture_sampling(GL_NEAREST);  // heat maps are pixels: no blurring when zoomed in
  glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, color_, 0);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  w_ = w;
  h_ = h;
}

void MapTexture::stage(const HeatmapView& map, int c, float* lo, float* hi) {
  staging_.resize(map.pixels());
  float mn = std::numeric_limits<float>::infinity(), mx = -mn;
  for (int y = 0; y < map.height; ++y)
    for (int x = 0; x < map.width; ++x) {
      const float v = static_cast<float>(map.at(c, y, x));
      staging_[static_cast<std::size_t>(y) * map.width + x] = v;
      if (std::isfinite(v)) {
        mn = std::min(mn, v);
        mx = std::max(mx, v);
      }
    }
  if (!(mx >= mn)) mn = mx = 0;
  *lo = mn;
  *hi = mx;
}

void MapTexture::colorize(GLuint raw, int w, int h, float lo, float hi, bool log,
                          io::Colormap cmap) {
  ensure(w, h);
  pass_.draw(raw, fbo_, w, h, ColourScale(lo, hi, log), table(cmap));
}

void MapTexture::colorize_cpu(const float* values, int w, int h, float lo, float hi, bool log,
                              io::Colormap cmap) {
  ensure(w, h);
  const std::size_t n = static_cast<std::size_t>(w) * h;
  rgba_.resize(4 * n);
  colour_rgba(values, n, ColourScale(lo, hi, log), table(cmap), rgba_.data());
  glBindTexture(GL_TEXTURE_2D, color_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, rgba_.data());
}

FrameTexture::~FrameTexture() {
  if (tex_) glDeleteTextures(1, &tex_);
}

void FrameTexture::ensure(int w, int h) {
  if (tex_ && w_ == w && h_ == h) return;
  if (tex_) glDeleteTextures(1, &tex_);
  glGenTextures(1, &tex_);
  glBindTexture(GL_TEXTURE_2D, tex_);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  gpu::set_texture_sampling(filter_);
  w_ = w;
  h_ = h;
}

void FrameTexture::upload(const cv::Mat& bgr) {
  cv::cvtColor(bgr, rgba_, bgr.channels() == 1 ? cv::COLOR_GRAY2RGBA : cv::COLOR_BGR2RGBA);
  upload_rgba(rgba_.ptr(), rgba_.cols, rgba_.rows);
}

void FrameTexture::upload_rgba(const std::uint8_t* rgba, int w, int h) {
  ensure(w, h);
  glBindTexture(GL_TEXTURE_2D, tex_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w_, h_, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
}

}  // namespace peakscope::viewer
