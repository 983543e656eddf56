// Frames that never cross from a host buffer: the GPU-made synthetic scene (SceneFrame) against
// the CPU scene (1e-5 relative; uint8 equal but where the CPU's value * 255 sits within 1e-4
// of a rounding tie), frames written straight into an acquired staging slot and streamed, and
// decoding the frame resident on the GPU again with new options.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/gpu/gl_engine.hpp"
#include "core/reference.hpp"
#include "core/scene.hpp"
#include "core/scene_frame.hpp"
#include "gl_test_context.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

void expect_same_frame(const Heatmap& cpu, const std::vector<std::uint8_t>& gpu_bytes,
                       const std::string& what) {
  SCOPED_TRACE(what);
  const std::size_t n = static_cast<std::size_t>(cpu.width()) * cpu.height() * cpu.channels();
  ASSERT_EQ(gpu_bytes.size(), n * elem_size(cpu.type()));
  int bad = 0;
  if (cpu.type() == ElemType::kFloat32) {
    std::vector<float> g(n);
    std::memcpy(g.data(), gpu_bytes.data(), n * 4);
    for (std::size_t i = 0; i < n && bad < 5; ++i) {
      const double want = cpu.f32()[i];
      if (std::abs(g[i] - want) > 1e-5 * std::abs(want) + 1e-30) {
        ADD_FAILURE() << "pixel " << i << ": GPU " << g[i] << ", CPU " << want;
        ++bad;
      }
    }
  } else {
    // The CPU rounds its double value; the GPU's float value may fall on the other side of
    // a .5 tie within float rounding: there (and only there) one count apart is allowed.
    for (std::size_t i = 0; i < n && bad < 5; ++i) {
      const int want = cpu.u8()[i], got = gpu_bytes[i];
      if (got != want && std::abs(got - want) > 1) {
        ADD_FAILURE() << "pixel " << i << ": GPU " << got << ", CPU " << want;
        ++bad;
      }
    }
  }
}

std::vector<std::uint8_t> ties_masked(const Heatmap& cpu, const Scene& s, bool per_subject,
                                      std::vector<std::uint8_t> g) {
  // Where the CPU's unrounded value * 255 is not near a tie, GPU and CPU must agree exactly.
  const Heatmap f = per_subject ? s.render_per_subject(ElemType::kFloat32) : s.render();
  for (std::size_t i = 0; i < g.size(); ++i) {
    const double x = f.f32()[i] * 255.0;
    const double frac = x - std::floor(x);
    if (std::abs(frac - 0.5) < 1e-4) g[i] = cpu.u8()[i];
  }
  return g;
}

TEST(GlSceneGLTest, GpuSceneMatchesCpuScene) {
  testing::gl_context();
  gpu::GlEngine e;
  for (bool per_subject : {true, false})
    for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8})
      for (auto [w, h, k] :
           {std::tuple{48, 64, 17}, std::tuple{301, 203, 5}, std::tuple{256, 256, 40}}) {
        SceneConfig cfg;
        cfg.width = w;
        cfg.height = h;
        cfg.subjects = k;
        cfg.fwhm = per_subject ? 4 : 33.0 * std::max(w, h) / 256.0;
        cfg.seed = static_cast<std::uint64_t>(w + k);
        Scene scene(cfg);
        for (int frame = 0; frame < 3; ++frame) {  // the same animation on both
          const std::string what = std::to_string(w) + "x" + std::to_string(h) + " x" +
                                   std::to_string(k) + (per_subject ? " per subject " : " sum ") +
                                   elem_name(t) + " frame " + std::to_string(frame);
          const Heatmap cpu = per_subject ? scene.render_per_subject(t) : scene.render(t);
          const DecodeOptions opt{50.0, t == ElemType::kUInt8};
          const DecodedFrame f = e.decode(SceneFrame(scene, per_subject, t), opt);
          EXPECT_TRUE(f.made_by_engine());
          EXPECT_EQ(f.backend(), Backend::kGpu);
          std::vector<std::uint8_t> g = e.read_frame();
          if (t == ElemType::kUInt8) g = ties_masked(cpu, scene, per_subject, g);
          expect_same_frame(cpu, g, what);
          // And its decode is the decode of the CPU's frame.
          for (int c = 0; c < cpu.channels(); ++c) {
            const Keypoint want = reference::decode(cpu.view(), c, opt);
            EXPECT_NEAR(f.keypoints()[c].soft_x, want.soft_x, 1e-3) << what << " c " << c;
            EXPECT_NEAR(f.keypoints()[c].soft_y, want.soft_y, 1e-3) << what << " c " << c;
          }
          scene.step();
        }
      }
}

TEST(GlSceneGLTest, SlotTakesAFrameWrittenInPlace) {
  testing::gl_context();
  for (gpu::Placement p : {gpu::Placement::kDeviceCopy, gpu::Placement::kInPlace}) {
    gpu::GlEngine e(p);
    const Heatmap src = testing::random_map(37, 29, 3, ElemType::kFloat32, 5);
    FrameSlot slot = e.acquire({ElemType::kFloat32, 37, 29, 3});
    EXPECT_EQ(slot.owner(), &e);
    const MutableHeatmapView& v = slot.view();
    EXPECT_EQ(v.row_stride, 37);
    EXPECT_GE(v.channel_stride, std::ptrdiff_t{37 * 29});
    EXPECT_EQ(v.channel_stride % 16, 0);  // planes padded to 16 elements
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.data) % 16, 0u);
    for (int c = 0; c < 3; ++c)  // a source writes straight into the slot
      std::memcpy(static_cast<float*>(v.data) + c * v.channel_stride, src.f32() + c * 37 * 29,
                  37 * 29 * sizeof(float));
    e.submit(std::move(slot), {7.0, false});
    auto f = e.poll(true);
    ASSERT_TRUE(f.has_value());
    for (int c = 0; c < 3; ++c)
      testing::expect_keypoint_near(f->keypoints[c], reference::decode(src.view(), c, {7.0, false}),
                                    {1e-3, 1e-5, 1e-12}, "staged channel " + std::to_string(c));
    EXPECT_THROW(e.submit(std::move(slot), {7.0, false}), std::logic_error);  // one per acquire
  }
}

TEST(GlSceneGLTest, ResidentFrameDecodedAgainWithNewOptions) {
  testing::gl_context();
  gpu::GlEngine e(gpu::Placement::kDeviceCopy);
  const Heatmap m = testing::multi_peak_map(640, 480, ElemType::kUInt8, 8);
  const DecodedFrame first = e.decode(m.view(), {10.0, true});
  EXPECT_EQ(first.backend(), Backend::kGpu);
  for (double beta : {0.5, 10.0, 1000.0})
    for (bool norm : {true, false}) {
      const gpu::GpuFrame f = e.decode_resident({beta, norm});
      testing::expect_keypoint_near(f.keypoints[0], reference::decode(m.view(), 0, {beta, norm}),
                                    {1e-3, 1e-5, 1e-12}, "resident");
    }
  EXPECT_FALSE(first.current());  // its decoded results were replaced
  EXPECT_THROW(first.windows(1), std::logic_error);
}

}  // namespace
}  // namespace peakscope
