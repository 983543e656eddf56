// The overlay view in a real window (ctest runs it under xvfb-run): an image of three coloured
// dots through the tiny ONNX model (assets/models/tiny_heatmaps.onnx) on a crop (--roi), so the
// heatmap's cells are 1.5 image pixels from an offset. The screenshot must show the heatmap's
// colours where the grid mapping puts its cells on the image, blended with --overlay-alpha, the
// markers on top, and a grid shifted by half a cell (--grid-shift) must move both.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <utility>

#include "core/io/colormap.hpp"

namespace {

namespace fs = std::filesystem;

fs::path tmp(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("peakscope_overlay_viewer_" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir / name;
}

class RemoveTmpWhenPassed : public ::testing::Environment {
 public:
  void TearDown() override {
    if (::testing::UnitTest::GetInstance()->Passed())
      fs::remove_all(fs::temp_directory_path() /
                     ("peakscope_overlay_viewer_" + std::to_string(getpid())));
  }
};
[[maybe_unused]] ::testing::Environment* const kTmpEnv =
    ::testing::AddGlobalTestEnvironment(new RemoveTmpWhenPassed);

// 128 x 96, black, a red, a green and a blue dot: the tiny model's three channels peak there.
const cv::Point kRed(40, 30), kGreen(100, 70), kBlue(64, 12);
std::string dots_image() {
  const std::string path = tmp("dots.png").string();
  if (fs::exists(path)) return path;
  cv::Mat img(96, 128, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::circle(img, kRed, 4, cv::Scalar(0, 0, 255), cv::FILLED);
  cv::circle(img, kGreen, 4, cv::Scalar(0, 255, 0), cv::FILLED);
  cv::circle(img, kBlue, 4, cv::Scalar(255, 0, 0), cv::FILLED);
  cv::imwrite(path, img);
  return path;
}

struct OverlayRun {
  nlohmann::json report;
  cv::Mat shot;
  // The left view: image pixel (pixel-centre coordinates) -> screen.
  double ox = 0, oy = 0, z = 1;
  cv::Point2d screen(double ix, double iy) const {
    return {ox + (ix + 0.5) * z, oy + (iy + 0.5) * z};
  }
  // Heatmap cell -> image pixel, by the report's grid (the index convention).
  cv::Point2d image(double x, double y) const {
    const auto& g = report["grid"];
    return {(x + g["shift_x"].get<double>() + 0.5) * g["scale_x"].get<double>() - 0.5 +
                g["offset_x"].get<double>(),
            (y + g["shift_y"].get<double>() + 0.5) * g["scale_y"].get<double>() - 0.5 +
                g["offset_y"].get<double>()};
  }
  cv::Point2d argmax_screen(int c) const {
    const auto& k = report["keypoints"][c];
    const cv::Point2d p = image(k["argmax_x"].get<double>(), k["argmax_y"].get<double>());
    return screen(p.x, p.y);
  }
};

// The image through the model on the crop 20,0,96,96 (cells of 1.5 px from (20, 0)), overlay on.
OverlayRun run_overlay(const std::string& name, const std::string& extra) {
  const fs::path shot = tmp(name + ".png"), rep = tmp(name + ".json"), log = tmp(name + ".log");
  const std::string cmd = std::string(PEAKSCOPE_VIEWER) + " " + dots_image() +
                          " --model " PEAKSCOPE_ASSETS "/models/tiny_heatmaps.onnx" +
                          " --model-size 64x64 --roi 20,0,96,96 --beta 200 --frames 1 " + extra +
                          " --screenshot " + shot.string() + " --report " + rep.string() + " 2>" +
                          log.string();
  const int s = std::system(cmd.c_str());
  OverlayRun r;
  EXPECT_TRUE(WIFEXITED(s) && WEXITSTATUS(s) == 0) << cmd;
  std::ifstream in(rep);
  if (!in) {
    ADD_FAILURE() << "no report from " << cmd;
    return r;
  }
  r.report = nlohmann::json::parse(in);
  r.shot = cv::imread(shot.string(), cv::IMREAD_COLOR);
  const auto& v = r.report["heatmap_view"];
  r.ox = v["origin_x"];
  r.oy = v["origin_y"];
  r.z = v["zoom"];
  return r;
}

cv::Vec3b jet(int i) {  // colour-map entry i as BGR
  const std::string rgb = peakscope::io::colormap_lut_rgb(peakscope::io::Colormap::kJet);
  return cv::Vec3b(static_cast<unsigned char>(rgb[3 * i + 2]),
                   static_cast<unsigned char>(rgb[3 * i + 1]),
                   static_cast<unsigned char>(rgb[3 * i]));
}

int diff(cv::Vec3b a, cv::Vec3b b) {
  int d = 0;
  for (int i = 0; i < 3; ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

cv::Vec3b at(const cv::Mat& img, cv::Point2d p) {
  return img.at<cv::Vec3b>(static_cast<int>(std::floor(p.y)), static_cast<int>(std::floor(p.x)));
}

// The centroid of the pixels exactly `c` within the rectangle [x0, x1) x [y0, y1); count out.
cv::Point2d centroid(const cv::Mat& img, cv::Vec3b c, int x0, int y0, int x1, int y1, int* n) {
  double sx = 0, sy = 0;
  *n = 0;
  for (int y = std::max(0, y0); y < std::min(img.rows, y1); ++y)
    for (int x = std::max(0, x0); x < std::min(img.cols, x1); ++x)
      if (img.at<cv::Vec3b>(y, x) == c) {
        sx += x;
        sy += y;
        ++*n;
      }
  return *n ? cv::Point2d(sx / *n, sy / *n) : cv::Point2d(-1, -1);
}

TEST(OverlayViewerTest, HeatmapQuadSitsWhereTheGridPutsTheCells) {
  const OverlayRun r =
      run_overlay("placed", "--overlay 0 --overlay-alpha 1 --hide-markers softargmax");
  ASSERT_FALSE(r.shot.empty());
  const auto& g = r.report["grid"];
  EXPECT_DOUBLE_EQ(g["scale_x"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(g["scale_y"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(g["offset_x"].get<double>(), 20);
  EXPECT_DOUBLE_EQ(g["offset_y"].get<double>(), 0);
  EXPECT_EQ(r.report["overlay"]["view"], "max");
  // The quad spans image edges 20 .. 116 and 0 .. 96.
  const auto& o = r.report["overlay"];
  EXPECT_NEAR(o["x0"].get<double>(), r.ox + 20 * r.z, 0.01);
  EXPECT_NEAR(o["x1"].get<double>(), r.ox + 116 * r.z, 0.01);
  EXPECT_NEAR(o["y0"].get<double>(), r.oy, 0.01);
  EXPECT_NEAR(o["y1"].get<double>(), r.oy + 96 * r.z, 0.01);
  // Channel 0 (red) peaks on the red dot; at alpha 1 its cell has the colour map's top colour,
  // a cell far from every dot its bottom colour, and the image left of the crop is untouched.
  const cv::Point2d peak = r.argmax_screen(0);
  const cv::Point2d dot = r.screen(kRed.x, kRed.y);
  EXPECT_LT(std::hypot(peak.x - dot.x, peak.y - dot.y), 2 * r.z) << "the peak is not on the dot";
  EXPECT_LE(diff(at(r.shot, peak), jet(255)), 2) << "peak cell colour at " << peak;
  const cv::Point2d far = r.screen(r.image(5, 60).x, r.image(5, 60).y);
  EXPECT_LE(diff(at(r.shot, far), jet(0)), 2) << "background cell colour at " << far;
  const cv::Point2d left = r.screen(10, 50);
  EXPECT_LE(diff(at(r.shot, left), cv::Vec3b(0, 0, 0)), 2) << "outside the crop at " << left;
  // The argmax ring is drawn over the opaque overlay, around the peak.
  int n = 0;
  const double reach = std::max(4.0, 0.75 * r.z * 1.5 + 2) + 6;
  const cv::Point2d ring = centroid(r.shot, cv::Vec3b(255, 255, 255), peak.x - reach,
                                    peak.y - reach, peak.x + reach, peak.y + reach, &n);
  EXPECT_GT(n, 20) << "no argmax ring over the overlay";
  EXPECT_NEAR(ring.x, peak.x, 0.75);
  EXPECT_NEAR(ring.y, peak.y, 0.75);
}

TEST(OverlayViewerTest, AlphaBlendsTheMapOverTheImage) {
  const OverlayRun half = run_overlay("half", "--overlay 0 --overlay-alpha 0.5");
  const OverlayRun none = run_overlay("none", "--overlay 0 --overlay-alpha 0");
  ASSERT_FALSE(half.shot.empty());
  ASSERT_FALSE(none.shot.empty());
  const cv::Point2d far = half.screen(half.image(5, 60).x, half.image(5, 60).y);
  // Over black: half the colour map's bottom colour; alpha 0: the image itself.
  const cv::Vec3b j0 = jet(0);
  EXPECT_LE(diff(at(half.shot, far), cv::Vec3b(j0[0] / 2, j0[1] / 2, j0[2] / 2)), 3);
  EXPECT_LE(diff(at(none.shot, far), cv::Vec3b(0, 0, 0)), 2);
  // The red dot shows through at alpha 0.
  const cv::Vec3b dot = at(none.shot, none.screen(kRed.x, kRed.y));
  EXPECT_GT(dot[2], 200);
  EXPECT_LT(dot[1], 40);
}

TEST(OverlayViewerTest, HalfACellShiftMovesTheMapAndTheMarkers) {
  const std::string common =
      "--overlay 0 --overlay-alpha 1 --hide-markers softargmax --decoders quarter ";
  const OverlayRun a = run_overlay("aligned", common);
  const OverlayRun b = run_overlay("shifted", common + "--grid-shift 0.5,0.5");
  ASSERT_FALSE(a.shot.empty());
  ASSERT_FALSE(b.shot.empty());
  // The decode is the same; only where it is drawn changes: half a cell, 0.75 image pixels.
  EXPECT_EQ(a.report["keypoints"], b.report["keypoints"]);
  ASSERT_DOUBLE_EQ(a.z, b.z);
  const double want = 0.5 * 1.5 * a.z;
  const cv::Point2d pa = a.argmax_screen(0), pb = b.argmax_screen(0);
  EXPECT_NEAR(pb.x - pa.x, want, 1e-9);
  const double reach = std::max(4.0, 0.75 * a.z * 1.5 + 2) + 6;
  auto ring = [&](const OverlayRun& r, cv::Point2d p) {
    int n = 0;
    const cv::Point2d c = centroid(r.shot, cv::Vec3b(255, 255, 255), p.x - reach, p.y - reach,
                                   p.x + reach, p.y + reach, &n);
    EXPECT_GT(n, 20);
    return c;
  };
  const cv::Point2d ra = ring(a, pa), rb = ring(b, pa);  // both searched around the old place
  EXPECT_NEAR(rb.x - ra.x, want, 0.6) << "the argmax ring did not move half a cell";
  EXPECT_NEAR(rb.y - ra.y, want, 0.6);
  // The map's hottest cells (the colour map's top colour) move by the same amount.
  int na = 0, nb = 0;
  const int x0 = static_cast<int>(a.ox), y0 = static_cast<int>(a.oy);
  const int x1 = static_cast<int>(a.ox + 128 * a.z), y1 = static_cast<int>(a.oy + 96 * a.z);
  const cv::Point2d ha = centroid(a.shot, jet(255), x0, y0, x1, y1, &na);
  const cv::Point2d hb = centroid(b.shot, jet(255), x0, y0, x1, y1, &nb);
  ASSERT_GT(na, 0);
  ASSERT_GT(nb, 0);
  EXPECT_NEAR(hb.x - ha.x, want, 0.6) << "the heatmap did not move half a cell";
  EXPECT_NEAR(hb.y - ha.y, want, 0.6);
  // The decoders' markers too: the quarter decoder's orange square.
  const auto& q = a.report["decoders"][0]["quarter"];
  const cv::Point2d qi = a.image(q["x"].get<double>(), q["y"].get<double>());
  const cv::Point2d qa = a.screen(qi.x, qi.y);
  const double qreach = std::max(4.0, 0.75 * a.z * 1.5 + 2) + 14;
  const cv::Vec3b orange(0, 140, 255);  // BGR of the quarter decoder's IM_COL32(255, 140, 0)
  int oa = 0, ob = 0;
  const cv::Point2d ca =
      centroid(a.shot, orange, qa.x - qreach, qa.y - qreach, qa.x + qreach, qa.y + qreach, &oa);
  const cv::Point2d cb =
      centroid(b.shot, orange, qa.x - qreach, qa.y - qreach, qa.x + qreach, qa.y + qreach, &ob);
  ASSERT_GT(oa, 20) << "no quarter marker at " << qa;
  ASSERT_GT(ob, 20);
  EXPECT_NEAR(ca.x, qa.x, 0.75);
  EXPECT_NEAR(ca.y, qa.y, 0.75);
  EXPECT_NEAR(cb.x - ca.x, want, 0.6) << "the decoder's marker did not move half a cell";
  EXPECT_NEAR(cb.y - ca.y, want, 0.6);
  // The image stays where it was (left of the crop, uncovered).
  EXPECT_EQ(at(a.shot, a.screen(10, 50)), at(b.shot, b.screen(10, 50)));
}

TEST(OverlayViewerTest, AllJointsEachInTheirColourAndTheHoverReadout) {
  // The pointer over the green dot: the readout names its image pixel and cell.
  const OverlayRun probe = run_overlay("probe", "--overlay all --overlay-alpha 1");
  ASSERT_FALSE(probe.shot.empty());
  const cv::Point2d g = probe.screen(kGreen.x, kGreen.y);
  const OverlayRun r = run_overlay("all", "--overlay all --overlay-alpha 1 --mouse " +
                                              std::to_string(static_cast<int>(g.x)) + "," +
                                              std::to_string(static_cast<int>(g.y)));
  ASSERT_FALSE(r.shot.empty());
  EXPECT_EQ(r.report["overlay"]["view"], "all");
  const std::string hover = r.report["hover"];
  EXPECT_NE(hover.find("image (100, 70)"), std::string::npos) << hover;
  // Image (100, 70) -> cell ((100 - 20 + 0.5) / 1.5 - 0.5, (70.5) / 1.5 - 0.5) = (53.2, 46.5).
  EXPECT_TRUE(hover.find("cell (53, 46)") != std::string::npos ||
              hover.find("cell (53, 47)") != std::string::npos)
      << hover;
  EXPECT_NE(hover.find("ch 1"), std::string::npos) << hover;
  // Three channels, three different colours at their peaks.
  const cv::Vec3b c0 = at(r.shot, r.argmax_screen(0)), c1 = at(r.shot, r.argmax_screen(1)),
                  c2 = at(r.shot, r.argmax_screen(2));
  EXPECT_GT(diff(c0, c1), 100);
  EXPECT_GT(diff(c1, c2), 100);
  EXPECT_GT(diff(c0, c2), 100);
}

TEST(OverlayViewerTest, BadOverlayFlagsExitTwoWithAMessage) {
  const std::pair<std::string, std::string> cases[] = {
      {"--overlay-alpha 2", "overlay alpha must be in [0, 1], got 2"},
      {"--overlay-alpha x", "--overlay-alpha must be a number in [0, 1], got 'x'"},
      {"--grid-shift 9,0", "--grid-shift must be within +-8 cells, got 9"},
      {"synthetic --overlay maximum",
       "--overlay takes max, all or a channel number, got 'maximum'"}};
  for (const auto& [args, message] : cases) {
    const fs::path log = tmp("bad.log");
    const std::string cmd =
        std::string(PEAKSCOPE_VIEWER) + " --frames 1 " + args + " 2>" + log.string();
    const int s = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(s) && WEXITSTATUS(s) == 2) << cmd;
    std::ifstream in(log);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(text.find(message), std::string::npos) << text;
  }
}

TEST(OverlayViewerTest, OverlayBeforeTheSourceTakesItAsTheSource) {
  const fs::path rep = tmp("first.json");
  const std::string cmd = std::string(PEAKSCOPE_VIEWER) + " --overlay " + dots_image() +
                          " --frames 1 --report " + rep.string() + " 2>/dev/null";
  const int s = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(s) && WEXITSTATUS(s) == 0) << cmd;
  std::ifstream in(rep);
  const nlohmann::json r = nlohmann::json::parse(in);
  EXPECT_NE(r["source"].get<std::string>().find("dots.png"), std::string::npos) << r["source"];
  EXPECT_EQ(r["overlay"]["view"], "max");
  EXPECT_GT(r["overlay"]["x1"].get<double>(), r["overlay"]["x0"].get<double>());
}

}  // namespace
