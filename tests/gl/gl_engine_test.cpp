// The GL compute engine against the double reference (1e-3 px), on a headless EGL context.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <numeric>

#include "core/gpu/decoder.hpp"
#include "core/gpu/gl_engine.hpp"
#include "core/reference.hpp"
#include "gl_test_context.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

constexpr double kTolPx = 1e-3;

gpu::GlEngine& engine() {
  testing::gl_context();
  static gpu::GlEngine e;
  return e;
}

void expect_matches(const HeatmapView& v, const DecodeOptions& o, const std::string& what,
                    int check_channels = -1) {
  const std::vector<Keypoint> got = engine().decode(v, o);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(v.channels));
  const int n = check_channels < 0 ? v.channels : check_channels;
  for (int c = 0; c < n; ++c) {
    const Keypoint want = reference::decode(v, c, o);
    testing::expect_keypoint_near(got[c], want, {kTolPx, 1e-4, 1e-9},
                                  what + " channel " + std::to_string(c) + " beta " +
                                      std::to_string(o.beta) + (o.normalize ? " normalised" : ""));
  }
}

TEST(GlEngineGLTest, ReportsRenderer) {
  EXPECT_FALSE(engine().renderer().empty());
  std::printf("GL: %s\n", testing::gl_context().description().c_str());
}

TEST(GlEngineGLTest, SeedToyExample) {
  const std::vector<Keypoint> k =
      engine().decode(HeatmapView::dense(kToyArray, 4, 4), {10.0, false});
  EXPECT_EQ(k[0].argmax_x, 3);
  EXPECT_EQ(k[0].argmax_y, 0);
  EXPECT_NEAR(k[0].soft_x, 3.0, 1e-6);
  EXPECT_NEAR(k[0].soft_y, 0.0, 1e-6);
}

class GlSizes : public ::testing::TestWithParam<std::tuple<int, int, ElemType>> {};

TEST_P(GlSizes, MatchesReference) {
  const auto [w, h, t] = GetParam();
  const std::string name = std::to_string(w) + "x" + std::to_string(h) + " " + elem_name(t);
  const Heatmap rnd = testing::random_map(w, h, 1, t, w + 7 * h);
  const Heatmap multi = testing::multi_peak_map(w, h, t, w * h);
  for (double beta : {1e-3, 1.0, 100.0, 1e4})
    for (bool norm : {false, true}) {
      expect_matches(rnd.view(), {beta, norm}, "random " + name);
      expect_matches(multi.view(), {beta, norm}, "multi-peak " + name);
    }
}

INSTANTIATE_TEST_SUITE_P(
    SizeClasses, GlSizes,
    ::testing::Combine(::testing::Values(1, 7, 256, 1023), ::testing::Values(1, 5, 767),
                       ::testing::Values(ElemType::kFloat32, ElemType::kUInt8)));

TEST(GlEngineGLTest, LargeMap4096) {
  const Heatmap m = testing::multi_peak_map(4096, 4096, ElemType::kFloat32, 3);
  expect_matches(m.view(), {100.0, false}, "4096x4096");
  expect_matches(m.view(), {1e-3, false}, "4096x4096");
}

TEST(GlEngineGLTest, Stacks17And64Channels) {
  for (int k : {17, 64}) {
    SceneConfig cfg;
    cfg.width = 48;
    cfg.height = 64;
    cfg.subjects = k;
    cfg.fwhm = 4;
    for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
      const Heatmap st = Scene(cfg).render_per_subject(t);
      for (double beta : {1e-3, 1.0, 100.0, 1e4})
        expect_matches(st.view(), {beta, t == ElemType::kUInt8}, std::to_string(k) + " channels");
    }
  }
}

TEST(GlEngineGLTest, StridedInput) {
  const int w = 37, h = 29, stride = 41;
  std::vector<float> buf(static_cast<std::size_t>(stride) * h * 2, 0.0f);
  const Heatmap src = testing::multi_peak_map(w, h, ElemType::kFloat32, 9);
  for (int c = 0; c < 2; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) buf[(c * h + y) * stride + x] = src.f32()[y * w + x] + c;
  HeatmapView v{
      buf.data(), ElemType::kFloat32, w, h, 2, stride, static_cast<std::ptrdiff_t>(stride) * h};
  expect_matches(v, {30.0, false}, "strided");
}

TEST(GlEngineGLTest, NonFinitePolicyMatchesCpu) {
  const float nan = std::nanf(""), inf = INFINITY;
  const float a[6] = {nan, 1, 5, nan, 5, 2};
  expect_matches(HeatmapView::dense(a, 3, 2), {2.0, false}, "NaN");
  const float b[6] = {1, inf, 3, 4, 5, inf};
  const Keypoint k = engine().decode(HeatmapView::dense(b, 3, 2), {1.0, false})[0];
  EXPECT_DOUBLE_EQ(k.soft_x, 1.5);
  EXPECT_DOUBLE_EQ(k.soft_y, 0.5);
  EXPECT_DOUBLE_EQ(k.peak_probability, 0.5);
  const float c[4] = {nan, -inf, nan, nan};
  const Keypoint kc = engine().decode(HeatmapView::dense(c, 2, 2), {1.0, false})[0];
  EXPECT_FALSE(kc.valid);
  EXPECT_EQ(kc.peak_probability, 0.0);
}

TEST(GlEngineGLTest, SoftmaxMapSumsToOneAndMatchesReference) {
  const Heatmap m = testing::multi_peak_map(301, 203, ElemType::kUInt8, 2);
  for (double beta : {1e-3, 1.0, 100.0}) {
    engine().decode(m.view(), {beta, true});
    const GLuint tex = engine().softmax_texture(0);
    std::vector<float> p(301 * 203);
    glBindTexture(GL_TEXTURE_2D, tex);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glGetTexImage(GL_TEXTURE_2D, 0, GL_RED, GL_FLOAT, p.data());
    const std::vector<double> want = reference::softmax(m.view(), 0, {beta, true});
    double s = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      s += p[i];
      ASSERT_NEAR(p[i], want[i], 1e-5 * want[i] + 1e-7) << i << " beta " << beta;
    }
    EXPECT_NEAR(s, 1.0, 1e-4) << beta;
  }
}

TEST(GlEngineGLTest, StreamingReturnsFramesInOrderOneLate) {
  std::vector<Heatmap> frames;
  for (int i = 0; i < 5; ++i)
    frames.push_back(testing::multi_peak_map(128, 96, ElemType::kFloat32, 100 + i));
  std::vector<std::uint64_t> ids;
  std::vector<gpu::GpuFrame> got;
  for (const Heatmap& f : frames) {
    ids.push_back(engine().submit(f.view(), {50.0, false}));
    if (ids.size() > 1)  // read one frame late
      if (auto r = engine().poll(true)) got.push_back(std::move(*r));
  }
  while (auto r = engine().poll(true)) got.push_back(std::move(*r));
  ASSERT_EQ(got.size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(got[i].id, ids[i]);
    const Keypoint want = reference::decode(frames[i].view(), 0, {50.0, false});
    EXPECT_NEAR(got[i].keypoints[0].soft_x, want.soft_x, kTolPx);
    EXPECT_NEAR(got[i].keypoints[0].soft_y, want.soft_y, kTolPx);
  }
  EXPECT_FALSE(engine().poll(false).has_value());
}

TEST(GlEngineGLTest, DeterministicRepeats) {
  const Heatmap m = testing::random_map(640, 480, 3, ElemType::kFloat32, 4);
  const auto a = engine().decode(m.view(), {2.0, false});
  const auto b = engine().decode(m.view(), {2.0, false});
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(a[c].soft_x, b[c].soft_x);
    EXPECT_EQ(a[c].soft_y, b[c].soft_y);
  }
}

TEST(GlEngineGLTest, BrokenShaderNamesItselfAndItsLog) {
  testing::gl_context();
  const gpu::ShaderPart bad{"broken.comp", "layout(local_size_x = 1) in;\nvoid main() { nope; }\n"};
  try {
    gpu::make_compute("broken", {bad}, {"VARIANT_X"});
    FAIL() << "expected GlError";
  } catch (const gpu::GlError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("broken.comp"), std::string::npos) << msg;
    EXPECT_NE(msg.find("VARIANT_X"), std::string::npos) << msg;
    EXPECT_NE(msg.find("nope"), std::string::npos) << msg;  // the driver's log
  }
}

TEST(DecoderGLTest, ForcedCpuByEnvironmentSaysWhy) {
  setenv("PEAKSCOPE_BACKEND", "cpu", 1);
  gpu::Decoder d(gpu::Backend::kAuto, /*headless=*/true, /*quiet=*/true);
  unsetenv("PEAKSCOPE_BACKEND");
  EXPECT_FALSE(d.on_gpu());
  EXPECT_NE(d.fallback_reason().find("PEAKSCOPE_BACKEND=cpu"), std::string::npos);
  const auto k = d.decode(HeatmapView::dense(kToyArray, 4, 4), {10.0, false});
  EXPECT_EQ(k[0].argmax_x, 3);
}

TEST(DecoderGLTest, CpuRequestedIsNotAFallback) {
  gpu::Decoder d(gpu::Backend::kCpu, true, true);
  EXPECT_FALSE(d.on_gpu());
  EXPECT_TRUE(d.fallback_reason().empty());
}

TEST(DecoderGLTest, GpuHeadlessRunsAndMatchesCpu) {
  gpu::Decoder d(gpu::Backend::kGpu, true, true);
  ASSERT_TRUE(d.on_gpu()) << d.fallback_reason();
  const Heatmap m = testing::multi_peak_map(200, 100, ElemType::kFloat32, 5);
  const auto g = d.decode(m.view(), {10.0, false});
  const auto c = d.cpu().decode(m.view(), {10.0, false});
  EXPECT_NEAR(g[0].soft_x, c[0].soft_x, kTolPx);
  EXPECT_NEAR(g[0].soft_y, c[0].soft_y, kTolPx);
  testing::gl_context();  // leave the shared context current for the other tests
}

TEST(DecoderGLTest, AutoPrefersCpuOnSoftwareRasteriser) {
  gpu::Decoder d(gpu::Backend::kAuto, true, true);
  const std::string r = testing::gl_context().description();
  if (r.find("llvmpipe") != std::string::npos) {
    EXPECT_FALSE(d.on_gpu());
    EXPECT_NE(d.fallback_reason().find("software rasteriser"), std::string::npos);
  } else {
    EXPECT_TRUE(d.on_gpu()) << d.fallback_reason();
  }
  testing::gl_context();
}

TEST(DecoderGLTest, NoCurrentContextFallsBack) {
  // A fresh thread has no current context.
  std::string reason;
  bool on_gpu = true;
  std::thread([&] {
    gpu::Decoder d(gpu::Backend::kGpu, /*headless=*/false, true);
    on_gpu = d.on_gpu();
    reason = d.fallback_reason();
  }).join();
  EXPECT_FALSE(on_gpu);
  EXPECT_NE(reason.find("no current OpenGL context"), std::string::npos) << reason;
}

}  // namespace
}  // namespace peakscope
