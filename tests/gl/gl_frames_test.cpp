// Frames written straight into an engine's frame memory (Engine::acquire, then decode of the
// slot) where the GPU cannot keep them: the fallback engine after a GPU failure once the frame
// was written, or for a frame beyond the GPU's limits, and the auto engine measuring on the
// written frame. Every engine's slots against the reference are engine_contract_test.cpp.
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

void expect_reference(const std::vector<Keypoint>& got, const Heatmap& m, const DecodeOptions& o,
                      const std::string& what) {
  ASSERT_EQ(got.size(), static_cast<std::size_t>(m.channels()));
  for (int c = 0; c < m.channels(); ++c)
    testing::expect_keypoint_near(got[c], reference::decode(m.view(), c, o), kTol,
                                  what + " channel " + std::to_string(c));
}

// Acquires a slot for `m` on `e`, writes `m` into it as a source would and decodes it.
DecodedFrame decode_written(Engine& e, const Heatmap& m, const DecodeOptions& o) {
  FrameSlot slot = e.acquire(FrameShape::of(m.view()));
  copy_heatmap(m.view(), slot.view());
  return e.decode(std::move(slot), o);
}

// A GL engine whose decode of a written frame fails as a lost context would, after the frame
// was written into its mapped memory.
class FailingGl : public gpu::GlEngine {
 public:
  using GlEngine::decode;
  using GlEngine::GlEngine;
  DecodedFrame decode(FrameSlot, const DecodeOptions&) override {
    throw gpu::GlError("simulated: the OpenGL context was lost");
  }
};

TEST(GlFramesGLTest, GpuFailureAfterTheFrameWasWrittenStillDecodesIt) {
  testing::gl_context();
  FallbackEngine e(nullptr, std::make_unique<FailingGl>(gpu::Placement::kDeviceCopy), true);
  const Heatmap m = testing::random_map(53, 31, 4, ElemType::kFloat32, 21);
  FrameSlot slot = e.acquire({ElemType::kFloat32, 53, 31, 4});
  EXPECT_EQ(e.kind(), Backend::kGpu);
  copy_heatmap(m.view(), slot.view());
  const DecodeOptions o{40.0, true};
  const DecodedFrame f = e.decode(std::move(slot), o);
  expect_reference(f.keypoints(), m, o, "rescued frame");
  EXPECT_EQ(f.backend(), Backend::kCpu);
  EXPECT_NE(f.fallback_reason().find("simulated"), std::string::npos) << f.fallback_reason();
  EXPECT_EQ(e.kind(), Backend::kCpu);
  EXPECT_NE(e.fallback_reason().find("simulated"), std::string::npos) << e.fallback_reason();
  // The frame's queries refer to the rescued frame; later frames run on the CPU.
  const SoftmaxImage img = f.softmax(2);
  ASSERT_NE(img.cpu, nullptr);
  EXPECT_EQ(img.keypoint.soft_x, f.keypoints()[2].soft_x);
  EXPECT_EQ(f.windows(1)[3].cx, f.keypoints()[3].argmax_x);
  for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
    const Heatmap later = testing::random_map(37, 29, 3, t, 22);
    const DecodedFrame g = decode_written(e, later, o);
    EXPECT_EQ(g.backend(), Backend::kCpu);
    expect_reference(g.keypoints(), later, o, std::string("after the fallback ") + elem_name(t));
    EXPECT_FALSE(f.current());
  }
}

// A frame beyond the GPU's storage block limit: acquire itself moves to the CPU engine's
// memory, and the frame written there decodes.
TEST(GlFramesGLTest, FrameTooLargeForTheGpuIsAcquiredOnTheCpu) {
  testing::gl_context();
  GLint limit = 0;
  glGetIntegerv(GL_MAX_SHADER_STORAGE_BLOCK_SIZE, &limit);
  ASSERT_GT(limit, 0);
  EngineChoice c = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true);
  ASSERT_EQ(c.engine->kind(), Backend::kGpu) << c.reason;
  const int w = static_cast<int>(static_cast<std::size_t>(limit) / 4 / 2 + 64);
  FrameSlot slot = c.engine->acquire({ElemType::kFloat32, w, 2, 1});
  EXPECT_EQ(c.engine->kind(), Backend::kCpu);
  EXPECT_NE(c.engine->fallback_reason().find("storage block limit"), std::string::npos)
      << c.engine->fallback_reason();
  const MutableHeatmapView& mem = slot.view();
  for (int y = 0; y < 2; ++y) std::fill_n(mem.row_f32(0, y), w, 0.0f);
  mem.row_f32(0, 1)[12345] = 1.0f;
  const DecodedFrame f = c.engine->decode(std::move(slot), {100.0, false});
  EXPECT_EQ(f.keypoints()[0].argmax_x, 12345);
  EXPECT_EQ(f.keypoints()[0].argmax_y, 1);
  EXPECT_EQ(f.backend(), Backend::kCpu);
  EXPECT_NE(f.fallback_reason().find("storage block limit"), std::string::npos)
      << f.fallback_reason();
}

TEST(GlFramesGLTest, AutoEngineMeasuresOnTheWrittenFrameThenUsesTheChosenEnginesMemory) {
  testing::gl_context();
  AutoEngine a(select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true).engine,
               std::make_unique<CpuEngine>(), /*quiet=*/true);
  const DecodeOptions o{20.0, true};
  for (int round = 0; round < 3; ++round) {
    const Heatmap m = testing::random_map(70, 50, 2, ElemType::kUInt8, 30 + round);
    FrameSlot slot = a.acquire({ElemType::kUInt8, 70, 50, 2});
    // The first frame of a shape is written into the auto engine's own memory (both engines
    // decode it); later ones into the chosen engine's.
    EXPECT_EQ(slot.owner() == &a, round == 0);
    copy_heatmap(m.view(), slot.view());
    const DecodedFrame f = a.decode(std::move(slot), o);
    expect_reference(f.keypoints(), m, o, "round " + std::to_string(round));
    EXPECT_EQ(a.measurements(), 1);  // the first frame measured, the later ones not
    EXPECT_EQ(f.backend(), a.kind());
  }
  EXPECT_NE(a.decision().find(" ms, CPU "), std::string::npos) << a.decision();
  const Heatmap m2 = testing::multi_peak_map(33, 22, ElemType::kFloat32, 5);
  const DecodedFrame f2 = decode_written(a, m2, o);
  expect_reference(f2.keypoints(), m2, o, "new shape");
  EXPECT_EQ(a.measurements(), 2);
  EXPECT_TRUE(testing::gl_context().is_current());
}

}  // namespace
}  // namespace peakscope
