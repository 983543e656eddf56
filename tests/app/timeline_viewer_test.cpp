// The timeline, pin and A/B in a real window (ctest runs under xvfb-run): a scripted run on a
// 10-frame .npy seeks, steps back, loops past the end and pins a frame; the report's frame
// indices say so and the screenshot has each pane's markers where its frame's peak is. A
// second run compares beta 0.5 soft-argmax with beta 200 DARK on the synthetic scene (ground
// truth known): errors in the report, markers in both halves, the A/B sheet saved.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "core/io/npy.hpp"

namespace {

namespace fs = std::filesystem;

fs::path tmp(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("peakscope_timeline_" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir / name;
}

struct ScriptedRun {
  nlohmann::json report;
  cv::Mat shot;
  std::string log;
};

ScriptedRun run(const std::string& name, const std::string& args) {
  const fs::path shot = tmp(name + ".png"), rep = tmp(name + ".json"), log = tmp(name + ".log");
  const std::string cmd = std::string(PEAKSCOPE_VIEWER) + " " + args + " --screenshot " +
                          shot.string() + " --report " + rep.string() + " 2>" + log.string();
  const int status = std::system(cmd.c_str());
  ScriptedRun r;
  std::ifstream l(log);
  r.log.assign(std::istreambuf_iterator<char>(l), {});
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd << "\n" << r.log;
  std::ifstream in(rep);
  if (!in) {
    ADD_FAILURE() << "no report from " << cmd << "\n" << r.log;
    return r;
  }
  r.report = nlohmann::json::parse(in);
  r.shot = cv::imread(shot.string(), cv::IMREAD_COLOR);
  return r;
}

// Pixels of colour c (BGR) within `radius` of screen point (x, y).
int near(const cv::Mat& img, double x, double y, double radius, cv::Vec3b c) {
  int n = 0;
  for (int yy = static_cast<int>(y - radius); yy <= static_cast<int>(y + radius); ++yy)
    for (int xx = static_cast<int>(x - radius); xx <= static_cast<int>(x + radius); ++xx)
      if (xx >= 0 && yy >= 0 && xx < img.cols && yy < img.rows && img.at<cv::Vec3b>(yy, xx) == c)
        ++n;
  return n;
}

const cv::Vec3b kMagenta(255, 0, 255), kWhite(255, 255, 255), kGreen(0, 255, 0);

// Frame i of the stack: one channel of 64 x 48 with a Gaussian peak at (6 + 5 i, 10 + 3 i).
std::string stack() {
  const fs::path p = tmp("ten.npy");
  const int n = 10, h = 48, w = 64;
  std::vector<float> v(static_cast<std::size_t>(n) * h * w);
  for (int i = 0; i < n; ++i)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const double dx = x - (6 + 5 * i), dy = y - (10 + 3 * i);
        v[(static_cast<std::size_t>(i) * h + y) * w + x] =
            static_cast<float>(std::exp(-(dx * dx + dy * dy) / 18.0));
      }
  peakscope::io::write_npy(p.string(), {10, 1, 48, 64}, v, "f4");
  return p.string();
}

// A pane's rectangle from the report and the screen point of map pixel (x, y) in it.
struct Pane {
  double x0, y0, zoom;
  double sx(double x) const { return x0 + (x + 0.5) * zoom; }
  double sy(double y) const { return y0 + (y + 0.5) * zoom; }
};
Pane pane(const nlohmann::json& rect, int map_w) {
  const double x0 = rect[0], y0 = rect[1], x1 = rect[2];
  return {x0, y0, (x1 - x0) / map_w};
}

TEST(TimelineViewerTest, SeekStepBackLoopAndPin) {
  // Seek to 8, step back (7, paused), play on: 7 8 9 then the loop wraps to 0 1 2. Frame 7 is
  // pinned when shown: the panes show frame 7 and frame 2.
  for (const auto& [w, h] : {std::pair{960, 600}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    const ScriptedRun r = run("pin" + std::to_string(w),
                              stack() +
                                  " --frames 6 --seek 8 --press comma,Space --loop on --pin 7 "
                                  "--backend cpu --width " +
                                  std::to_string(w) + " --height " + std::to_string(h));
    ASSERT_FALSE(r.shot.empty());
    const nlohmann::json& t = r.report["timeline"];
    EXPECT_EQ(t["shown"], nlohmann::json({7, 8, 9, 0, 1, 2}));
    EXPECT_EQ(r.report["frame_index"], 2);
    EXPECT_EQ(t["frame_count"], 10);
    EXPECT_EQ(t["end_index"], 10);
    EXPECT_TRUE(t["loop"].get<bool>());
    EXPECT_EQ(t["pinned_index"], 7);
    // Frames 7 8 9 0 1 2 and at most two read ahead, each 64 x 48 floats, all in the cache.
    const long cached = t["cache_frames"];
    EXPECT_GE(cached, 6);
    EXPECT_LE(cached, 8);
    EXPECT_EQ(t["cache_bytes"], cached * 64 * 48 * 4);
    EXPECT_EQ(t["cache_budget"], 512L << 20);
    const nlohmann::json& c = r.report["compare"];
    EXPECT_EQ(c["mode"], "pinned");
    EXPECT_EQ(c["left"]["label"], "pinned: frame 7");
    EXPECT_EQ(c["right"]["label"], "now: frame 2");
    // Each pane's argmax is its frame's peak, and its markers are there on screen.
    for (const auto& [side, frame] : {std::pair{"left", 7}, std::pair{"right", 2}}) {
      const nlohmann::json& p = c[side]["points"][0];
      EXPECT_EQ(p["argmax_x"], 6 + 5 * frame) << side;
      EXPECT_EQ(p["argmax_y"], 10 + 3 * frame) << side;
      const Pane s = pane(c[std::string(side) + "_rect"], 64);
      const double x = s.sx(p["argmax_x"]), y = s.sy(p["argmax_y"]);
      EXPECT_GT(near(r.shot, x, y, 6 + 0.75 * s.zoom + 8, kWhite), 10) << side << " ring";
      EXPECT_GT(near(r.shot, x, y, 6 + 0.75 * s.zoom * 1.41 + 10, kMagenta), 10) << side;
    }
    // The halves show different frames: the peaks are far apart in pane coordinates.
    const Pane l = pane(c["left_rect"], 64), rr = pane(c["right_rect"], 64);
    EXPECT_EQ(near(r.shot, rr.sx(41), rr.sy(31), 4, kMagenta), 0) << "frame 7's peak not right";
    EXPECT_EQ(near(r.shot, l.sx(16), l.sy(16), 4, kMagenta), 0) << "frame 2's peak not left";
  }
}

TEST(TimelineViewerTest, ABComparesTwoDecodersWithTheirErrors) {
  const fs::path sheet = tmp("ab_sheet.png");
  fs::remove(sheet);
  const ScriptedRun r = run("ab",
                            "--frames 2 --ab 0.5:softargmax,200:dark --channel 0 --backend cpu "
                            "--width 960 --height 600 --ab-sheet " +
                                sheet.string());
  ASSERT_FALSE(r.shot.empty());
  const nlohmann::json& c = r.report["compare"];
  EXPECT_EQ(c["mode"], "ab");
  EXPECT_EQ(c["left"]["label"], "A: beta 0.5 softargmax");
  EXPECT_EQ(c["right"]["label"], "B: beta 200 dark");
  EXPECT_EQ(c["left"]["frame_index"], c["right"]["frame_index"]);
  // The synthetic scene has ground truth: beta 0.5 lands between the subjects, DARK on one.
  const double ea = c["left"]["points"][0]["error"], eb = c["right"]["points"][0]["error"];
  EXPECT_GT(ea, 20.0);
  EXPECT_GE(eb, 0.0);
  EXPECT_LT(eb, 0.5);
  EXPECT_NE(c["left"]["readout"].get<std::string>().find("error"), std::string::npos);
  // Both halves: the decoder's diamond where the report puts it, ground-truth crosses.
  for (const char* side : {"left", "right"}) {
    const nlohmann::json& p = c[side]["points"][0];
    const Pane s = pane(c[std::string(side) + "_rect"], 512);
    EXPECT_GT(near(r.shot, s.sx(p["x"]), s.sy(p["y"]), 14, kMagenta), 10) << side;
    const nlohmann::json& rect = c[std::string(side) + "_rect"];
    const double x0 = rect[0], y0 = rect[1], x1 = rect[2], y1 = rect[3];
    EXPECT_GT(near(r.shot, (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, kGreen), 20) << side;
  }
  EXPECT_EQ(r.report["saved"], sheet.string());
  const cv::Mat s = cv::imread(sheet.string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(s.empty());
  EXPECT_GE(s.cols, 2 * 512);
  EXPECT_GT(near(s, s.cols / 4.0, s.rows / 2.0, s.cols / 4.0 - 2, kMagenta), 10);
  EXPECT_GT(near(s, 3 * s.cols / 4.0, s.rows / 2.0, s.cols / 4.0 - 2, kMagenta), 10);
}

}  // namespace
