#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/reference.hpp"
#include "core/scene.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

TEST(ReferenceTest, SeedToyExample) {
  const HeatmapView toy = HeatmapView::dense(kToyArray, 4, 4);
  const Keypoint k = reference::decode(toy, 0, {10.0, false});
  EXPECT_EQ(k.argmax_y, 0);
  EXPECT_EQ(k.argmax_x, 3);
  EXPECT_EQ(k.argmax_value, 82);
  EXPECT_NEAR(k.soft_y, 3.4811068399043105e-57, 1e-9 * 3.4811068399043105e-57);
  EXPECT_DOUBLE_EQ(k.soft_x, 3.0);
  EXPECT_TRUE(k.valid);
}

TEST(ReferenceTest, ArgmaxIsFirstMaximumRowMajor) {
  const float a[6] = {1, 5, 2, 5, 5, 0};
  EXPECT_EQ(reference::argmax(HeatmapView::dense(a, 3, 2), 0), 1);
  const float b[6] = {1, 2, 3, 4, 5, 5};
  EXPECT_EQ(reference::argmax(HeatmapView::dense(b, 3, 2), 0), 4);
}

TEST(ReferenceTest, SoftmaxSumsToOne) {
  const Heatmap m = testing::random_map(31, 17, 1, ElemType::kFloat32, 3);
  for (double beta : {1e-3, 1.0, 100.0, 1e4}) {
    const std::vector<double> p = reference::softmax(m.view(), 0, {beta, false});
    double s = 0;
    for (double v : p) s += v;
    EXPECT_NEAR(s, 1.0, 1e-12) << beta;
  }
}

TEST(ReferenceTest, LargeBetaTendsToArgmax) {
  const Heatmap m = testing::multi_peak_map(64, 48, ElemType::kFloat32, 7);
  const Keypoint k = reference::decode(m.view(), 0, {1e6, false});
  EXPECT_NEAR(k.soft_x, k.argmax_x, 1e-9);
  EXPECT_NEAR(k.soft_y, k.argmax_y, 1e-9);
  EXPECT_NEAR(k.peak_probability, 1.0, 1e-9);
}

TEST(ReferenceTest, SmallBetaTendsToGridCentroid) {
  const Heatmap m = testing::random_map(40, 30, 1, ElemType::kFloat32, 1);
  const Keypoint k = reference::decode(m.view(), 0, {1e-9, false});
  EXPECT_NEAR(k.soft_x, 19.5, 1e-6);
  EXPECT_NEAR(k.soft_y, 14.5, 1e-6);
  EXPECT_NEAR(k.peak_probability, 1.0 / 1200, 1e-12);
}

TEST(ReferenceTest, AddingAConstantChangesNothing) {
  Heatmap m = testing::random_map(23, 19, 1, ElemType::kFloat32, 5);
  const Keypoint a = reference::decode(m.view(), 0, {5.0, false});
  for (std::size_t i = 0; i < 23 * 19; ++i) m.f32()[i] += 1000.0f;
  // The float inputs change by rounding (ulp(1000) ~ 6e-5), so the tolerance follows it.
  const Keypoint b = reference::decode(m.view(), 0, {5.0, false});
  EXPECT_NEAR(a.soft_x, b.soft_x, 1e-3);
  EXPECT_NEAR(a.soft_y, b.soft_y, 1e-3);
  EXPECT_EQ(a.argmax_x, b.argmax_x);
  // With exactly representable shifts the result is identical to rounding.
  const float t[4] = {1, 2, 3, 4}, u[4] = {9, 10, 11, 12};
  const Keypoint ka = reference::decode(HeatmapView::dense(t, 2, 2), 0, {0.7, false});
  const Keypoint kb = reference::decode(HeatmapView::dense(u, 2, 2), 0, {0.7, false});
  EXPECT_NEAR(ka.soft_x, kb.soft_x, 1e-14);
  EXPECT_NEAR(ka.soft_y, kb.soft_y, 1e-14);
}

TEST(ReferenceTest, ShiftedGaussianShiftsTheResult) {
  const Heatmap a = testing::gaussian_map(128, 96, 50.3, 40.7, 9, ElemType::kFloat32);
  const Heatmap b = testing::gaussian_map(128, 96, 57.3, 37.7, 9, ElemType::kFloat32);
  // Beta large enough that the background's mass (~exp(-beta) per pixel) is negligible.
  for (double beta : {50.0, 300.0, 1000.0}) {
    const Keypoint ka = reference::decode(a.view(), 0, {beta, false});
    const Keypoint kb = reference::decode(b.view(), 0, {beta, false});
    // Far from the borders, the shift is carried exactly (up to the float storage).
    EXPECT_NEAR(kb.soft_x - ka.soft_x, 7.0, 1e-5) << beta;
    EXPECT_NEAR(kb.soft_y - ka.soft_y, -3.0, 1e-5) << beta;
  }
}

TEST(ReferenceTest, TwoEqualSymmetricPeaksGiveTheirMidpoint) {
  Heatmap m(101, 61, 1, ElemType::kFloat32);
  for (int y = 0; y < 61; ++y)
    for (int x = 0; x < 101; ++x)
      m.f32()[y * 101 + x] =
          static_cast<float>(gaussian_mask(x, y, 30, 20, 6) + gaussian_mask(x, y, 70, 40, 6));
  for (double beta : {0.5, 10.0, 1000.0}) {
    const Keypoint k = reference::decode(m.view(), 0, {beta, false});
    EXPECT_NEAR(k.soft_x, 50.0, 1e-6) << beta;
    EXPECT_NEAR(k.soft_y, 30.0, 1e-6) << beta;
  }
}

TEST(ReferenceTest, NormaliseByMaxEqualsDividedBeta) {
  const Heatmap m = testing::multi_peak_map(50, 40, ElemType::kUInt8, 2);
  const Keypoint a = reference::decode(m.view(), 0, {100.0, true});
  const Keypoint b = reference::decode(m.view(), 0, {100.0 / 255.0, false});
  EXPECT_NEAR(a.soft_x, b.soft_x, 1e-12);
  EXPECT_NEAR(a.soft_y, b.soft_y, 1e-12);
}

// normalise divides by the largest finite value only when it is > 0 (docs/conventions.md): a
// channel whose maximum is 0 or negative is decoded with beta on its raw values, never with
// beta / |max|. Pinned against closed forms, for the reference and the CPU engine (every other
// engine: tests/gl/engine_contract_test.cpp).
TEST(ReferenceTest, NormaliseLeavesAZeroOrNegativeMaximumAlone) {
  CpuEngine cpu(1);
  for (float m : {-300.0f, -2.0f, -0.5f, -1e-30f, 0.0f, 0.5f, 2.0f})
    for (double beta : {0.5, 1.0, 3.0})
      for (bool norm : {true, false}) {
        // One row [m, m - 1, m - 3] (exact in float): weights 1, e^-b, e^-3b with b = beta,
        // or beta / m when normalise applies (m > 0).
        const float d[3] = {m, m - 1.0f, m - 3.0f};
        const HeatmapView v = HeatmapView::dense(d, 3, 1);
        const long double b = norm && m > 0 ? beta / m : beta;
        const long double e1 = std::exp(-b * (m - d[1])), e3 = std::exp(-b * (m - d[2]));
        const double want_x = static_cast<double>((e1 + 2 * e3) / (1 + e1 + e3));
        const double want_p = static_cast<double>(1 / (1 + e1 + e3));
        const std::string what = "max " + std::to_string(m) + " beta " + std::to_string(beta) +
                                 (norm ? " normalised" : "");
        EXPECT_DOUBLE_EQ(reference::effective_beta(v, 0, {beta, norm}), static_cast<double>(b))
            << what;
        const Keypoint r = reference::decode(v, 0, {beta, norm});
        EXPECT_NEAR(r.soft_x, want_x, 1e-12) << what;
        EXPECT_NEAR(r.peak_probability, want_p, 1e-12) << what;
        const std::vector<double> p = reference::softmax(v, 0, {beta, norm});
        EXPECT_NEAR(p[0], want_p, 1e-12) << what;
        const Keypoint k = cpu.decode(v, {beta, norm}).keypoints()[0];
        EXPECT_NEAR(k.soft_x, want_x, 1e-6) << what;
        EXPECT_NEAR(k.peak_probability, want_p, 1e-6 * want_p) << what;
        // The number the CLI's JSON and the viewer show, from the keypoint alone.
        EXPECT_DOUBLE_EQ(channel_effective_beta({beta, norm}, k), static_cast<double>(b)) << what;
      }
}

// channel_effective_beta where the maximum is not a finite number: a channel with no valid
// pixel and one whose maximum is +Inf (only the +Inf pixels get weight) report beta itself; a
// uint8 channel divides by its integer maximum.
TEST(ReferenceTest, ChannelEffectiveBetaOfSpecialChannels) {
  CpuEngine cpu(1);
  const float nan_only[3] = {NAN, NAN, -INFINITY};
  const float with_inf[3] = {0.5f, INFINITY, 2.0f};
  for (const float* d : {nan_only, with_inf}) {
    const Keypoint k = cpu.decode(HeatmapView::dense(d, 3, 1), {20, true}).keypoints()[0];
    EXPECT_EQ(channel_effective_beta({20, true}, k), 20);
  }
  const std::uint8_t u[3] = {3, 200, 7};
  const Keypoint k = cpu.decode(HeatmapView::dense(u, 3, 1), {20, true}).keypoints()[0];
  EXPECT_DOUBLE_EQ(channel_effective_beta({20, true}, k), 0.1);
  EXPECT_EQ(channel_effective_beta({20, false}, k), 20);
}

TEST(ReferenceTest, HugeBetaAndHugeValuesStayFinite) {
  const float v[6] = {3e38f, -3e38f, 1e38f, 3e38f, 0.f, -1e-38f};
  for (double beta : {1e-3, 1.0, 1e10, 1e30}) {
    const Keypoint k = reference::decode(HeatmapView::dense(v, 3, 2), 0, {beta, false});
    EXPECT_TRUE(std::isfinite(k.soft_x) && std::isfinite(k.soft_y)) << beta;
    EXPECT_TRUE(std::isfinite(k.peak_probability)) << beta;
  }
  const Keypoint k = reference::decode(HeatmapView::dense(v, 3, 2), 0, {1e30, false});
  EXPECT_DOUBLE_EQ(k.soft_x, 0.0);  // the two 3e38 at (0,0) and (0,1): midpoint x = 0
  EXPECT_DOUBLE_EQ(k.soft_y, 0.5);
  EXPECT_DOUBLE_EQ(k.peak_probability, 0.5);
}

}  // namespace
}  // namespace peakscope
