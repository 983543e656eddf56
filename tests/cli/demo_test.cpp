// Runs `peakscope-cli demo` and checks its four PNGs and their white markers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/reference.hpp"
#include "core/scene.hpp"
#include "tests/support/temp.hpp"

namespace peakscope {
namespace {

bool white(const cv::Mat& img, int x, int y) {
  const cv::Vec3b p = img.at<cv::Vec3b>(y, x);
  return p[0] == 255 && p[1] == 255 && p[2] == 255;
}

TEST(DemoTest, WritesFourPngsWithMarkers) {
  const auto dir = testing::temp_path("demo_test");
  std::filesystem::remove_all(dir);
  const std::string cmd = std::string(PEAKSCOPE_CLI) + " demo --seed 0 --out " + dir.string() +
                          " > " + (dir.string() + ".log");
  ASSERT_EQ(std::system(cmd.c_str()), 0);

  SceneConfig cfg;
  const Heatmap map = Scene(cfg).render(ElemType::kUInt8);
  const Keypoint k = reference::decode(map.view(), 0, {100.0, true});

  for (const char* f : {"heatmap.png", "argmax.png", "softmax.png", "softargmax.png"}) {
    const cv::Mat img = cv::imread((dir / f).string(), cv::IMREAD_COLOR);
    ASSERT_FALSE(img.empty()) << f;
    EXPECT_EQ(img.cols, 256);
    EXPECT_EQ(img.rows, 256);
  }
  const cv::Mat heat = cv::imread((dir / "heatmap.png").string());
  const cv::Mat am = cv::imread((dir / "argmax.png").string());
  const cv::Mat sam = cv::imread((dir / "softargmax.png").string());
  const int ax = static_cast<int>(k.argmax_x), ay = static_cast<int>(k.argmax_y);
  const int sx = static_cast<int>(std::lround(k.soft_x)),
            sy = static_cast<int>(std::lround(k.soft_y));
  // The dot (radius 2) is white at its centre and its 4-neighbours; the plain heatmap is not.
  for (auto [dx, dy] : {std::pair{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
    EXPECT_TRUE(white(am, ax + dx, ay + dy)) << dx << "," << dy;
    EXPECT_TRUE(white(sam, sx + dx, sy + dy)) << dx << "," << dy;
  }
  EXPECT_FALSE(white(heat, ax, ay));
  // Away from the dots the marker panels equal the heatmap.
  EXPECT_EQ(am.at<cv::Vec3b>(ay, (ax + 40) % 256), heat.at<cv::Vec3b>(ay, (ax + 40) % 256));
  // JET: the argmax pixel of the heatmap is the hot end (red dominates).
  const cv::Vec3b hot = heat.at<cv::Vec3b>(ay, ax);
  EXPECT_GT(hot[2], 100);
  EXPECT_LT(hot[0], 50);
}

// The seed's pipeline, in the test: heatmap / heatmap.max(), e = exp(beta * (x - x.max())),
// p = e / e.sum(), cv2.applyColorMap((p * 255).astype(np.uint8), cv2.COLORMAP_JET).
cv::Mat seed_softmax_png(const Heatmap& map, double beta) {
  const HeatmapView v = map.view();
  std::vector<double> x(v.pixels());
  double mx = -1;
  for (int y = 0; y < v.height; ++y)
    for (int c = 0; c < v.width; ++c) mx = std::max(mx, v.at(0, y, c));
  for (int y = 0; y < v.height; ++y)
    for (int c = 0; c < v.width; ++c) x[y * v.width + c] = v.at(0, y, c) / mx;
  const double xm = *std::max_element(x.begin(), x.end());
  double sum = 0;
  for (double& e : x) sum += (e = std::exp(beta * (e - xm)));
  cv::Mat g(v.height, v.width, CV_8U);
  for (int i = 0; i < static_cast<int>(x.size()); ++i)
    g.at<std::uint8_t>(i / v.width, i % v.width) = static_cast<std::uint8_t>(x[i] / sum * 255.0);
  cv::Mat out;
  cv::applyColorMap(g, out, cv::COLORMAP_JET);
  return out;
}

TEST(DemoTest, SoftmaxPngIsTheSeedsPixelForPixel) {
  for (std::uint64_t seed : {0, 1, 2, 3}) {
    const auto dir = testing::temp_path("demo_seed" + std::to_string(seed));
    std::filesystem::remove_all(dir);
    const std::string cmd = std::string(PEAKSCOPE_CLI) + " demo --seed " + std::to_string(seed) +
                            " --out " + dir.string() + " > /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    SceneConfig cfg;
    cfg.seed = seed;
    const cv::Mat want = seed_softmax_png(Scene(cfg).render(ElemType::kUInt8), 100.0);
    const cv::Mat got = cv::imread((dir / "softmax.png").string(), cv::IMREAD_COLOR);
    ASSERT_EQ(got.size(), want.size());
    cv::Mat diff;
    cv::absdiff(got, want, diff);
    EXPECT_EQ(cv::countNonZero(diff.reshape(1)), 0) << "seed " << seed;
    // The seed's picture is faint: p_max * 255 is far below 255 (not stretched).
    double hi = 0;
    cv::Mat g;
    cv::cvtColor(got, g, cv::COLOR_BGR2GRAY);
    cv::minMaxLoc(g, nullptr, &hi);
    EXPECT_LT(hi, 200) << "seed " << seed;
  }
}

TEST(DemoTest, BadOutputFolderFailsWithMessage) {
  const std::string cmd = std::string(PEAKSCOPE_CLI) + " demo --out /proc/nope/x 2>/dev/null";
  EXPECT_NE(std::system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace peakscope
