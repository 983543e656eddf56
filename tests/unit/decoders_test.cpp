// The decoders of core/lab/: known answers on exact Gaussians, the window path against
// the whole-map reference on every kind of map, and the bad-input policy.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "core/cpu/cpu_engine.hpp"
#include "core/lab/dark.hpp"
#include "core/lab/decoder.hpp"
#include "core/lab/reference_decoders.hpp"
#include "core/reference.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A Gaussian exp(-((x-x0)^2 + (y-y0)^2) / (2 sigma^2)), peak 1 (float) or 255 (uint8).
Heatmap sigma_map(int w, int h, double x0, double y0, double sigma,
                  ElemType t = ElemType::kFloat32) {
  Heatmap m(w, h, 1, t);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double g = std::exp(-((x - x0) * (x - x0) + (y - y0) * (y - y0)) / (2 * sigma * sigma));
      if (t == ElemType::kFloat32)
        m.f32()[y * w + x] = static_cast<float>(g);
      else
        m.u8()[y * w + x] = static_cast<std::uint8_t>(std::lround(g * 255));
    }
  return m;
}

DecodedPoint fast(DecoderKind k, const HeatmapView& v, int c, const DecodeOptions& opt,
                  const DecoderParams& p = {}) {
  CpuEngine eng(1);
  const std::vector<Keypoint> kp = eng.decode(v, opt).keypoints();
  return decode_with(k, v, c, kp[c], opt, p);
}

// Every decoder's fast path against the reference on every channel of `v`.
void expect_all_match(const HeatmapView& v, const DecodeOptions& opt, const char* what,
                      const DecoderParams& p = {}) {
  CpuEngine eng(1);
  const std::vector<Keypoint> kp = eng.decode(v, opt).keypoints();
  for (int c = 0; c < v.channels; ++c)
    for (DecoderKind k : kAllDecoders) {
      const DecodedPoint a = decode_with(k, v, c, kp[c], opt, p);
      const DecodedPoint r = reference::decode_with(k, v, c, opt, p);
      SCOPED_TRACE(std::string(what) + " channel " + std::to_string(c) + " decoder " +
                   decoder_name(k));
      ASSERT_TRUE(std::isfinite(a.x) && std::isfinite(a.y));
      EXPECT_EQ(a.valid, r.valid);
      EXPECT_NEAR(a.x, r.x, 1e-3);
      EXPECT_NEAR(a.y, r.y, 1e-3);
      if (std::isfinite(r.score)) {
        EXPECT_NEAR(a.score, r.score, 1e-6 * (1 + std::abs(r.score)));
      }
    }
}

TEST(Decoders, DarkIsWithinOneHundredthOfAPixelOnExactGaussians) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 50; ++i) {
    const double x0 = 10 + 40 * u(rng), y0 = 8 + 30 * u(rng);
    const Heatmap m = sigma_map(64, 48, x0, y0, 2.0);
    const DecodedPoint d = fast(DecoderKind::kDark, m.view(), 0, {});
    EXPECT_NEAR(d.x, x0, 0.01);
    EXPECT_NEAR(d.y, y0, 0.01);
    const DecodedPoint r = reference::decode_with(DecoderKind::kDark, m.view(), 0, {});
    EXPECT_NEAR(d.x, r.x, 1e-9);
    EXPECT_NEAR(d.y, r.y, 1e-9);
    const DecodedPoint udp = fast(DecoderKind::kDarkUdp, m.view(), 0, {});
    EXPECT_NEAR(udp.x, x0, 0.02);
    EXPECT_NEAR(udp.y, y0, 0.02);
  }
}

TEST(Decoders, QuarterMovesAQuarterPixelTowardTheTruth) {
  const Heatmap m = sigma_map(64, 48, 20.3, 17.6, 2.0);
  const DecodedPoint q = fast(DecoderKind::kQuarter, m.view(), 0, {});
  EXPECT_DOUBLE_EQ(q.x, 20.25);
  EXPECT_DOUBLE_EQ(q.y, 17.75);
  EXPECT_FLOAT_EQ(static_cast<float>(q.score), m.f32()[18 * 64 + 20]);
}

TEST(Decoders, RefinementsLandNearTheCentre) {
  const double x0 = 30.4, y0 = 21.7;
  const Heatmap m = sigma_map(64, 48, x0, y0, 2.0);
  const DecodeOptions opt{10, false};
  DecoderParams p;
  p.window_beta = 10;
  for (DecoderKind k : {DecoderKind::kCentroid, DecoderKind::kWindow, DecoderKind::kDebiased}) {
    SCOPED_TRACE(decoder_name(k));
    const DecodedPoint d = fast(k, m.view(), 0, opt, p);
    EXPECT_NEAR(d.x, x0, 0.3);
    EXPECT_NEAR(d.y, y0, 0.35);
  }
  // MediaPipe expects logits: on a [0, 1] map the background weighs sigmoid(0) = 1/2 and
  // pulls the centroid toward the argmax, but never past the next pixel.
  const DecodedPoint mp = fast(DecoderKind::kMediapipe, m.view(), 0, opt, p);
  EXPECT_NEAR(mp.x, x0, 0.5);
  EXPECT_NEAR(mp.y, y0, 0.5);
  // Debiased removes the background's pull exactly on a zero background.
  const DecodedPoint d = fast(DecoderKind::kDebiased, m.view(), 0, opt, p);
  EXPECT_NEAR(d.x, x0, 0.01);
  EXPECT_NEAR(d.y, y0, 0.01);
  // while plain soft-argmax at beta 10 is pulled toward the centre (31.5, 23.5).
  const Heatmap far = sigma_map(64, 48, 8.4, y0, 2.0);
  EXPECT_GT(fast(DecoderKind::kSoftargmax, far.view(), 0, opt, p).x - 8.4, 0.5);
  EXPECT_NEAR(fast(DecoderKind::kDebiased, far.view(), 0, opt, p).x, 8.4, 0.01);
}

TEST(Decoders, CentroidAndWindowKnownByHand) {
  // A 5x5 map, a plus-shaped peak at (2, 2): centroid of positive values and window soft-argmax.
  float v[25] = {};
  v[2 * 5 + 2] = 4;
  v[2 * 5 + 3] = 2;
  v[1 * 5 + 2] = 2;
  const HeatmapView m = HeatmapView::dense(v, 5, 5);
  DecoderParams p;
  p.centroid_size = 3;
  const DecodedPoint c = fast(DecoderKind::kCentroid, m, 0, {1, false}, p);
  EXPECT_DOUBLE_EQ(c.x, (4 * 2 + 2 * 3 + 2 * 2) / 8.0);
  EXPECT_DOUBLE_EQ(c.y, (4 * 2 + 2 * 2 + 2 * 1) / 8.0);
  p.window_radius = 1;
  p.window_beta = std::log(2.0);  // weights 2^(h - 4): 1, 1/4, 1/4, and 1/16 for the zeros
  const DecodedPoint w = fast(DecoderKind::kWindow, m, 0, {1, false}, p);
  const double s = 1 + 0.25 + 0.25 + 6 / 16.0;
  EXPECT_NEAR(w.x, (2 + 0.25 * 3 + 0.25 * 2 + (1 + 3 + 1 + 1 + 2 + 3) / 16.0) / s, 1e-12);
  EXPECT_NEAR(w.score, 1 / s, 1e-12);
}

TEST(Decoders, MediapipeRefinesOnlyAboveItsThreshold) {
  float v[9] = {-5, -5, -5, -5, -1, 3, -5, -5, -5};  // logits; the argmax (2, 1) = 3
  const HeatmapView m = HeatmapView::dense(v, 3, 3);
  DecoderParams p;
  p.mediapipe_size = 3;
  const DecodedPoint d = fast(DecoderKind::kMediapipe, m, 0, {}, p);
  auto sg = [](double x) { return 1 / (1 + std::exp(-x)); };
  const double s = 4 * sg(-5) + sg(-1) + sg(3);  // window clipped to the map: x in 1..2
  EXPECT_NEAR(d.x, (sg(-5) * (1 + 2 + 1 + 2) + sg(-1) * 1 + sg(3) * 2) / s, 1e-12);
  EXPECT_NEAR(d.score, sg(3), 1e-12);
  p.mediapipe_threshold = 0.99;  // sigmoid(3) = 0.95: not refined
  const DecodedPoint n = fast(DecoderKind::kMediapipe, m, 0, {}, p);
  EXPECT_EQ(n.x, 2);
  EXPECT_EQ(n.y, 1);
}

TEST(Decoders, WindowPathMatchesReferenceOnGaussiansAtAndNextToTheBorder) {
  const int W = 32, H = 24;
  const double xs[] = {0, 0.3, 1, 1.4, 2, 2.6, 15.5, W - 3.2, W - 2, W - 1.6, W - 1};
  for (double x0 : xs)
    for (double y0 : {0.0, 1.2, 2.0, 11.3, H - 2.0, H - 1.0})
      for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8})
        for (double sigma : {1.0, 2.0}) {
          const Heatmap m = sigma_map(W, H, x0, y0, sigma, t);
          expect_all_match(m.view(), {10, true}, "border gaussian");
          expect_all_match(m.view(), {0.5, false}, "border gaussian beta 0.5");
        }
}

TEST(Decoders, WindowPathMatchesReferenceOnRandomAndMultiPeakMaps) {
  for (unsigned seed = 0; seed < 6; ++seed)
    for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
      const Heatmap r = testing::random_map(17, 13, 3, t, seed);
      expect_all_match(r.view(), {5, true}, "random");
      const Heatmap mp = testing::multi_peak_map(40, 30, t, seed);
      expect_all_match(mp.view(), {100, true}, "multi-peak");
      DecoderParams p;
      p.dark_kernel = 3;  // small kernel: the clamp decisions need the global blurred max
      p.window_radius = 5;
      p.centroid_size = 3;
      p.mediapipe_size = 9;
      expect_all_match(mp.view(), {1, false}, "multi-peak small kernel", p);
    }
}

TEST(Decoders, DarkAsksForTheGlobalMaximumOnlyWhenTheClampDecides) {
  const Heatmap g = sigma_map(64, 48, 30.3, 20.8, 2.0);
  CpuEngine eng(1);
  const Keypoint kp = eng.decode(g.view(), {}).keypoints()[0];
  int calls = 0;
  auto count = [&] {
    ++calls;
    return blurred_max(g.view(), 0, 11);
  };
  const PeakWindow w = read_window(g.view(), 0, 30, 21, dark_window_radius(11));
  (void)refine_dark(w, 11, count);
  (void)refine_dark_udp(read_window(g.view(), 0, 30, 21, dark_udp_window_radius(11)), 11, count);
  EXPECT_EQ(calls, 0);  // a smooth peak: the window alone decides (what a GPU reads back)
  (void)kp;
  // A lone spike on zeros with kernel 3: the stencil's far values are floored, the near ones
  // not, so the scale matters and the global maximum is asked for.
  float v[100] = {};
  v[5 * 10 + 5] = 1;
  const HeatmapView s = HeatmapView::dense(v, 10, 10);
  calls = 0;
  auto count2 = [&] {
    ++calls;
    return blurred_max(s, 0, 3);
  };
  const DecodedPoint d = refine_dark(read_window(s, 0, 5, 5, dark_window_radius(3)), 3, count2);
  EXPECT_EQ(calls, 1);
  DecoderParams p;
  p.dark_kernel = 3;
  const DecodedPoint r = reference::decode_with(DecoderKind::kDark, s, 0, {}, p);
  EXPECT_NEAR(d.x, r.x, 1e-12);
  EXPECT_NEAR(d.y, r.y, 1e-12);
}

TEST(Decoders, FlatMapsStayOnTheGrid) {
  for (float value : {0.f, 0.5f, -2.f}) {
    std::vector<float> v(20 * 10, value);
    const HeatmapView m = HeatmapView::dense(v.data(), 20, 10);
    expect_all_match(m, {10, true}, "flat");
    // Argmax-based decoders stay at the first pixel; soft-argmax and debiased at the centre.
    EXPECT_EQ(fast(DecoderKind::kQuarter, m, 0, {}).x, 0);
    EXPECT_EQ(fast(DecoderKind::kDark, m, 0, {}).x, 0);
    EXPECT_NEAR(fast(DecoderKind::kDebiased, m, 0, {}).x, 9.5, 1e-12);
    EXPECT_NEAR(fast(DecoderKind::kDebiased, m, 0, {}).y, 4.5, 1e-12);
  }
}

TEST(Decoders, AllNanMapsAreInvalidAtTheGridCentre) {
  std::vector<float> v(12 * 7, std::numeric_limits<float>::quiet_NaN());
  v[3] = -std::numeric_limits<float>::infinity();
  const HeatmapView m = HeatmapView::dense(v.data(), 12, 7);
  for (DecoderKind k : kAllDecoders) {
    SCOPED_TRACE(decoder_name(k));
    const DecodedPoint d = fast(k, m, 0, {});
    EXPECT_FALSE(d.valid);
    EXPECT_EQ(d.x, 5.5);
    EXPECT_EQ(d.y, 3);
    EXPECT_EQ(d.score, 0);
    EXPECT_FALSE(reference::decode_with(k, m, 0, {}).valid);
  }
}

TEST(Decoders, NonFinitePixelsFollowThePolicy) {
  Heatmap g = sigma_map(24, 20, 11.3, 9.6, 2.0);
  g.f32()[10 * 24 + 12] = kNan;
  g.f32()[9 * 24 + 10] = -kInf;
  g.f32()[2 * 24 + 3] = kNan;
  expect_all_match(g.view(), {10, true}, "NaN and -Inf near the peak");
  Heatmap inf = g;
  inf.f32()[9 * 24 + 11] = kInf;
  inf.f32()[9 * 24 + 13] = kInf;
  expect_all_match(inf.view(), {10, true}, "+Inf peaks");
  // +Inf pixels share: window soft-argmax and debiased sit between them.
  DecoderParams p;
  EXPECT_DOUBLE_EQ(fast(DecoderKind::kWindow, inf.view(), 0, {}, p).x, 12);
  EXPECT_DOUBLE_EQ(fast(DecoderKind::kDebiased, inf.view(), 0, {}, p).x, 12);
  EXPECT_DOUBLE_EQ(fast(DecoderKind::kCentroid, inf.view(), 0, {}, p).x, 12);
}

TEST(Decoders, Uint8MapsReadTheirIntegerValues) {
  const Heatmap u = sigma_map(64, 48, 25.35, 30.8, 2.0, ElemType::kUInt8);
  Heatmap f(64, 48, 1, ElemType::kFloat32);
  for (int i = 0; i < 64 * 48; ++i) f.f32()[i] = u.u8()[i];
  for (DecoderKind k : kAllDecoders) {
    const DecodedPoint a = fast(k, u.view(), 0, {20, true});
    const DecodedPoint b = fast(k, f.view(), 0, {20, true});
    EXPECT_NEAR(a.x, b.x, 1e-5) << decoder_name(k);
    EXPECT_NEAR(a.y, b.y, 1e-5) << decoder_name(k);
  }
  EXPECT_NEAR(fast(DecoderKind::kDark, u.view(), 0, {}).x, 25.35, 0.05);
}

TEST(Decoders, NamesParseAndParamsValidate) {
  for (DecoderKind k : kAllDecoders) EXPECT_EQ(parse_decoder(decoder_name(k)), k);
  const auto l = parse_decoder_list("argmax, dark,argmax,debiased");
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[1], DecoderKind::kDark);
  EXPECT_EQ(parse_decoder_list("all").size(), std::size(kAllDecoders));
  try {
    parse_decoder_list("argmax,darkk");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'darkk'"), std::string::npos);
  }
  EXPECT_THROW(parse_decoder_list(" , "), std::invalid_argument);
  DecoderParams p;
  p.dark_kernel = 4;
  EXPECT_THROW(p.validate(), std::invalid_argument);
  p = {};
  p.window_beta = -1;
  EXPECT_THROW(p.validate(), std::invalid_argument);
  EXPECT_TRUE(decoder_uses_beta(DecoderKind::kWindow));
  EXPECT_FALSE(decoder_uses_beta(DecoderKind::kDark));
}

TEST(Decoders, OpenCvKernels) {
  EXPECT_EQ(opencv_gaussian_kernel(3), (std::vector<double>{0.25, 0.5, 0.25}));
  const auto g = opencv_gaussian_kernel(11);  // sigma 2
  double s = 0;
  for (double v : g) s += v;
  EXPECT_NEAR(s, 1, 1e-15);
  EXPECT_NEAR(g[5] / g[3], std::exp(4.0 / 8), 1e-12);
}

}  // namespace
}  // namespace peakscope
