// The decoding lab's viewer state without a window: decoders' points and errors, conventions,
// curves, auto-tune over remembered frames, and the gradient.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "app/viewer/frame_step.hpp"
#include "app/viewer/lab_state.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/lab/reference_decoders.hpp"
#include "core/reference.hpp"

namespace peakscope::viewer {
namespace {

// A 64 x 48 frame: a Gaussian of sigma 2 at (x0, y0), with that ground truth.
io::Frame gaussian_frame(double x0, double y0, long index) {
  io::Frame f;
  f.index = index;
  f.heatmap = Heatmap(64, 48, 1, ElemType::kFloat32);
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x)
      f.heatmap.f32()[y * 64 + x] =
          static_cast<float>(std::exp(-((x - x0) * (x - x0) + (y - y0) * (y - y0)) / 8));
  f.ground_truth = {{io::Point2{x0, y0}}};
  return f;
}

// The lab is fed what FrameStep computes on a CPU engine's decode of the frame (the lab's
// decoders, windows and beta grid all come from that one decode); the reference's keypoints
// are handed on.
FrameStep& step() {
  static const std::unique_ptr<FrameStep> s = [] {
    auto p = std::make_unique<FrameStep>();
    p->set_engine(std::make_unique<CpuEngine>(1), "");
    return p;
  }();
  return *s;
}

std::vector<Keypoint> decode(const io::Frame& f, const DecodeOptions& o) {
  EXPECT_TRUE(step().decode(f, o).ok);
  return reference::decode_all(f.heatmap.view(), o);
}

// One UI frame of the lab on f (decoded last): the work it asks for, computed by the step.
void update(LabState& lab, const io::Frame& f, const std::vector<Keypoint>& kps,
            const DecodeOptions& opt, long generation, long frames_shown, int shown_channel) {
  const LabFrame lf{&f, opt, generation, frames_shown, shown_channel};
  lab.update(lf, kps, step().lab(lab.work(lf), f, kps, opt));
}

// The lab's curves from the step's beta grid (and windows) of the last decode.
void compute_curves(LabState& lab, const std::vector<double>& betas, bool normalize) {
  const CurveResults r =
      step().curves(betas, normalize, lab.enabled(DecoderKind::kDebiased),
                    lab.enabled(DecoderKind::kWindow) ? lab.params().window_radius : -1);
  ASSERT_EQ(r.error, "");
  lab.compute_curves(r.grid, r.windows);
}

TEST(LabState, PointsErrorsAndConventions) {
  const io::Frame f = gaussian_frame(20.3, 17.6, 0);
  const DecodeOptions opt{10, false};
  LabState lab;
  EXPECT_FALSE(lab.any_enabled());
  lab.set_enabled(DecoderKind::kDark, true);
  lab.set_enabled(DecoderKind::kQuarter, true);
  update(lab, f, decode(f, opt), opt, 1, 1, -1);
  ASSERT_EQ(lab.points().size(), 1u);
  const DecodedPoint q = lab.points()[0][decoder_index(DecoderKind::kQuarter)];
  EXPECT_EQ(q.x, 20.25);
  EXPECT_EQ(q.y, 17.75);
  const DecodedPoint want = reference::decode_with(DecoderKind::kDark, f.heatmap.view(), 0, opt);
  EXPECT_NEAR(lab.points()[0][decoder_index(DecoderKind::kDark)].x, want.x, 1e-9);
  EXPECT_LT(lab.error(0, DecoderKind::kDark), 0.01);
  EXPECT_NEAR(lab.error(0, DecoderKind::kQuarter), std::hypot(0.05, 0.15), 1e-9);
  CoordConvention dsnt;
  dsnt.system = CoordSystem::kDsnt;
  ASSERT_TRUE(lab.set_coords(dsnt));
  EXPECT_NEAR(lab.in_convention(0, DecoderKind::kQuarter)->x, (2 * 20.25 + 1) / 64 - 1, 1e-12);
  CoordConvention bad;
  bad.system = CoordSystem::kImage;  // no input size
  EXPECT_FALSE(lab.set_coords(bad));
  EXPECT_EQ(lab.coords().system, CoordSystem::kDsnt);
}

TEST(LabState, SkeletonJoinsTheChosenDecodersPoints) {
  LabState lab;
  const io::Frame f = gaussian_frame(20.3, 30.6, 1);
  const DecodeOptions opt{10.0, false};
  const std::vector<Keypoint> kps = decode(f, opt);
  update(lab, f, kps, opt, 1, 1, -1);
  double x = 0, y = 0;
  ASSERT_TRUE(lab.skeleton_point(0, x, y));  // soft-argmax by default
  EXPECT_EQ(x, kps[0].soft_x);
  EXPECT_EQ(y, kps[0].soft_y);
  EXPECT_FALSE(lab.skeleton_point(1, x, y));  // no such channel

  lab.set_skeleton_decoder(DecoderKind::kQuarter);
  EXPECT_TRUE(lab.enabled(DecoderKind::kQuarter));  // chosen, so its points exist
  update(lab, f, kps, opt, 1, 1, -1);
  ASSERT_TRUE(lab.skeleton_point(0, x, y));
  EXPECT_EQ(x, kps[0].argmax_x + 0.25);  // the peak's right neighbour is larger
  EXPECT_EQ(y, kps[0].argmax_y - 0.25);  // and the one above (30.6 rounds to 31)

  lab.set_skeleton_decoder(DecoderKind::kArgmax);
  ASSERT_TRUE(lab.skeleton_point(0, x, y));
  EXPECT_EQ(x, kps[0].argmax_x);
  EXPECT_EQ(y, kps[0].argmax_y);
}

TEST(LabState, CurvesForBetaDecodersAndLevelsForTheOthers) {
  const io::Frame f = gaussian_frame(12.4, 30.2, 0);
  const DecodeOptions opt{10, false};
  LabState lab;
  lab.set_enabled(DecoderKind::kDebiased, true);
  lab.set_enabled(DecoderKind::kCentroid, true);
  update(lab, f, decode(f, opt), opt, 1, 1, -1);
  EXPECT_TRUE(lab.curves_stale());
  const std::vector<double> betas{1, 10, 100};
  compute_curves(lab, betas, false);
  EXPECT_FALSE(lab.curves_stale());
  ASSERT_EQ(lab.curves().size(), 2u);
  for (const DecoderCurve& c : lab.curves()) {
    if (c.kind == DecoderKind::kDebiased) {
      ASSERT_EQ(c.values.size(), 3u);
      const DecodedPoint d =
          reference::decode_with(DecoderKind::kDebiased, f.heatmap.view(), 0, {100, false});
      EXPECT_NEAR(c.values[2], std::hypot(d.x - 12.4, d.y - 30.2), 1e-6);
      EXPECT_LT(c.values[1], 0.01);  // a clean zero background: debiased is exact
    } else {
      EXPECT_EQ(c.kind, DecoderKind::kCentroid);
      EXPECT_TRUE(c.values.empty());
      EXPECT_NEAR(c.level, lab.error(0, DecoderKind::kCentroid), 1e-12);
    }
  }
  lab.set_enabled(DecoderKind::kWindow, true);
  update(lab, f, decode(f, opt), opt, 1, 1, -1);
  EXPECT_TRUE(lab.curves_stale());
}

TEST(LabState, AutoTuneOverTheRememberedFrames) {
  LabState lab;
  const DecodeOptions opt{100, false};
  EXPECT_TRUE(lab.tune_samples().empty());  // nothing remembered yet
  std::vector<io::Frame> frames;
  for (int i = 0; i < 6; ++i) frames.push_back(gaussian_frame(10.3 + 7.1 * i, 12.7 + 3.3 * i, i));
  for (int i = 0; i < 6; ++i) update(lab, frames[i], decode(frames[i], opt), opt, 1, i + 1, -1);
  EXPECT_EQ(lab.tune_frames(), 6u);
  const std::vector<TuneSample> samples = lab.tune_samples();
  ASSERT_EQ(samples.size(), 6u);
  EXPECT_FALSE(lab.has_tuned());
  lab.set_tuned(step().auto_tune(samples, false));
  ASSERT_TRUE(lab.has_tuned());
  // The tuned beta beats its neighbours on the same frames.
  auto mean_err = [&](double b) {
    double s = 0;
    for (const io::Frame& f : frames) {
      const Keypoint k = reference::decode(f.heatmap.view(), 0, {b, false});
      s += std::hypot(k.soft_x - f.ground_truth[0][0].x, k.soft_y - f.ground_truth[0][0].y);
    }
    return s / frames.size();
  };
  EXPECT_NEAR(lab.tuned().error, mean_err(lab.tuned().beta), 1e-4);
  EXPECT_LT(mean_err(lab.tuned().beta), mean_err(lab.tuned().beta * 1.5));
  EXPECT_LT(mean_err(lab.tuned().beta), mean_err(lab.tuned().beta / 1.5));
  // A new source forgets the old frames.
  update(lab, frames[0], decode(frames[0], opt), opt, 2, 7, -1);
  EXPECT_EQ(lab.tune_frames(), 1u);
}

TEST(LabState, GradientOfTheShownChannel) {
  const io::Frame f = gaussian_frame(30.5, 20.2, 0);
  const DecodeOptions opt{10, true};
  LabState lab;
  update(lab, f, decode(f, opt), opt, 1, 1, -1);
  EXPECT_EQ(lab.gradient().width, 0);  // off: not computed
  lab.set_gradient_on(true);
  const long v0 = lab.gradient_version();
  update(lab, f, decode(f, opt), opt, 1, 1, -1);
  EXPECT_EQ(lab.gradient().width, 64);
  EXPECT_GT(lab.gradient().max_abs, 0);
  EXPECT_GT(lab.gradient_version(), v0);
  lab.set_gradient_part(LabState::GradientPart::kMagnitude);
  EXPECT_GT(lab.gradient_version(), v0 + 1);
}

}  // namespace
}  // namespace peakscope::viewer
