// AutoEngine's decoded frames: a frame's softmax map, windows and beta grid are those of the
// frame it was returned for, whichever engine decoded it, including when the GPU engine it
// chose failed on that frame and its fallback decoded it on the CPU; the frame before it no
// longer answers.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/engine/auto_engine.hpp"
#include "core/engine/fallback_engine.hpp"
#include "core/gpu/gl_engine.hpp"
#include "gl_test_context.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

// A GL engine that fails on every frame after the first `good` ones (host frames reach the
// slot path too: GlEngine::decode of a host frame acquires, copies and decodes the slot).
class FailingGl : public gpu::GlEngine {
 public:
  explicit FailingGl(int good) : good_(good) {}
  using GlEngine::decode;
  DecodedFrame decode(FrameSlot slot, const DecodeOptions& o) override {
    if (good_-- <= 0) throw gpu::GlError("simulated loss of the GPU");
    return GlEngine::decode(std::move(slot), o);
  }

 private:
  int good_;
};

// A CPU engine slow enough that the measurement picks the GPU.
class SlowCpu : public CpuEngine {
 public:
  SlowCpu() : CpuEngine(1) {}
  using CpuEngine::decode;
  DecodedFrame decode(const HeatmapView& m, const DecodeOptions& o) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return CpuEngine::decode(m, o);
  }
};

void expect_frame_answers_for_itself(const DecodedFrame& f) {
  ASSERT_TRUE(f.current());
  const std::vector<Keypoint>& k = f.keypoints();
  const std::vector<PeakWindow> w = f.windows(1);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].cx, static_cast<int>(k[0].argmax_x));
  EXPECT_EQ(w[0].cy, static_cast<int>(k[0].argmax_y));
  EXPECT_NEAR(f.softmax(0).keypoint.soft_x, k[0].soft_x, 1e-3);
  EXPECT_NEAR(f.beta_grid({20.0}, true, false).keypoints[0][0].soft_x, k[0].soft_x, 1e-3);
}

TEST(AutoEngineGLTest, FrameAfterTheChosenGpuFailsOnIt) {
  testing::gl_context();
  for (bool written : {true, false}) {
    SCOPED_TRACE(written ? "written into a slot" : "host frame");
    // The measurement decodes the first frame 3 times on the GPU; the 4th decode fails.
    auto fb = std::make_unique<FallbackEngine>(nullptr, std::make_unique<FailingGl>(3), true);
    AutoEngine a(std::move(fb), std::make_unique<SlowCpu>(), true);
    const DecodeOptions o{20.0, true};
    const Heatmap m1 = testing::gaussian_map(40, 30, 5.2, 6.1, 2.0, ElemType::kFloat32);
    const Heatmap m2 = testing::gaussian_map(40, 30, 30.4, 22.7, 2.0, ElemType::kFloat32);
    auto run = [&](const Heatmap& m) {
      if (!written) return a.decode(m.view(), o);
      FrameSlot slot = a.acquire({ElemType::kFloat32, 40, 30, 1});
      copy_heatmap(m.view(), slot.view());
      return a.decode(std::move(slot), o);
    };
    const DecodedFrame f1 = run(m1);
    ASSERT_EQ(a.kind(), Backend::kGpu) << a.decision();
    EXPECT_EQ(f1.backend(), Backend::kGpu);
    expect_frame_answers_for_itself(f1);
    const DecodedFrame f2 = run(m2);
    EXPECT_EQ(f2.keypoints()[0].argmax_x, 30);
    EXPECT_EQ(f2.backend(), Backend::kCpu);
    EXPECT_NE(f2.fallback_reason().find("simulated loss"), std::string::npos)
        << f2.fallback_reason();
    EXPECT_EQ(a.kind(), Backend::kCpu);
    expect_frame_answers_for_itself(f2);
    EXPECT_FALSE(f1.current());
    EXPECT_THROW(f1.windows(1), std::logic_error);
  }
}

}  // namespace
}  // namespace peakscope
