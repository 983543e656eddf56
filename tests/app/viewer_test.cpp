// The viewer in a real window (ctest runs under xvfb-run): scripted runs, screenshots whose
// marker pixels must be where the engines put the keypoints, the fallback, the sheets.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>

#include "core/io/panels.hpp"
#include "core/io/source.hpp"
#include "core/reference.hpp"

namespace peakscope {
namespace {

namespace fs = std::filesystem;

struct ViewerRun {
  nlohmann::json report;
  cv::Mat shot, sheet;
};

fs::path tmp(const std::string& name) {
  return fs::temp_directory_path() / ("peakscope_viewer_" + name);
}

ViewerRun run_viewer(const std::string& name, const std::string& args,
                     const std::string& env = "") {
  const fs::path shot = tmp(name + ".png"), sheet = tmp(name + "_sheet.png"),
                 rep = tmp(name + ".json");
  fs::remove(shot);
  fs::remove(sheet);
  fs::remove(rep);
  const std::string cmd = env + " " PEAKSCOPE_VIEWER " " + args + " --screenshot " + shot.string() +
                          " --sheet " + sheet.string() + " --report " + rep.string() + " 2>" +
                          tmp(name + ".log").string();
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << cmd;
  ViewerRun r;
  std::ifstream in(rep);
  if (!in) {
    ADD_FAILURE() << "no report from: " << cmd;
    return r;
  }
  r.report = nlohmann::json::parse(in);
  r.shot = cv::imread(shot.string(), cv::IMREAD_COLOR);
  r.sheet = cv::imread(sheet.string(), cv::IMREAD_COLOR);
  return r;
}

// The synthetic default the viewer runs: after `frames` frames, decoded by the reference.
Keypoint expected(int frames, unsigned long long seed, double beta, bool normalize) {
  io::SyntheticOptions so;
  so.seed = seed;
  auto src = io::make_synthetic_source(so);
  std::optional<io::Frame> f;
  for (int i = 0; i < frames; ++i) f = src->next();
  return reference::decode(f->heatmap.view(), 0, {beta, normalize});
}

cv::Vec3b px(const cv::Mat& img, double x, double y) {
  return img.at<cv::Vec3b>(static_cast<int>(std::floor(y)), static_cast<int>(std::floor(x)));
}
bool is_white(cv::Vec3b p) {
  return p[0] == 255 && p[1] == 255 && p[2] == 255;
}
bool is_magenta(cv::Vec3b p) {
  return p[0] == 255 && p[1] == 0 && p[2] == 255;
}  // BGR

void check_markers(const ViewerRun& r, const Keypoint& want) {
  ASSERT_FALSE(r.shot.empty());
  ASSERT_EQ(r.report["keypoints"].size(), 1u);
  const auto& k = r.report["keypoints"][0];
  EXPECT_EQ(k["argmax_x"].get<double>(), want.argmax_x);
  EXPECT_EQ(k["argmax_y"].get<double>(), want.argmax_y);
  EXPECT_NEAR(k["soft_x"].get<double>(), want.soft_x, 1e-3);
  EXPECT_NEAR(k["soft_y"].get<double>(), want.soft_y, 1e-3);
  for (const char* view : {"heatmap_view", "softmax_view"}) {
    const auto& v = r.report[view];
    const double ox = v["origin_x"], oy = v["origin_y"], z = v["zoom"];
    const double ax = ox + (want.argmax_x + 0.5) * z, ay = oy + (want.argmax_y + 0.5) * z;
    const double sx = ox + (want.soft_x + 0.5) * z, sy = oy + (want.soft_y + 0.5) * z;
    EXPECT_TRUE(is_white(px(r.shot, ax, ay))) << view << " argmax at " << ax << "," << ay;
    EXPECT_TRUE(is_magenta(px(r.shot, sx, sy))) << view << " soft-argmax at " << sx << "," << sy;
    // Two pixels further out than the marker radius, it is not the marker colour.
    EXPECT_FALSE(is_magenta(px(r.shot, sx + 12, sy))) << view;
  }
}

constexpr int kFrames = 12;
constexpr unsigned long long kSeed = 3;
constexpr double kBeta = 3;  // soft-argmax well away from argmax: the markers do not overlap
const std::string kArgs = "--frames 12 --seed 3 --beta 3 --normalize max";

TEST(ViewerAppTest, PreconditionMarkersApart) {
  const Keypoint k = expected(kFrames, kSeed, kBeta, true);
  EXPECT_GT(std::hypot(k.soft_x - k.argmax_x, k.soft_y - k.argmax_y), 15.0);
}

TEST(ViewerAppTest, GpuBackendMarkersWhereTheEngineSays) {
  const ViewerRun r = run_viewer("gpu", kArgs + " --backend gpu");
  EXPECT_EQ(r.report.value("backend", ""), "gpu") << r.report.dump();
  check_markers(r, expected(kFrames, kSeed, kBeta, true));
}

TEST(ViewerAppTest, CpuBackendMarkersWhereTheEngineSays) {
  const ViewerRun r = run_viewer("cpu", kArgs + " --backend cpu");
  EXPECT_EQ(r.report.value("backend", ""), "cpu");
  EXPECT_EQ(r.report.value("fallback_reason", "x"), "");
  check_markers(r, expected(kFrames, kSeed, kBeta, true));
}

TEST(ViewerAppTest, GlBelow43FallsBackAndSaysWhy) {
  const ViewerRun r = run_viewer("gl33", kArgs + " --backend gpu", "MESA_GL_VERSION_OVERRIDE=3.3");
  EXPECT_EQ(r.report.value("backend", ""), "cpu");
  EXPECT_NE(r.report.value("fallback_reason", "").find("4.3"), std::string::npos)
      << r.report.dump();
  check_markers(r, expected(kFrames, kSeed, kBeta, true));
}

TEST(ViewerAppTest, ForcedCpuByEnvironment) {
  const ViewerRun r = run_viewer("envcpu", kArgs, "PEAKSCOPE_BACKEND=cpu");
  EXPECT_EQ(r.report.value("backend", ""), "cpu");
  EXPECT_NE(r.report.value("fallback_reason", "").find("PEAKSCOPE_BACKEND=cpu"), std::string::npos);
  check_markers(r, expected(kFrames, kSeed, kBeta, true));
}

TEST(ViewerAppTest, ComparisonSheetHasFourPanelsWithMarkers) {
  const ViewerRun r = run_viewer("sheet", kArgs + " --backend cpu");
  ASSERT_FALSE(r.sheet.empty());
  // 512 x 512 panels (no scaling above 256), gaps, title, colour bars, footer (core/io/panels).
  const int pw = 512, gap = io::kSheetGap, title = io::kSheetTitle;
  EXPECT_EQ(r.sheet.cols, 4 * pw + 5 * gap);
  EXPECT_EQ(r.sheet.rows, title + pw + io::kSheetBars + io::kSheetFooter);
  const Keypoint k = expected(kFrames, kSeed, kBeta, true);
  auto at = [&](int panel, double x, double y) {
    return r.sheet.at<cv::Vec3b>(title + static_cast<int>(y),
                                 gap + panel * (pw + gap) + static_cast<int>(x));
  };
  // Markers are white rings of sheet_marker_radius around the marked pixel, which stays visible.
  const int rad = io::sheet_marker_radius(pw);
  EXPECT_TRUE(is_white(at(1, k.argmax_x + rad, k.argmax_y)));
  EXPECT_FALSE(is_white(at(1, k.argmax_x, k.argmax_y)));
  EXPECT_FALSE(is_white(at(0, k.argmax_x + rad, k.argmax_y)));
  EXPECT_TRUE(is_white(at(3, std::lround(k.soft_x + rad), std::lround(k.soft_y))));
  EXPECT_FALSE(is_white(at(3, std::lround(k.soft_x), std::lround(k.soft_y))));
}

TEST(ViewerAppTest, BadArgumentsExitNonZeroWithMessage) {
  const std::string log = tmp("bad.log").string();
  EXPECT_NE(std::system((PEAKSCOPE_VIEWER " --frames 2 --beta -3 2>" + log).c_str()), 0);
  std::ifstream in(log);
  const std::string msg((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(msg.find("beta"), std::string::npos) << msg;
  EXPECT_NE(std::system((PEAKSCOPE_VIEWER " /nonexistent/file.png --frames 2 2>" + log).c_str()),
            0);
}

}  // namespace
}  // namespace peakscope
