// Ground truth from a file in the viewer's window (under Xvfb): a .npy stack with a .npy of
// its true points and a names file; one scripted run checks the ground-truth markers on
// screen, the error plots fed by the file's points and the evaluation panel's figures.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/io/npy.hpp"

namespace {

namespace fs = std::filesystem;

TEST(GroundTruthViewer, FileTruthFeedsMarkersPlotsAndTheEvaluationPanel) {
  const fs::path d =
      fs::temp_directory_path() / ("peakscope_gt_viewer_" + std::to_string(getpid()));
  fs::create_directories(d);
  // 3 frames x 2 channels of 48 x 40 Gaussians (sigma 2) at known sub-pixel centres.
  const int n = 3, k = 2, h = 40, w = 48;
  std::vector<float> maps(n * k * h * w), pts;
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < k; ++c) {
      const double x = 12.3 + 6.1 * i + 14 * c, y = 10.6 + 3.2 * i + 12 * c;
      pts.insert(pts.end(), {static_cast<float>(x), static_cast<float>(y)});
      for (int r = 0; r < h; ++r)
        for (int q = 0; q < w; ++q)
          maps[((i * k + c) * h + r) * w + q] =
              static_cast<float>(std::exp(-((q - x) * (q - x) + (r - y) * (r - y)) / 8.0));
    }
  peakscope::io::write_npy((d / "maps.npy").string(), {3, 2, 40, 48}, maps, "f4");
  peakscope::io::write_npy((d / "pts.npy").string(), {3, 2, 2}, pts, "f4");
  std::ofstream(d / "names.txt") << "left_wrist\nright_wrist\n";
  const fs::path shot = d / "shot.png", rep = d / "report.json";
  const std::string cmd = std::string(PEAKSCOPE_VIEWER) + " " + (d / "maps.npy").string() +
                          " --ground-truth " + (d / "pts.npy").string() + " --keypoints " +
                          (d / "names.txt").string() +
                          " --frames 3 --beta 50 --width 1280 --height 800 --screenshot " +
                          shot.string() + " --report " + rep.string() + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(rep);
  const nlohmann::json r = nlohmann::json::parse(in);
  EXPECT_EQ(r["frame_index"], 2);
  // The error plots work on the file's truth: a history point per frame, a ground-truth curve.
  EXPECT_GE(r["error_history"].size(), 3u);
  EXPECT_FALSE(r["curve"]["ground_truth"].empty());
  // The evaluation panel: 3 frames, argmax within its rounding, soft-argmax at beta 50 close.
  const auto& e = r["evaluation"];
  ASSERT_TRUE(e.is_object()) << r.dump();
  EXPECT_EQ(e["frames"], 3);
  EXPECT_EQ(e["decoders"]["argmax"]["labelled"], 6);
  EXPECT_LT(e["decoders"]["argmax"]["mean"].get<double>(), 0.71);
  EXPECT_LT(e["decoders"]["softargmax"]["mean"].get<double>(), 0.3);
  EXPECT_EQ(e["decoders"]["softargmax"]["pck"], 1.0);
  // The ground-truth markers (green) are on screen.
  const cv::Mat img = cv::imread(shot.string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(img.empty());
  cv::Mat green;
  cv::inRange(img, cv::Scalar(0, 255, 0), cv::Scalar(0, 255, 0), green);
  EXPECT_GT(cv::countNonZero(green), 10);
  fs::remove_all(d);
}

}  // namespace
