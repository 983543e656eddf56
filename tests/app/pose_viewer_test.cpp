// The viewer with --pose in a real window (ctest runs it under xvfb-run): the source frame
// shows the skeleton between the decoded keypoints, where the report's keypoints put it, and
// the model's own landmarks. Skipped, saying why, only when the model cache is absent.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>

#include "core/io/pose_preset.hpp"
#include "tests/support/pose.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kMessi = "/usr/share/doc/opencv-doc/examples/data/messi5.jpg";

fs::path tmp(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("peakscope_pose_viewer_" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir / name;
}

// Distance of the closest pixel to `bgr` within `r` pixels of (x, y) (max channel difference).
int nearest_colour(const cv::Mat& img, double x, double y, int r, cv::Vec3b bgr) {
  int best = 255;
  for (int dy = -r; dy <= r; ++dy)
    for (int dx = -r; dx <= r; ++dx) {
      const int px = static_cast<int>(std::lround(x)) + dx,
                py = static_cast<int>(std::lround(y)) + dy;
      if (px < 0 || py < 0 || px >= img.cols || py >= img.rows) continue;
      const cv::Vec3b c = img.at<cv::Vec3b>(py, px);
      int d = 0;
      for (int i = 0; i < 3; ++i) d = std::max(d, std::abs(c[i] - bgr[i]));
      best = std::min(best, d);
    }
  return best;
}

TEST(PoseViewerTest, SkeletonFollowsTheDecodedKeypoints) {
  const auto& preset = peakscope::io::pose_preset("mediapipe-lite");
  PEAKSCOPE_NEED_POSE_MODEL(peakscope::io::pose_model_problem(preset));
  ASSERT_TRUE(fs::exists(kMessi)) << kMessi << " missing: install opencv-doc";
  const fs::path shot = tmp("messi.png"), rep = tmp("messi.json"), log = tmp("messi.log");
  const std::string cmd = std::string(PEAKSCOPE_VIEWER) + " " + kMessi +
                          " --pose mediapipe-lite --roi 55,-15,420,420 --show-frame --frames 1" +
                          " --screenshot " + shot.string() + " --report " + rep.string() + " 2>" +
                          log.string();
  const int s = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(s) && WEXITSTATUS(s) == 0) << cmd;
  std::ifstream in(rep);
  const nlohmann::json r = nlohmann::json::parse(in);
  const cv::Mat img = cv::imread(shot.string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(img.empty());
  ASSERT_EQ(r["keypoints"].size(), 39u);
  // The preset's heatmaps are logits: the viewer decodes them without normalise unless
  // --normalize max is given, as the CLI does (docs/conventions.md#logits).
  EXPECT_FALSE(r["normalize"].get<bool>());
  const auto& v = r["heatmap_view"];  // the left view, showing the source frame
  const double ox = v["origin_x"], oy = v["origin_y"], z = v["zoom"];
  // Heatmap pixel -> frame pixel (the crop: 420 x 420 from (55, -15), 64 x 64 cells) -> screen.
  auto screen = [&](int c) {
    const auto& k = r["keypoints"][c];
    const double fx = (k["soft_x"].get<double>() + 0.5) * 420 / 64 - 0.5 + 55;
    const double fy = (k["soft_y"].get<double>() + 0.5) * 420 / 64 - 0.5 - 15;
    return cv::Point2d(ox + (fx + 0.5) * z, oy + (fy + 0.5) * z);
  };
  // The midpoint of long bones: upper arms, thighs, shins (clear of the markers at the ends).
  const cv::Vec3b skeleton(255, 200, 0);  // MarkerStyle::kSkeleton, as BGR
  for (const auto& [a, b] : {std::pair{11, 13}, {12, 14}, {23, 25}, {24, 26}, {25, 27}, {26, 28}}) {
    const cv::Point2d m = (screen(a) + screen(b)) * 0.5;
    EXPECT_LE(nearest_colour(img, m.x, m.y, 2, skeleton), 40)
        << "no skeleton line between " << preset.names[a] << " and " << preset.names[b] << " at "
        << m;
  }
  // The model's own landmarks: small yellow dots inside the view.
  const cv::Vec3b regressed(0, 220, 255);  // MarkerStyle::kRegressed, as BGR
  int dots = 0;
  for (int c : {0, 11, 12, 23, 24}) {
    const cv::Point2d p = screen(c);
    dots += nearest_colour(img, p.x, p.y, 12, regressed) <= 40;
  }
  EXPECT_GE(dots, 4) << "the regressed landmarks are not drawn near the decoded ones";
  fs::remove_all(shot.parent_path());
}

}  // namespace
