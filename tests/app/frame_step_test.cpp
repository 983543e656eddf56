// The viewer's engine work without a window: FrameStep on a CPU engine decodes the state's
// frame once and computes from that decode what is due (view maps, lab points, beta grid),
// and nothing when nothing changed; the curves follow their period while frames arrive.
#include "app/viewer/frame_step.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <numeric>

#include "core/reference.hpp"

namespace peakscope::viewer {
namespace {

// A 2-channel 40 x 30 frame: Gaussians at (12 + 9c, 11), ground truth there.
io::Frame frame(long index) {
  io::Frame f;
  f.index = index;
  f.heatmap = Heatmap(40, 30, 2, ElemType::kFloat32);
  for (int c = 0; c < 2; ++c)
    for (int y = 0; y < 30; ++y)
      for (int x = 0; x < 40; ++x)
        f.heatmap.f32()[(c * 30 + y) * 40 + x] = static_cast<float>(
            std::exp(-((x - 12.0 - 9 * c) * (x - 12.0 - 9 * c) + (y - 11.0) * (y - 11.0)) / 6.0));
  f.ground_truth = {{io::Point2{12, 11}}, {io::Point2{21, 11}}};
  return f;
}

std::unique_ptr<FrameStep> cpu_step() {
  auto s = std::make_unique<FrameStep>();
  s->set_engine(std::make_unique<CpuEngine>(1), "");
  return s;
}

// What the Viewer does with the results, minus the views.
void apply(ViewerState& st, const FrameResults& r) {
  if (r.decoded) st.set_decoded(r.decode.keypoints, r.decode.ms);
  st.lab().update(st.lab_frame(), st.keypoints(), r.lab);
  if (r.curves) {
    st.compute_curve(r.curves->grid);
    st.lab().compute_curves(r.curves->grid, r.curves->windows);
  }
}

TEST(FrameStepTest, OneDecodeFeedsTheStateTheLabAndTheCurves) {
  ViewerState st;
  st.begin_source(0, "test", -1);
  st.set_frame(frame(0));
  st.lab().set_enabled(DecoderKind::kQuarter, true);
  const std::unique_ptr<FrameStep> step = cpu_step();
  const FrameResults& r = step->run(st, {0.0, false});
  ASSERT_TRUE(r.decoded);
  ASSERT_TRUE(r.decode.ok) << r.decode.error;
  EXPECT_EQ(r.decode.backend, Backend::kCpu);
  const HeatmapView map = st.frame()->heatmap.view();
  const std::vector<Keypoint> want = reference::decode_all(map, st.settings().decode_options());
  ASSERT_EQ(r.decode.keypoints.size(), 2u);
  for (int c = 0; c < 2; ++c) {
    EXPECT_NEAR(r.decode.keypoints[c].soft_x, want[c].soft_x, 1e-3);
    EXPECT_NEAR(r.decode.keypoints[c].soft_y, want[c].soft_y, 1e-3);
    // All channels shown: both softmax maps on the host, each summing to 1.
    ASSERT_EQ(r.views.softmax[c].size(), map.pixels());
    EXPECT_NEAR(std::accumulate(r.views.softmax[c].begin(), r.views.softmax[c].end(), 0.0), 1.0,
                1e-4);
  }
  EXPECT_EQ(r.views.channel, -1);
  EXPECT_EQ(r.views.softmax_texture, 0u);
  EXPECT_EQ(r.views.values_texture, 0u);
  // The lab's quarter points, and the curves (stale, first time: due at once).
  ASSERT_EQ(r.lab.points.size(), 2u);
  EXPECT_EQ(r.lab.points[1][0].x, 21);
  ASSERT_TRUE(r.curves.has_value());
  EXPECT_EQ(r.curves->grid.betas, ViewerState::curve_betas());
  EXPECT_FALSE(r.comparison.has_value()) << "the CPU engine is not compared with itself";
  apply(st, r);
  EXPECT_FALSE(st.needs_decode());
  EXPECT_FALSE(st.curve_stale());
  EXPECT_FALSE(st.lab().curves_stale());
  EXPECT_EQ(st.lab().points()[0][decoder_index(DecoderKind::kQuarter)].x, 12);

  // Nothing changed: no decode, no lab work, no curves.
  const FrameResults& again = step->run(st, {0.1, false});
  EXPECT_FALSE(again.decoded);
  EXPECT_TRUE(again.lab.key.empty());
  EXPECT_FALSE(again.curves.has_value());

  // One channel shown: its map alone.
  ASSERT_TRUE(st.set_channel(1));
  const FrameResults& one = step->run(st, {0.2, false});
  ASSERT_TRUE(one.decoded);
  EXPECT_EQ(one.views.channel, 1);
  EXPECT_EQ(one.views.softmax[1].size(), map.pixels());
}

TEST(FrameStepTest, CurvesWaitForTheirPeriodWhileFramesArrive) {
  ViewerState st;
  st.begin_source(0, "test", -1);
  st.set_frame(frame(0));
  const std::unique_ptr<FrameStep> step = cpu_step();
  apply(st, step->run(st, {10.0, false}));
  EXPECT_FALSE(st.curve_stale());
  st.set_frame(frame(1));
  const FrameResults& soon = step->run(st, {10.1, false});
  EXPECT_TRUE(soon.decoded);
  EXPECT_FALSE(soon.curves.has_value()) << "0.1 s after the last curve on the CPU engine";
  apply(st, soon);
  EXPECT_TRUE(st.curve_stale());
  const FrameResults& later = step->run(st, {10.3, false});
  EXPECT_TRUE(later.curves.has_value());
  // A scripted run's last frame gets its curve at once.
  apply(st, later);
  st.set_frame(frame(2));
  EXPECT_TRUE(step->run(st, {10.31, true}).curves.has_value());
}

TEST(FrameStepTest, NothingToAskWithoutADecode) {
  const std::unique_ptr<FrameStep> step = cpu_step();
  EXPECT_NE(step->curves(ViewerState::curve_betas(), true, false, -1).error, "");
  const io::Frame f = frame(0);
  LabWork w;
  w.key = "k";
  w.points = true;
  w.kinds = {DecoderKind::kQuarter};
  const std::vector<Keypoint> kps =
      reference::decode_all(f.heatmap.view(), DecodeOptions{10, true});
  const LabResults r = step->lab(w, f, kps, DecodeOptions{10, true});
  EXPECT_NE(r.error, "");
  EXPECT_TRUE(r.points.empty());
  ViewMaps maps;
  step->view_maps(f, -1, maps);
  EXPECT_NE(maps.error, "");
}

}  // namespace
}  // namespace peakscope::viewer
