// Accuracy everywhere: the CPU engine within 1e-3 px and 1e-6 relative peak
// probability of the reference on the adversarial maps that broke it (float accumulation over
// long rows, the whole float range, every accepted beta), and the reference itself against
// closed forms at the extremes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

#include "core/cpu/cpu_engine.hpp"
#include "core/cpu/cpu_kernels.hpp"
#include "core/reference.hpp"
#include "tests/support/differential.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

CpuEngine& engine() {
  static CpuEngine e(2);
  return e;
}

void expect_close(const HeatmapView& v, const DecodeOptions& o, const std::string& what) {
  const std::vector<Keypoint> got = engine().decode(v, o).keypoints();
  for (int c = 0; c < v.channels; ++c) {
    const Keypoint want = reference::decode(v, c, o);
    if (std::getenv("ACC_DEBUG"))
      std::printf("%s beta %g: dx %.3g dy %.3g dp %.3g\n", what.c_str(), o.beta,
                  std::abs(got[c].soft_x - want.soft_x), std::abs(got[c].soft_y - want.soft_y),
                  std::abs(got[c].peak_probability / want.peak_probability - 1));
    const std::string d = testing::keypoint_mismatch(got[c], want);
    EXPECT_TRUE(d.empty()) << what << " channel " << c << " beta " << o.beta
                           << (o.normalize ? " normalised" : "") << ": " << d;
  }
}

// --- the reference at the extremes, against closed forms ---------------------------------

// n - 1 pixels at weight q and one at weight 1 at index i0 of a w x h map: the soft-argmax.
Keypoint closed_form(int w, int h, long i0, long double q) {
  const long n = static_cast<long>(w) * h;
  const long double sum_x = static_cast<long double>(h) * w * (w - 1) / 2;
  const long double sum_y = static_cast<long double>(w) * h * (h - 1) / 2;
  const long x0 = i0 % w, y0 = i0 / w;
  const long double s = 1 + q * (n - 1);
  Keypoint k;
  k.soft_x = static_cast<double>((x0 + q * (sum_x - x0)) / s);
  k.soft_y = static_cast<double>((y0 + q * (sum_y - y0)) / s);
  k.peak_probability = static_cast<double>(1 / s);
  return k;
}

TEST(AccuracyTest, ReferenceAtPlusMinus3e38MatchesTheClosedForm) {
  // 64 x 64 at -3e38 with one +3e38: beta_eff (v - m) = -2 beta (normalised) or -6e38 beta.
  std::vector<float> d(64 * 64, -3e38f);
  d[1000] = 3e38f;
  const HeatmapView v = HeatmapView::dense(d.data(), 64, 64);
  for (double beta : {1e-30, 1e-3, 0.5, 1.0, 3.0, 10.0, 1e30}) {
    const Keypoint k = reference::decode(v, 0, {beta, true});
    const Keypoint want = closed_form(64, 64, 1000, std::exp(-2.0L * beta));
    EXPECT_NEAR(k.soft_x, want.soft_x, 1e-9) << beta;
    EXPECT_NEAR(k.soft_y, want.soft_y, 1e-9) << beta;
    EXPECT_NEAR(k.peak_probability, want.peak_probability, 1e-12 * want.peak_probability);
    expect_close(v, {beta, true}, "+-3e38 normalised");
  }
  for (double beta : {1e-30, 3e-30, 1e-29, 1e-3}) {
    const Keypoint k = reference::decode(v, 0, {beta, false});
    const long double t = -static_cast<long double>(beta) * (2.0L * 3e38f);
    const Keypoint want = closed_form(64, 64, 1000, std::exp(t));
    EXPECT_NEAR(k.soft_x, want.soft_x, 1e-9) << beta;
    EXPECT_NEAR(k.peak_probability, want.peak_probability, 1e-12 * want.peak_probability);
    expect_close(v, {beta, false}, "+-3e38");
  }
}

TEST(AccuracyTest, ReferenceWithADenormalMaximumMatchesTheClosedForm) {
  // Values 0 and one denormal max 1e-40: normalised, beta_eff = beta / 1e-40 (~1e41 * beta).
  std::vector<float> d(40 * 30, 0.0f);
  d[7 * 40 + 33] = 1e-40f;
  const HeatmapView v = HeatmapView::dense(d.data(), 40, 30);
  for (double beta : {1e-30, 1e-3, 0.5, 2.0, 10.0, 1e30}) {
    const Keypoint k = reference::decode(v, 0, {beta, true});
    const Keypoint want =
        closed_form(40, 30, 7 * 40 + 33, std::exp(-static_cast<long double>(beta)));
    EXPECT_NEAR(k.soft_x, want.soft_x, 1e-9) << beta;
    EXPECT_NEAR(k.soft_y, want.soft_y, 1e-9) << beta;
    EXPECT_NEAR(k.peak_probability, want.peak_probability, 1e-12 * want.peak_probability);
    expect_close(v, {beta, true}, "denormal max normalised");
    expect_close(v, {beta, false}, "denormal max");
  }
}

// --- inputs that once failed, kept as regressions ---------------------------------------------

TEST(AccuracyTest, LinearRampOver4MPixelRow) {
  const int n = 1 << 22;  // once 1.52e-3 px off at beta 1
  std::vector<float> d(n);
  for (int i = 0; i < n; ++i) d[i] = static_cast<float>(static_cast<double>(i) / (n - 1));
  const HeatmapView v = HeatmapView::dense(d.data(), n, 1);
  for (double beta : {1.0, 0.1, 10.0, 1000.0})
    for (bool norm : {false, true}) expect_close(v, {beta, norm}, "ramp 1 x 2^22");
  // The same ramp folded to 2048 x 2048 (float path) and transposed (a tall ramp in y).
  const HeatmapView sq = HeatmapView::dense(d.data(), 2048, 2048);
  expect_close(sq, {1.0, false}, "ramp 2048 x 2048");
}

// In each SIMD lane a maximum followed by 31 weights just under 2^-24 (once 3.84 px off on a
// 2^24 row): float partial sums of 32 per lane dropped the small weights entirely. Rows this
// long (over 4096) now take the double path; the float path's flush is held to its bound by
// LaneAbsorptionOnTheFloatPath below and CpuKernelsTest.TestFloatPathFlushBound.
void lane_pattern(std::vector<float>& d, int lanes, bool first_half_only) {
  const float small = static_cast<float>(1.0 + std::log(0x1p-24) * (1 + 1e-7));
  for (std::size_t i = 0; i < d.size(); ++i) {
    const bool max = (i % (32 * lanes)) < static_cast<std::size_t>(lanes);
    d[i] = max && (!first_half_only || i < d.size() / 2) ? 1.0f : small;
  }
}

TEST(AccuracyTest, LaneAbsorptionOver2To24PixelRow) {
  std::vector<float> d(std::size_t{1} << 24);
  for (int lanes : {4, 8, 16})
    for (bool half : {false, true}) {
      lane_pattern(d, lanes, half);
      const HeatmapView v = HeatmapView::dense(d.data(), 1 << 24, 1);
      expect_close(v, {1.0, false}, "lanes " + std::to_string(lanes) + (half ? " half" : ""));
    }
}

TEST(AccuracyTest, LaneAbsorptionOnTheFloatPath) {
  // 4096 wide (the float path's limit), the pattern in the left half of every row.
  const int w = 4096, h = 512;
  std::vector<float> d(static_cast<std::size_t>(w) * h);
  for (int lanes : {4, 8, 16}) {
    std::vector<float> row(w);
    lane_pattern(row, lanes, true);
    for (int y = 0; y < h; ++y) std::copy(row.begin(), row.end(), d.begin() + y * w);
    expect_close(HeatmapView::dense(d.data(), w, h), {1.0, false},
                 "float path lanes " + std::to_string(lanes));
    expect_close(HeatmapView::dense(d.data(), h, w), {1.0, false},
                 "float path transposed lanes " + std::to_string(lanes));
  }
}

TEST(AccuracyTest, TwoLevelMapsAtTheFloatPathLimit) {
  // A systematic error of the weights at one level moves the result most when two levels
  // split the map: half the columns (or one column of 4096 pixels) at exponent t, the rest at
  // 0. Every t where the mass of the two sides is comparable, both orientations.
  const int n = 4096;
  std::vector<float> d(static_cast<std::size_t>(n) * n);
  for (double t : {-0.02, -0.35, -0.7, -1.54, -3.0, -5.5, -8.3, -12.0}) {
    const float lo = static_cast<float>(t);
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) d[static_cast<std::size_t>(y) * n + x] = x < n / 2 ? lo : 0.0f;
    expect_close(HeatmapView::dense(d.data(), n, n), {1.0, false}, "halves t " + std::to_string(t));
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x)
        d[static_cast<std::size_t>(y) * n + x] =
            x == 0 ? lo : (x == n - 1 && y == 0 ? 0.0f : -1e4f);
    expect_close(HeatmapView::dense(d.data(), n, n), {1.0, false}, "column t " + std::to_string(t));
  }
  // Every pixel but the maximum at exponent t: their common error is the peak probability's.
  for (double t : {-3.0, -10.0, -14.0, -16.6, -19.0}) {
    std::fill(d.begin(), d.end(), static_cast<float>(t / 0.37 + 1000));
    d[12345] = 1000;
    expect_close(HeatmapView::dense(d.data(), n, n), {0.37, false},
                 "all at t " + std::to_string(t));
  }
}

// The cut-off (core/cpu/cpu_engine.hpp): terms below t_min are dropped unread, t_min chosen so
// that all of them together move the soft-argmax by at most 1e-6 px. Held at 1000 x 1000: the
// maximum (weight 1) in a corner, every other exponent spread over [-40, -20] around the
// cut-off (log(1e-6 / (10^6 * 1000)) = -34.5), so the dropped terms all pull one way.
TEST(AccuracyTest, DroppedTermsMoveTheResultByAtMost1e6Px) {
  const int n = 1000;
  std::vector<float> d(static_cast<std::size_t>(n) * n);
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> t(-40.0f, -20.0f);
  for (float& v : d) v = t(rng);
  d[0] = 0.0f;
  const HeatmapView v = HeatmapView::dense(d.data(), n, n);
  const Keypoint got = engine().decode(v, {1.0, false}).keypoints()[0];
  const Keypoint want = reference::decode(v, 0, {1.0, false});
  EXPECT_NEAR(got.soft_x, want.soft_x, 1e-6);
  EXPECT_NEAR(got.soft_y, want.soft_y, 1e-6);
  EXPECT_GT(want.soft_x, 1e-6);  // the small terms do move the result
}

// The largest map the engines promise, 8192 x 8192 (2^26 pixels: the double path, and the
// reference's long double sums at their stated size): a ramp in x and y, so every pixel
// weighs and rounding has the whole map to accumulate over.
TEST(AccuracyTest, LargestMap8192x8192) {
  const int n = 8192;
  std::vector<float> d(static_cast<std::size_t>(n) * n);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x)
      d[static_cast<std::size_t>(y) * n + x] = static_cast<float>((x + 0.5 * y) / n);
  expect_close(HeatmapView::dense(d.data(), n, n), {1.0, true}, "8192 x 8192 ramp");
}

TEST(AccuracyTest, ValuesBelow1e38Normalised) {
  // once wrong: values in [0, 1e-38), normalised, beta 10: 0.21 px and p 65% off.
  const Heatmap r = testing::random_map(64, 64, 1, ElemType::kFloat32, 4);
  std::vector<float> d(64 * 64);
  for (int i = 0; i < 64 * 64; ++i) d[i] = r.f32()[i] * 1e-38f;
  const HeatmapView v = HeatmapView::dense(d.data(), 64, 64);
  for (double beta : {1e-30, 1.0, 10.0, 1e3, 1e30}) expect_close(v, {beta, true}, "[0, 1e-38)");
  for (int i = 0; i < 64 * 64; ++i) d[i] = r.f32()[i] * 1e-40f;  // denormal max (15.4 px)
  for (double beta : {1e-30, 1.0, 10.0, 1e3, 1e30}) expect_close(v, {beta, true}, "[0, 1e-40)");
}

TEST(AccuracyTest, EveryAcceptedBetaOnOrdinaryAndExtremeMaps) {
  const Heatmap gau = testing::gaussian_map(300, 200, 111.3, 77.9, 40, ElemType::kFloat32);
  const Heatmap gu8 = testing::gaussian_map(300, 200, 111.3, 77.9, 40, ElemType::kUInt8);
  std::vector<float> big(300 * 200);
  for (int i = 0; i < 300 * 200; ++i) big[i] = static_cast<float>(gau.f32()[i] * 6e38 - 3e38);
  for (int e = -30; e <= 30; e += 2)
    for (bool norm : {false, true}) {
      const double beta = std::pow(10.0, e);
      expect_close(gau.view(), {beta, norm}, "gaussian");
      expect_close(gu8.view(), {beta, norm}, "gaussian uint8");
      expect_close(HeatmapView::dense(big.data(), 300, 200), {beta, norm}, "gaussian +-3e38");
    }
}

// --- the float path's per-weight error, measured ------------------------------------------

TEST(AccuracyTest, FloatPathWeightErrorStaysBelowTheDocumentedBound) {
  // One valid pixel per 64-wide row: exp_sums returns its weight alone. Over exponents in
  // [-60, 0] and a few (m, beta), the worst relative error against exp in double.
  std::mt19937 rng(3);
  double worst = 0;
  std::vector<float> row(64, -std::numeric_limits<float>::infinity());
  for (const auto& [m, beta] : {std::pair{0.0, 1.0}, {1.0, 3.7}, {255.0, 0.0123}, {1e6, 1e-5}}) {
    for (int i = 0; i < 20000; ++i) {
      const double t = -60.0 * std::uniform_real_distribution<double>(0, 1)(rng);
      const float v = static_cast<float>(m + t / beta);
      row[17] = v;
      kernels::RowBlock b;
      b.base = row.data();
      b.width = 64;
      b.row_stride = 64;
      b.y0 = 0, b.y1 = 1, b.group = 1, b.seg = 64;
      const float cell = v;
      kernels::ExpArgs a;
      a.m = m, a.beta = beta, a.t_min = kernels::kMinExponent;
      const double got = kernels::exp_sums(b, &cell, -1e30f, a).s;
      const double want = std::exp(beta * (static_cast<double>(v) - m));
      const double e = std::abs(got / want - 1);
      worst = std::max(worst, e / (1 + std::abs(t) / 4));
      if (e > 2.5e-7 * (1 + std::abs(t) / 4))
        std::printf("m %g beta %g t %g err %g\n", m, beta, t, e);
    }
  }
  std::printf("float path: worst relative weight error %.3g\n", worst);
  EXPECT_LT(worst, 3e-7);
}

}  // namespace
}  // namespace peakscope
