// The numbers the viewer prints, without a window: image coordinates through the region the
// model saw (the CLI's io::heatmap_to_image), none where a frame has no image mapping; the
// softmax colour bar's true minimum, its clip and a constant map; NaN pixels and their colour;
// the effective beta; the gradient view's log scale with its floor.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <opencv2/core.hpp>
#include <vector>

#include "app/viewer/gradient_image.hpp"
#include "app/viewer/overlay.hpp"
#include "app/viewer/readouts.hpp"
#include "app/viewer/view_images.hpp"
#include "core/io/colormap.hpp"
#include "core/reference.hpp"

namespace peakscope::viewer {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// A W x H one-channel frame: a Gaussian at (cx, cy) of height `peak` over `base`.
io::Frame gauss(int w, int h, double cx, double cy, double peak = 1, double base = 0) {
  io::Frame f;
  f.heatmap = Heatmap(w, h, 1, ElemType::kFloat32);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      f.heatmap.f32()[static_cast<std::size_t>(y) * w + x] = static_cast<float>(
          base + peak * std::exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / 4.0));
  return f;
}

// The messi5.jpg case: a 64 x 64 map of a 548 x 548 letterboxed region starting at y = -103
// of a 548 x 342 photo (what --pose mediapipe gives). The argmax (28, 25) reads (243.53,
// 114.84) in the CLI's argmax_image; the frame-size mapping gave (243.1, 135.3).
TEST(ViewNumbers, ImageCoordinatesAreTheClisOnTheModelsRegion) {
  io::Frame f = gauss(64, 64, 28, 25);
  f.image = cv::Mat(342, 548, CV_8UC3, cv::Scalar(0, 0, 0));
  f.image_scale_x = f.image_scale_y = 548.0 / 64;
  f.image_offset_y = -103;
  ASSERT_TRUE(has_image_mapping(f));
  const CoordConvention conv = image_convention(f, false);
  EXPECT_EQ(conv.input_width, 548);
  const auto q = readout_point(f, 28, 25, conv);
  ASSERT_TRUE(q);
  const io::Point2 want = io::heatmap_to_image(f, 28, 25);
  EXPECT_EQ(q->x, want.x);
  EXPECT_EQ(q->y, want.y);
  EXPECT_NEAR(q->x, 243.53125, 1e-12);
  EXPECT_NEAR(q->y, 114.84375, 1e-12);
  // UDP: the first and last cell centres on the region's first and last pixel centres.
  const auto u = readout_point(f, 63, 0, image_convention(f, true));
  ASSERT_TRUE(u);
  EXPECT_NEAR(u->x, 547, 1e-12);
  EXPECT_NEAR(u->y, -103, 1e-12);
  EXPECT_EQ(u->x, GridMapping::of(f, true).to_image(63, 0).x);
  // The other conventions do not need an image.
  CoordConvention dsnt;
  dsnt.system = CoordSystem::kDsnt;
  EXPECT_NEAR(readout_point(f, 28, 25, dsnt)->x, (2 * 28 + 1) / 64.0 - 1, 1e-15);
}

TEST(ViewNumbers, ANpyWithoutAnImageHasNoImageCoordinates) {
  const io::Frame npy = gauss(48, 32, 10, 12);
  EXPECT_FALSE(has_image_mapping(npy));
  EXPECT_FALSE(readout_point(npy, 10, 12, image_convention(npy, false)));
  EXPECT_FALSE(readout_point(npy, 10, 12, image_convention(npy, true)));
  CoordConvention index;
  EXPECT_EQ(readout_point(npy, 10, 12, index)->x, 10);
  // The synthetic scene's image is its heatmap's grid: identity.
  io::Frame scene = npy;
  scene.scene = std::make_shared<Scene>(SceneConfig{});
  ASSERT_TRUE(has_image_mapping(scene));
  EXPECT_EQ(readout_point(scene, 10, 12, image_convention(scene, false))->x, 10);
}

TEST(ViewNumbers, EffectiveBetaIsTheCoresPerChannel) {
  const io::Frame f = gauss(32, 24, 10, 8, 0.041);
  const DecodeOptions opt{100, true};
  const Keypoint k = reference::decode(f.heatmap.view(), 0, opt);
  EXPECT_DOUBLE_EQ(channel_beta_eff(k, opt), effective_beta(opt, k.argmax_value));
  EXPECT_NEAR(channel_beta_eff(k, opt), 100 / 0.041, 100 / 0.041 * 1e-6);
  EXPECT_TRUE(beta_eff_differs(k, opt));
  const DecodeOptions off{100, false};
  EXPECT_EQ(channel_beta_eff(k, off), 100);
  EXPECT_FALSE(beta_eff_differs(k, off));
  const Keypoint bad = invalid_keypoint(32, 24);
  EXPECT_EQ(channel_beta_eff(bad, opt), 100);
  EXPECT_FALSE(beta_eff_differs(bad, opt));
}

// The softmax of one channel at `opt`, as the engines give it (float).
std::vector<float> softmax_of(const io::Frame& f, const Keypoint& k, const DecodeOptions& opt) {
  const HeatmapView m = f.heatmap.view();
  std::vector<float> p(m.pixels());
  for (int y = 0; y < m.height; ++y)
    for (int x = 0; x < m.width; ++x)
      p[static_cast<std::size_t>(y) * m.width + x] =
          static_cast<float>(softmax_at(m.at(0, y, x), k, opt));
  return p;
}

TEST(ViewNumbers, LogColourBarEndsAtTheTrueMinimumOrSaysClipped) {
  const io::Frame f = gauss(64, 48, 20, 20);
  const HeatmapView m = f.heatmap.view();
  const std::vector<double> mins = {channel_min(m, 0)};
  // beta 10: the smallest p lies a few decades below the peak: the bar's bottom is it.
  const DecodeOptions mild{10, true};
  const std::vector<Keypoint> km = {reference::decode(m, 0, mild)};
  const PRange r = softmax_range(km, mins, 0, SoftmaxScale::kLog, mild);
  EXPECT_DOUBLE_EQ(r.hi, km[0].peak_probability);
  EXPECT_DOUBLE_EQ(r.min, softmax_at(mins[0], km[0], mild));
  EXPECT_EQ(r.lo, r.min);
  EXPECT_FALSE(r.clipped);
  EXPECT_FALSE(r.constant);
  // beta 700: the smallest p is ~1e-300, far past 12 decades: the scale stops there and says so.
  const DecodeOptions sharp{700, true};
  const std::vector<Keypoint> ks = {reference::decode(m, 0, sharp)};
  const PRange c = softmax_range(ks, mins, 0, SoftmaxScale::kLog, sharp);
  EXPECT_TRUE(c.clipped);
  EXPECT_NEAR(c.lo, c.hi * 1e-12, c.hi * 1e-24);
  EXPECT_LT(c.min, c.lo);
  EXPECT_GT(c.min, 0.0) << "the true minimum, in double, not the float's 0";
  const std::vector<float> p = softmax_of(f, ks[0], sharp);
  const ViewImage im =
      softmax_image({p.data()}, ks, mins, m, 0, AllChannelsView::kMax, SoftmaxScale::kLog, sharp);
  EXPECT_TRUE(im.p_clipped);
  EXPECT_EQ(im.p_lo, c.lo);
  EXPECT_EQ(im.p_min, c.min);
  // Linear: from 0 to the peak, never clipped.
  const PRange lin = softmax_range(ks, mins, 0, SoftmaxScale::kLinear, sharp);
  EXPECT_EQ(lin.lo, 0.0);
  EXPECT_FALSE(lin.clipped);
}

TEST(ViewNumbers, AConstantSoftmaxIsOneValue) {
  // beta 1e-30: every p is 1 / N.
  const io::Frame f = gauss(64, 48, 20, 20);
  const HeatmapView m = f.heatmap.view();
  const DecodeOptions flat{1e-30, false};
  const std::vector<Keypoint> k = {reference::decode(m, 0, flat)};
  const std::vector<double> mins = {channel_min(m, 0)};
  for (SoftmaxScale sc : {SoftmaxScale::kLog, SoftmaxScale::kLinear}) {
    const PRange r = softmax_range(k, mins, 0, sc, flat);
    EXPECT_TRUE(r.constant);
    EXPECT_EQ(r.min, r.hi);
    EXPECT_NEAR(r.hi, 1.0 / (64 * 48), 1e-12);
    EXPECT_FALSE(r.clipped);
  }
  const std::vector<float> p = softmax_of(f, k[0], flat);
  const ViewImage im =
      softmax_image({p.data()}, k, mins, m, 0, AllChannelsView::kMax, SoftmaxScale::kLog, flat);
  EXPECT_TRUE(im.constant);
  // A constant heatmap too.
  const io::Frame c = gauss(8, 8, 3, 3, 0, 0.5);
  EXPECT_TRUE(heat_image(c.heatmap.view(), 0, AllChannelsView::kMax).constant);
  EXPECT_FALSE(heat_image(f.heatmap.view(), 0, AllChannelsView::kMax).constant);
}

TEST(ViewNumbers, NanPixelsStayNanInBothViewsAndGetTheirOwnColour) {
  io::Frame f = gauss(16, 12, 5, 5);
  f.heatmap.f32()[3] = kNaN;
  const HeatmapView m = f.heatmap.view();
  EXPECT_TRUE(channel_has_nan(m, 0));
  const ViewImage heat = heat_image(m, 0, AllChannelsView::kMax);
  EXPECT_TRUE(heat.has_nan);
  EXPECT_TRUE(std::isnan(heat.values[3]));
  const DecodeOptions opt{10, true};
  const std::vector<Keypoint> k = {reference::decode(m, 0, opt)};
  const std::vector<float> p = softmax_of(f, k[0], opt);
  EXPECT_EQ(p[3], 0.0f) << "the engines give a NaN pixel p = 0";
  const std::vector<double> mins = {channel_min(m, 0)};
  const ViewImage soft =
      softmax_image({p.data()}, k, mins, m, 0, AllChannelsView::kMax, SoftmaxScale::kLog, opt);
  EXPECT_TRUE(soft.has_nan);
  EXPECT_TRUE(std::isnan(soft.values[3])) << "drawn as NaN, not as the lowest p";
  EXPECT_FALSE(std::isnan(soft.values[4]));
  // An all-NaN channel: invalid, its whole softmax view NaN.
  io::Frame all = gauss(16, 12, 5, 5);
  for (std::size_t i = 0; i < all.heatmap.view().pixels(); ++i) all.heatmap.f32()[i] = kNaN;
  const Keypoint bad = reference::decode(all.heatmap.view(), 0, opt);
  EXPECT_FALSE(bad.valid);
  const std::vector<float> zero(all.heatmap.view().pixels(), 0.0f);
  const ViewImage none = softmax_image({zero.data()}, {bad}, {0.0}, all.heatmap.view(), 0,
                                       AllChannelsView::kMax, SoftmaxScale::kLog, opt);
  for (float v : none.values) ASSERT_TRUE(std::isnan(v));
  // In the grid the NaN tiles are NaN, the gaps and the empty fourth cell are not.
  io::Frame three;
  three.heatmap = Heatmap(16, 12, 3, ElemType::kFloat32);
  const std::size_t px_per = 16 * 12;
  for (std::size_t i = 0; i < 3 * px_per; ++i)
    three.heatmap.f32()[i] = i < px_per ? 0.5f : i < 2 * px_per ? kNaN : 0.25f;
  three.heatmap.f32()[5] = 1;
  three.heatmap.f32()[2 * px_per + 7] = 1;
  const HeatmapView tm = three.heatmap.view();
  std::vector<Keypoint> tk;
  std::vector<std::vector<float>> tp;
  for (int c = 0; c < 3; ++c) {
    tk.push_back(reference::decode(tm, c, opt));
    io::Frame one;
    one.heatmap = Heatmap(16, 12, 1, ElemType::kFloat32);
    std::copy(three.heatmap.f32() + c * px_per, three.heatmap.f32() + (c + 1) * px_per,
              one.heatmap.f32());
    tp.push_back(softmax_of(one, tk[c], opt));
  }
  const std::vector<double> tmins = {channel_min(tm, 0), channel_min(tm, 1), channel_min(tm, 2)};
  const ViewImage hg = heat_image(tm, -1, AllChannelsView::kGrid);
  const ViewImage sg = softmax_image({tp[0].data(), tp[1].data(), tp[2].data()}, tk, tmins, tm, -1,
                                     AllChannelsView::kGrid, SoftmaxScale::kLog, opt);
  for (const ViewImage* g : {&hg, &sg}) {
    ASSERT_EQ(g->tiles.size(), 3u);
    auto at = [&](int c, int x, int y) {
      return g->values[static_cast<std::size_t>(g->tiles[c].y + y) * g->width + g->tiles[c].x + x];
    };
    EXPECT_TRUE(std::isnan(at(1, 3, 3))) << "the invalid channel's tile";
    EXPECT_FALSE(std::isnan(at(0, 3, 3)));
    EXPECT_FALSE(std::isnan(g->values[16])) << "a gap";
    EXPECT_FALSE(std::isnan(g->values.back())) << "the empty fourth cell";
    EXPECT_TRUE(g->has_nan);
  }
  // The NaN colour is none of the colour maps' and none of the markers'.
  for (io::Colormap c : {io::Colormap::kJet, io::Colormap::kViridis, io::Colormap::kTurbo,
                         io::Colormap::kInferno, io::Colormap::kGray}) {
    const ColourTable t = io::colour_table(c);
    for (const auto& e : t) {
      const double d = std::hypot(e[0] - kNanColour[0], e[1] - kNanColour[1], e[2] - kNanColour[2]);
      ASSERT_GT(d, 100) << io::colormap_name(c);
    }
  }
  std::uint8_t px[4];
  colour_rgba(&kNaN, 1, ColourScale(0, 1, false), io::colour_table(io::Colormap::kJet), px);
  EXPECT_EQ(px[0], kNanColour[0]);
  EXPECT_EQ(px[1], kNanColour[1]);
  EXPECT_EQ(px[2], kNanColour[2]);
}

TEST(ViewNumbers, GradientScaleIsLogarithmicAboveAFloorRelativeToTheMax) {
  // One pixel that drives the estimate, one a thousand times smaller, numerical zeros.
  const std::vector<double> v = {3e-2, -3e-5, 1.66e-63, 0.0, -1e-70};
  const GradientScale s = gradient_scale(v, true, 1e-6);
  EXPECT_EQ(s.max_abs, 3e-2);
  EXPECT_DOUBLE_EQ(s.floor(), 3e-8);
  EXPECT_EQ(s.position(3e-2), 1.0);
  EXPECT_NEAR(s.position(-3e-5), -0.5, 1e-12) << "three decades of six below the max";
  EXPECT_EQ(s.position(1.66e-63), 0.0) << "a numerical zero is drawn as zero";
  EXPECT_EQ(s.position(-1e-70), 0.0);
  EXPECT_EQ(s.position(std::nan("")), 0.0);
  EXPECT_NEAR(s.value_at(-0.5), -3e-5, 1e-17);
  EXPECT_EQ(gradient_colour(0, true), gradient_colour(s.position(1.66e-63), true));
  EXPECT_NE(gradient_colour(s.position(3e-2), true), gradient_colour(s.position(-3e-5), true));
  // A lower floor shows the smaller values.
  const GradientScale deep = gradient_scale(v, true, 1e-15);
  EXPECT_LT(deep.position(-3e-5), -0.5);
  EXPECT_GT(deep.position(-3e-5), -1.0);
  // The magnitude: 0 .. 1.
  const GradientScale mag = gradient_scale({2.0, 1e-3, 0.0}, false, 1e-6);
  EXPECT_EQ(mag.position(2.0), 1.0);
  EXPECT_GT(mag.position(1e-3), 0.0);
  EXPECT_EQ(gradient_rgba({0.0}, mag)[0], gradient_colour(0, false));
  // All zero: no scale, every pixel zero.
  const GradientScale zero = gradient_scale({0.0, 0.0}, true, 1e-6);
  EXPECT_EQ(zero.max_abs, 0.0);
  EXPECT_EQ(zero.position(0.0), 0.0);
}

TEST(ViewNumbers, GradientFloorIsValidated) {
  LabState lab;
  EXPECT_EQ(lab.gradient_floor(), LabState::kGradientFloorDefault);
  const long v = lab.gradient_version();
  EXPECT_TRUE(lab.set_gradient_floor(1e-9));
  EXPECT_EQ(lab.gradient_floor(), 1e-9);
  EXPECT_GT(lab.gradient_version(), v) << "the panel recolours";
  for (double bad : {0.0, -1.0, 0.5, 1e-16, std::nan("")}) {
    EXPECT_FALSE(lab.set_gradient_floor(bad)) << bad;
    EXPECT_EQ(lab.gradient_floor(), 1e-9);
  }
}

}  // namespace
}  // namespace peakscope::viewer
