// The viewer's numbers in a real window (ctest runs it under xvfb-run): NaN pixels in their
// own colour in both views, an invalid channel marked (no marker, "invalid" in the hover), the
// effective beta per channel, no image coordinates without an image mapping, the docked
// gradient view, a --channel the source lacks reported, and image coordinates equal to
// peakscope-cli decode's argmax_image on a --pose run (skipped, saying why, only when the
// model cache is absent).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "core/colour_scale.hpp"
#include "core/io/npy.hpp"
#include "core/io/pose_preset.hpp"
#include "tests/support/pose.hpp"

namespace peakscope {
namespace {

namespace fs = std::filesystem;

fs::path tmp(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("peakscope_numbers_viewer_" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir / name;
}

struct ViewerRun {
  int rc = -1;
  nlohmann::json report;
  cv::Mat shot;
  std::string log;
};

ViewerRun run(const std::string& name, const std::string& args) {
  const fs::path shot = tmp(name + ".png"), rep = tmp(name + ".json"), log = tmp(name + ".log");
  const std::string cmd = std::string(PEAKSCOPE_VIEWER) + " " + args + " --screenshot " +
                          shot.string() + " --report " + rep.string() + " 2>" + log.string();
  ViewerRun r;
  const int s = std::system(cmd.c_str());
  r.rc = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
  std::ifstream lin(log);
  r.log.assign(std::istreambuf_iterator<char>(lin), {});
  std::ifstream in(rep);
  if (in) r.report = nlohmann::json::parse(in);
  r.shot = cv::imread(shot.string(), cv::IMREAD_COLOR);
  return r;
}

// 3 x 48 x 64: channel 0 a peak at (20, 15) with a NaN block (x 40..54, y 30..39), channel 1
// all NaN, channel 2 a peak of height 0.041 at (40, 30).
fs::path write_nan_stack() {
  const int w = 64, h = 48;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> v(3 * w * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * w + x;
      const bool block = x >= 40 && x < 55 && y >= 30 && y < 40;
      v[i] = block
                 ? nan
                 : static_cast<float>(std::exp(-((x - 20) * (x - 20) + (y - 15) * (y - 15)) / 8.0));
      v[w * h + i] = nan;
      v[2 * w * h + i] =
          static_cast<float>(0.041 * std::exp(-((x - 40) * (x - 40) + (y - 30) * (y - 30)) / 8.0));
    }
  const fs::path p = tmp("nan3.npy");
  io::write_npy(p.string(), {3, static_cast<std::size_t>(h), static_cast<std::size_t>(w)}, v, "f4");
  return p;
}

// Screen pixel of map cell (x, y) in a view of the report.
cv::Point2d at(const nlohmann::json& view, double x, double y) {
  const double z = view["zoom"].get<double>();
  return {view["origin_x"].get<double>() + (x + 0.5) * z,
          view["origin_y"].get<double>() + (y + 0.5) * z};
}

cv::Vec3b px(const cv::Mat& img, cv::Point2d p) {
  return img.at<cv::Vec3b>(static_cast<int>(p.y), static_cast<int>(p.x));
}

const cv::Vec3b kNanBgr(kNanColour[2], kNanColour[1], kNanColour[0]);

// One run on the GPU engine (its softmax texture of a channel with NaN pixels is gathered so
// they are marked) with the image convention and the gradient view.
TEST(NumbersViewer, NanPixelsEffectiveBetaNoImageMappingAndTheDockedGradient) {
  const fs::path npy = write_nan_stack();
  const ViewerRun r =
      run("nan", npy.string() +
                     " --channel 0 --backend gpu --coords image --gradient --frames 1"
                     " --width 960 --height 600");
  ASSERT_EQ(r.rc, 0) << r.log;
  ASSERT_FALSE(r.shot.empty());
  const nlohmann::json& j = r.report;
  // NaN pixels in their own colour in both views, and the bars' legend says so.
  for (const char* view : {"heatmap_view", "softmax_view"}) {
    EXPECT_EQ(px(r.shot, at(j[view], 47, 35)), kNanBgr) << view;
    EXPECT_NE(px(r.shot, at(j[view], 5, 40)), kNanBgr) << view;
  }
  EXPECT_TRUE(j["heat_colorbar"]["nan"].get<bool>());
  EXPECT_TRUE(j["colorbar"]["nan"].get<bool>());
  // beta 100 with normalise: beta / max per channel; the invalid channel flagged.
  const auto& k = j["keypoints"];
  ASSERT_EQ(k.size(), 3u);
  EXPECT_NEAR(k[0]["beta_eff"].get<double>(), 100, 1e-9);
  EXPECT_FALSE(k[1]["valid"].get<bool>());
  EXPECT_TRUE(k[0]["valid"].get<bool>());
  EXPECT_NEAR(k[2]["beta_eff"].get<double>(), 100 / 0.041, 100 / 0.041 * 1e-6);
  // A .npy has no image: no image coordinates, not a copy of the index.
  EXPECT_FALSE(j["image_mapping"].get<bool>());
  EXPECT_EQ(j["coords"]["system"], "image");
  EXPECT_TRUE(k[0]["argmax_image"].is_null());
  EXPECT_TRUE(k[0]["softargmax_readout"].is_null());
  // The gradient view is docked: inside the window, over neither the softmax view's colour
  // bar nor the error-vs-beta plot.
  const auto& g = j["gradient"];
  EXPECT_GT(g["max_abs"].get<double>(), 0);
  EXPECT_EQ(g["floor_rel"].get<double>(), 1e-6);
  auto apart = [&](const nlohmann::json& a) {
    return g["x1"].get<double>() <= a["x0"].get<double>() ||
           a["x1"].get<double>() <= g["x0"].get<double>() ||
           g["y1"].get<double>() <= a["y0"].get<double>() ||
           a["y1"].get<double>() <= g["y0"].get<double>();
  };
  EXPECT_GT(g["x1"].get<double>(), g["x0"].get<double>());
  EXPECT_LE(g["x1"].get<double>(), 960);
  EXPECT_LE(g["y1"].get<double>(), 600);
  EXPECT_TRUE(apart(j["colorbar"])) << g << j["colorbar"];
  EXPECT_TRUE(apart(j["beta_plot"])) << g << j["beta_plot"];
  // Its map: the pixels far from the peak are numerical zeros, drawn white (not full colour).
  const cv::Vec3b white(255, 255, 255);
  EXPECT_EQ(px(r.shot, at(g, 60, 5)), white);
  EXPECT_NE(px(r.shot, at(g, 21, 15)), white) << "the pixels that move the estimate";
}

TEST(NumbersViewer, AnInvalidChannelIsMarkedAndAMissingChannelReported) {
  const fs::path npy = write_nan_stack();
  const std::string args = npy.string() + " --channel 1 --frames 1 --width 960 --height 600";
  const ViewerRun first = run("invalid", args);
  ASSERT_EQ(first.rc, 0) << first.log;
  // The whole softmax view NaN, no argmax ring at the grid centre where the invalid keypoint
  // sits.
  const nlohmann::json& soft = first.report["softmax_view"];
  EXPECT_EQ(px(first.shot, at(soft, 31.5, 23.5)), kNanBgr);
  EXPECT_EQ(px(first.shot, at(soft, 2, 2)), kNanBgr);
  const double ring = std::max(4.0, 0.75 * soft["zoom"].get<double>() + 2.0) + 1.5;
  const cv::Point2d c = at(soft, 31.5, 23.5);
  EXPECT_EQ(px(first.shot, {c.x + ring, c.y}), kNanBgr) << "no argmax ring";
  // The hover over it says so.
  const cv::Point2d m = at(first.report["heatmap_view"], 10, 10);
  const ViewerRun hover =
      run("invalid_hover", args + " --mouse " + std::to_string(m.x) + "," + std::to_string(m.y));
  EXPECT_NE(hover.report["hover"].get<std::string>().find("invalid channel"), std::string::npos)
      << hover.report["hover"];
  // --channel 40 on three channels: said, all shown, the run goes on.
  const ViewerRun forty = run("forty", npy.string() + " --channel 40 --frames 1");
  EXPECT_EQ(forty.rc, 0) << forty.log;
  EXPECT_EQ(forty.report["channel"].get<int>(), -1);
  EXPECT_NE(forty.report["error"].get<std::string>().find("channel 40 is out of range"),
            std::string::npos);
  EXPECT_NE(forty.log.find("channel 40 is out of range: the source has 3 channel(s), 0 to 2; "
                           "showing all channels"),
            std::string::npos)
      << forty.log;
}

// The image coordinates the viewer prints are peakscope-cli decode's, on the region the model
// saw (a letterboxed --roi crop), not the whole frame.
TEST(NumbersViewer, ImageCoordinatesAreTheClisOnAPoseRun) {
  const auto& preset = io::pose_preset("mediapipe-lite");
  PEAKSCOPE_NEED_POSE_MODEL(io::pose_model_problem(preset));
  const std::string messi = "/usr/share/doc/opencv-doc/examples/data/messi5.jpg";
  ASSERT_TRUE(fs::exists(messi)) << messi << " missing: install opencv-doc";
  const std::string src = messi + " --pose mediapipe-lite --roi 55,-15,420,420 --backend cpu";
  const ViewerRun v = run("pose", src + " --show-frame --coords image --frames 1");
  ASSERT_EQ(v.rc, 0) << v.log;
  const fs::path out = tmp("pose_cli.json");
  const std::string cmd = std::string(PEAKSCOPE_CLI) + " decode " + src + " --format json > " +
                          out.string() + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(out);
  const nlohmann::json cli = nlohmann::json::parse(in);
  const auto& ch = cli["frames"][0]["channels"];
  const auto& k = v.report["keypoints"];
  ASSERT_EQ(ch.size(), k.size());
  EXPECT_TRUE(v.report["image_mapping"].get<bool>());
  for (std::size_t c = 0; c < k.size(); ++c) {
    SCOPED_TRACE(c);
    EXPECT_DOUBLE_EQ(k[c]["argmax_image"]["x"].get<double>(),
                     ch[c]["argmax_image"]["x"].get<double>());
    EXPECT_DOUBLE_EQ(k[c]["argmax_image"]["y"].get<double>(),
                     ch[c]["argmax_image"]["y"].get<double>());
    // What the decoders panel prints in "image": the same mapping of the soft-argmax.
    EXPECT_NEAR(k[c]["softargmax_readout"]["x"].get<double>(),
                ch[c]["softargmax_image"]["x"].get<double>(), 1e-3);
    EXPECT_NEAR(k[c]["softargmax_readout"]["y"].get<double>(),
                ch[c]["softargmax_image"]["y"].get<double>(), 1e-3);
  }
}

}  // namespace
}  // namespace peakscope
