// Every GPU pass on frames large enough to reach the limits of a software rasteriser: Mesa's
// llvmpipe ends a shader invocation's loops after 65535 iterations in all (a loop limiter
// shared by every loop of the invocation, inner loops included) and drops the rest without an
// error, so a pass that gives one thread too much of a large frame returns wrong numbers on
// llvmpipe only. The decode, the lab's beta grid (many betas), its windows and DARK's
// blurred maximum, each against the CPU engine on the same frame.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/gpu/gl_engine.hpp"
#include "core/lab/dark.hpp"
#include "gl_test_context.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

std::vector<double> log_betas(int n, double lo, double hi) {
  std::vector<double> b;
  for (int i = 0; i < n; ++i) b.push_back(lo * std::pow(hi / lo, i / (n - 1.0)));
  return b;
}

TEST(GlLimitsGLTest, BetaGridOf25BetasOnA4096x1024Frame) {
  testing::gl_context();
  gpu::GlEngine gl;
  CpuEngine cpu;
  {
    const ElemType t = ElemType::kFloat32;
    const Heatmap m = testing::multi_peak_map(4096, 1024, t, 11);
    const DecodeOptions opt{100, true};
    const DecodedFrame gf = gl.decode(m.view(), opt);
    ASSERT_EQ(gf.backend(), Backend::kGpu);
    const std::vector<double> betas = log_betas(25, 0.1, 1e5);
    const BetaGrid g = gf.beta_grid(betas, true, true);
    const BetaGrid c = cpu.beta_grid(m.view(), betas, true, true);
    ASSERT_EQ(g.keypoints.size(), betas.size());
    ASSERT_EQ(g.debiased.size(), betas.size());
    for (std::size_t j = 0; j < betas.size(); ++j) {
      const std::string what = std::string(elem_name(t)) + " beta " + std::to_string(betas[j]);
      testing::expect_keypoint_near(g.keypoints[j][0], c.keypoints[j][0], {}, what);
      EXPECT_NEAR(g.debiased[j][0].x, c.debiased[j][0].x, 1e-3) << what;
      EXPECT_NEAR(g.debiased[j][0].y, c.debiased[j][0].y, 1e-3) << what;
    }
  }
}

TEST(GlLimitsGLTest, DecodeOfFive2048Channels) {
  testing::gl_context();
  gpu::GlEngine gl;
  CpuEngine cpu;
  const Heatmap m = testing::random_map(2048, 2048, 5, ElemType::kFloat32, 5);
  for (double beta : {1e-3, 1.0, 1e3}) {
    const DecodeOptions opt{beta, false};
    const DecodedFrame gf = gl.decode(m.view(), opt);
    ASSERT_EQ(gf.backend(), Backend::kGpu);
    const std::vector<Keypoint>& g = gf.keypoints();
    const std::vector<Keypoint> c = cpu.decode(m.view(), opt).keypoints();
    for (int k = 0; k < m.channels(); ++k)
      testing::expect_keypoint_near(g[k], c[k], {}, "channel " + std::to_string(k));
  }
}

TEST(GlLimitsGLTest, WindowsAndBlurredMaxOnALargeFrame) {
  testing::gl_context();
  gpu::GlEngine gl;
  CpuEngine cpu;
  const Heatmap m = testing::multi_peak_map(2048, 1024, ElemType::kFloat32, 3);
  const DecodeOptions opt{100, true};
  const DecodedFrame gf = gl.decode(m.view(), opt);
  ASSERT_EQ(gf.backend(), Backend::kGpu);
  const DecodedFrame cf = cpu.decode(m.view(), opt);
  for (int kernel : {101}) {
    const double want = blurred_max(m.view(), 0, kernel);
    EXPECT_NEAR(gf.blurred_max(0, kernel), want, 1e-6 * std::abs(want)) << "kernel " << kernel;
  }
  const std::vector<PeakWindow> g = gf.windows(64), c = cf.windows(64);
  ASSERT_EQ(g.size(), c.size());
  EXPECT_EQ(g[0].cx, c[0].cx);
  EXPECT_EQ(g[0].cy, c[0].cy);
  EXPECT_EQ(g[0].values, c[0].values);
}

// A uint8 frame whose double blur scratch exceeds the storage-block limit (llvmpipe's 128 MiB:
// 8192 x 2064, 17 MB of pixels, 135 MB of scratch): the blurred maximum goes through in bands
// of rows, and the GPU engine stays the GPU engine.
TEST(GlLimitsGLTest, BlurredMaxOfAFrameWhoseScratchExceedsTheLimit) {
  testing::gl_context();
  gpu::GlEngine gl;
  GLint limit = 0;
  glGetIntegerv(GL_MAX_SHADER_STORAGE_BLOCK_SIZE, &limit);
  const int w = 8192;
  const int h = static_cast<int>(std::min<long long>(16384, limit / (8LL * w) + 16));
  Heatmap m(w, h, 1, ElemType::kUInt8);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      m.u8()[static_cast<std::size_t>(y) * w + x] = static_cast<std::uint8_t>(
          255 * std::exp(-((x - 4000.3) * (x - 4000.3) + (y - h + 3.2) * (y - h + 3.2)) /
                         (2 * 40.0 * 40.0)));
  const DecodedFrame f = gl.decode(m.view(), {100, true});
  ASSERT_EQ(f.backend(), Backend::kGpu);
  const double want = blurred_max(m.view(), 0, 3);
  EXPECT_NEAR(f.blurred_max(0, 3), want, 1e-6 * want);
  EXPECT_EQ(gl.kind(), Backend::kGpu);
}

}  // namespace
}  // namespace peakscope
