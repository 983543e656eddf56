// Runs `peakscope-cli demo` and checks its four PNGs and their white markers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <string>

#include "core/cpu_engine.hpp"
#include "core/reference.hpp"
#include "core/scene.hpp"

namespace peakscope {
namespace {

bool white(const cv::Mat& img, int x, int y) {
  const cv::Vec3b p = img.at<cv::Vec3b>(y, x);
  return p[0] == 255 && p[1] == 255 && p[2] == 255;
}

TEST(DemoTest, WritesFourPngsWithMarkers) {
  const auto dir = std::filesystem::temp_directory_path() / "peakscope_demo_test";
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

TEST(DemoTest, BadOutputFolderFailsWithMessage) {
  const std::string cmd = std::string(PEAKSCOPE_CLI) + " demo --out /proc/nope/x 2>/dev/null";
  EXPECT_NE(std::system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace peakscope
