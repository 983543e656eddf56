// The viewer's layout in a real window (ctest runs it under xvfb-run): at 960 x 600 the legend
// flows onto rows with every entry in view (and the gradient panel docks in the plots' row);
// --channels draws only those channels' markers,
// --marker-size makes them larger and a marker under the pointer names its channel; the
// decoder checkboxes keep their places whatever readouts are on; --show-frame shows the image
// in grid mode; at 1920 x 1080 with --ui-scale the gradient panel is docked beside the views
// and the plot's level labels do not overlap on a log axis; and a run without arguments shows
// the synthetic scene and offers the source a saved settings file names.
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
#include <vector>

#include "core/io/npy.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path tmp(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("peakscope_layout_" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir / name;
}

// The screenshots and reports stay for a look when a test failed; otherwise they go.
class RemoveTmpWhenPassed : public ::testing::Environment {
 public:
  void TearDown() override {
    if (::testing::UnitTest::GetInstance()->Passed())
      fs::remove_all(fs::temp_directory_path() / ("peakscope_layout_" + std::to_string(getpid())));
  }
};
[[maybe_unused]] ::testing::Environment* const kTmpEnv =
    ::testing::AddGlobalTestEnvironment(new RemoveTmpWhenPassed);

struct ViewerRun {
  json report;
  cv::Mat shot;
};

// A scripted run (or, with `interactive`, a run closed by SIGTERM after `seconds`).
ViewerRun run(const std::string& name, const std::string& args, const std::string& env = "",
              double seconds = 0) {
  const fs::path shot = tmp(name + ".png"), rep = tmp(name + ".json"), log = tmp(name + ".log");
  fs::remove(rep);
  const std::string cmd =
      env + (seconds > 0 ? " timeout --preserve-status -s TERM " + std::to_string(seconds) : "") +
      " " PEAKSCOPE_VIEWER " " + args + (seconds > 0 ? "" : " --screenshot " + shot.string()) +
      " --report " + rep.string() + " 2>" + log.string();
  const int s = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(s) && WEXITSTATUS(s) == 0) << cmd;
  ViewerRun r;
  std::ifstream in(rep);
  if (!in) {
    ADD_FAILURE() << "no report from " << cmd;
    return r;
  }
  r.report = json::parse(in);
  if (seconds <= 0) r.shot = cv::imread(shot.string(), cv::IMREAD_COLOR);
  return r;
}

// 39 channels of 80 x 64, channel c a sharp peak at (8 + 16 (c % 4), 4 + 8 (c / 4)): the
// markers of channels 0 and 5-8 at twice their size stay clear of each other's rings.
constexpr int kK = 39, kH = 80, kW = 64;
cv::Point peak(int c) {
  return {8 + 16 * (c % 4), 4 + 8 * (c / 4)};
}
std::string stack39() {
  const std::string path = tmp("stack39.npy").string();
  if (fs::exists(path)) return path;
  std::vector<float> v(static_cast<std::size_t>(kK) * kH * kW);
  for (int c = 0; c < kK; ++c)
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x)
        v[(static_cast<std::size_t>(c) * kH + y) * kW + x] = static_cast<float>(
            std::exp(-(std::pow(x - peak(c).x, 2) + std::pow(y - peak(c).y, 2)) / 2.0));
  peakscope::io::write_npy(path, {kK, kH, kW}, v, "f4");
  return path;
}

struct Box {
  double x0, y0, x1, y1;
};
Box box(const json& j) {
  return {j["x0"].get<double>(), j["y0"].get<double>(), j["x1"].get<double>(),
          j["y1"].get<double>()};
}
bool overlap(const Box& a, const Box& b) {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

// Every legend entry (argmax, soft-argmax, ground truth, the 7 decoders) inside the window, on
// its row, none over another or over the plots.
void check_legend(const json& r, int w, int h, int min_rows) {
  const json& entries = r["legend"]["entries"];
  ASSERT_EQ(entries.size(), 10u) << r["legend"].dump();
  EXPECT_GE(r["legend"]["rows"].get<int>(), min_rows);
  const Box plot = box(r["beta_plot"]);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Box a = box(entries[i]);
    EXPECT_TRUE(a.x0 >= 0 && a.y0 >= 0 && a.x1 <= w && a.y1 <= h) << entries[i].dump();
    EXPECT_LT(a.y1, plot.y0) << entries[i].dump();
    for (std::size_t k = 0; k < i; ++k) EXPECT_FALSE(overlap(a, box(entries[k]))) << i << " " << k;
  }
}

double place_x(const json& r, double x) {
  const json& v = r["heatmap_view"];
  return v["origin_x"].get<double>() + (x + 0.5) * v["zoom"].get<double>();
}
double place_y(const json& r, double y) {
  const json& v = r["heatmap_view"];
  return v["origin_y"].get<double>() + (y + 0.5) * v["zoom"].get<double>();
}

const cv::Vec3b kWhite(255, 255, 255);
// Whether a pixel within `r` of (x, y) is exactly `c`.
bool near(const cv::Mat& img, double x, double y, int r, cv::Vec3b c) {
  for (int dy = -r; dy <= r; ++dy)
    for (int dx = -r; dx <= r; ++dx) {
      const int px = static_cast<int>(std::floor(x)) + dx,
                py = static_cast<int>(std::floor(y)) + dy;
      if (px >= 0 && py >= 0 && px < img.cols && py < img.rows && img.at<cv::Vec3b>(py, px) == c)
        return true;
    }
  return false;
}
// The argmax ring of size `size` (panels.hpp: MarkerStyle::hole, MarkerLook::line) around
// map pixel (x, y): on how many of its four sides it is white at its radius (a decoder's
// triangle may cross one).
int ring_sides(const ViewerRun& r, double x, double y, double size) {
  const double z = r.report["heatmap_view"]["zoom"].get<double>();
  const double hole = std::max(4 * size, 0.75 * z + 2 * size);
  const double line = std::clamp(2 * size, 1.0, 3.0), rad = hole + 0.75 * line;
  const double cx = place_x(r.report, x), cy = place_y(r.report, y);
  int n = 0;
  for (auto [dx, dy] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}})
    n += near(r.shot, cx + dx * rad, cy + dy * rad, 1, kWhite);
  return n;
}
bool ring_at(const ViewerRun& r, double x, double y, double size) {
  return ring_sides(r, x, y, size) >= 3;
}
bool no_ring_at(const ViewerRun& r, double x, double y, double size) {
  return ring_sides(r, x, y, size) == 0;
}

// The decoder checkboxes' offsets from the first one (their places in the Decoders section).
std::vector<double> checkbox_offsets(const json& r) {
  std::vector<double> out;
  double first = NAN;
  for (const json& c : r["controls"]) {
    const std::string n = c["name"];
    if (n == "log y" || n == "reopen") continue;
    if (std::isnan(first)) first = c["y0"].get<double>();
    out.push_back(c["y0"].get<double>() - first);
  }
  return out;
}

TEST(LayoutViewerTest, LegendSubsetMarkerSizeAndTooltipAt960x600) {
  const std::string base = stack39() + " --frames 1 --beta 1000 --width 960 --height 600 ";
  const ViewerRun all = run("all", base + "--decoders all");
  check_legend(all.report, 960, 600, 2);
  // Every channel's ring at the default size (the decoders' shapes cross some sides).
  for (int c : {0, 1, 5}) EXPECT_GE(ring_sides(all, peak(c).x, peak(c).y, 1), 2) << c;
  // Same window and legend, so the same placement: the pointer on channel 5's marker.
  const double mx = place_x(all.report, peak(5).x), my = place_y(all.report, peak(5).y);
  const ViewerRun sub =
      run("subset", base + "--decoders all --channels 0,5-8 --marker-size 2 --mouse " +
                        std::to_string(mx) + "," + std::to_string(my));
  EXPECT_EQ(sub.report["drawn_channels"], json({0, 5, 6, 7, 8}));
  EXPECT_EQ(sub.report["heatmap_view"]["zoom"], all.report["heatmap_view"]["zoom"]);
  EXPECT_TRUE(ring_at(sub, peak(5).x, peak(5).y, 2)) << "channel 5 at size 2";
  EXPECT_TRUE(ring_at(sub, peak(0).x, peak(0).y, 2));
  EXPECT_TRUE(no_ring_at(sub, peak(5).x, peak(5).y, 1)) << "the default ring is inside the hole";
  for (int c : {1, 4, 9, 38})
    EXPECT_TRUE(no_ring_at(sub, peak(c).x, peak(c).y, 2) &&
                no_ring_at(sub, peak(c).x, peak(c).y, 1))
        << "channel " << c << " is not in --channels 0,5-8";
  const std::string tip = sub.report["markers"]["hover"];
  EXPECT_EQ(tip.rfind("ch 5 ", 0), 0u) << tip;
  EXPECT_NE(tip.find("argmax (24, 12)"), std::string::npos) << tip;
  // The decoder checkboxes stay where they are whichever decoders (and readouts) are on.
  const ViewerRun one = run("quarter", base + "--decoders quarter --channel 2 --gradient");
  // A narrow window docks the gradient panel in the plots' row (the maps keep their size):
  // left of the error-vs-beta plot, under the legend, inside the window.
  const Box grad = box(one.report["gradient_panel"]), plot = box(one.report["beta_plot"]);
  EXPECT_LT(grad.x1, plot.x0) << one.report["gradient_panel"];
  EXPECT_GE(grad.y0, one.report["legend"]["entries"][0]["y1"].get<double>());
  EXPECT_TRUE(grad.x0 > 0 && grad.y1 <= 600 && grad.y1 - grad.y0 > 100)
      << one.report["gradient_panel"];
  const std::vector<double> a = checkbox_offsets(all.report), b = checkbox_offsets(one.report);
  ASSERT_GE(a.size(), 11u) << all.report["controls"].dump();
  EXPECT_EQ(a, b) << all.report["controls"].dump() << "\n" << one.report["controls"].dump();
}

// --show-frame in grid mode: the left view shows the source image with every channel's marker.
TEST(LayoutViewerTest, ShowFrameHonouredInGridMode) {
  const std::string img = tmp("dots.png").string();
  cv::Mat m(96, 128, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::circle(m, {40, 30}, 4, cv::Scalar(0, 0, 255), cv::FILLED);
  cv::circle(m, {100, 70}, 4, cv::Scalar(0, 255, 0), cv::FILLED);
  cv::circle(m, {64, 12}, 4, cv::Scalar(255, 0, 0), cv::FILLED);
  cv::imwrite(img, m);
  const ViewerRun r =
      run("gridframe", img + " --model " PEAKSCOPE_ASSETS
                             "/models/tiny_heatmaps.onnx --model-size 64x64 --beta 200 "
                             "--frames 1 --all-channels grid --show-frame");
  EXPECT_EQ(r.report["left_view"], "image") << r.report.dump();
  EXPECT_GT(r.report["softmax_view"]["image_width"].get<int>(), 64) << "the softmax stays a grid";
  // Each channel's argmax ring on the image (heatmap cell -> image pixel by the report's grid).
  const json& g = r.report["grid"];
  const json& v = r.report["heatmap_view"];
  for (int c = 0; c < 3; ++c) {
    const json& k = r.report["keypoints"][c];
    const double ix = (k["argmax_x"].get<double>() + 0.5) * g["scale_x"].get<double>() - 0.5 +
                      g["offset_x"].get<double>();
    const double iy = (k["argmax_y"].get<double>() + 0.5) * g["scale_y"].get<double>() - 0.5 +
                      g["offset_y"].get<double>();
    const double z = v["zoom"].get<double>();
    const double sx = v["origin_x"].get<double>() + (ix + 0.5) * z,
                 sy = v["origin_y"].get<double>() + (iy + 0.5) * z;
    const double rad = std::max(4.0, 0.75 * z * g["scale_x"].get<double>() + 2) + 1.5;
    EXPECT_TRUE(near(r.shot, sx + rad, sy, 1, kWhite) && near(r.shot, sx - rad, sy, 1, kWhite))
        << "channel " << c << " at " << sx << "," << sy;
  }
}

TEST(LayoutViewerTest, DockedGradientLogPlotAndUiScaleAt1920x1080) {
  const ViewerRun r = run("big",
                          "--frames 3 --width 1920 --height 1080 --decoders all --gradient "
                          "--plot-log-y --ui-scale 1.5 --marker-alpha 0.5");
  const json& j = r.report;
  EXPECT_NEAR(j["ui_scale"].get<double>(), 1.5, 0.05);
  check_legend(j, 1920, 1080, 1);
  // The gradient panel: right of the softmax view's colour bar, inside the window, above the
  // legend and the plots.
  const Box grad = box(j["gradient_panel"]);
  EXPECT_GT(grad.x0, j["colorbar"]["x1"].get<double>());
  EXPECT_TRUE(grad.x1 <= 1920 && grad.y0 >= 0 && grad.x1 - grad.x0 > 300) << j["gradient_panel"];
  EXPECT_LE(grad.y1, j["legend"]["entries"][0]["y0"].get<double>());
  EXPECT_LT(grad.y1, j["beta_plot"]["y0"].get<double>());
  // Log y: the level labels inside the plot, none over another.
  EXPECT_TRUE(j["beta_plot"]["log_y"].get<bool>());
  const json& labels = j["beta_plot"]["level_labels"];
  EXPECT_GE(labels.size(), 3u) << j["beta_plot"].dump();
  const Box plot = box(j["beta_plot"]);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const Box a = box(labels[i]);
    EXPECT_TRUE(a.y0 >= plot.y0 && a.y1 <= plot.y1 && a.x0 >= plot.x0 && a.x1 <= plot.x1)
        << labels[i].dump();
    for (std::size_t k = 0; k < i; ++k) EXPECT_FALSE(overlap(a, box(labels[k]))) << i << " " << k;
  }
  // Markers at opacity 0.5: the argmax ring blends with the map (no pure white, but light).
  const json& k = j["keypoints"][0];
  const double z = j["heatmap_view"]["zoom"].get<double>();
  const double rad = std::max(4.0, 0.75 * z + 2) + 1.5 - 0.5;  // inside the ring's stroke
  const double cx = place_x(j, k["argmax_x"].get<double>()),
               cy = place_y(j, k["argmax_y"].get<double>());
  EXPECT_FALSE(near(r.shot, cx + rad, cy, 2, kWhite) || near(r.shot, cx - rad, cy, 2, kWhite));
  int light = 0;
  for (int dx = -2; dx <= 2; ++dx) {
    const cv::Vec3b p = r.shot.at<cv::Vec3b>(static_cast<int>(cy), static_cast<int>(cx + rad) + dx);
    light += std::min({p[0], p[1], p[2]}) >= 100;
  }
  EXPECT_GT(light, 0) << "the faded ring is not drawn";
}

// No arguments: the synthetic scene, whatever source the saved settings name; that source is
// offered (a Reopen button) and still offered after the run saves its settings.
TEST(LayoutViewerTest, NoArgumentsOpensTheSyntheticSceneAndOffersTheLastSource) {
  const fs::path config = tmp("config");
  fs::create_directories(config / "peakscope");
  const std::string last = stack39();
  std::ofstream(config / "peakscope" / "viewer.json") << json({{"source", last}}).dump();
  const ViewerRun r = run("noargs", "", "XDG_CONFIG_HOME=" + config.string(), 5);
  EXPECT_EQ(r.report["settings_source"], "synthetic");
  EXPECT_EQ(r.report["source"].get<std::string>().rfind("synthetic", 0), 0u) << r.report["source"];
  EXPECT_EQ(r.report["last_source"], last);
  bool offered = false;
  for (const json& c : r.report["controls"]) offered |= c["name"] == "reopen";
  EXPECT_TRUE(offered) << r.report["controls"].dump();
  std::ifstream in(config / "peakscope" / "viewer.json");
  const json saved = json::parse(in);
  EXPECT_EQ(saved["last_source"], last) << saved.dump();
}

}  // namespace
