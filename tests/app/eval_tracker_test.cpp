// The viewer's evaluation figures without a window (app/viewer/eval_tracker.hpp): errors in
// image pixels to the truth nearest the argmax, each source frame once, a fresh start on a new
// source or beta, PCK at the panel's threshold.
#include <gtest/gtest.h>

#include <cmath>

#include "app/viewer/eval_tracker.hpp"

namespace peakscope::viewer {
namespace {

// A 1-channel frame (heatmap 4 x 3, image scale 2) with truth at (1, 1) and a far second one.
io::Frame frame(long index) {
  io::Frame f;
  f.index = index;
  f.heatmap = Heatmap(4, 3, 1, ElemType::kFloat32);
  f.image_scale_x = f.image_scale_y = 2;
  f.ground_truth = {{{1, 1}, {3, 2}}};
  return f;
}

Keypoint kp(double soft_x, double soft_y) {
  Keypoint k;
  k.argmax_x = 1;
  k.argmax_y = 1;
  k.soft_x = soft_x;
  k.soft_y = soft_y;
  k.valid = true;
  return k;
}

TEST(EvalTrackerTest, ImagePixelsOncePerFrameAndAFreshStartOnANewBeta) {
  EvalTracker ev;
  const LabState lab;
  ev.record(0, frame(0), {kp(1.5, 1)}, lab, 10, true);  // 0.5 heatmap px = 1 image px
  EXPECT_EQ(ev.frames(), 1);
  EXPECT_DOUBLE_EQ(ev.stats(DecoderKind::kSoftargmax, 0).mean, 1.0);
  EXPECT_DOUBLE_EQ(ev.stats(DecoderKind::kArgmax, -1).mean, 0.0);
  // The same frame again (paused, re-decoded) replaces its figures.
  ev.record(0, frame(0), {kp(2, 1)}, lab, 10, true);
  EXPECT_EQ(ev.frames(), 1);
  EXPECT_DOUBLE_EQ(ev.stats(DecoderKind::kSoftargmax, 0).mean, 2.0);
  ev.record(0, frame(1), {kp(1, 4)}, lab, 10, true);  // 3 heatmap px = 6 image px
  EXPECT_EQ(ev.frames(), 2);
  EXPECT_DOUBLE_EQ(ev.stats(DecoderKind::kSoftargmax, 0).mean, 4.0);
  EXPECT_DOUBLE_EQ(ev.stats(DecoderKind::kSoftargmax, 0).pck[0], 0.5);  // 5 px threshold
  ev.set_threshold(6);
  EXPECT_DOUBLE_EQ(ev.stats(DecoderKind::kSoftargmax, 0).pck[0], 1.0);
  EXPECT_THROW(ev.set_threshold(0), std::invalid_argument);
  // A frame without truth adds nothing; another beta starts afresh.
  io::Frame none = frame(2);
  none.ground_truth.clear();
  ev.record(0, none, {kp(1, 1)}, lab, 10, true);
  EXPECT_EQ(ev.frames(), 2);
  ev.record(0, frame(3), {kp(1, 1)}, lab, 20, true);
  EXPECT_EQ(ev.frames(), 1);
  EXPECT_DOUBLE_EQ(ev.stats(DecoderKind::kSoftargmax, -1).mean, 0.0);
  EXPECT_EQ(ev.stats(DecoderKind::kDark, -1).labelled, 0);  // not enabled: no samples
}

}  // namespace
}  // namespace peakscope::viewer
