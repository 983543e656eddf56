// The viewer in a real window (ctest runs under xvfb-run): scripted runs, screenshots whose
// marker pixels must be where the engines put the keypoints, markers that leave the peak
// visible, the colour bar, all-channel views, the fallback, sheets, recording, exit codes.
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
#include <opencv2/videoio.hpp>
#include <string>

#include "core/io/colormap.hpp"
#include "core/io/npy.hpp"
#include "core/io/sheets.hpp"
#include "core/io/source.hpp"
#include "core/reference.hpp"

namespace peakscope {
namespace {

namespace fs = std::filesystem;

struct ViewerRun {
  int rc = -1;
  nlohmann::json report;
  cv::Mat shot, sheet;
  std::string log;
};

// Unique per process and test: ctest runs the tests of this binary in parallel.
fs::path tmp(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("peakscope_viewer_" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir / name;
}

// The screenshots and reports stay for a look when a test failed; otherwise they go.
class RemoveTmpWhenPassed : public ::testing::Environment {
 public:
  void TearDown() override {
    if (::testing::UnitTest::GetInstance()->Passed())
      fs::remove_all(fs::temp_directory_path() / ("peakscope_viewer_" + std::to_string(getpid())));
  }
};
[[maybe_unused]] ::testing::Environment* const kTmpEnv =
    ::testing::AddGlobalTestEnvironment(new RemoveTmpWhenPassed);

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ViewerRun run_viewer(const std::string& name, const std::string& args, const std::string& env = "",
                     bool expect_ok = true) {
  const fs::path shot = tmp(name + ".png"), sheet = tmp(name + "_sheet.png"),
                 rep = tmp(name + ".json"), log = tmp(name + ".log");
  fs::remove(shot);
  fs::remove(sheet);
  fs::remove(rep);
  const std::string cmd = env + " " PEAKSCOPE_VIEWER " " + args + " --screenshot " + shot.string() +
                          " --sheet " + sheet.string() + " --report " + rep.string() + " 2>" +
                          log.string();
  ViewerRun r;
  r.rc = exit_code(std::system(cmd.c_str()));
  r.log = read_text(log);
  if (expect_ok) {
    EXPECT_EQ(r.rc, 0) << cmd << "\n" << r.log;
  }
  std::ifstream in(rep);
  if (!in) {
    if (expect_ok) ADD_FAILURE() << "no report from: " << cmd << "\n" << r.log;
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
const cv::Vec3b kWhite(255, 255, 255), kMagenta(255, 0, 255);  // BGR
// True when a pixel within 1 px of (x, y) is exactly `c` (anti-aliased outlines).
bool near(const cv::Mat& img, double x, double y, cv::Vec3b c) {
  for (int dy = -1; dy <= 1; ++dy)
    for (int dx = -1; dx <= 1; ++dx)
      if (px(img, x + dx, y + dy) == c) return true;
  return false;
}
// The screen position of map pixel (x, y) in a view of the report.
struct Place {
  double ox, oy, z;
  double sx(double x) const { return ox + (x + 0.5) * z; }
  double sy(double y) const { return oy + (y + 0.5) * z; }
  // The marker hole's radius (panels.hpp MarkerStyle::hole).
  double hole() const { return std::max(4.0, 0.75 * z + 2.0); }
};
Place place(const ViewerRun& r, const char* view) {
  const auto& v = r.report[view];
  return {v["origin_x"].get<double>(), v["origin_y"].get<double>(), v["zoom"].get<double>()};
}
cv::Vec3b lut(io::Colormap cmap, int i) {
  const std::string rgb = io::colormap_lut_rgb(cmap);
  return cv::Vec3b(static_cast<unsigned char>(rgb[3 * i + 2]),
                   static_cast<unsigned char>(rgb[3 * i + 1]),
                   static_cast<unsigned char>(rgb[3 * i]));
}

// The argmax ring and soft-argmax diamond where the keypoint is, in both views, with the
// marked pixel itself left uncovered.
void check_markers(const ViewerRun& r, const Keypoint& want) {
  ASSERT_FALSE(r.shot.empty());
  ASSERT_EQ(r.report["keypoints"].size(), 1u);
  const auto& k = r.report["keypoints"][0];
  EXPECT_EQ(k["argmax_x"].get<double>(), want.argmax_x);
  EXPECT_EQ(k["argmax_y"].get<double>(), want.argmax_y);
  EXPECT_NEAR(k["soft_x"].get<double>(), want.soft_x, 1e-3);
  EXPECT_NEAR(k["soft_y"].get<double>(), want.soft_y, 1e-3);
  for (const char* view : {"heatmap_view", "softmax_view"}) {
    const Place p = place(r, view);
    const double ax = p.sx(want.argmax_x), ay = p.sy(want.argmax_y);
    const double sx = p.sx(want.soft_x), sy = p.sy(want.soft_y);
    const double ring = p.hole() + 1.5, dia = p.hole() * 1.41 + 3;
    // The ring on all four sides, the centre free.
    for (auto [dx, dy] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}})
      EXPECT_TRUE(near(r.shot, ax + dx * ring, ay + dy * ring, kWhite))
          << view << " argmax ring at " << ax << "," << ay;
    EXPECT_FALSE(px(r.shot, ax, ay) == kWhite) << view << ": the argmax pixel is covered";
    // The diamond's edges (midpoints), its centre free.
    for (auto [dx, dy] : {std::pair{1, 1}, {-1, 1}, {1, -1}, {-1, -1}})
      EXPECT_TRUE(near(r.shot, sx + dx * dia / 2, sy + dy * dia / 2, kMagenta))
          << view << " soft-argmax at " << sx << "," << sy;
    EXPECT_FALSE(px(r.shot, sx, sy) == kMagenta) << view << ": the soft-argmax pixel is covered";
    EXPECT_FALSE(near(r.shot, sx + dia + 4, sy, kMagenta)) << view;
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
  // The sampled check on the CPU engine ran and agrees.
  EXPECT_TRUE(r.report["comparison"]["ran"].get<bool>());
  EXPECT_EQ(r.report["comparison"]["engine"].get<std::string>(), "CPU");
  EXPECT_LT(r.report["comparison"]["diff_px"].get<double>(), 1e-3);
}

// The synthetic scene rendered by the GPU engine itself (a SceneFrame; on hardware GL by
// default, forced here on llvmpipe): the markers where the double reference puts them (1e-3
// px) and the sampled CPU decode of the worker's host copy agrees.
TEST(ViewerAppTest, GpuMadeSceneMarkersEqualTheCpuDecode) {
  const ViewerRun r =
      run_viewer("gpuscene", kArgs + " --backend gpu", "PEAKSCOPE_VIEWER_GPU_SCENE=1");
  EXPECT_EQ(r.report.value("backend", ""), "gpu") << r.report.dump();
  EXPECT_TRUE(r.report.value("scene_made_by_engine", false)) << r.report.dump();
  EXPECT_NE(r.report.value("backend_description", "").find("scene rendered on the GPU"),
            std::string::npos);
  check_markers(r, expected(kFrames, kSeed, kBeta, true));
  EXPECT_TRUE(r.report["comparison"]["ran"].get<bool>());
  EXPECT_LT(r.report["comparison"]["diff_px"].get<double>(), 1e-3);
  // Without the override llvmpipe keeps the CPU-rendered frame; the CPU engine always does.
  const ViewerRun plain =
      run_viewer("gpuscene0", kArgs + " --backend gpu", "PEAKSCOPE_VIEWER_GPU_SCENE=0");
  EXPECT_FALSE(plain.report.value("scene_made_by_engine", true));
  const ViewerRun cpu =
      run_viewer("gpuscenecpu", kArgs + " --backend cpu", "PEAKSCOPE_VIEWER_GPU_SCENE=1");
  EXPECT_FALSE(cpu.report.value("scene_made_by_engine", true));
  ASSERT_EQ(plain.report["keypoints"].size(), 1u);
  for (const char* f : {"soft_x", "soft_y"})
    EXPECT_NEAR(r.report["keypoints"][0][f].get<double>(),
                cpu.report["keypoints"][0][f].get<double>(), 1e-3)
        << f;
}

// The heatmap view coloured by shader from the GPU engine's values texture and on the CPU from
// the host frame: the same pixels (one colour scale, core/colour_scale.hpp).
TEST(ViewerAppTest, GpuAndCpuColouringDrawTheSameHeatmap) {
  const ViewerRun gpu = run_viewer("colourgpu", kArgs + " --backend gpu", "PEAKSCOPE_GPU_COLOUR=1");
  const ViewerRun cpu = run_viewer("colourcpu", kArgs + " --backend gpu", "PEAKSCOPE_GPU_COLOUR=0");
  ASSERT_FALSE(gpu.shot.empty());
  ASSERT_FALSE(cpu.shot.empty());
  ASSERT_EQ(gpu.report.value("backend", ""), "gpu");
  const Place p = place(gpu, "heatmap_view");
  const Place q = place(cpu, "heatmap_view");
  ASSERT_EQ(p.ox, q.ox);
  ASSERT_EQ(p.oy, q.oy);
  ASSERT_EQ(p.z, q.z);
  const int w = gpu.report["map"]["width"].get<int>(), h = gpu.report["map"]["height"].get<int>();
  const cv::Rect view(static_cast<int>(std::ceil(p.ox)), static_cast<int>(std::ceil(p.oy)),
                      static_cast<int>(w * p.z) - 1, static_cast<int>(h * p.z) - 1);
  cv::Mat diff;
  cv::absdiff(gpu.shot(view), cpu.shot(view), diff);
  EXPECT_EQ(cv::countNonZero(diff.reshape(1)), 0) << "of " << view.area() << " pixels x 3";
}

TEST(ViewerAppTest, CpuBackendMarkersWhereTheEngineSays) {
  const ViewerRun r = run_viewer("cpu", kArgs + " --backend cpu");
  EXPECT_EQ(r.report.value("backend", ""), "cpu");
  EXPECT_EQ(r.report.value("fallback_reason", "x"), "");
  check_markers(r, expected(kFrames, kSeed, kBeta, true));
}

TEST(ViewerAppTest, GlBelow43FallsBackAndSaysWhyOnce) {
  const ViewerRun r = run_viewer("gl33", kArgs + " --backend gpu", "MESA_GL_VERSION_OVERRIDE=3.3");
  EXPECT_EQ(r.report.value("backend", ""), "cpu");
  const std::string reason = r.report.value("fallback_reason", "");
  EXPECT_NE(reason.find("4.3"), std::string::npos) << r.report.dump();
  EXPECT_EQ(r.log.find(reason), r.log.rfind(reason)) << "the reason is printed once:\n" << r.log;
  check_markers(r, expected(kFrames, kSeed, kBeta, true));
}

TEST(ViewerAppTest, ForcedCpuByEnvironment) {
  const ViewerRun r = run_viewer("envcpu", kArgs, "PEAKSCOPE_BACKEND=cpu");
  EXPECT_EQ(r.report.value("backend", ""), "cpu");
  EXPECT_NE(r.report.value("fallback_reason", "").find("PEAKSCOPE_BACKEND=cpu"), std::string::npos);
  check_markers(r, expected(kFrames, kSeed, kBeta, true));
}

TEST(ViewerAppTest, DefaultsComeFromTheCore) {
  const ViewerRun r = run_viewer("defaults", "--frames 2 --backend cpu");
  EXPECT_EQ(r.report["beta"].get<double>(), kDefaultBeta);
  EXPECT_EQ(r.report["normalize"].get<bool>(), kDefaultNormalize);
}

// At beta 1e30 the softmax is one pixel: it stays visible under the markers at any zoom.
TEST(ViewerAppTest, OnePixelPeakStaysVisibleUnderTheMarkers) {
  for (const char* size : {"--width 1280 --height 800", "--width 960 --height 600"}) {
    const ViewerRun r =
        run_viewer("peak", std::string("--frames 3 --beta 1e30 --backend cpu ") + size);
    ASSERT_FALSE(r.shot.empty());
    const auto& k = r.report["keypoints"][0];
    EXPECT_NEAR(k["peak_probability"].get<double>(), 1.0, 1e-12);
    const Place p = place(r, "softmax_view");
    const double x = p.sx(k["argmax_x"].get<double>()), y = p.sy(k["argmax_y"].get<double>());
    EXPECT_EQ(px(r.shot, x, y), lut(io::Colormap::kJet, 255))
        << size << ": the peak's colour at " << x << "," << y;
  }
}

TEST(ViewerAppTest, HiddenMarkersAreNotDrawn) {
  const ViewerRun r =
      run_viewer("hidden", kArgs + " --backend cpu --hide-markers argmax,softargmax");
  const Keypoint want = expected(kFrames, kSeed, kBeta, true);
  const Place p = place(r, "heatmap_view");
  const double ring = p.hole() + 1.5, dia = p.hole() * 1.41 + 3;
  for (auto [dx, dy] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}})
    EXPECT_FALSE(
        near(r.shot, p.sx(want.argmax_x) + dx * ring, p.sy(want.argmax_y) + dy * ring, kWhite));
  EXPECT_FALSE(near(r.shot, p.sx(want.soft_x) + dia / 2, p.sy(want.soft_y) + dia / 2, kMagenta));
}

TEST(ViewerAppTest, ColourBarCarriesTheRealPRange) {
  // beta 0.1 without normalisation: p is nearly flat and tiny; the bar says how tiny.
  const ViewerRun r =
      run_viewer("bar", "--frames 2 --backend cpu --beta 0.1 --normalize none --colormap jet");
  const auto& bar = r.report["colorbar"];
  const double peak = r.report["keypoints"][0]["peak_probability"].get<double>();
  EXPECT_DOUBLE_EQ(bar["p_hi"].get<double>(), peak);
  EXPECT_LT(peak, 1e-4);
  EXPECT_GT(bar["p_lo"].get<double>(), 0.0);  // log scale by default
  EXPECT_LT(bar["p_lo"].get<double>(), peak);
  const double x = 0.5 * (bar["x0"].get<double>() + bar["x1"].get<double>());
  EXPECT_EQ(px(r.shot, x, bar["y0"].get<double>() + 3), lut(io::Colormap::kJet, 255));
  EXPECT_EQ(px(r.shot, x, bar["y1"].get<double>() - 3), lut(io::Colormap::kJet, 0));
}

// A K x H x W float stack with one Gaussian of height 1 per channel.
fs::path write_stack(const std::string& name, int k, int w, int h,
                     std::vector<std::pair<int, int>>* peaks) {
  std::vector<float> v(static_cast<std::size_t>(k) * w * h);
  for (int c = 0; c < k; ++c) {
    const int cx = 8 + (c * 23) % (w - 16), cy = 8 + (c * 17) % (h - 16);
    peaks->push_back({cx, cy});
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        v[(static_cast<std::size_t>(c) * h + y) * w + x] =
            static_cast<float>(std::exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / 18.0));
  }
  const fs::path p = tmp(name + ".npy");
  io::write_npy(
      p.string(),
      {static_cast<std::size_t>(k), static_cast<std::size_t>(h), static_cast<std::size_t>(w)}, v,
      "f4");
  return p;
}

bool hot(cv::Vec3b bgr) {
  return bgr[2] > 100 && bgr[0] < 60;
}  // the red end of jet

TEST(ViewerAppTest, AllChannelsMaxShowsEveryChannel) {
  std::vector<std::pair<int, int>> peaks;
  const fs::path npy = write_stack("max5", 5, 64, 48, &peaks);
  const ViewerRun r = run_viewer("max5", npy.string() + " --frames 1 --backend cpu --channel -1");
  ASSERT_EQ(r.report["keypoints"].size(), 5u);
  EXPECT_EQ(r.report["curve"]["ground_truth"].get<bool>(), false);
  EXPECT_TRUE(r.report["error_history"].empty()) << "no ground truth: no history";
  for (const char* view : {"heatmap_view", "softmax_view"}) {
    const Place p = place(r, view);
    for (int c = 0; c < 5; ++c) {
      const auto& k = r.report["keypoints"][c];
      EXPECT_EQ(k["argmax_x"].get<double>(), peaks[c].first);
      // In the markers' hole: the channel's peak is drawn.
      EXPECT_TRUE(hot(px(r.shot, p.sx(peaks[c].first), p.sy(peaks[c].second))))
          << view << " channel " << c;
    }
  }
}

TEST(ViewerAppTest, AllChannelsGridTilesEveryChannel) {
  std::vector<std::pair<int, int>> peaks;
  const fs::path npy = write_stack("grid5", 5, 64, 48, &peaks);
  const ViewerRun r = run_viewer(
      "grid5", npy.string() + " --frames 1 --backend cpu --all-channels grid --sheet-scale 2");
  const auto& tiles = r.report["softmax_view"]["tiles"];
  ASSERT_EQ(tiles.size(), 5u);
  EXPECT_EQ(tiles[1][0].get<int>(), 64 + 2);  // 3 columns, 2-px gaps
  EXPECT_EQ(tiles[3][1].get<int>(), 48 + 2);
  EXPECT_TRUE(r.report["colorbar"]["relative"].get<bool>());
  for (const char* view : {"heatmap_view", "softmax_view"}) {
    const Place p = place(r, view);
    for (int c = 0; c < 5; ++c) {
      const double x = p.sx(peaks[c].first + tiles[c][0].get<int>());
      const double y = p.sy(peaks[c].second + tiles[c][1].get<int>());
      EXPECT_TRUE(hot(px(r.shot, x, y))) << view << " channel " << c;
      EXPECT_TRUE(near(r.shot, x + p.hole() + 1.5, y, kWhite)) << view << " channel " << c;
    }
  }
  // The sheet follows the grid view: every channel's tile with its soft-argmax ring (one
  // magenta ring per tile, one in the legend), at twice the size (--sheet-scale 2: two tiles
  // of at least 2 x 128 units per row's panel, two panels).
  ASSERT_FALSE(r.sheet.empty());
  EXPECT_GT(r.sheet.cols, 2 * 2 * 3 * 128);
  cv::Mat ring;
  cv::inRange(r.sheet, cv::Scalar(215, 0, 215), cv::Scalar(255, 40, 255), ring);
  cv::Mat labels;
  EXPECT_EQ(cv::connectedComponents(ring, labels) - 1, 5 + 1);
}

// Keys reach the state through the key table in the real window (--press injects them as the
// GLFW callback does).
TEST(ViewerAppTest, KeysSelectChannelsScaleAndTheOtherEngine) {
  std::vector<std::pair<int, int>> peaks;
  const fs::path npy = write_stack("keys5", 5, 64, 48, &peaks);
  const ViewerRun r = run_viewer("keys5", npy.string() + " --frames 1 --press 2,L,B");
  EXPECT_EQ(r.report["channel"].get<int>(), 2) << "key 2 shows channel 2, as the CLI numbers it";
  EXPECT_EQ(r.report["colorbar"]["p_lo"].get<double>(), 0.0) << "L: linear scale from p = 0";
  EXPECT_DOUBLE_EQ(r.report["colorbar"]["p_hi"].get<double>(),
                   r.report["keypoints"][2]["peak_probability"].get<double>());
  // B switches to the engine that is not running (auto runs the CPU on llvmpipe).
  const ViewerRun plain = run_viewer("keys5plain", npy.string() + " --frames 1");
  EXPECT_NE(r.report["backend"].get<std::string>(), plain.report["backend"].get<std::string>())
      << r.log;
  // Only channel 2's markers: channel 0's argmax has no ring.
  const Place p = place(r, "heatmap_view");
  EXPECT_FALSE(near(r.shot, p.sx(peaks[0].first) + p.hole() + 1.5, p.sy(peaks[0].second), kWhite));
  EXPECT_TRUE(near(r.shot, p.sx(peaks[2].first) + p.hole() + 1.5, p.sy(peaks[2].second), kWhite));
  const ViewerRun bad = run_viewer("keysbad", "--frames 1 --press Q", "", false);
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.log.find("'Q'"), std::string::npos) << bad.log;
}

// Hovering reads a point: in a view, the pixel, its value and p (core's softmax_at); on the
// error-vs-beta plot, the nearest point of the curve. The pointer is put there by --mouse.
TEST(ViewerAppTest, HoverReadsAPointOfAViewAndOfThePlot) {
  const std::string args = "--frames 5 --backend cpu --seed 2";
  const ViewerRun first = run_viewer("hover0", args);
  const auto& k = first.report["keypoints"][0];
  const Place p = place(first, "softmax_view");
  // The pointer lands on whole window pixels: the map pixel under it is computed from those.
  const long mx = std::lround(p.sx(k["argmax_x"].get<double>())),
             my = std::lround(p.sy(k["argmax_y"].get<double>()));
  char at[64];
  std::snprintf(at, sizeof at, " --mouse %ld,%ld", mx, my);
  const ViewerRun view = run_viewer("hover1", args + at);
  const int x = static_cast<int>(std::floor((mx - p.ox) / p.z));
  const int y = static_cast<int>(std::floor((my - p.oy) / p.z));
  io::SyntheticOptions so;
  so.seed = 2;
  auto src = io::make_synthetic_source(so);
  std::optional<io::Frame> f;
  for (int i = 0; i < 5; ++i) f = src->next();
  const DecodeOptions opt{kDefaultBeta, kDefaultNormalize};
  const Keypoint kp = reference::decode(f->heatmap.view(), 0, opt);
  const double v = f->heatmap.view().at(0, y, x);
  char want[128];
  std::snprintf(want, sizeof want, "(%d, %d)  value %.4g  p %.3g", x, y, v, softmax_at(v, kp, opt));
  EXPECT_EQ(view.report["hover"].get<std::string>(), want);
  // The plot: beta 100 is the 17th point of the curve (10^-2 .. 10^4, 25 points).
  const auto& b = first.report["beta_plot"];
  const double bx =
      b["x0"].get<double>() + (2.0 + 2.0) / 6.0 * (b["x1"].get<double>() - b["x0"].get<double>());
  const double by = 0.5 * (b["y0"].get<double>() + b["y1"].get<double>());
  std::snprintf(at, sizeof at, " --mouse %.1f,%.1f", bx, by);
  const ViewerRun plot = run_viewer("hover2", args + at);
  std::snprintf(want, sizeof want, "beta 100: %.4g px",
                plot.report["curve"]["values"][16].get<double>());
  EXPECT_EQ(plot.report["hover"].get<std::string>(), want);
}

// At 960 x 600 the controls (source, beta, readouts; the other sections folded) fit without
// scrolling, for one channel and for the five-row channel table.
TEST(ViewerAppTest, ReadoutsFitAt960x600) {
  std::vector<std::pair<int, int>> peaks;
  const fs::path npy = write_stack("fit5", 5, 64, 48, &peaks);
  for (const std::string& src : {std::string("synthetic"), npy.string()}) {
    const ViewerRun r = run_viewer("fit", src + " --frames 2 --width 960 --height 600");
    EXPECT_EQ(r.report["controls_overflow"].get<double>(), 0.0) << src;
  }
  const ViewerRun big = run_viewer("fitbig", "--frames 2");
  EXPECT_EQ(big.report["controls_overflow"].get<double>(), 0.0) << "1280 x 800";
}

TEST(ViewerAppTest, FramesNShowsNFramesOfAVideo) {
  const fs::path video = tmp("count.avi");
  {
    cv::VideoWriter w(video.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10,
                      cv::Size(64, 48));
    ASSERT_TRUE(w.isOpened());
    for (int i = 0; i < 20; ++i) {
      cv::Mat f(48, 64, CV_8UC3, cv::Scalar(0, 0, 0));
      cv::circle(f, cv::Point(10 + i * 2, 20), 4, cv::Scalar(255, 255, 255), -1);
      w.write(f);
    }
  }
  const ViewerRun r = run_viewer("count", video.string() + " --frames 5 --backend cpu");
  EXPECT_EQ(r.report["frames_shown"].get<long>(), 5);
  EXPECT_EQ(r.report["frame_index"].get<long>(), 4);
}

TEST(ViewerAppTest, RecordsTheWindowToMp4) {
  const fs::path mp4 = tmp("rec.mp4");
  fs::remove(mp4);
  const ViewerRun r = run_viewer(
      "rec", "--frames 8 --backend cpu --width 640 --height 400 --record " + mp4.string());
  ASSERT_TRUE(fs::exists(mp4)) << r.log;
  EXPECT_FALSE(fs::exists(mp4.string() + ".part.mp4"));
  cv::VideoCapture cap(mp4.string());
  ASSERT_TRUE(cap.isOpened());
  EXPECT_EQ(cap.get(cv::CAP_PROP_FRAME_WIDTH), 640);
  EXPECT_EQ(cap.get(cv::CAP_PROP_FRAME_HEIGHT), 400);
  int n = 0;
  cv::Mat f;
  while (cap.read(f)) ++n;
  EXPECT_GE(n, 8);  // every frame shown (the last one is drawn twice before it is saved)
  EXPECT_EQ(r.report["saved"].get<std::string>().empty(), false);
}

// A beta sweep over the frames (what a recording of a sweep shows): the last frame is
// decoded at the end of the range.
TEST(ViewerAppTest, SweepBetaEndsAtTheTopOfTheRange) {
  const ViewerRun r = run_viewer("sweep", "--frames 5 --backend cpu --sweep-beta 0.1:1000");
  EXPECT_DOUBLE_EQ(r.report["beta"].get<double>(), 1000.0);
  const Keypoint want = expected(5, 1, 1000, true);
  EXPECT_NEAR(r.report["keypoints"][0]["soft_x"].get<double>(), want.soft_x, 1e-3);
  const ViewerRun bad = run_viewer("sweepbad", "--frames 5 --sweep-beta 0.1:abc", "", false);
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.log.find("'abc'"), std::string::npos) << bad.log;
}

// The sheet as the view shows the frame (core/io/sheets.hpp): four 512 x 512 panels (no scaling
// above 256) under their titles; argmax a white cross (its pixel visible) on the argmax and
// softmax panels, soft-argmax a magenta ring on the softmax and soft-argmax panels, the heatmap
// panel plain; the softmax on the view's log scale. The beta grid of the same run as SVG.
TEST(ViewerAppTest, ComparisonSheetHasFourPanelsWithMarkers) {
  const fs::path grid = tmp("sheet_grid.svg");
  const ViewerRun r = run_viewer("sheet", kArgs + " --backend cpu --beta-grid " + grid.string());
  ASSERT_FALSE(r.sheet.empty());
  const int pw = 512, gap = 8;
  const cv::Vec3b bg(32, 32, 32);
  EXPECT_EQ(r.sheet.cols, 4 * pw + 5 * gap);
  // The panels' top: the first row of panel 0's right part that is not background.
  int top = 0;
  while (top < r.sheet.rows && r.sheet.at<cv::Vec3b>(top, gap + pw - 20) == bg) ++top;
  ASSERT_GT(top, 20);
  ASSERT_LT(top + pw, r.sheet.rows);
  EXPECT_EQ(r.sheet.at<cv::Vec3b>(top - 1, gap + pw - 20), bg);
  const Keypoint k = expected(kFrames, kSeed, kBeta, true);
  const double rad = io::sheet_marker_size(pw, 1), d = 0.75 * rad / std::sqrt(2.0);
  // Near (x, y) of panel i (map pixels, centres at integers), a pixel of colour c.
  auto has = [&](int panel, double x, double y, const cv::Vec3b& c) {
    const double fx = gap + panel * (pw + gap) + x + 0.5, fy = top + y + 0.5;
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const cv::Vec3b p =
            r.sheet.at<cv::Vec3b>(static_cast<int>(fy) + dy, static_cast<int>(fx) + dx);
        if (std::abs(p[0] - c[0]) < 40 && std::abs(p[1] - c[1]) < 40 && std::abs(p[2] - c[2]) < 40)
          return true;
      }
    return false;
  };
  for (int panel : {1, 2}) {
    EXPECT_TRUE(has(panel, k.argmax_x + d, k.argmax_y + d, kWhite)) << panel;
    EXPECT_TRUE(has(panel, k.argmax_x - d, k.argmax_y - d, kWhite)) << panel;
  }
  EXPECT_NE(r.sheet.at<cv::Vec3b>(top + static_cast<int>(k.argmax_y),
                                  gap + pw + gap + static_cast<int>(k.argmax_x)),
            kWhite);
  for (int panel : {2, 3}) EXPECT_TRUE(has(panel, k.soft_x + rad, k.soft_y, kMagenta)) << panel;
  EXPECT_FALSE(has(0, k.argmax_x + d, k.argmax_y + d, kWhite));
  EXPECT_FALSE(has(0, k.soft_x + rad, k.soft_y, kMagenta));
  EXPECT_FALSE(has(1, k.soft_x + rad, k.soft_y, kMagenta));
  // The beta grid: one heatmap, six softmax panels (0.1 ... 1000 and beta 3), vector markers.
  const std::string svg = read_text(grid);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  std::size_t images = 0;
  for (std::size_t p = svg.find("<image "); p != std::string::npos; p = svg.find("<image ", p + 1))
    ++images;
  EXPECT_EQ(images, 1u + 6u + 7u);  // panels and their colour bars
  EXPECT_NE(svg.find("softmax, beta 3"), std::string::npos);
  EXPECT_NE(svg.find("data-marks=\"soft-argmax\""), std::string::npos);
  EXPECT_NE(svg.find("log scale"), std::string::npos);
}

TEST(ViewerAppTest, BadArgumentsExitTwoWithTheCoreMessage) {
  const fs::path log = tmp("bad.log");
  auto run = [&](const std::string& args) {
    const int rc =
        exit_code(std::system((PEAKSCOPE_VIEWER " " + args + " 2>" + log.string()).c_str()));
    return std::pair{rc, read_text(log)};
  };
  {
    const auto [rc, msg] = run("--frames 2 --beta abc");
    EXPECT_EQ(rc, 2);
    EXPECT_EQ(msg.rfind("peakscope: beta must be a number, got 'abc'\n", 0), 0u) << msg;
  }
  {
    const auto [rc, msg] = run("--frames 2 --beta -1");
    EXPECT_EQ(rc, 2);
    EXPECT_EQ(msg.rfind("peakscope: " + beta_problem(-1) + "\n", 0), 0u) << msg;
  }
  {
    const auto [rc, msg] = run("--beta -1");  // interactive: rejected before any window
    EXPECT_EQ(rc, 2);
    EXPECT_NE(msg.find("beta"), std::string::npos);
  }
  {
    const auto [rc, msg] = run("--frames 0");
    EXPECT_EQ(rc, 2);
    EXPECT_NE(msg.find("--frames"), std::string::npos) << msg;
  }
  {
    const auto [rc, msg] = run("--frames abc");
    EXPECT_EQ(rc, 2);
    EXPECT_NE(msg.find("--frames"), std::string::npos) << msg;
  }
  {
    const auto [rc, msg] = run("/nonexistent/file.png --frames 2");
    EXPECT_EQ(rc, 1);
    EXPECT_NE(msg.find("/nonexistent/file.png"), std::string::npos) << msg;
  }
  {  // a mistyped flag is named with the nearest one (app/common/suggest.hpp)
    const auto [rc, msg] = run("--frames 2 --betta 3");
    EXPECT_EQ(rc, 2);
    EXPECT_EQ(msg.rfind("peakscope: unknown flag '--betta'; did you mean '--beta'?\n", 0), 0u)
        << msg;
  }
  {  // a recording whose extension names no container is refused before anything is written
    const fs::path webm = tmp("rec.webm");
    const auto [rc, msg] = run("--frames 2 --record " + webm.string());
    EXPECT_EQ(rc, 2);
    EXPECT_NE(msg.find(webm.string() + ": a recording is .mp4 (MPEG-4), .avi (Motion JPEG) or "
                                       ".mkv (MPEG-4), not '.webm'"),
              std::string::npos)
        << msg;
    EXPECT_FALSE(fs::exists(webm));
  }
}

// A .npy whose last axis looks like channels: the viewer says so (the source's warning, as the
// CLI prints it), and still shows the file as read.
TEST(ViewerAppTest, ChannelsLastLookingNpyIsWarnedAbout) {
  const fs::path p = tmp("hwk.npy");
  io::write_npy(p.string(), {16, 12, 3}, std::vector<float>(16 * 12 * 3, 0.5f), "f4");
  const ViewerRun r = run_viewer("hwk", p.string() + " --frames 1 --backend cpu");
  const std::string said = p.string() + ": shape (16, 12, 3) read as 16 channels of 12 x 3";
  EXPECT_NE(r.report.value("error", "").find(said), std::string::npos) << r.report.dump();
  EXPECT_NE(r.log.find("--layout nhwc"), std::string::npos) << r.log;
}

}  // namespace
}  // namespace peakscope
