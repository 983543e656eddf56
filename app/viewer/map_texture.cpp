#include "app/viewer/map_texture.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <string_view>
#include <vector>

#include "shaders/shader_sources.hpp"

namespace peakscope::viewer {

bool hardware_gl_renderer() {
  const char* r = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  const std::string_view rs = r ? r : "";
  return !rs.empty() && !gpu::software_rasteriser(rs);
}

bool gpu_colouring_pays() {
  static const bool pays = [] {
    if (const char* env = std::getenv("PEAKSCOPE_GPU_COLOUR")) return std::string_view(env) == "1";
    return hardware_gl_renderer();
  }();
  return pays;
}

MapTexture::MapTexture(const std::string& glsl_version) {
  const GLuint vs = gpu::compile_shader(GL_VERTEX_SHADER, "heatmap_view",
                                        {shaders::heatmap_view_vert}, {}, glsl_version);
  const GLuint fs = gpu::compile_shader(GL_FRAGMENT_SHADER, "heatmap_view",
                                        {shaders::heatmap_view_frag}, {}, glsl_version);
  prog_ = gpu::Program(gpu::link_program("heatmap_view", {vs, fs}));
  const float quad[8] = {0, 0, 1, 0, 0, 1, 1, 1};
  glGenVertexArrays(1, &vao_);
  glGenBuffers(1, &vbo_);
  glBindVertexArray(vao_);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  glBufferData(GL_ARRAY_BUFFER, sizeof(quad), quad, GL_STATIC_DRAW);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
  glBindVertexArray(0);
  glGenTextures(1, &lut_);
  glGenFramebuffers(1, &fbo_);
}

MapTexture::~MapTexture() {
  for (GLuint* t : {&color_, &lut_})
    if (*t) glDeleteTextures(1, t);
  if (fbo_) glDeleteFramebuffers(1, &fbo_);
  if (vbo_) glDeleteBuffers(1, &vbo_);
  if (vao_) glDeleteVertexArrays(1, &vao_);
}

namespace {
void texture_params(GLint filter) {
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
}
}  // namespace

void MapTexture::ensure(int w, int h) {
  if (w == w_ && h == h_ && color_) return;
  if (color_) glDeleteTextures(1, &color_);
  glGenTextures(1, &color_);
  glBindTexture(GL_TEXTURE_2D, color_);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  texture_params(GL_NEAREST);  // heat maps are pixels: no blurring when zoomed in
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
  if (!lut_valid_ || lut_map_ != cmap) {
    const std::string rgb = io::colormap_lut_rgb(cmap);
    glBindTexture(GL_TEXTURE_2D, lut_);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB8, 256, 1, 0, GL_RGB, GL_UNSIGNED_BYTE, rgb.data());
    texture_params(GL_NEAREST);
    lut_map_ = cmap;
    lut_valid_ = true;
  }
  GLint prev_fbo = 0, vp[4];
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &prev_fbo);
  glGetIntegerv(GL_VIEWPORT, vp);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
  glViewport(0, 0, w, h);
  glDisable(GL_BLEND);
  glDisable(GL_SCISSOR_TEST);
  glUseProgram(prog_.id());
  glUniform4f(prog_.loc("uRect"), -1, -1, 1, 1);
  glUniform1f(prog_.loc("uLo"), lo);
  glUniform1f(prog_.loc("uHi"), hi);
  glUniform1i(prog_.loc("uLog"), log ? 1 : 0);
  glUniform1i(prog_.loc("uMap"), 0);
  glUniform1i(prog_.loc("uLut"), 1);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, raw);
  glActiveTexture(GL_TEXTURE1);
  glBindTexture(GL_TEXTURE_2D, lut_);
  glBindVertexArray(vao_);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
  glActiveTexture(GL_TEXTURE0);
  glBindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(prev_fbo));
  glViewport(vp[0], vp[1], vp[2], vp[3]);
}

void MapTexture::colorize_cpu(const float* values, int w, int h, float lo, float hi, bool log,
                              io::Colormap cmap) {
  ensure(w, h);
  if (!lut_rgba_valid_ || lut_rgba_map_ != cmap) {
    const std::string rgb = io::colormap_lut_rgb(cmap);
    for (int i = 0; i < 256; ++i)
      lut_rgba_[i] = static_cast<std::uint32_t>(static_cast<std::uint8_t>(rgb[3 * i])) |
                     static_cast<std::uint32_t>(static_cast<std::uint8_t>(rgb[3 * i + 1])) << 8 |
                     static_cast<std::uint32_t>(static_cast<std::uint8_t>(rgb[3 * i + 2])) << 16 |
                     0xff000000u;
    lut_rgba_map_ = cmap;
    lut_rgba_valid_ = true;
  }
  const std::size_t n = static_cast<std::size_t>(w) * h;
  rgba_.resize(n);
  // Same mapping as shaders/heatmap_view.frag.
  if (log) {
    const float floor_v = std::max(lo, 1e-30f);
    const float l0 = std::log(floor_v), inv = 255.0f / std::max(std::log(hi) - l0, 1e-6f);
    for (std::size_t i = 0; i < n; ++i) {
      const float v = values[i];
      const float t = v == v ? (std::log(std::max(v, floor_v)) - l0) * inv : 0.0f;
      rgba_[i] = lut_rgba_[static_cast<int>(std::clamp(t, 0.0f, 255.0f))];
    }
  } else {
    const float inv = 255.0f / std::max(hi - lo, 1e-30f);
    for (std::size_t i = 0; i < n; ++i) {
      const float v = values[i];
      const float t = v == v ? (v - lo) * inv : 0.0f;
      rgba_[i] = lut_rgba_[static_cast<int>(std::clamp(t, 0.0f, 255.0f))];
    }
  }
  glBindTexture(GL_TEXTURE_2D, color_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, rgba_.data());
}

FrameTexture::~FrameTexture() {
  if (tex_) glDeleteTextures(1, &tex_);
}

void FrameTexture::upload(const cv::Mat& bgr) {
  cv::cvtColor(bgr, rgba_, bgr.channels() == 1 ? cv::COLOR_GRAY2RGBA : cv::COLOR_BGR2RGBA);
  if (!tex_ || w_ != rgba_.cols || h_ != rgba_.rows) {
    if (tex_) glDeleteTextures(1, &tex_);
    glGenTextures(1, &tex_);
    glBindTexture(GL_TEXTURE_2D, tex_);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, rgba_.cols, rgba_.rows, 0, GL_RGBA, GL_UNSIGNED_BYTE,
                 nullptr);
    texture_params(GL_LINEAR);
    w_ = rgba_.cols;
    h_ = rgba_.rows;
  }
  glBindTexture(GL_TEXTURE_2D, tex_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w_, h_, GL_RGBA, GL_UNSIGNED_BYTE, rgba_.ptr());
}

}  // namespace peakscope::viewer
