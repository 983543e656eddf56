#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/reference.hpp"
#include "core/scene.hpp"
#include "core/scene_frame.hpp"

namespace peakscope {
namespace {

TEST(SceneTest, MaskIsHalfAtHalfWidth) {
  EXPECT_DOUBLE_EQ(gaussian_mask(10, 10, 10, 10, 33), 1.0);
  EXPECT_NEAR(gaussian_mask(10 + 16.5, 10, 10, 10, 33), 0.5, 1e-12);
  EXPECT_NEAR(gaussian_mask(10, 10 - 16.5, 10, 10, 33), 0.5, 1e-12);
}

TEST(SceneTest, RenderIsNormalisedAndDeterministic) {
  SceneConfig cfg;
  cfg.seed = 42;
  const Heatmap a = Scene(cfg).render(ElemType::kFloat32);
  const Heatmap b = Scene(cfg).render(ElemType::kFloat32);
  float mx = 0, mn = 1;
  for (int i = 0; i < 256 * 256; ++i) {
    mx = std::max(mx, a.f32()[i]);
    mn = std::min(mn, a.f32()[i]);
    ASSERT_EQ(a.f32()[i], b.f32()[i]);
  }
  EXPECT_FLOAT_EQ(mx, 1.0f);
  EXPECT_GE(mn, 0.0f);
  const Heatmap u = Scene(cfg).render(ElemType::kUInt8);
  int umax = 0;
  for (int i = 0; i < 256 * 256; ++i) umax = std::max<int>(umax, u.u8()[i]);
  EXPECT_EQ(umax, 255);
}

TEST(SceneTest, SingleSubjectPeakIsAtGroundTruth) {
  SceneConfig cfg;
  cfg.width = 120;
  cfg.height = 80;
  cfg.subjects = 1;
  cfg.fwhm = 10;
  cfg.seed = 9;
  const Scene s(cfg);
  const Heatmap m = s.render();
  const Subject gt = s.ground_truth()[0];
  // beta 20 on a FWHM-10 peak: softmax is a ~1 px wide symmetric bump around the true centre
  // (sub-pixel accurate) and the background carries ~exp(-20) per pixel.
  const Keypoint k = reference::decode(m.view(), 0, {20.0, false});
  EXPECT_NEAR(k.soft_x, gt.x, 0.01);
  EXPECT_NEAR(k.soft_y, gt.y, 0.01);
  EXPECT_LE(std::abs(k.argmax_x - gt.x), 0.5 + 1e-9);
  EXPECT_LE(std::abs(k.argmax_y - gt.y), 0.5 + 1e-9);
}

TEST(SceneTest, AnimationMovesSmoothlyAndStaysInside) {
  SceneConfig cfg;
  cfg.seed = 3;
  Scene s(cfg);
  auto prev = s.subjects();
  for (int f = 0; f < 500; ++f) {
    s.step();
    const auto& cur = s.subjects();
    for (std::size_t i = 0; i < cur.size(); ++i) {
      EXPECT_GE(cur[i].x, 0);
      EXPECT_LE(cur[i].x, cfg.width - 1);
      EXPECT_GE(cur[i].y, 0);
      EXPECT_LE(cur[i].y, cfg.height - 1);
      EXPECT_LE(std::hypot(cur[i].x - prev[i].x, cur[i].y - prev[i].y), cfg.speed + 1e-9);
    }
    prev = cur;
  }
  EXPECT_EQ(s.frame(), 500);
}

TEST(SceneTest, PerSubjectStackHasOneChannelPerSubject) {
  SceneConfig cfg;
  cfg.width = 48;
  cfg.height = 64;
  cfg.subjects = 17;
  cfg.fwhm = 4;
  const Scene s(cfg);
  const Heatmap st = s.render_per_subject();
  EXPECT_EQ(st.channels(), 17);
  for (int c = 0; c < 17; ++c) {
    const Keypoint k = reference::decode(st.view(), c, {100.0, false});
    EXPECT_NEAR(k.soft_x, s.subjects()[c].x, 0.6);
    EXPECT_NEAR(k.soft_y, s.subjects()[c].y, 0.6);
  }
}

// Rendering into caller memory (an engine's frame memory, padded rows and planes) gives
// render()'s values bit for bit and writes nothing outside the frame.
TEST(SceneTest, RenderIntoPaddedMemoryEqualsRender) {
  SceneConfig cfg;
  cfg.width = 45;
  cfg.height = 23;
  cfg.subjects = 3;
  cfg.fwhm = 7;
  const Scene scene(cfg);
  for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8})
    for (int k : {1, 3}) {
      const std::size_t es = elem_size(t);
      const std::ptrdiff_t rs = 50, cs = 50 * 23 + 16;
      std::vector<std::uint8_t> mem(static_cast<std::size_t>(cs) * k * es, 0xA5);
      const MutableHeatmapView dst{mem.data(), t, 45, 23, k, rs, cs};
      const Heatmap want = k == 1 ? scene.render(t) : scene.render_per_subject(t);
      if (k == 1)
        scene.render_into(dst);
      else
        scene.render_per_subject_into(dst);
      // The whole buffer: every row of every plane is render()'s, every other byte (the
      // padding after each row, the last row's included, the gap after each plane) untouched.
      std::vector<std::uint8_t> expect(mem.size(), 0xA5);
      for (int c = 0; c < k; ++c)
        for (int y = 0; y < 23; ++y)
          std::memcpy(expect.data() + (c * cs + y * rs) * es, want.u8() + ((c * 23 + y) * 45) * es,
                      45 * es);
      std::size_t differ = 0, first = mem.size();
      for (std::size_t i = 0; i < mem.size(); ++i)
        if (mem[i] != expect[i]) ++differ, first = std::min(first, i);
      EXPECT_EQ(differ, 0u) << elem_name(t) << " " << k << " plane(s): first at byte " << first
                            << " (plane " << first / es / cs << ", offset " << first / es % cs
                            << ")";
      EXPECT_THROW(scene.render_into({mem.data(), t, 44, 23, 1, rs, cs}), std::invalid_argument);
      EXPECT_THROW(scene.render_per_subject_into({mem.data(), t, 45, 23, 2, rs, cs}),
                   std::invalid_argument);
    }
}

// The CPU engine's frame memory: the frame written into an acquired slot decodes as decode()
// decodes it, and the scene written by the engine itself (SceneFrame) too.
TEST(SceneTest, CpuEngineDecodesTheFrameWrittenIntoItsMemory) {
  SceneConfig cfg;
  cfg.width = 80;
  cfg.height = 60;
  cfg.subjects = 4;
  cfg.fwhm = 9;
  const Scene scene(cfg);
  CpuEngine e(2);
  const DecodeOptions o{30.0, true};
  EXPECT_THROW(e.decode(FrameSlot{}, o), std::logic_error);
  for (int round = 0; round < 2; ++round) {
    FrameSlot slot = e.acquire({ElemType::kFloat32, 80, 60, 4});
    scene.render_per_subject_into(slot.view());
    const std::vector<Keypoint> got = e.decode(std::move(slot), o).keypoints();
    const Heatmap m = scene.render_per_subject(ElemType::kFloat32);
    const DecodedFrame want = e.decode(m.view(), o);
    const DecodedFrame made = e.decode(SceneFrame(scene, true, ElemType::kFloat32), o);
    EXPECT_FALSE(made.made_by_engine());
    ASSERT_EQ(got.size(), want.keypoints().size());
    ASSERT_EQ(made.keypoints().size(), want.keypoints().size());
    for (std::size_t c = 0; c < got.size(); ++c) {
      EXPECT_EQ(got[c].soft_x, want.keypoints()[c].soft_x);
      EXPECT_EQ(got[c].soft_y, want.keypoints()[c].soft_y);
      EXPECT_EQ(got[c].argmax_x, want.keypoints()[c].argmax_x);
      EXPECT_EQ(made.keypoints()[c].soft_x, want.keypoints()[c].soft_x);
    }
    EXPECT_THROW(e.decode(std::move(slot), o), std::logic_error);  // one decode per acquire
  }
  FrameSlot slot = e.acquire({ElemType::kFloat32, 80, 60, 4});
  EXPECT_THROW(e.decode(std::move(slot), {-1.0, true}), std::invalid_argument);
}

TEST(SceneTest, RejectsBadConfig) {
  SceneConfig cfg;
  cfg.width = 0;
  EXPECT_THROW(Scene{cfg}, std::invalid_argument);
  cfg.width = 10;
  cfg.fwhm = 0;
  EXPECT_THROW(Scene{cfg}, std::invalid_argument);
}

}  // namespace
}  // namespace peakscope
