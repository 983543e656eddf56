// Comparison sheets: marker rings scaled with the panel, colour bars with the real range,
// panels that keep the frame's aspect.
#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "core/cpu/cpu_engine.hpp"
#include "core/io/sheets.hpp"
#include "tests/support/maps.hpp"

namespace peakscope::io {
namespace {

bool is_white(const cv::Vec3b& p) {
  return p[0] == 255 && p[1] == 255 && p[2] == 255;
}

struct Sheet {
  SeedPanels panels;
  cv::Mat img;
  int pw = 0, ph = 0;
};

Sheet sheet_of(const Heatmap& m, double beta, double aspect = 1) {
  CpuEngine engine(1);
  std::vector<float> p(m.view().pixels());
  const Keypoint k = engine.softmax_map(m.view(), 0, {beta, true}, p.data());
  Sheet s;
  s.panels = make_seed_panels(m.view(), 0, k, p);
  s.panels.pixel_aspect = aspect;
  s.img = compose_sheet(s.panels, "test");
  s.pw = (s.img.cols - 5 * kSheetGap) / 4;
  s.ph = s.img.rows - kSheetTitle - kSheetBars - kSheetFooter;
  return s;
}

// On a 48 x 64 map the ring leaves the peak visible; on a 768 px frame it is large enough to see.
TEST(PanelsTest, MarkerRingsScaleWithThePanel) {
  for (auto [w, h] : {std::pair{48, 64}, std::pair{768, 512}}) {
    const Heatmap m =
        testing::gaussian_map(w, h, w * 0.4, h * 0.55, std::max(3.0, w / 10.0), ElemType::kFloat32);
    const Sheet s = sheet_of(m, 100);
    const double scale = static_cast<double>(s.pw) / w;
    EXPECT_EQ(s.ph, static_cast<int>(h * scale));
    EXPECT_GE(std::max(s.pw, s.ph), 256);
    const int r = sheet_marker_radius(std::min(s.pw, s.ph));
    EXPECT_GE(r, std::min(s.pw, s.ph) / 60) << w;
    const Keypoint& k = s.panels.k;
    auto at = [&](int panel, double px, double py) {  // panel pixel at map coordinate (px, py)
      const int x = static_cast<int>(std::lround((px + 0.5) * scale - 0.5));
      const int y = static_cast<int>(std::lround((py + 0.5) * scale - 0.5));
      return s.img.at<cv::Vec3b>(kSheetTitle + y, kSheetGap + panel * (s.pw + kSheetGap) + x);
    };
    const double ring = r / scale;  // the ring's radius in map pixels
    EXPECT_TRUE(is_white(at(1, k.argmax_x + ring, k.argmax_y))) << w;
    EXPECT_FALSE(is_white(at(1, k.argmax_x, k.argmax_y))) << w << ": the peak must stay visible";
    EXPECT_EQ(at(1, k.argmax_x, k.argmax_y), at(0, k.argmax_x, k.argmax_y)) << w;
    EXPECT_TRUE(is_white(at(3, k.soft_x + ring, k.soft_y))) << w;
    EXPECT_FALSE(is_white(at(3, k.soft_x, k.soft_y))) << w;
  }
}

// At beta 0.1 the softmax is nearly flat (p_max tiny): the stretched panel must say so.
TEST(PanelsTest, SoftmaxPanelCarriesItsRealRange) {
  const Heatmap m = testing::gaussian_map(64, 64, 20, 30, 12, ElemType::kFloat32);
  const Sheet s = sheet_of(m, 0.1);
  EXPECT_LT(s.panels.p_max, 1e-3);
  EXPECT_GT(s.panels.p_min, 0);
  EXPECT_LT(s.panels.p_min, s.panels.p_max);
  EXPECT_NEAR(s.panels.p_max, s.panels.k.peak_probability, 1e-6 * s.panels.p_max);
  // The colour bar under the softmax panel: the colour map's ends at its ends.
  const cv::Mat bar = colorbar(Colormap::kJet, s.pw, s.panels.p_min, s.panels.p_max, "p");
  const int x0 = kSheetGap + 2 * (s.pw + kSheetGap), y0 = kSheetTitle + s.ph + 2;
  cv::Mat placed = s.img(cv::Rect(x0, y0, s.pw, bar.rows));
  cv::Mat diff;
  cv::absdiff(placed, bar, diff);
  EXPECT_EQ(cv::countNonZero(diff.reshape(1)), 0);
  cv::Mat lo(1, 1, CV_8U, cv::Scalar(0)), hi(1, 1, CV_8U, cv::Scalar(255));
  EXPECT_EQ(bar.at<cv::Vec3b>(5, 0), apply_colormap(lo, Colormap::kJet).at<cv::Vec3b>(0, 0));
  EXPECT_EQ(bar.at<cv::Vec3b>(5, s.pw - 1), apply_colormap(hi, Colormap::kJet).at<cv::Vec3b>(0, 0));
}

// A model output of 32 x 24 for a 640 x 360 frame: one map pixel is 20 x 15 frame pixels.
TEST(PanelsTest, PanelsKeepTheFramesAspect) {
  const Heatmap m = testing::gaussian_map(32, 24, 10, 12, 4, ElemType::kFloat32);
  const Sheet s = sheet_of(m, 100, 20.0 / 15.0);
  EXPECT_NEAR(static_cast<double>(s.pw) / s.ph, 640.0 / 360.0, 0.05);
}

}  // namespace
}  // namespace peakscope::io
