// The decoding lab's decoders started from the GL engine's keypoints agree with the CPU
// engine's and with the whole-map reference (1e-3 px): the window decoders need only the
// argmax (and its value) from whichever engine ran.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/cpu/cpu_engine.hpp"
#include "core/gpu/gl_engine.hpp"
#include "core/lab/decoder.hpp"
#include "core/lab/reference_decoders.hpp"
#include "gl_test_context.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

void expect_decoders_agree(const HeatmapView& v, const DecodeOptions& o, const std::string& what) {
  testing::gl_context();
  static gpu::GlEngine gl;
  CpuEngine cpu(1);
  const std::vector<Keypoint> g = gl.decode(v, o), c = cpu.decode(v, o);
  ASSERT_EQ(g.size(), c.size());
  for (int ch = 0; ch < v.channels; ++ch)
    for (DecoderKind k : kAllDecoders) {
      SCOPED_TRACE(what + " channel " + std::to_string(ch) + " " + decoder_name(k));
      const DecodedPoint a = decode_with(k, v, ch, g[ch], o);
      const DecodedPoint b = decode_with(k, v, ch, c[ch], o);
      const DecodedPoint r = reference::decode_with(k, v, ch, o);
      EXPECT_EQ(a.valid, r.valid);
      EXPECT_NEAR(a.x, b.x, 1e-3);
      EXPECT_NEAR(a.y, b.y, 1e-3);
      EXPECT_NEAR(a.x, r.x, 1e-3);
      EXPECT_NEAR(a.y, r.y, 1e-3);
    }
}

TEST(GlDecodersGLTest, GaussiansAtSubPixelCentres) {
  for (double x0 : {1.3, 20.6, 45.2})
    for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
      const Heatmap m = testing::gaussian_map(48, 64, x0, 30.7, 4.7, t);
      expect_decoders_agree(m.view(), {20, true}, "gaussian");
    }
}

TEST(GlDecodersGLTest, MultiPeakStacksAndNonFinitePixels) {
  const Heatmap mp = testing::multi_peak_map(64, 48, ElemType::kFloat32, 5);
  expect_decoders_agree(mp.view(), {100, true}, "multi-peak");
  const Heatmap r = testing::random_map(40, 30, 4, ElemType::kUInt8, 9);
  expect_decoders_agree(r.view(), {2, true}, "random uint8 stack");
  Heatmap n = testing::gaussian_map(32, 24, 15.4, 11.2, 4.7, ElemType::kFloat32);
  n.f32()[11 * 32 + 16] = NAN;
  n.f32()[3] = -INFINITY;
  expect_decoders_agree(n.view(), {10, false}, "NaN beside the peak");
}

}  // namespace
}  // namespace peakscope
