// The soft-argmax gradient against central finite differences of the reference decoder.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/lab/gradient.hpp"
#include "core/reference.hpp"

namespace peakscope {
namespace {

// A map of values on a 1/4096 grid (so +- 2^-10 is exact in float) with one clear peak.
Heatmap grid_map(int w, int h, unsigned seed) {
  Heatmap m(w, h, 1, ElemType::kFloat32);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(0, 1500);
  for (int i = 0; i < w * h; ++i) m.f32()[i] = u(rng) / 4096.0f;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double g = std::exp(-((x - 6.3) * (x - 6.3) + (y - 4.8) * (y - 4.8)) / 8);
      m.f32()[y * w + x] += static_cast<float>(std::round(g * 2048) / 4096.0);
    }
  return m;
}

void check_against_finite_differences(const DecodeOptions& opt, unsigned seed) {
  const int W = 13, H = 9;
  Heatmap m = grid_map(W, H, seed);
  const GradientMap g = softargmax_gradient(m.view(), 0, opt);
  ASSERT_EQ(g.dx.size(), static_cast<std::size_t>(W * H));
  const float step = 1.0f / 1024;
  double worst = 0;
  for (int i = 0; i < W * H; ++i) {
    const float v = m.f32()[i];
    m.f32()[i] = v + step;
    const Keypoint a = reference::decode(m.view(), 0, opt);
    m.f32()[i] = v - step;
    const Keypoint b = reference::decode(m.view(), 0, opt);
    m.f32()[i] = v;
    const double fx = (a.soft_x - b.soft_x) / (2 * step);
    const double fy = (a.soft_y - b.soft_y) / (2 * step);
    worst = std::max({worst, std::abs(fx - g.dx[i]), std::abs(fy - g.dy[i])});
  }
  EXPECT_GT(g.max_abs, 0);
  EXPECT_LT(worst, 1e-3 * g.max_abs) << "beta " << opt.beta << " normalize " << opt.normalize;
}

TEST(Gradient, MatchesFiniteDifferences) {
  for (unsigned seed : {1u, 2u})
    for (double beta : {1.0, 10.0, 40.0}) {
      check_against_finite_differences({beta, false}, seed);
      check_against_finite_differences({beta, true}, seed);  // includes d beta_eff / d max
    }
}

TEST(Gradient, SumsToZeroWithoutNormalize) {
  // Adding a constant to every pixel moves nothing: the gradient sums to 0 on each axis.
  const Heatmap m = grid_map(13, 9, 3);
  const GradientMap g = softargmax_gradient(m.view(), 0, {20, false});
  double sx = 0, sy = 0;
  for (std::size_t i = 0; i < g.dx.size(); ++i) {
    sx += g.dx[i];
    sy += g.dy[i];
  }
  EXPECT_NEAR(sx, 0, 1e-12);
  EXPECT_NEAR(sy, 0, 1e-12);
}

TEST(Gradient, NonFiniteMapsGiveZeros) {
  std::vector<float> v(6 * 4, std::nanf(""));
  const GradientMap g = softargmax_gradient(HeatmapView::dense(v.data(), 6, 4), 0, {});
  EXPECT_EQ(g.max_abs, 0);
  v[5] = 1;
  v[7] = INFINITY;
  const GradientMap h = softargmax_gradient(HeatmapView::dense(v.data(), 6, 4), 0, {});
  EXPECT_EQ(h.max_abs, 0);
  EXPECT_THROW(softargmax_gradient(HeatmapView::dense(v.data(), 6, 4), 0, {-1, false}),
               std::invalid_argument);
}

}  // namespace
}  // namespace peakscope
