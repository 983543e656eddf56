// The CPU engine against the double reference (the oracle): every size class, element type,
// beta from 1e-3 to 1e4, normalisation on and off, strided views and stacks.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>

#include "core/cpu/cpu_engine.hpp"
#include "core/reference.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

constexpr double kTolPx = 1e-4;

void expect_matches_reference(const HeatmapView& v, const DecodeOptions& o, CpuEngine& engine,
                              const std::string& what) {
  const std::vector<Keypoint> got = engine.decode(v, o);
  for (int c = 0; c < v.channels; ++c) {
    const Keypoint want = reference::decode(v, c, o);
    testing::expect_keypoint_near(got[c], want, {kTolPx, 1e-5, 1e-12},
                                  what + " channel " + std::to_string(c) + " beta " +
                                      std::to_string(o.beta) + (o.normalize ? " normalised" : ""));
  }
}

using Case = std::tuple<int, int, ElemType>;
class CpuEngineSizes : public ::testing::TestWithParam<Case> {};

TEST_P(CpuEngineSizes, MatchesReference) {
  const auto [w, h, t] = GetParam();
  static CpuEngine engine;  // all hardware threads
  const std::string name = std::to_string(w) + "x" + std::to_string(h) + " " + elem_name(t);
  const Heatmap rnd = testing::random_map(w, h, 1, t, w * 31 + h);
  const Heatmap gau = testing::gaussian_map(w, h, w * 0.37, h * 0.61, std::max(2.0, w / 9.0), t);
  const Heatmap multi = testing::multi_peak_map(w, h, t, w + h);
  for (double beta : {1e-3, 0.1, 1.0, 10.0, 100.0, 1e3, 1e4})
    for (bool norm : {false, true}) {
      expect_matches_reference(rnd.view(), {beta, norm}, engine, "random " + name);
      expect_matches_reference(gau.view(), {beta, norm}, engine, "gaussian " + name);
      expect_matches_reference(multi.view(), {beta, norm}, engine, "multi-peak " + name);
    }
}

INSTANTIATE_TEST_SUITE_P(
    SizeClasses, CpuEngineSizes,
    ::testing::Combine(::testing::Values(1, 7, 48, 255, 1023), ::testing::Values(1, 7, 64, 767),
                       ::testing::Values(ElemType::kFloat32, ElemType::kUInt8)),
    [](const ::testing::TestParamInfo<Case>& i) {
      return std::to_string(std::get<0>(i.param)) + "x" + std::to_string(std::get<1>(i.param)) +
             "_" + elem_name(std::get<2>(i.param));
    });

TEST(CpuEngineTest, LargeMapUsesThreadsAndMatches) {
  CpuEngine engine(2);
  const Heatmap m = testing::multi_peak_map(1920, 1080, ElemType::kFloat32, 11);
  for (double beta : {1e-3, 1.0, 100.0})
    expect_matches_reference(m.view(), {beta, false}, engine, "1920x1080");
  const Heatmap r = testing::random_map(2048, 1024, 1, ElemType::kFloat32, 12);
  expect_matches_reference(r.view(), {1e-3, false}, engine, "2048x1024 random");
}

TEST(CpuEngineTest, StackOf17Channels) {
  SceneConfig cfg;
  cfg.width = 48;
  cfg.height = 64;
  cfg.subjects = 17;
  cfg.fwhm = 4;
  const Heatmap st = Scene(cfg).render_per_subject(ElemType::kFloat32);
  CpuEngine engine;
  for (double beta : {1e-3, 1.0, 100.0, 1e4})
    expect_matches_reference(st.view(), {beta, false}, engine, "17x64x48");
  const Heatmap su = Scene(cfg).render_per_subject(ElemType::kUInt8);
  expect_matches_reference(su.view(), {100.0, true}, engine, "17x64x48 uint8");
}

TEST(CpuEngineTest, StridedViewOverALargerBuffer) {
  const int w = 37, h = 29, stride = 50;
  std::vector<float> buf(static_cast<std::size_t>(stride) * h * 3, -1000.0f);
  const Heatmap src = testing::multi_peak_map(w, h, ElemType::kFloat32, 4);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) buf[(c * h + y) * stride + x] = src.f32()[y * w + x] * (c + 1);
  HeatmapView v{
      buf.data(), ElemType::kFloat32, w, h, 3, stride, static_cast<std::ptrdiff_t>(stride) * h};
  CpuEngine engine(2);
  expect_matches_reference(v, {20.0, false}, engine, "strided");
}

TEST(CpuEngineTest, DeterministicAcrossThreadCounts) {
  const Heatmap m = testing::random_map(1500, 900, 1, ElemType::kFloat32, 8);
  CpuEngine one(1), two(2);
  const Keypoint a = one.decode(m.view(), {0.5, false})[0];
  const Keypoint b = two.decode(m.view(), {0.5, false})[0];
  EXPECT_EQ(a.soft_x, b.soft_x);
  EXPECT_EQ(a.soft_y, b.soft_y);
}

TEST(CpuEngineTest, SoftmaxMapMatchesReferenceAndSumsToOne) {
  const Heatmap m = testing::multi_peak_map(97, 61, ElemType::kUInt8, 5);
  CpuEngine engine;
  for (double beta : {1e-3, 1.0, 100.0}) {
    std::vector<float> p(97 * 61);
    engine.softmax_map(m.view(), 0, {beta, true}, p.data());
    const std::vector<double> want = reference::softmax(m.view(), 0, {beta, true});
    double s = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      s += p[i];
      ASSERT_NEAR(p[i], want[i], 1e-6 * want[i] + 1e-9) << i;
    }
    EXPECT_NEAR(s, 1.0, 1e-4);
  }
}

TEST(CpuEngineTest, ReportsSimdTarget) {
  EXPECT_STRNE(CpuEngine::simd_target(), "");
}

}  // namespace
}  // namespace peakscope
