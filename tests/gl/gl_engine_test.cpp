// The GL compute engine against the double reference (1e-3 px), on a headless EGL context.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <thread>

#include "core/engine/auto_engine.hpp"
#include "core/engine/fallback_engine.hpp"
#include "core/engine/select_engine.hpp"
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

// ---------------------------------------------------------------------------------------
// select_engine: the rules, the reasons, the run-time fallback
// ---------------------------------------------------------------------------------------

void expect_toy(Engine& e) {
  const auto k = e.decode(HeatmapView::dense(kToyArray, 4, 4), {10.0, false});
  EXPECT_EQ(k[0].argmax_x, 3);
  EXPECT_NEAR(k[0].soft_x, 3.0, 1e-6);
}

TEST(SelectEngineGLTest, ForcedCpuByEnvironmentSaysWhy) {
  setenv("PEAKSCOPE_BACKEND", "cpu", 1);
  EngineChoice c = select_engine(Backend::kAuto, ContextMode::kOwnHeadless, true);
  unsetenv("PEAKSCOPE_BACKEND");
  EXPECT_EQ(c.engine->kind(), Backend::kCpu);
  EXPECT_NE(c.reason.find("PEAKSCOPE_BACKEND=cpu"), std::string::npos) << c.reason;
  expect_toy(*c.engine);
}

TEST(SelectEngineGLTest, CpuRequestedIsNotAFallback) {
  EngineChoice c = select_engine(Backend::kCpu, ContextMode::kOwnHeadless, true);
  EXPECT_EQ(c.engine->kind(), Backend::kCpu);
  EXPECT_TRUE(c.reason.empty()) << c.reason;
  EXPECT_NE(c.engine->description().find("CPU"), std::string::npos);
}

TEST(SelectEngineGLTest, GpuHeadlessRunsAndMatchesReference) {
  EngineChoice c = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true);
  ASSERT_EQ(c.engine->kind(), Backend::kGpu) << c.reason;
  EXPECT_TRUE(c.reason.empty());
  const Heatmap m = testing::multi_peak_map(200, 100, ElemType::kFloat32, 5);
  const auto g = c.engine->decode(m.view(), {10.0, false});
  EXPECT_EQ(c.engine->last_decode_backend(), Backend::kGpu);
  const Keypoint want = reference::decode(m.view(), 0, {10.0, false});
  EXPECT_NEAR(g[0].soft_x, want.soft_x, kTolPx);
  EXPECT_NEAR(g[0].soft_y, want.soft_y, kTolPx);
  // The softmax map of the decoded frame, as a texture of the engine's context.
  const SoftmaxImage img = c.engine->last_softmax(0);
  EXPECT_NE(img.gl_texture, 0u);
  EXPECT_EQ(img.cpu, nullptr);
  EXPECT_EQ(img.width, 200);
  EXPECT_EQ(img.keypoint.soft_x, g[0].soft_x);
  // The shared test context is current again: the engine restored it.
  EXPECT_TRUE(testing::gl_context().is_current());
}

TEST(SelectEngineGLTest, CpuEngineSoftmaxMatchesReference) {
  EngineChoice c = select_engine(Backend::kCpu, ContextMode::kOwnHeadless, true);
  const Heatmap m = testing::multi_peak_map(31, 17, ElemType::kFloat32, 6);
  EXPECT_THROW(c.engine->last_softmax(0), std::logic_error);
  c.engine->decode(m.view(), {3.0, false});
  const SoftmaxImage img = c.engine->last_softmax(0);
  ASSERT_NE(img.cpu, nullptr);
  const std::vector<double> want = reference::softmax(m.view(), 0, {3.0, false});
  for (std::size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(img.cpu[i], want[i], 1e-5 * want[i] + 1e-8);
}

TEST(SelectEngineGLTest, AutoPrefersCpuOnSoftwareRasteriser) {
  EngineChoice c = select_engine(Backend::kAuto, ContextMode::kOwnHeadless, true);
  const std::string r = testing::gl_context().description();
  if (r.find("llvmpipe") != std::string::npos) {
    EXPECT_EQ(c.engine->kind(), Backend::kCpu);
    EXPECT_NE(c.reason.find("software rasteriser"), std::string::npos) << c.reason;
  } else {
    EXPECT_EQ(c.engine->kind(), Backend::kGpu) << c.reason;
  }
}

TEST(SelectEngineGLTest, NoCurrentContextFallsBack) {
  std::string reason;
  Backend kind = Backend::kGpu;
  std::thread([&] {  // a fresh thread has no current context
    EngineChoice c = select_engine(Backend::kGpu, ContextMode::kCurrent, true);
    kind = c.engine->kind();
    reason = c.reason;
  })
      .join();
  EXPECT_EQ(kind, Backend::kCpu);
  EXPECT_NE(reason.find("no current OpenGL context"), std::string::npos) << reason;
}

TEST(SelectEngineGLTest, CurrentContextModeUsesTheCallersContext) {
  testing::gl_context();
  EngineChoice c = select_engine(Backend::kGpu, ContextMode::kCurrent, true);
  ASSERT_EQ(c.engine->kind(), Backend::kGpu) << c.reason;
  expect_toy(*c.engine);
}

// A frame beyond the GPU's storage block limit moves that frame, and later ones, to the CPU;
// the engine says which engine decoded each frame and why.
TEST(SelectEngineGLTest, FrameTooLargeFallsBackToCpuAndSaysSo) {
  testing::gl_context();
  GLint limit = 0;
  glGetIntegerv(GL_MAX_SHADER_STORAGE_BLOCK_SIZE, &limit);
  ASSERT_GT(limit, 0);
  EngineChoice c = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true);
  ASSERT_EQ(c.engine->kind(), Backend::kGpu) << c.reason;
  expect_toy(*c.engine);
  EXPECT_EQ(c.engine->last_decode_backend(), Backend::kGpu);
  const int w = static_cast<int>(static_cast<std::size_t>(limit) / 4 / 2 + 64);
  std::vector<float> big(static_cast<std::size_t>(w) * 2, 0.0f);
  big[12345] = 1.0f;
  const auto k = c.engine->decode(HeatmapView::dense(big.data(), w, 2), {100.0, false});
  EXPECT_EQ(k[0].argmax_x, 12345);
  EXPECT_EQ(c.engine->last_decode_backend(), Backend::kCpu);
  EXPECT_EQ(c.engine->kind(), Backend::kCpu);
  EXPECT_NE(c.engine->fallback_reason().find("storage block limit"), std::string::npos)
      << c.engine->fallback_reason();
  expect_toy(*c.engine);  // later frames on the CPU too
  EXPECT_EQ(c.engine->last_decode_backend(), Backend::kCpu);
}

// ---------------------------------------------------------------------------------------
// Contexts that outlive each other, and threads (issue 10 item 8)
// ---------------------------------------------------------------------------------------

void expect_gpu_decodes(Engine& e, int seed) {
  const Heatmap m = testing::multi_peak_map(97, 61, ElemType::kFloat32, seed);
  const auto k = e.decode(m.view(), {20.0, false});
  EXPECT_EQ(e.last_decode_backend(), Backend::kGpu) << e.fallback_reason();
  const Keypoint want = reference::decode(m.view(), 0, {20.0, false});
  EXPECT_NEAR(k[0].soft_x, want.soft_x, kTolPx);
  EXPECT_NEAR(k[0].soft_y, want.soft_y, kTolPx);
}

TEST(EngineLifetimeGLTest, TwoEnginesDestroyedInEitherOrder) {
  for (bool first_goes_first : {true, false}) {
    SCOPED_TRACE(first_goes_first ? "A then B" : "B then A");
    auto a = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true).engine;
    auto b = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true).engine;
    ASSERT_EQ(a->kind(), Backend::kGpu);
    ASSERT_EQ(b->kind(), Backend::kGpu);
    expect_gpu_decodes(*a, 1);
    expect_gpu_decodes(*b, 2);
    std::unique_ptr<Engine>& gone = first_goes_first ? a : b;
    std::unique_ptr<Engine>& kept = first_goes_first ? b : a;
    gone.reset();
    expect_gpu_decodes(*kept, 3);  // its context and mapped buffers survived
    expect_matches(testing::multi_peak_map(50, 40, ElemType::kUInt8, 4).view(), {5.0, true},
                   "shared test engine after one engine went");
    kept.reset();
    expect_matches(testing::multi_peak_map(50, 40, ElemType::kUInt8, 5).view(), {5.0, true},
                   "shared test engine after both went");
  }
}

TEST(EngineLifetimeGLTest, EngineOutlivesAndPrecedesOthersCreatedLater) {
  auto a = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true).engine;
  expect_gpu_decodes(*a, 6);
  {
    auto b = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true).engine;
    auto c = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true).engine;
    expect_gpu_decodes(*c, 7);
    b.reset();
    expect_gpu_decodes(*c, 8);
    expect_gpu_decodes(*a, 9);
  }
  expect_gpu_decodes(*a, 10);
}

// A GlEngine used on a thread where its context is not current throws GlError naming that,
// and never returns the previous frame's results.
TEST(EngineThreadGLTest, RawEngineOnAnotherThreadThrows) {
  gpu::GlEngine& e = engine();
  e.decode(HeatmapView::dense(kToyArray, 4, 4), {10.0, false});
  std::string what;
  std::thread([&] {
    try {
      e.decode(testing::multi_peak_map(20, 20, ElemType::kFloat32, 3).view(), {1.0, false});
      what = "no exception";
    } catch (const gpu::GlError& err) {
      what = err.what();
    }
  }).join();
  EXPECT_NE(what.find("no current OpenGL context"), std::string::npos) << what;
}

TEST(EngineThreadGLTest, RawEngineWithAnotherContextCurrentThrows) {
  gpu::GlEngine& e = engine();
  std::string why;
  auto other = gpu::HeadlessContext::create(&why);
  ASSERT_TRUE(other) << why;
  other->make_current();
  try {
    e.decode(HeatmapView::dense(kToyArray, 4, 4), {10.0, false});
    ADD_FAILURE() << "expected GlError";
  } catch (const gpu::GlError& err) {
    EXPECT_NE(std::string(err.what()).find("another OpenGL context"), std::string::npos)
        << err.what();
  }
  other.reset();
  testing::gl_context();
  expect_toy(engine());
}

// The engine select_engine hands out takes its own context on whichever thread calls it.
// An engine destroyed while another context is current leaves that context's objects alone
// (program and buffer names are per context: deleting "program 3" there would delete the
// other engine's program 3), its shaders and its lab's included.
TEST(EngineThreadGLTest, EngineDestroyedWithAnotherContextCurrent) {
  auto ca = gpu::HeadlessContext::create(nullptr);
  auto cb = gpu::HeadlessContext::create(nullptr);
  ASSERT_TRUE(ca && cb);
  const Heatmap m = testing::gaussian_map(40, 30, 12.2, 9.7, 3.0, ElemType::kFloat32);
  ca->make_current();
  auto a = std::make_unique<gpu::GlEngine>();
  a->decode(m.view(), {10, true});
  a->last_beta_grid({1.0, 10.0}, true, true);  // compiles the lab's programs
  cb->make_current();
  {
    gpu::GlEngine b;
    const std::vector<Keypoint> want = b.decode(m.view(), {10, true});
    b.last_beta_grid({1.0, 10.0}, true, true);
    a.reset();  // with b's context current
    const std::vector<Keypoint> k = b.decode(m.view(), {10, true});
    EXPECT_EQ(k[0].soft_x, want[0].soft_x);
    const BetaGrid g = b.last_beta_grid({1.0, 10.0}, true, true);
    EXPECT_NEAR(g.keypoints[1][0].soft_x, want[0].soft_x, 1e-3);
  }
  testing::gl_context();
}

TEST(EngineThreadGLTest, HeadlessEngineDecodesFromAnotherThread) {
  testing::gl_context();
  auto e = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true).engine;
  expect_gpu_decodes(*e, 11);
  std::thread([&] { expect_gpu_decodes(*e, 12); }).join();
  expect_gpu_decodes(*e, 13);  // and back on this thread
  EXPECT_TRUE(testing::gl_context().is_current());
}

// The heatmap's raw values as a texture from the frame already on the GPU (the viewer colours
// it by a shader: no second upload); CPU engines have none.
TEST(SelectEngineGLTest, ValuesTextureHoldsTheFrameAsDecoded) {
  testing::gl_context();
  EngineChoice g = select_engine(Backend::kGpu, ContextMode::kCurrent, true);
  ASSERT_EQ(g.engine->kind(), Backend::kGpu) << g.reason;
  for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
    const Heatmap m = testing::random_map(37, 21, 3, t, 9);
    g.engine->decode(m.view(), {10.0, true});
    const std::uint32_t tex = g.engine->last_values_texture(2);
    ASSERT_NE(tex, 0u);
    std::vector<float> v(37 * 21);
    glBindTexture(GL_TEXTURE_2D, tex);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glGetTexImage(GL_TEXTURE_2D, 0, GL_RED, GL_FLOAT, v.data());
    for (int y = 0; y < 21; ++y)
      for (int x = 0; x < 37; ++x)
        ASSERT_EQ(v[y * 37 + x], m.view().at(2, y, x)) << x << "," << y << " " << elem_name(t);
  }
  EngineChoice c = select_engine(Backend::kCpu, ContextMode::kCurrent, true);
  c.engine->decode(HeatmapView::dense(kToyArray, 4, 4), {10.0, false});
  EXPECT_EQ(c.engine->last_values_texture(0), 0u);
}

// ---------------------------------------------------------------------------------------
// auto: the faster engine by measurement
// ---------------------------------------------------------------------------------------

// A CPU engine made slow on purpose, so that the measurement must pick the GPU.
class SlowCpu : public CpuEngine {
 public:
  std::vector<Keypoint> decode(const HeatmapView& m, const DecodeOptions& o) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return CpuEngine::decode(m, o);
  }
};

TEST(AutoEngineGLTest, MeasuresBothOnEachNewShapeAndSaysSo) {
  testing::gl_context();
  AutoEngine a(select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true).engine,
               std::make_unique<CpuEngine>(), /*quiet=*/true);
  const Heatmap m1 = testing::multi_peak_map(120, 80, ElemType::kFloat32, 1);
  const Heatmap m2 = testing::multi_peak_map(64, 48, ElemType::kUInt8, 2);
  const auto check = [&](const Heatmap& m) {
    const auto k = a.decode(m.view(), {20.0, true});
    const Keypoint want = reference::decode(m.view(), 0, {20.0, true});
    EXPECT_NEAR(k[0].soft_x, want.soft_x, kTolPx);
    EXPECT_NEAR(k[0].soft_y, want.soft_y, kTolPx);
  };
  check(m1);
  EXPECT_EQ(a.measurements(), 1);
  EXPECT_NE(a.decision().find("GPU "), std::string::npos) << a.decision();
  EXPECT_NE(a.decision().find(" ms, CPU "), std::string::npos) << a.decision();
  check(m1);
  EXPECT_EQ(a.measurements(), 1);  // same shape: no new measurement
  check(m2);
  EXPECT_EQ(a.measurements(), 2);  // new size and type
  // Whatever won, the engine says which and why.
  if (a.kind() == Backend::kCpu)
    EXPECT_NE(a.fallback_reason().find("CPU"), std::string::npos);
  else
    EXPECT_TRUE(a.fallback_reason().empty());
  EXPECT_EQ(a.last_decode_backend(), a.kind());
  EXPECT_TRUE(testing::gl_context().is_current());
}

TEST(AutoEngineGLTest, PicksTheGpuWhenItIsFaster) {
  testing::gl_context();
  AutoEngine a(select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true).engine,
               std::make_unique<SlowCpu>(), true);
  const Heatmap m = testing::multi_peak_map(64, 64, ElemType::kFloat32, 3);
  a.decode(m.view(), {5.0, false});
  EXPECT_EQ(a.kind(), Backend::kGpu) << a.decision();
  EXPECT_EQ(a.last_decode_backend(), Backend::kGpu);
  EXPECT_NE(a.decision().find(": GPU"), std::string::npos) << a.decision();
  EXPECT_NE(a.description().find("auto: GPU"), std::string::npos) << a.description();
  const SoftmaxImage img = a.last_softmax(0);
  EXPECT_NE(img.gl_texture, 0u);
}

}  // namespace
}  // namespace peakscope
