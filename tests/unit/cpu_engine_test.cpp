// The CPU engine's own matters: its thread pool on large maps, results independent of the
// thread count, its direct calls. What every engine owes (sizes, strides, stacks, betas,
// softmax maps against the double reference) is tests/gl/engine_contract_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/cpu/cpu_engine.hpp"
#include "core/reference.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/maps.hpp"

namespace peakscope {
namespace {

constexpr double kTolPx = 1e-4;

void expect_matches_reference(const HeatmapView& v, const DecodeOptions& o, CpuEngine& engine,
                              const std::string& what) {
  const std::vector<Keypoint> got = engine.decode(v, o).keypoints();
  for (int c = 0; c < v.channels; ++c) {
    const Keypoint want = reference::decode(v, c, o);
    testing::expect_keypoint_near(got[c], want, {kTolPx, 1e-5, 1e-12},
                                  what + " channel " + std::to_string(c) + " beta " +
                                      std::to_string(o.beta) + (o.normalize ? " normalised" : ""));
  }
}

// Tall frames, whose rows the engine splits into groups over its pool, at every beta (the
// engine contract, tests/gl/engine_contract_test.cpp, holds every engine to fewer betas there).
TEST(CpuEngineTest, TallFramesSplitOverThePoolAtEveryBeta) {
  CpuEngine engine;  // all hardware threads
  for (int w : {48, 255, 1023})
    for (ElemType t : {ElemType::kFloat32, ElemType::kUInt8}) {
      const int h = 767;
      const std::string name = std::to_string(w) + "x" + std::to_string(h) + " " + elem_name(t);
      const Heatmap rnd = testing::random_map(w, h, 1, t, w * 31 + h);
      const Heatmap gau =
          testing::gaussian_map(w, h, w * 0.37, h * 0.61, std::max(2.0, w / 9.0), t);
      const Heatmap multi = testing::multi_peak_map(w, h, t, w + h);
      for (double beta : {1e-3, 0.1, 1.0, 10.0, 100.0, 1e3, 1e4})
        for (bool norm : {false, true}) {
          expect_matches_reference(rnd.view(), {beta, norm}, engine, "random " + name);
          expect_matches_reference(gau.view(), {beta, norm}, engine, "gaussian " + name);
          expect_matches_reference(multi.view(), {beta, norm}, engine, "multi-peak " + name);
        }
    }
}

// A large frame is split into many tasks run on the pool's threads (that the pool runs them on
// more than one thread at once: tests/unit/thread_pool_test.cpp), and still matches; a small
// one runs on the calling thread, and an engine of one thread never uses the pool.
TEST(CpuEngineTest, LargeMapUsesThreadsAndMatches) {
  CpuEngine engine(2);
  ASSERT_EQ(engine.threads(), 2);
  const Heatmap m = testing::multi_peak_map(1920, 1080, ElemType::kFloat32, 11);
  for (double beta : {1e-3, 1.0, 100.0}) {
    expect_matches_reference(m.view(), {beta, false}, engine, "1920x1080");
    EXPECT_TRUE(engine.last_ran_on_pool()) << beta;
    EXPECT_GE(engine.last_task_count(), 8u) << beta;
  }
  const Heatmap r = testing::random_map(2048, 1024, 1, ElemType::kFloat32, 12);
  expect_matches_reference(r.view(), {1e-3, false}, engine, "2048x1024 random");
  EXPECT_TRUE(engine.last_ran_on_pool());
  EXPECT_GE(engine.last_task_count(), 8u);
  const Heatmap tiny = testing::random_map(7, 5, 1, ElemType::kFloat32, 13);
  engine.decode(tiny.view(), {1.0, false});
  EXPECT_FALSE(engine.last_ran_on_pool());
  CpuEngine one(1);
  one.decode(m.view(), {1.0, false});
  EXPECT_FALSE(one.last_ran_on_pool());
  engine.decode(m.view(), {1.0, false});
  EXPECT_EQ(one.last_task_count(), engine.last_task_count());
}

TEST(CpuEngineTest, DeterministicAcrossThreadCounts) {
  const Heatmap m = testing::random_map(1500, 900, 1, ElemType::kFloat32, 8);
  CpuEngine one(1), two(2);
  const Keypoint a = one.decode(m.view(), {0.5, false}).keypoints()[0];
  const Keypoint b = two.decode(m.view(), {0.5, false}).keypoints()[0];
  EXPECT_EQ(a.soft_x, b.soft_x);
  EXPECT_EQ(a.soft_y, b.soft_y);
}

// The engine's own calls (no DecodedFrame) give what the frame's queries give: the frame is
// answered by them.
TEST(CpuEngineTest, DirectCallsEqualTheDecodedFramesQueries) {
  const Heatmap m = testing::multi_peak_map(97, 61, ElemType::kUInt8, 5);
  CpuEngine engine(2);
  const DecodeOptions o{20.0, true};
  const DecodedFrame f = engine.decode(m.view(), o);
  EXPECT_EQ(f.backend(), Backend::kCpu);
  std::vector<Keypoint> k(1);
  engine.decode(m.view(), o, k);
  EXPECT_EQ(k[0].soft_x, f.keypoints()[0].soft_x);
  EXPECT_EQ(k[0].soft_y, f.keypoints()[0].soft_y);
  EXPECT_EQ(k[0].peak_probability, f.keypoints()[0].peak_probability);
  std::vector<float> p(m.view().pixels());
  const Keypoint pk = engine.softmax_map(m.view(), 0, o, p.data());
  EXPECT_EQ(pk.soft_x, k[0].soft_x);
  const SoftmaxImage img = f.softmax(0);
  ASSERT_NE(img.cpu, nullptr);
  EXPECT_TRUE(std::equal(p.begin(), p.end(), img.cpu));
  const BetaGrid a = engine.beta_grid(m.view(), {1.0, 100.0}, false, true);
  const BetaGrid b = f.beta_grid({1.0, 100.0}, false, true);
  ASSERT_EQ(a.keypoints.size(), 2u);
  ASSERT_EQ(b.keypoints.size(), 2u);
  for (std::size_t j = 0; j < 2; ++j) {
    EXPECT_EQ(a.keypoints[j][0].soft_x, b.keypoints[j][0].soft_x);
    EXPECT_EQ(a.debiased[j][0].x, b.debiased[j][0].x);
  }
  std::vector<Keypoint> none;
  EXPECT_THROW(engine.decode(m.view(), o, none), std::invalid_argument);
  EXPECT_THROW(engine.softmax_map(m.view(), 1, o, p.data()), std::out_of_range);
}

TEST(CpuEngineTest, ReportsSimdTarget) {
  EXPECT_STRNE(CpuEngine::simd_target(), "");
}

}  // namespace
}  // namespace peakscope
