// The colour scale on both paths: the same values coloured by shaders/heatmap_view.* into an
// FBO (core/gpu/colour_pass.hpp, read back) and by colour_rgba on the CPU
// (core/colour_scale.hpp) must give the same RGB bytes, pixel for pixel: values exactly at
// the entries' edges and just below them, the range's ends, values outside it, NaN and the
// infinities, on linear and log scales, on a headless EGL context.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include "core/colour_scale.hpp"
#include "core/gpu/colour_pass.hpp"
#include "gl_test_context.hpp"

namespace peakscope {
namespace {

constexpr int kWidth = 61;  // not a power of two: every pixel must land on its own texel
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Every entry a different colour, and the entry readable from R.
ColourTable test_table() {
  ColourTable t;
  for (int i = 0; i < ColourScale::kEntries; ++i)
    t[i] = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(255 - i),
            static_cast<std::uint8_t>(i * 77)};
  return t;
}

gpu::ColourPass& pass() {
  testing::gl_context();
  static gpu::ColourPass p;
  return p;
}

// The values coloured on the GPU: an r32f texture of kWidth x h drawn into an rgba8 FBO.
std::vector<std::uint8_t> gpu_rgba(const std::vector<float>& v, int h, const ColourScale& s,
                                   const ColourTable& table) {
  gpu::ColourPass& p = pass();
  GLuint tex[2], fbo = 0;
  glGenTextures(2, tex);
  glBindTexture(GL_TEXTURE_2D, tex[0]);
  glTexStorage2D(GL_TEXTURE_2D, 1, GL_R32F, kWidth, h);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, kWidth, h, GL_RED, GL_FLOAT, v.data());
  glBindTexture(GL_TEXTURE_2D, tex[1]);
  glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, kWidth, h);
  glGenFramebuffers(1, &fbo);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex[1], 0);
  EXPECT_EQ(glCheckFramebufferStatus(GL_FRAMEBUFFER), GLenum(GL_FRAMEBUFFER_COMPLETE));
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  p.draw(tex[0], fbo, kWidth, h, s, table);
  std::vector<std::uint8_t> out(std::size_t{4} * kWidth * h);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo);
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
  glReadPixels(0, 0, kWidth, h, GL_RGBA, GL_UNSIGNED_BYTE, out.data());
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  glDeleteFramebuffers(1, &fbo);
  glDeleteTextures(2, tex);
  EXPECT_EQ(glGetError(), GLenum(GL_NO_ERROR));
  return out;
}

// Colours `values` on both paths; expects identical RGB bytes and says where they differ.
void expect_same_colours(std::vector<float> values, const ColourScale& s, const char* what) {
  const ColourTable table = test_table();
  const int h = static_cast<int>((values.size() + kWidth - 1) / kWidth);
  values.resize(static_cast<std::size_t>(kWidth) * h, s.lo());
  std::vector<std::uint8_t> cpu(4 * values.size());
  colour_rgba(values.data(), values.size(), s, table, cpu.data());
  const std::vector<std::uint8_t> gpu = gpu_rgba(values, h, s, table);
  int differ = 0;
  std::ostringstream first;
  first.precision(9);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::uint8_t *c = &cpu[4 * i], *g = &gpu[4 * i];
    if (c[0] == g[0] && c[1] == g[1] && c[2] == g[2]) continue;
    if (++differ <= 8)
      first << "\n  value " << values[i] << ": CPU entry " << int(c[0]) << ", GPU entry "
            << int(g[0]);
  }
  EXPECT_EQ(differ, 0) << what << " [" << s.lo() << ", " << s.hi() << "]"
                       << (s.log() ? " log" : " linear") << ": " << differ << " of "
                       << values.size() << " pixels differ" << first.str();
}

// The range's ends, every edge and the float just below it, the specials, values outside the
// range, and `random` values drawn by `draw`.
template <class Draw>
std::vector<float> frame(const ColourScale& s, int random, Draw draw) {
  std::vector<float> v = {s.lo(), s.hi(), kNaN, -kNaN, kInf, -kInf, 0.0f, -1.0f};
  v.push_back(std::nextafter(s.lo(), -kInf));
  v.push_back(std::nextafter(s.hi(), kInf));
  for (int k = 1; k < ColourScale::kEntries; ++k) {
    v.push_back(s.edges()[k]);
    v.push_back(std::nextafter(s.edges()[k], -kInf));
  }
  std::mt19937 rng(7);
  for (int i = 0; i < random; ++i) v.push_back(draw(rng));
  return v;
}

TEST(GlColourTest, LinearScaleGivesTheCpuBytes) {
  for (auto [lo, hi] : {std::pair{0.0f, 1.0f},
                        {0.0f, 255.0f},
                        {-3.5f, 7.25f},
                        {0.1f, 0.7f},
                        {1e-7f, 3.3e-3f},
                        {1000.0f, 1000.5f}}) {
    const ColourScale s(lo, hi, false);
    std::uniform_real_distribution<float> u(lo - (hi - lo) * 0.1f, hi + (hi - lo) * 0.1f);
    expect_same_colours(frame(s, 3000, u), s, "linear");
  }
}

// uint8 maps: every value 0..255 on the channel's own range.
TEST(GlColourTest, IntegerValuesGiveTheCpuBytes) {
  for (auto [lo, hi] : {std::pair{0.0f, 255.0f}, {3.0f, 200.0f}, {17.0f, 18.0f}}) {
    const ColourScale s(lo, hi, false);
    std::vector<float> v;
    for (int i = 0; i < 256; ++i) v.push_back(static_cast<float>(i));
    expect_same_colours(v, s, "uint8 values");
  }
}

// The softmax view's log scale: p over many decades down to the floor, and below it.
TEST(GlColourTest, LogScaleGivesTheCpuBytes) {
  for (auto [lo, hi] : {std::pair{1e-12f, 1.0f},
                        {3e-9f, 0.027f},
                        {0.0f, 0.5f},
                        {0.01f, 0.0316f},
                        {1e-30f, 1e-20f}}) {
    const ColourScale s(lo, hi, true);
    const float l0 = std::log(std::max(lo, 1e-30f)), l1 = std::log(hi);
    std::uniform_real_distribution<float> u(l0 - 1.0f, l1 + 1.0f);
    expect_same_colours(frame(s, 3000, [&](std::mt19937& r) { return std::exp(u(r)); }), s, "log");
  }
}

// A flat map (lo == hi) and an empty log range: every finite value entry 0 on both paths.
TEST(GlColourTest, EmptyRangesGiveTheCpuBytes) {
  for (bool log : {false, true}) {
    const ColourScale s(0.25f, 0.25f, log);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    expect_same_colours(frame(s, 500, u), s, log ? "empty log" : "empty linear");
  }
}

}  // namespace
}  // namespace peakscope
