// The GL compute engine's own matters on a headless EGL context: large frames, streaming,
// shader errors, select_engine's rules and run-time fallback, contexts and threads, the auto
// engine's measurement. What every engine owes (sizes, strides, stacks, NaN and Inf, softmax
// maps, values textures against the double reference) is engine_contract_test.cpp.
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
  const DecodedFrame f = engine().decode(v, o);
  EXPECT_EQ(f.backend(), Backend::kGpu);
  const std::vector<Keypoint>& got = f.keypoints();
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

TEST(GlEngineGLTest, LargeMap4096) {
  const Heatmap m = testing::multi_peak_map(4096, 4096, ElemType::kFloat32, 3);
  expect_matches(m.view(), {100.0, false}, "4096x4096");
  expect_matches(m.view(), {1e-3, false}, "4096x4096");
}

TEST(GlEngineGLTest, StreamingReturnsFramesInOrderOneLate) {
  std::vector<Heatmap> frames;
  for (int i = 0; i < 5; ++i)
    frames.push_back(testing::multi_peak_map(128, 96, ElemType::kFloat32, 100 + i));
  std::vector<std::uint64_t> ids;
  std::vector<gpu::GpuFrame> got;
  const DecodedFrame before = engine().decode(frames[0].view(), {50.0, false});
  for (const Heatmap& f : frames) {
    FrameSlot slot = engine().acquire(FrameShape::of(f.view()));
    copy_heatmap(f.view(), slot.view());
    ids.push_back(engine().submit(std::move(slot), {50.0, false}));
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
  EXPECT_FALSE(before.current());  // the engine moved on to the streamed frames
  EXPECT_THROW(before.softmax(0), std::logic_error);
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

void expect_toy(Engine& e, Backend want) {
  const DecodedFrame f = e.decode(HeatmapView::dense(kToyArray, 4, 4), {10.0, false});
  EXPECT_EQ(f.backend(), want) << f.fallback_reason();
  const std::vector<Keypoint>& k = f.keypoints();
  EXPECT_EQ(k[0].argmax_x, 3);
  EXPECT_NEAR(k[0].soft_x, 3.0, 1e-6);
}

TEST(SelectEngineGLTest, ForcedCpuByEnvironmentSaysWhy) {
  setenv("PEAKSCOPE_BACKEND", "cpu", 1);
  EngineChoice c = select_engine(Backend::kAuto, ContextMode::kOwnHeadless, true);
  unsetenv("PEAKSCOPE_BACKEND");
  EXPECT_EQ(c.engine->kind(), Backend::kCpu);
  EXPECT_NE(c.reason.find("PEAKSCOPE_BACKEND=cpu"), std::string::npos) << c.reason;
  expect_toy(*c.engine, Backend::kCpu);
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
  const DecodedFrame f = c.engine->decode(m.view(), {10.0, false});
  EXPECT_EQ(f.backend(), Backend::kGpu);
  const std::vector<Keypoint>& g = f.keypoints();
  const Keypoint want = reference::decode(m.view(), 0, {10.0, false});
  EXPECT_NEAR(g[0].soft_x, want.soft_x, kTolPx);
  EXPECT_NEAR(g[0].soft_y, want.soft_y, kTolPx);
  // The softmax map of the decoded frame, as a texture of the engine's context.
  const SoftmaxImage img = f.softmax(0);
  EXPECT_NE(img.gl_texture, 0u);
  EXPECT_EQ(img.cpu, nullptr);
  EXPECT_EQ(img.width, 200);
  EXPECT_EQ(img.keypoint.soft_x, g[0].soft_x);
  // The shared test context is current again: the engine restored it.
  EXPECT_TRUE(testing::gl_context().is_current());
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

// The engine decodes on the GPU, in the caller's context: the softmax texture of the frame it
// decoded is an object of the test's context, read back here as the reference's softmax.
TEST(SelectEngineGLTest, CurrentContextModeUsesTheCallersContext) {
  testing::gl_context();
  EngineChoice c = select_engine(Backend::kGpu, ContextMode::kCurrent, true);
  ASSERT_EQ(c.engine->kind(), Backend::kGpu) << c.reason;
  expect_toy(*c.engine, Backend::kGpu);
  const Heatmap m = testing::multi_peak_map(37, 23, ElemType::kFloat32, 7);
  const DecodedFrame f = c.engine->decode(m.view(), {10.0, true});
  ASSERT_EQ(f.backend(), Backend::kGpu) << f.fallback_reason();
  EXPECT_TRUE(f.fallback_reason().empty()) << f.fallback_reason();
  const SoftmaxImage img = f.softmax(0);
  ASSERT_NE(img.gl_texture, 0u);
  ASSERT_TRUE(testing::gl_context().is_current());
  EXPECT_EQ(glIsTexture(img.gl_texture), GL_TRUE);
  std::vector<float> px(37 * 23, -1.0f);
  glBindTexture(GL_TEXTURE_2D, img.gl_texture);
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
  glGetTexImage(GL_TEXTURE_2D, 0, GL_RED, GL_FLOAT, px.data());
  const std::vector<double> want = reference::softmax(m.view(), 0, {10.0, true});
  for (std::size_t i = 0; i < px.size(); ++i)
    ASSERT_NEAR(px[i], want[i], 1e-5 * want[i] + 1e-7) << "pixel " << i;
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
  expect_toy(*c.engine, Backend::kGpu);
  const int w = static_cast<int>(static_cast<std::size_t>(limit) / 4 / 2 + 64);
  std::vector<float> big(static_cast<std::size_t>(w) * 2, 0.0f);
  big[12345] = 1.0f;
  const DecodedFrame f = c.engine->decode(HeatmapView::dense(big.data(), w, 2), {100.0, false});
  EXPECT_EQ(f.keypoints()[0].argmax_x, 12345);
  EXPECT_EQ(f.backend(), Backend::kCpu);
  EXPECT_NE(f.fallback_reason().find("storage block limit"), std::string::npos)
      << f.fallback_reason();
  EXPECT_EQ(c.engine->kind(), Backend::kCpu);
  EXPECT_NE(c.engine->fallback_reason().find("storage block limit"), std::string::npos)
      << c.engine->fallback_reason();
  expect_toy(*c.engine, Backend::kCpu);  // later frames on the CPU too
}

// ---------------------------------------------------------------------------------------
// Contexts that outlive each other, and threads
// ---------------------------------------------------------------------------------------

void expect_gpu_decodes(Engine& e, int seed) {
  const Heatmap m = testing::multi_peak_map(97, 61, ElemType::kFloat32, seed);
  const DecodedFrame f = e.decode(m.view(), {20.0, false});
  EXPECT_EQ(f.backend(), Backend::kGpu) << f.fallback_reason();
  const std::vector<Keypoint>& k = f.keypoints();
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
  expect_toy(engine(), Backend::kGpu);
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
  a->decode(m.view(), {10, true}).beta_grid({1.0, 10.0}, true, true);  // compiles the lab
  cb->make_current();
  {
    gpu::GlEngine b;
    const DecodedFrame first = b.decode(m.view(), {10, true});
    first.beta_grid({1.0, 10.0}, true, true);
    const std::vector<Keypoint> want = first.keypoints();
    a.reset();  // with b's context current
    const DecodedFrame f = b.decode(m.view(), {10, true});
    const std::vector<Keypoint>& k = f.keypoints();
    EXPECT_EQ(k[0].soft_x, want[0].soft_x);
    const BetaGrid g = f.beta_grid({1.0, 10.0}, true, true);
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

// ---------------------------------------------------------------------------------------
// auto: the faster engine by measurement
// ---------------------------------------------------------------------------------------

// A CPU engine made slow on purpose, so that the measurement must pick the GPU.
class SlowCpu : public CpuEngine {
 public:
  using CpuEngine::decode;
  DecodedFrame decode(const HeatmapView& m, const DecodeOptions& o) override {
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
  Backend last = Backend::kAuto;
  const auto check = [&](const Heatmap& m) {
    const DecodedFrame f = a.decode(m.view(), {20.0, true});
    last = f.backend();
    const std::vector<Keypoint>& k = f.keypoints();
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
  EXPECT_EQ(last, a.kind());
  EXPECT_TRUE(testing::gl_context().is_current());
}

TEST(AutoEngineGLTest, PicksTheGpuWhenItIsFaster) {
  testing::gl_context();
  AutoEngine a(select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true).engine,
               std::make_unique<SlowCpu>(), true);
  const Heatmap m = testing::multi_peak_map(64, 64, ElemType::kFloat32, 3);
  const DecodedFrame f = a.decode(m.view(), {5.0, false});
  EXPECT_EQ(a.kind(), Backend::kGpu) << a.decision();
  EXPECT_EQ(f.backend(), Backend::kGpu);
  EXPECT_NE(a.decision().find(": GPU"), std::string::npos) << a.decision();
  EXPECT_NE(a.description().find("auto: GPU"), std::string::npos) << a.description();
  const SoftmaxImage img = f.softmax(0);
  EXPECT_NE(img.gl_texture, 0u);
}

}  // namespace
}  // namespace peakscope
