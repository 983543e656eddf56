// AutoEngine's "last frame": after a decode, last_softmax, last_values_texture and the lab's
// primitives refer to the frame just decoded, whichever engine decoded it, including when the
// GPU engine it chose failed on that frame and its fallback decoded it on the CPU.
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

// A GL engine that fails on every frame after the first `good` ones.
class FailingGl : public gpu::GlEngine {
 public:
  explicit FailingGl(int good) : good_(good) {}
  std::vector<Keypoint> decode_acquired(const DecodeOptions& o) override {
    if (good_-- <= 0) throw gpu::GlError("simulated loss of the GPU");
    return GlEngine::decode_acquired(o);
  }
  std::vector<Keypoint> decode(const HeatmapView& m, const DecodeOptions& o) override {
    if (good_-- <= 0) throw gpu::GlError("simulated loss of the GPU");
    return GlEngine::decode(m, o);
  }

 private:
  int good_;
};

// A CPU engine slow enough that the measurement picks the GPU.
class SlowCpu : public CpuEngine {
 public:
  SlowCpu() : CpuEngine(1) {}
  using CpuEngine::decode;
  std::vector<Keypoint> decode(const HeatmapView& m, const DecodeOptions& o) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return CpuEngine::decode(m, o);
  }
};

void expect_last_frame_is(AutoEngine& a, const std::vector<Keypoint>& k) {
  const std::vector<PeakWindow> w = a.last_windows(1);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].cx, static_cast<int>(k[0].argmax_x));
  EXPECT_EQ(w[0].cy, static_cast<int>(k[0].argmax_y));
  EXPECT_NEAR(a.last_softmax(0).keypoint.soft_x, k[0].soft_x, 1e-3);
  EXPECT_NEAR(a.last_beta_grid({20.0}, true, false).keypoints[0][0].soft_x, k[0].soft_x, 1e-3);
}

TEST(AutoEngineGLTest, LastFrameAfterTheChosenGpuFailsOnIt) {
  testing::gl_context();
  for (bool acquired : {true, false}) {
    SCOPED_TRACE(acquired ? "acquire_frame" : "decode");
    // The measurement decodes the first frame 3 times on the GPU; the 4th decode fails.
    auto fb = std::make_unique<FallbackEngine>(nullptr, std::make_unique<FailingGl>(3), true);
    AutoEngine a(std::move(fb), std::make_unique<SlowCpu>(), true);
    const DecodeOptions o{20.0, true};
    const Heatmap m1 = testing::gaussian_map(40, 30, 5.2, 6.1, 2.0, ElemType::kFloat32);
    const Heatmap m2 = testing::gaussian_map(40, 30, 30.4, 22.7, 2.0, ElemType::kFloat32);
    auto run = [&](const Heatmap& m) {
      if (!acquired) return a.decode(m.view(), o);
      copy_heatmap(m.view(), a.acquire_frame(ElemType::kFloat32, 40, 30, 1));
      return a.decode_acquired(o);
    };
    const std::vector<Keypoint> k1 = run(m1);
    ASSERT_EQ(a.kind(), Backend::kGpu) << a.decision();
    expect_last_frame_is(a, k1);
    const std::vector<Keypoint> k2 = run(m2);
    EXPECT_EQ(k2[0].argmax_x, 30);
    EXPECT_EQ(a.last_decode_backend(), Backend::kCpu);
    expect_last_frame_is(a, k2);
  }
}

}  // namespace
}  // namespace peakscope
