// Frames written straight into an engine's frame memory (Engine::acquire_frame and
// decode_acquired): the GL engine's staging slot in place and staged by DMA, the fallback
// engine (including a GPU failure after the frame was written) and the auto engine give the
// keypoints decode() gives for the same frame, within 1e-3 px of the double reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "core/cpu/cpu_engine.hpp"
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

constexpr testing::Tolerance kTol{1e-3, 1e-4, 1e-9};

// Writes `m` into `dst` as a source would (row by row: dst's planes may be padded).
void write_into(const Heatmap& m, const MutableHeatmapView& dst) {
  ASSERT_EQ(dst.width, m.width());
  ASSERT_EQ(dst.height, m.height());
  ASSERT_EQ(dst.channels, m.channels());
  ASSERT_EQ(dst.type, m.type());
  copy_heatmap(m.view(), dst);
}

void expect_identical(const std::vector<Keypoint>& a, const std::vector<Keypoint>& b,
                      const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t c = 0; c < a.size(); ++c) {
    SCOPED_TRACE(what + " channel " + std::to_string(c));
    EXPECT_EQ(a[c].argmax_x, b[c].argmax_x);
    EXPECT_EQ(a[c].argmax_y, b[c].argmax_y);
    EXPECT_EQ(a[c].soft_x, b[c].soft_x);
    EXPECT_EQ(a[c].soft_y, b[c].soft_y);
    EXPECT_EQ(a[c].peak_probability, b[c].peak_probability);
  }
}

void expect_reference(const std::vector<Keypoint>& got, const Heatmap& m, const DecodeOptions& o,
                      const std::string& what) {
  ASSERT_EQ(got.size(), static_cast<std::size_t>(m.channels()));
  for (int c = 0; c < m.channels(); ++c)
    testing::expect_keypoint_near(got[c], reference::decode(m.view(), c, o), kTol,
                                  what + " channel " + std::to_string(c));
}

// Acquire, write, decode_acquired on `e`, against decode() of the same frame on `e`.
void check_engine(Engine& e, const std::string& what) {
  const DecodeOptions opts[] = {{25.0, true}, {3.0, false}};
  int seed = 1;
  for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8})
    for (auto [w, h, k] : {std::tuple{37, 29, 3}, std::tuple{1023, 767, 1}, std::tuple{64, 48, 17}})
      for (const DecodeOptions& o : opts) {
        const Heatmap m = k == 1 ? testing::multi_peak_map(w, h, t, seed++)
                                 : testing::random_map(w, h, k, t, seed++);
        const std::string name = what + " " + elem_name(t) + " " + std::to_string(k) + "x" +
                                 std::to_string(h) + "x" + std::to_string(w);
        const MutableHeatmapView mem = e.acquire_frame(t, w, h, k);
        EXPECT_GE(mem.channel_stride, static_cast<std::ptrdiff_t>(w) * h);
        write_into(m, mem);
        const std::vector<Keypoint> got = e.decode_acquired(o);
        expect_reference(got, m, o, name);
        // last_softmax refers to the acquired frame.
        const SoftmaxImage img = e.last_softmax(0);
        EXPECT_EQ(img.width, w);
        EXPECT_EQ(img.keypoint.soft_x, got[0].soft_x);
        expect_identical(got, e.decode(m.view(), o), name + " against decode");
      }
  EXPECT_THROW(e.decode_acquired({10.0, true}), std::logic_error);  // one decode per acquire
  EXPECT_THROW(e.acquire_frame(ElemType::kFloat32, 0, 4, 1), std::invalid_argument);
}

TEST(GlFramesGLTest, GlEngineInPlaceAndStagedByDma) {
  testing::gl_context();
  for (gpu::Placement p : {gpu::Placement::kInPlace, gpu::Placement::kDeviceCopy}) {
    gpu::GlEngine e(p);
    check_engine(e, p == gpu::Placement::kInPlace ? "in place" : "device copy");
    // The texture of the acquired frame's values is the frame.
    const Heatmap m = testing::multi_peak_map(40, 30, ElemType::kFloat32, 9);
    write_into(m, e.acquire_frame(ElemType::kFloat32, 40, 30, 1));
    e.decode_acquired({10.0, true});
    EXPECT_NE(e.last_values_texture(0), 0u);
  }
}

TEST(GlFramesGLTest, CpuEngine) {
  CpuEngine e(2);
  check_engine(e, "cpu");
}

TEST(GlFramesGLTest, FallbackEngineOnTheGpu) {
  testing::gl_context();
  EngineChoice c = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true);
  ASSERT_EQ(c.engine->kind(), Backend::kGpu) << c.reason;
  check_engine(*c.engine, "fallback engine");
  EXPECT_EQ(c.engine->last_decode_backend(), Backend::kGpu);
  EXPECT_TRUE(testing::gl_context().is_current());
}

// A GL engine whose decode of the acquired frame fails as a lost context would, after the
// frame was written into its mapped memory.
class FailingGl : public gpu::GlEngine {
 public:
  using GlEngine::GlEngine;
  std::vector<Keypoint> decode_acquired(const DecodeOptions&) override {
    throw gpu::GlError("simulated: the OpenGL context was lost");
  }
};

TEST(GlFramesGLTest, GpuFailureAfterTheFrameWasWrittenStillDecodesIt) {
  testing::gl_context();
  FallbackEngine e(nullptr, std::make_unique<FailingGl>(gpu::Placement::kDeviceCopy), true);
  const Heatmap m = testing::random_map(53, 31, 4, ElemType::kFloat32, 21);
  const MutableHeatmapView mem = e.acquire_frame(ElemType::kFloat32, 53, 31, 4);
  EXPECT_EQ(e.kind(), Backend::kGpu);
  write_into(m, mem);
  const DecodeOptions o{40.0, true};
  const std::vector<Keypoint> got = e.decode_acquired(o);
  expect_reference(got, m, o, "rescued frame");
  EXPECT_EQ(e.last_decode_backend(), Backend::kCpu);
  EXPECT_EQ(e.kind(), Backend::kCpu);
  EXPECT_NE(e.fallback_reason().find("simulated"), std::string::npos) << e.fallback_reason();
  // last_softmax refers to the rescued frame; later frames run on the CPU.
  const SoftmaxImage img = e.last_softmax(2);
  ASSERT_NE(img.cpu, nullptr);
  EXPECT_EQ(img.keypoint.soft_x, got[2].soft_x);
  check_engine(e, "after the fallback");
}

// A frame beyond the GPU's storage block limit: acquire_frame itself moves to the CPU
// engine's memory, and the frame written there decodes.
TEST(GlFramesGLTest, FrameTooLargeForTheGpuIsAcquiredOnTheCpu) {
  testing::gl_context();
  GLint limit = 0;
  glGetIntegerv(GL_MAX_SHADER_STORAGE_BLOCK_SIZE, &limit);
  ASSERT_GT(limit, 0);
  EngineChoice c = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true);
  ASSERT_EQ(c.engine->kind(), Backend::kGpu) << c.reason;
  const int w = static_cast<int>(static_cast<std::size_t>(limit) / 4 / 2 + 64);
  const MutableHeatmapView mem = c.engine->acquire_frame(ElemType::kFloat32, w, 2, 1);
  EXPECT_EQ(c.engine->kind(), Backend::kCpu);
  EXPECT_NE(c.engine->fallback_reason().find("storage block limit"), std::string::npos)
      << c.engine->fallback_reason();
  for (int y = 0; y < 2; ++y) std::fill_n(mem.row_f32(0, y), w, 0.0f);
  mem.row_f32(0, 1)[12345] = 1.0f;
  const auto k = c.engine->decode_acquired({100.0, false});
  EXPECT_EQ(k[0].argmax_x, 12345);
  EXPECT_EQ(k[0].argmax_y, 1);
  EXPECT_EQ(c.engine->last_decode_backend(), Backend::kCpu);
}

TEST(GlFramesGLTest, AutoEngineMeasuresOnTheWrittenFrameThenUsesTheChosenEnginesMemory) {
  testing::gl_context();
  AutoEngine a(select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true).engine,
               std::make_unique<CpuEngine>(), /*quiet=*/true);
  const DecodeOptions o{20.0, true};
  for (int round = 0; round < 3; ++round) {
    const Heatmap m = testing::random_map(70, 50, 2, ElemType::kUInt8, 30 + round);
    write_into(m, a.acquire_frame(ElemType::kUInt8, 70, 50, 2));
    expect_reference(a.decode_acquired(o), m, o, "round " + std::to_string(round));
    EXPECT_EQ(a.measurements(), 1);  // the first frame measured, the later ones not
    EXPECT_EQ(a.last_decode_backend(), a.kind());
  }
  EXPECT_NE(a.decision().find(" ms, CPU "), std::string::npos) << a.decision();
  const Heatmap m2 = testing::multi_peak_map(33, 22, ElemType::kFloat32, 5);
  write_into(m2, a.acquire_frame(ElemType::kFloat32, 33, 22, 1));
  expect_reference(a.decode_acquired(o), m2, o, "new shape");
  EXPECT_EQ(a.measurements(), 2);
  check_engine(a, "auto");
  EXPECT_TRUE(testing::gl_context().is_current());
}

TEST(GlFramesGLTest, SceneRenderedIntoTheStagingSlot) {
  testing::gl_context();
  for (gpu::Placement p : {gpu::Placement::kInPlace, gpu::Placement::kDeviceCopy}) {
    gpu::GlEngine e(p);
    SceneConfig cfg;
    cfg.width = 131;
    cfg.height = 77;
    cfg.subjects = 6;
    cfg.fwhm = 11;
    Scene scene(cfg);
    for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
      scene.render_per_subject_into(e.acquire_frame(t, 131, 77, 6));
      const std::vector<Keypoint> got = e.decode_acquired({50.0, true});
      expect_identical(got, e.decode(scene.render_per_subject(t).view(), {50.0, true}),
                       "per subject");
      scene.render_into(e.acquire_frame(t, 131, 77, 1));
      const std::vector<Keypoint> sum = e.decode_acquired({50.0, true});
      expect_identical(sum, e.decode(scene.render(t).view(), {50.0, true}), "sum");
    }
  }
}

}  // namespace
}  // namespace peakscope
