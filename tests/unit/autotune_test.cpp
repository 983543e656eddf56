// Beta auto-tune: a known analytic optimum, and the optimum of a heatmap case found by a dense
// brute-force scan with the reference decoder.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/lab/autotune.hpp"
#include "core/reference.hpp"

namespace peakscope {
namespace {

TEST(AutoTune, FindsAKnownOptimumInLogBeta) {
  const double target = 23.7;
  const BetaTune t = tune_beta([&](double b) {
    const double d = std::log(b / target);
    return 1 + d * d;
  });
  EXPECT_NEAR(t.beta, target, target * 2e-3);
  EXPECT_NEAR(t.error, 1, 1e-5);
  EXPECT_EQ(t.curve.size(), 41u);
  EXPECT_DOUBLE_EQ(t.curve.front().first, kSliderBetaMin);
  EXPECT_DOUBLE_EQ(t.curve.back().first, kSliderBetaMax);
}

TEST(AutoTune, NonFiniteObjectiveIsAvoided) {
  const BetaTune t = tune_beta([](double b) { return b < 5 ? NAN : std::log(b); }, 1, 100);
  EXPECT_GE(t.beta, 5);
  EXPECT_LT(t.beta, 6);
  EXPECT_THROW(tune_beta([](double) { return 0.0; }, 10, 1), std::invalid_argument);
}

TEST(AutoTune, MatchesABruteForceScanOnGaussianPeaks) {
  // 64 x 48 maps, sigma 2, random sub-pixel centres: too small a beta is pulled toward the
  // centre, too large collapses to argmax; the optimum lies between.
  std::vector<Heatmap> maps;
  std::vector<TuneSample> samples;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 8; ++i) {
    const double x0 = 8 + 48 * u(rng), y0 = 8 + 32 * u(rng);
    Heatmap m(64, 48, 1, ElemType::kFloat32);
    for (int y = 0; y < 48; ++y)
      for (int x = 0; x < 64; ++x)
        m.f32()[y * 64 + x] =
            static_cast<float>(std::exp(-((x - x0) * (x - x0) + (y - y0) * (y - y0)) / 8));
    maps.push_back(std::move(m));
    samples.push_back({maps.back().view(), 0, x0, y0});
  }
  auto ref_error = [&](double beta) {
    double s = 0;
    for (const TuneSample& t : samples) {
      const Keypoint k = reference::decode(t.map, 0, {beta, false});
      s += std::hypot(k.soft_x - t.x, k.soft_y - t.y);
    }
    return s / samples.size();
  };
  double best_beta = 0, best = INFINITY;
  for (int i = 0; i <= 2000; ++i) {
    const double b = std::pow(10.0, 0.5 + 2.0 * i / 2000);  // 3 .. 300
    const double e = ref_error(b);
    if (e < best) best = e, best_beta = b;
  }
  CpuEngine eng(1);
  const BetaTune t = auto_tune_beta(eng, samples, false);
  EXPECT_NEAR(t.beta, best_beta, best_beta * 0.02);
  EXPECT_LE(t.error, best * (1 + 1e-3) + 1e-6);
  EXPECT_LT(ref_error(t.beta), ref_error(t.beta / 2));
  EXPECT_LT(ref_error(t.beta), ref_error(t.beta * 2));
  EXPECT_THROW(auto_tune_beta(eng, {}, false), std::invalid_argument);
}

}  // namespace
}  // namespace peakscope
