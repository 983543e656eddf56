// The GL engine on adversarial inputs (extreme values, betas and sizes) and on both placements of
// host frames (device-local copy, read in place), against the double reference: within 1e-3 px and
// peak probability within 1e-6 relative, for long rows, huge and denormal values, the ends of the
// beta range. llvmpipe's storage-block limit is 128 MiB: the largest cases below fit it.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <vector>

#include "core/gpu/gl_engine.hpp"
#include "core/reference.hpp"
#include "gl_test_context.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

const testing::Tolerance kTight{1e-3, 1e-6, 1e-12};

void expect_engine_matches(gpu::GlEngine& e, const HeatmapView& v, const DecodeOptions& o,
                           const std::string& what) {
  const DecodedFrame f = e.decode(v, o);
  EXPECT_EQ(f.backend(), Backend::kGpu);
  const std::vector<Keypoint>& got = f.keypoints();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(v.channels));
  for (int c = 0; c < v.channels; ++c)
    testing::expect_keypoint_near(got[c], reference::decode(v, c, o), kTight,
                                  what + " channel " + std::to_string(c) + " beta " +
                                      std::to_string(o.beta) + (o.normalize ? " normalised" : ""));
}

// Runs `body` on a fresh engine of each placement (destroyed after: large frames free their
// buffers).
template <typename F>
void on_both_placements(F&& body) {
  testing::gl_context();
  for (gpu::Placement p : {gpu::Placement::kDeviceCopy, gpu::Placement::kInPlace}) {
    SCOPED_TRACE(p == gpu::Placement::kDeviceCopy ? "device copy" : "in place");
    gpu::GlEngine e(p);
    EXPECT_EQ(e.copies_to_device(), p == gpu::Placement::kDeviceCopy);
    body(e);
  }
}

TEST(GlNumericsGLTest, LongRampRowBeta1) {
  const int n = 4194304;
  std::vector<float> ramp(n);
  for (int i = 0; i < n; ++i) ramp[i] = static_cast<float>(i) / (n - 1);
  on_both_placements([&](gpu::GlEngine& e) {
    expect_engine_matches(e, HeatmapView::dense(ramp.data(), n, 1), {1.0, false}, "1 x 4M ramp");
  });
}

TEST(GlNumericsGLTest, Ramp4096x8192Beta1) {
  const int w = 4096, h = 8192;  // 128 MiB: llvmpipe's storage-block limit exactly
  std::vector<float> ramp(static_cast<std::size_t>(w) * h);
  for (std::size_t i = 0; i < ramp.size(); ++i)
    ramp[i] = static_cast<float>(static_cast<double>(i) / (ramp.size() - 1));
  testing::gl_context();
  gpu::GlEngine e(gpu::Placement::kInPlace);  // one placement: two would hold 1 GB of buffers
  expect_engine_matches(e, HeatmapView::dense(ramp.data(), w, h), {1.0, false}, "4096x8192 ramp");
}

TEST(GlNumericsGLTest, MaxFollowedByWeightsJustUnder2PowMinus24) {
  // Every 32 pixels: the max, then 31 pixels whose weight is just under 2^-24 (a float sum
  // of 1 and such a weight loses it): 2^24 pixels in one row.
  const int n = 1 << 24;
  const float low = static_cast<float>(1.0 + std::log(0.999 * std::ldexp(1.0, -24)));
  std::vector<float> m(n);
  for (int i = 0; i < n; ++i) m[i] = (i % 32 == 0) ? 1.0f : low;
  testing::gl_context();
  gpu::GlEngine e;
  expect_engine_matches(e, HeatmapView::dense(m.data(), n, 1), {1.0, false}, "2^24 row");
}

TEST(GlNumericsGLTest, HugeOppositeValuesNormalised) {
  std::vector<float> m(64 * 64, -3e38f);
  m[64 * 31 + 40] = 3e38f;
  on_both_placements([&](gpu::GlEngine& e) {
    for (double beta : {10.0, 1.0, 1e-30, 1e30})
      for (bool norm : {true, false})
        expect_engine_matches(e, HeatmapView::dense(m.data(), 64, 64), {beta, norm}, "+-3e38");
  });
}

TEST(GlNumericsGLTest, TinyAndDenormalMaxima) {
  for (double top : {1e-38, 1e-40, 1.4e-45, 1e-20}) {
    SCOPED_TRACE(top);
    const Heatmap r = testing::random_map(37, 23, 2, ElemType::kFloat32, 7);
    std::vector<float> m(r.f32(), r.f32() + 37 * 23 * 2);
    for (float& v : m) v = static_cast<float>(v * top);  // values in [0, top)
    m[100] = static_cast<float>(top);
    on_both_placements([&](gpu::GlEngine& e) {
      for (double beta : {10.0, 1e4, 1e30, 1e-30})
        for (bool norm : {true, false})
          expect_engine_matches(e, HeatmapView::dense(m.data(), 37, 23, 2), {beta, norm},
                                "tiny values");
    });
  }
}

// A channel whose max is exactly 0 (or -0) over negative values: normalise leaves beta as it is
// (core/decode.hpp effective_beta: only a max > 0 divides), so the negative pixels keep their
// weights. The GPU turns the max into a double on its bits; a zero must stay zero there.
TEST(GlNumericsGLTest, ZeroMaxOverNegativeValues) {
  for (float zero : {0.0f, -0.0f}) {
    SCOPED_TRACE(zero);
    const Heatmap r = testing::random_map(29, 17, 2, ElemType::kFloat32, 3);
    std::vector<float> m(r.f32(), r.f32() + 29 * 17 * 2);
    for (float& v : m) v = -0.02f * v;  // values in (-0.02, 0]
    m[40] = zero;
    m[29 * 17 + 300] = zero;
    on_both_placements([&](gpu::GlEngine& e) {
      for (double beta : {1.0, 100.0, 1e4})
        for (bool norm : {true, false})
          expect_engine_matches(e, HeatmapView::dense(m.data(), 29, 17, 2), {beta, norm},
                                "zero max");
    });
  }
}

TEST(GlNumericsGLTest, BetaRangeEnds) {
  const Heatmap mp = testing::multi_peak_map(301, 97, ElemType::kFloat32, 3);
  const Heatmap mu = testing::multi_peak_map(301, 97, ElemType::kUInt8, 4);
  on_both_placements([&](gpu::GlEngine& e) {
    for (double beta : {kBetaMin, 1e-10, 1e10, kBetaMax})
      for (bool norm : {true, false}) {
        expect_engine_matches(e, mp.view(), {beta, norm}, "float");
        expect_engine_matches(e, mu.view(), {beta, norm}, "uint8");
      }
  });
}

TEST(GlNumericsGLTest, FullFloatRangeRandom) {
  // Values spread over the whole float range with both signs.
  std::vector<float> m(211 * 13);
  unsigned s = 12345;
  for (float& v : m) {
    s = s * 1664525u + 1013904223u;
    const double mag = std::ldexp(1.0, static_cast<int>(s >> 24) % 250 - 125);
    v = static_cast<float>(((s >> 8) & 1 ? -1.0 : 1.0) * mag * (1 + ((s >> 9) & 0xff) / 256.0));
  }
  on_both_placements([&](gpu::GlEngine& e) {
    for (double beta : {1e-30, 1e-3, 1.0, 1e3, 1e30})
      for (bool norm : {true, false})
        expect_engine_matches(e, HeatmapView::dense(m.data(), 211, 13), {beta, norm}, "range");
  });
}

TEST(GlNumericsGLTest, WidthsNotMultipleOf4OnBothPlacements) {
  on_both_placements([&](gpu::GlEngine& e) {
    for (int w : {1, 2, 3, 5, 13, 17, 1023})
      for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
        const Heatmap m = testing::multi_peak_map(w, 767, t, w);
        const Heatmap st = testing::random_map(w, 9, 3, t, w + 1);
        expect_engine_matches(e, m.view(), {100.0, t == ElemType::kUInt8}, "multi-peak");
        expect_engine_matches(e, st.view(), {3.0, false}, "3-channel stack");
      }
  });
}

}  // namespace
}  // namespace peakscope
