// The decoding lab in the viewer's window (under Xvfb): a decoder's marker where the decoder
// says, with the marked pixel left visible, and the report's decoder points and curves.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/io/source.hpp"
#include "core/lab/reference_decoders.hpp"

namespace peakscope {
namespace {

namespace fs = std::filesystem;

fs::path tmp(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("peakscope_lab_viewer_" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir / name;
}

struct LabRun {
  int rc = -1;
  nlohmann::json report;
  cv::Mat shot;
};

LabRun run_lab(const std::string& name, const std::string& args) {
  const fs::path shot = tmp(name + ".png"), rep = tmp(name + ".json");
  const std::string cmd = std::string(PEAKSCOPE_VIEWER) + " " + args + " --screenshot " +
                          shot.string() + " --report " + rep.string() + " 2>/dev/null";
  LabRun r;
  const int s = std::system(cmd.c_str());
  r.rc = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
  std::ifstream in(rep);
  if (in) r.report = nlohmann::json::parse(in);
  r.shot = cv::imread(shot.string(), cv::IMREAD_COLOR);
  return r;
}

bool near(const cv::Mat& img, double x, double y, cv::Vec3b c) {
  for (int dy = -1; dy <= 1; ++dy)
    for (int dx = -1; dx <= 1; ++dx) {
      const int px = static_cast<int>(std::floor(x)) + dx,
                py = static_cast<int>(std::floor(y)) + dy;
      if (px >= 0 && py >= 0 && px < img.cols && py < img.rows && img.at<cv::Vec3b>(py, px) == c)
        return true;
    }
  return false;
}

// The synthetic frame the viewer shows after `frames` frames of seed `seed`.
io::Frame synthetic_frame(int frames, unsigned long long seed) {
  io::SyntheticOptions so;
  so.seed = seed;
  auto src = io::make_synthetic_source(so);
  std::optional<io::Frame> f;
  for (int i = 0; i < frames; ++i) f = src->next();
  return std::move(*f);
}

TEST(LabViewer, QuarterMarkerIsAnOrangeSquareAroundItsPoint) {
  const LabRun r =
      run_lab("quarter", "--frames 12 --seed 3 --beta 3 --normalize max --decoders quarter");
  ASSERT_EQ(r.rc, 0);
  ASSERT_FALSE(r.shot.empty());
  const io::Frame f = synthetic_frame(12, 3);
  const DecodedPoint want =
      reference::decode_with(DecoderKind::kQuarter, f.heatmap.view(), 0, {3, true});
  const auto& got = r.report["decoders"][0]["quarter"];
  EXPECT_EQ(got["x"].get<double>(), want.x);
  EXPECT_EQ(got["y"].get<double>(), want.y);
  const cv::Vec3b orange(0, 140, 255);  // BGR of IM_COL32(255, 140, 0)
  for (const char* view : {"heatmap_view", "softmax_view"}) {
    const auto& v = r.report[view];
    const double z = v["zoom"].get<double>();
    const double sx = v["origin_x"].get<double>() + (want.x + 0.5) * z;
    const double sy = v["origin_y"].get<double>() + (want.y + 0.5) * z;
    const double half = (std::max(4.0, 0.75 * z + 2.0) + 9.0) / std::sqrt(2.0);
    // The square's four edges (their midpoints), the centre free.
    for (auto [dx, dy] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}})
      EXPECT_TRUE(near(r.shot, sx + dx * half, sy + dy * half, orange))
          << view << " quarter square at " << sx << "," << sy;
    EXPECT_FALSE(near(r.shot, sx, sy, orange)) << view << ": the marked pixel is covered";
    EXPECT_FALSE(near(r.shot, sx + 2 * half + 6, sy, orange)) << view;
  }
}

TEST(LabViewer, WithoutDecodersNothingOrangeIsDrawnAndTheReportSaysSo) {
  const LabRun r = run_lab("none", "--frames 12 --seed 3 --beta 3 --normalize max");
  ASSERT_EQ(r.rc, 0);
  for (const auto& ch : r.report["decoders"]) EXPECT_TRUE(ch.empty());
  EXPECT_FALSE(r.report.contains("decoder_curves"));
}

TEST(LabViewer, CurvesAndLevelsOfEveryDecoderReachTheReport) {
  const LabRun r = run_lab("all", "--frames 4 --beta 20 --normalize max --decoders all --gradient");
  ASSERT_EQ(r.rc, 0);
  const auto& c = r.report["decoder_curves"];
  for (const char* name : {"quarter", "dark", "dark-udp", "centroid", "mediapipe"}) {
    ASSERT_TRUE(c.contains(name)) << name;
    EXPECT_GE(c[name]["level"].get<double>(), 0) << name;
  }
  for (const char* name : {"window", "debiased"}) {
    ASSERT_TRUE(c.contains(name)) << name;
    EXPECT_EQ(c[name]["values"].size(), r.report["curve"]["betas"].size()) << name;
  }
  EXPECT_EQ(std::system(PEAKSCOPE_VIEWER " --frames 1 --decoders nope >/dev/null 2>&1") >> 8, 2);
}

// The lab runs on the viewer's engine: on the GPU engine (windows, blurred max and the beta
// grid on the device) its points, the soft-argmax curve and the decoders' curves equal the CPU
// engine's within 1e-3 px.
TEST(LabViewer, GpuEngineGivesTheCpuEnginesPointsAndCurves) {
  const std::string args = "--frames 3 --seed 5 --beta 20 --normalize max --decoders all ";
  const LabRun g = run_lab("lab_gpu", args + "--backend gpu");
  const LabRun c = run_lab("lab_cpu", args + "--backend cpu");
  ASSERT_EQ(g.rc, 0);
  ASSERT_EQ(c.rc, 0);
  ASSERT_EQ(g.report["backend"], "gpu");
  ASSERT_EQ(c.report["backend"], "cpu");
  for (const auto& [name, p] : c.report["decoders"][0].items()) {
    SCOPED_TRACE(name);
    EXPECT_NEAR(g.report["decoders"][0][name]["x"].get<double>(), p["x"].get<double>(), 1e-3);
    EXPECT_NEAR(g.report["decoders"][0][name]["y"].get<double>(), p["y"].get<double>(), 1e-3);
  }
  const auto& gv = g.report["curve"]["values"];
  const auto& cv = c.report["curve"]["values"];
  ASSERT_EQ(gv.size(), cv.size());
  for (std::size_t i = 0; i < cv.size(); ++i)
    EXPECT_NEAR(gv[i].get<double>(), cv[i].get<double>(), 1e-3) << i;
  for (const char* name : {"window", "debiased"}) {
    const auto& a = g.report["decoder_curves"][name]["values"];
    const auto& b = c.report["decoder_curves"][name]["values"];
    ASSERT_EQ(a.size(), b.size()) << name;
    ASSERT_EQ(a.size(), cv.size()) << name;
    for (std::size_t i = 0; i < b.size(); ++i)
      EXPECT_NEAR(a[i].get<double>(), b[i].get<double>(), 1e-3) << name << " " << i;
  }
}

}  // namespace
}  // namespace peakscope
