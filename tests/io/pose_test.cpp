// The pose preset (core/io/pose_preset.hpp), the model source's region handling, and the
// MediaPipe pose models end to end on images nobody here made (Debian's opencv-doc):
// messi5.jpg (a full-body player) and vtest.avi (pedestrians).
//
// Tests that need the converted models (scripts/get-pose-model) are skipped, saying why, only
// when the model cache is absent.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <sstream>

#include "app/common/source_options.hpp"
#include "core/io/pose_preset.hpp"
#include "core/io/source.hpp"
#include "core/reference.hpp"
#include "tests/support/pose.hpp"
#include "tests/support/run.hpp"
#include "tests/support/temp.hpp"

namespace {

namespace fs = std::filesystem;
using peakscope::io::Box;
using peakscope::io::RoiMode;

const std::string kMessi = "/usr/share/doc/opencv-doc/examples/data/messi5.jpg";
const std::string kVtest = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";

// Joints of messi5.jpg (548 x 342) located by eye, in image pixels; "left" is the player's.
struct Joint {
  int channel;
  const char* name;
  double x, y;
};
const Joint kJoints[] = {
    {0, "nose", 246, 118},        {11, "left_shoulder", 278, 128}, {12, "right_shoulder", 198, 127},
    {15, "left_wrist", 348, 163}, {16, "right_wrist", 102, 102},   {27, "left_ankle", 420, 264},
    {28, "right_ankle", 284, 313}};
// Tolerance for a decoded joint: 16 image pixels. With the crop below one heatmap cell spans
// 420 / 64 = 6.6 image pixels, so this is 2.4 cells; the joints above are placed by eye to
// within about 5 pixels, and a joint on the wrong limb or the wrong side is 40+ pixels away.
constexpr double kTolerancePx = 16;

// Unique per process: several checkouts may run the suite on one machine at once.
std::string tmp(const std::string& n) {
  return peakscope::testing::temp_path("pose_" + n).string();
}

// The exit code of `env peakscope-cli args` (-1 when it did not exit normally).
int cli(const std::string& env, const std::string& args) {
  return peakscope::testing::run_exit_code(env + " " + std::string(PEAKSCOPE_CLI) + " " + args);
}

using peakscope::testing::slurp;

// Skips the calling test (with the reason) when the preset's model is not in the cache, or
// fails it when this run fetched the models (tests/support/pose.hpp).
#define REQUIRE_POSE_MODEL(preset)                                                     \
  do {                                                                                 \
    PEAKSCOPE_NEED_POSE_MODEL(peakscope::io::pose_model_problem(preset));              \
    if (!fs::exists(kMessi)) GTEST_FAIL() << kMessi << " missing: install opencv-doc"; \
  } while (0)

peakscope::io::SourceOptions pose_options(const std::string& preset, const std::string& roi) {
  peakscope::io::SourceOptions o;
  const peakscope::io::PosePreset& p = peakscope::io::pose_preset(preset);
  o.model.pose = &p;
  o.model.path = peakscope::io::pose_model_path(p);
  o.model.input_width = p.input_width;
  o.model.input_height = p.input_height;
  o.model.roi = peakscope::io::parse_roi(roi);
  return o;
}

// ---------------------------------------------------------------------------------------
// The preset and the region arithmetic (no model needed)
// ---------------------------------------------------------------------------------------

TEST(PosePresetTest, NamesSkeletonAndOutputs) {
  const auto& p = peakscope::io::pose_preset("mediapipe");
  EXPECT_EQ(p.name, "mediapipe-full");
  EXPECT_EQ(&p, &peakscope::io::pose_preset("mediapipe-full"));
  EXPECT_EQ(peakscope::io::pose_preset("mediapipe-lite").file, "pose_landmark_lite.onnx");
  EXPECT_EQ(peakscope::io::pose_preset("mediapipe-heavy").file, "pose_landmark_heavy.onnx");
  ASSERT_EQ(p.names.size(), 39u);
  EXPECT_EQ(p.names[0], "nose");
  EXPECT_EQ(p.names[16], "right_wrist");
  EXPECT_EQ(p.names[32], "right_foot_index");
  EXPECT_EQ(std::set<std::string>(p.names.begin(), p.names.end()).size(), 39u);  // unique
  EXPECT_EQ(p.skeleton.size(), 35u);  // MediaPipe's POSE_CONNECTIONS
  for (const auto& [a, b] : p.skeleton) {
    EXPECT_TRUE(a >= 0 && a < 33 && b >= 0 && b < 33 && a != b) << a << "-" << b;
  }
  EXPECT_EQ(p.heatmap_output, "Identity_3");
  EXPECT_EQ(p.landmark_output, "Identity");
  EXPECT_EQ(p.input_width, 256);
}

// The presets' heatmaps are logits: --normalize defaults to none for them (CLI and viewer
// resolve it through common::resolve_normalize), max for everything else, and a typed
// --normalize always wins.
TEST(PosePresetTest, LogitsDecodeWithoutNormaliseByDefault) {
  for (const char* name : {"mediapipe", "mediapipe-lite", "mediapipe-full", "mediapipe-heavy"})
    EXPECT_TRUE(peakscope::io::pose_preset(name).logits) << name;
  peakscope::common::SourceArgs plain, pose, unknown;
  pose.pose = "mediapipe-lite";
  unknown.pose = "openpose";  // refused with its message when the source opens
  EXPECT_FALSE(peakscope::common::logits_source(plain));
  EXPECT_TRUE(peakscope::common::logits_source(pose));
  EXPECT_FALSE(peakscope::common::logits_source(unknown));
  EXPECT_TRUE(peakscope::common::resolve_normalize("", plain));
  EXPECT_FALSE(peakscope::common::resolve_normalize("", pose));
  EXPECT_TRUE(peakscope::common::resolve_normalize("max", pose));
  EXPECT_FALSE(peakscope::common::resolve_normalize("none", plain));
  EXPECT_THROW(peakscope::common::resolve_normalize("sometimes", plain), std::invalid_argument);
}

TEST(PosePresetTest, UnknownPresetIsNamed) {
  try {
    peakscope::io::pose_preset("openpose");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'openpose'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mediapipe-lite"), std::string::npos) << e.what();
  }
}

TEST(PosePresetTest, ModelCacheFollowsTheEnvironment) {
  const char* old = std::getenv("PEAKSCOPE_MODEL_CACHE");
  const std::string saved = old ? old : "";
  setenv("PEAKSCOPE_MODEL_CACHE", "/nonexistent/peakscope_cache", 1);
  const auto& p = peakscope::io::pose_preset("mediapipe-lite");
  EXPECT_EQ(peakscope::io::pose_model_path(p),
            "/nonexistent/peakscope_cache/pose_landmark_lite.onnx");
  EXPECT_NE(peakscope::io::pose_model_problem(p).find("scripts/get-pose-model"), std::string::npos);
  if (old)
    setenv("PEAKSCOPE_MODEL_CACHE", saved.c_str(), 1);
  else
    unsetenv("PEAKSCOPE_MODEL_CACHE");
}

TEST(PosePresetTest, ParseRoi) {
  const auto r = peakscope::io::parse_roi("10,-5.5,200,100");
  EXPECT_EQ(r.mode, RoiMode::kFixed);
  EXPECT_DOUBLE_EQ(r.box.x, 10);
  EXPECT_DOUBLE_EQ(r.box.y, -5.5);
  EXPECT_DOUBLE_EQ(r.box.w, 200);
  EXPECT_DOUBLE_EQ(r.box.h, 100);
  EXPECT_EQ(peakscope::io::parse_roi("full").mode, RoiMode::kFull);
  EXPECT_EQ(peakscope::io::parse_roi("track").mode, RoiMode::kTrack);
  EXPECT_EQ(peakscope::io::parse_roi("track").box.w, 0);  // start from the whole frame
  const auto t = peakscope::io::parse_roi("track:620,225,90,110");
  EXPECT_EQ(t.mode, RoiMode::kTrack);
  EXPECT_DOUBLE_EQ(t.box.x, 620);
  EXPECT_DOUBLE_EQ(t.box.h, 110);
  for (const char* bad :
       {"", "1,2,3", "1,2,3,4,5", "1,2,0,4", "1,2,3,-4", "a,b,c,d", "1,2,3,4,", "1,2,3,nan",
        "1,2,3,4x", "tracking", "track:", "track:1,2,3", "track:1,2,0,4", "full:1,2,3,4"}) {
    EXPECT_THROW(peakscope::io::parse_roi(bad), std::invalid_argument) << bad;
  }
}

TEST(PosePresetTest, FitAspectGrowsAboutTheCentre) {
  const Box wide = peakscope::io::fit_aspect({0, 0, 548, 342}, 256, 256);
  EXPECT_DOUBLE_EQ(wide.w, 548);
  EXPECT_DOUBLE_EQ(wide.h, 548);
  EXPECT_DOUBLE_EQ(wide.x, 0);
  EXPECT_DOUBLE_EQ(wide.y, -103);
  const Box tall = peakscope::io::fit_aspect({10, 20, 50, 100}, 200, 100);  // aspect 2
  EXPECT_DOUBLE_EQ(tall.w, 200);
  EXPECT_DOUBLE_EQ(tall.h, 100);
  EXPECT_DOUBLE_EQ(tall.x, 10 - 75);
  EXPECT_DOUBLE_EQ(tall.y, 20);
}

// A crop maps frame pixels to input pixels exactly as Frame's heatmap_to_image maps them
// back: a dot at a frame pixel lands where the inverse mapping says.
TEST(PosePresetTest, CropAndMappingAreInverse) {
  cv::Mat frame(300, 400, CV_8UC3, cv::Scalar::all(0));
  frame.at<cv::Vec3b>(130, 250) = cv::Vec3b(255, 255, 255);
  const Box box{200, 100, 100, 100};  // 4 frame pixels per input pixel at 25x25
  const cv::Mat in = peakscope::io::crop_to_input(frame, box, cv::Size(100, 100));  // 1:1
  cv::Point at;
  cv::Mat grey;
  cv::cvtColor(in, grey, cv::COLOR_BGR2GRAY);
  cv::minMaxLoc(grey, nullptr, nullptr, nullptr, &at);
  EXPECT_EQ(at, cv::Point(50, 30));
  // Outside the frame: black.
  const cv::Mat outside = peakscope::io::crop_to_input(frame, {-50, -50, 40, 40}, cv::Size(8, 8));
  EXPECT_EQ(cv::countNonZero(outside.reshape(1)), 0);
  // The mapping of a frame whose heatmap is the 100x100 input downsampled to 25x25.
  peakscope::io::Frame f;
  f.image_scale_x = f.image_scale_y = box.w / 25;
  f.image_offset_x = box.x;
  f.image_offset_y = box.y;
  // Heatmap cell 12 covers input pixels 48..51, i.e. frame pixels 248..251 (centre 249.5).
  const auto p = peakscope::io::heatmap_to_image(f, 12, 7);
  EXPECT_DOUBLE_EQ(p.x, 249.5);
  EXPECT_DOUBLE_EQ(p.y, 129.5);
}

TEST(PosePresetTest, LandmarksAndTracking) {
  cv::Mat out(1, 39 * 5, CV_32F, cv::Scalar(0));
  float* v = out.ptr<float>();
  v[0] = 128;  // landmark 0 at the input's centre (edge coordinates)
  v[1] = 64;
  v[3] = 100;                            // visibility logit: ~1
  v[4] = -100;                           // presence logit: ~0
  v[33 * 5] = 128, v[33 * 5 + 1] = 128;  // body centre
  v[34 * 5] = 128, v[34 * 5 + 1] = 28;   // body top, 100 input pixels above
  const Box box{-50, 10, 512, 512};      // 2 frame pixels per input pixel
  const auto lms = peakscope::io::decode_landmarks(out, 5, box, 256, 256);
  ASSERT_EQ(lms.size(), 39u);
  EXPECT_DOUBLE_EQ(lms[0].x, -50 + 256 - 0.5);
  EXPECT_DOUBLE_EQ(lms[0].y, 10 + 128 - 0.5);
  EXPECT_NEAR(lms[0].visibility, 1, 1e-9);
  EXPECT_NEAR(lms[0].presence, 0, 1e-9);
  const auto t = peakscope::io::tracking_box(lms, 0.9);
  ASSERT_TRUE(t.has_value());
  EXPECT_DOUBLE_EQ(t->w, 2 * 200 * 1.25);  // radius 100 input = 200 frame pixels
  EXPECT_DOUBLE_EQ(t->x + t->w / 2, -50 + 256.0);
  EXPECT_DOUBLE_EQ(t->y + t->h / 2, 10 + 256.0);
  EXPECT_FALSE(peakscope::io::tracking_box(lms, 0.2).has_value());  // person lost
  EXPECT_THROW(peakscope::io::decode_landmarks(cv::Mat(1, 7, CV_32F), 5, box, 256, 256),
               std::invalid_argument);
}

// ---------------------------------------------------------------------------------------
// The models on real images
// ---------------------------------------------------------------------------------------

// messi5.jpg cropped around the player (x 55..475, y -15..405: black above the image): every
// variant decodes the nose, shoulders, wrists and ankles to where they are.
class PoseModelTest : public ::testing::TestWithParam<const char*> {};

TEST_P(PoseModelTest, MessiJointsDecodeToTheRightPlaces) {
  const auto& preset = peakscope::io::pose_preset(GetParam());
  REQUIRE_POSE_MODEL(preset);
  auto src = peakscope::io::open_source(kMessi, pose_options(GetParam(), "55,-15,420,420"));
  std::optional<peakscope::io::Frame> f = src->next();
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->heatmap.channels(), 39);
  ASSERT_EQ(f->heatmap.width(), 64);
  ASSERT_EQ(f->heatmap.height(), 64);
  ASSERT_EQ(f->landmarks.size(), 39u);
  EXPECT_EQ(f->pose, &preset);
  EXPECT_GT(f->pose_presence, 0.9);
  EXPECT_DOUBLE_EQ(f->model_box.x, 55);
  EXPECT_DOUBLE_EQ(f->model_box.w, 420);
  const auto kps = peakscope::reference::decode_all(f->heatmap.view(), {});
  for (const Joint& j : kJoints) {
    const auto am =
        peakscope::io::heatmap_to_image(*f, kps[j.channel].argmax_x, kps[j.channel].argmax_y);
    const auto sa =
        peakscope::io::heatmap_to_image(*f, kps[j.channel].soft_x, kps[j.channel].soft_y);
    EXPECT_LE(std::hypot(am.x - j.x, am.y - j.y), kTolerancePx)
        << j.name << " argmax at " << am.x << "," << am.y;
    EXPECT_LE(std::hypot(sa.x - j.x, sa.y - j.y), kTolerancePx)
        << j.name << " soft-argmax at " << sa.x << "," << sa.y;
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, PoseModelTest,
                         ::testing::Values("mediapipe-lite", "mediapipe-full", "mediapipe-heavy"));

// The default region on a still image: the whole frame letterboxed (the player is then small:
// one heatmap cell = 8.6 image pixels); the same joints within 20 pixels.
TEST(PoseModelWholeFrameTest, MessiWholeFrameLetterboxed) {
  const auto& preset = peakscope::io::pose_preset("mediapipe");
  REQUIRE_POSE_MODEL(preset);
  auto src = peakscope::io::open_source(kMessi, pose_options("mediapipe", "track"));
  std::optional<peakscope::io::Frame> f = src->next();
  ASSERT_TRUE(f.has_value());
  EXPECT_DOUBLE_EQ(f->model_box.y, -103);  // 548 x 342 padded to 548 x 548
  const auto kps = peakscope::reference::decode_all(f->heatmap.view(), {});
  for (const Joint& j : kJoints) {
    const auto p =
        peakscope::io::heatmap_to_image(*f, kps[j.channel].soft_x, kps[j.channel].soft_y);
    EXPECT_LE(std::hypot(p.x - j.x, p.y - j.y), 20) << j.name << " at " << p.x << "," << p.y;
  }
}

// vtest.avi (768 x 576 pedestrians) through the video path with the tracking region: every
// frame gives a 39-channel heatmap stack, finite landmarks and a region; the region leaves the
// whole frame once a person is found.
TEST(PoseModelVideoTest, VtestRunsThroughTheVideoPath) {
  const auto& preset = peakscope::io::pose_preset("mediapipe-lite");
  REQUIRE_POSE_MODEL(preset);
  ASSERT_TRUE(fs::exists(kVtest)) << kVtest << " missing: install opencv-doc";
  peakscope::io::SourceOptions o = pose_options("mediapipe-lite", "track");
  auto src = peakscope::io::open_source(kVtest, o);
  int frames = 0, tracked = 0;
  while (frames < 20) {
    std::optional<peakscope::io::Frame> f = src->next();
    ASSERT_TRUE(f.has_value()) << "frame " << frames;
    ASSERT_EQ(f->heatmap.channels(), 39);
    ASSERT_EQ(f->landmarks.size(), 39u);
    for (const auto& l : f->landmarks) {
      ASSERT_TRUE(std::isfinite(l.x) && std::isfinite(l.y));
    }
    ASSERT_GT(f->model_box.w, 0);
    ASSERT_DOUBLE_EQ(f->model_box.w, f->model_box.h);
    if (frames == 0) {
      EXPECT_DOUBLE_EQ(f->model_box.w, 768);  // first frame: the whole frame
    }
    if (f->model_box.w != 768) ++tracked;
    ++frames;
  }
  EXPECT_GT(tracked, 0) << "the region never followed a person";
}

// vtest.avi from a start box around the pedestrian on the right (head near (660, 250) in
// frame 0, walking left about 10 pixels a frame): over 15 frames the region follows, and the
// decoded nose moves left with it, staying inside the region.
TEST(PoseModelVideoTest, VtestTrackingFollowsThePedestrian) {
  const auto& preset = peakscope::io::pose_preset("mediapipe-lite");
  REQUIRE_POSE_MODEL(preset);
  ASSERT_TRUE(fs::exists(kVtest)) << kVtest << " missing: install opencv-doc";
  auto src =
      peakscope::io::open_source(kVtest, pose_options("mediapipe-lite", "track:620,225,90,110"));
  double first_nose = 0, last_nose = 0, first_box = 0, last_box = 0;
  for (int i = 0; i < 15; ++i) {
    std::optional<peakscope::io::Frame> f = src->next();
    ASSERT_TRUE(f.has_value());
    const auto kp = peakscope::reference::decode_all(f->heatmap.view(), {})[0];
    const auto nose = peakscope::io::heatmap_to_image(*f, kp.soft_x, kp.soft_y);
    EXPECT_GT(f->pose_presence, 0.5) << "frame " << i;
    EXPECT_TRUE(nose.x > f->model_box.x && nose.x < f->model_box.x + f->model_box.w &&
                nose.y > f->model_box.y && nose.y < f->model_box.y + f->model_box.h)
        << "frame " << i;
    if (i == 0) {
      EXPECT_LE(std::hypot(nose.x - 660, nose.y - 250), 15) << nose.x << "," << nose.y;
      first_nose = nose.x;
      first_box = f->model_box.x;
    }
    last_nose = nose.x;
    last_box = f->model_box.x;
  }
  EXPECT_LT(last_nose, first_nose - 80);
  EXPECT_LT(last_box, first_box - 80);
}

// The CLI: names, image coordinates, regressed landmarks and the skeleton in the JSON.
TEST(PoseCliTest, DecodeJsonCarriesThePose) {
  const auto& preset = peakscope::io::pose_preset("mediapipe-lite");
  REQUIRE_POSE_MODEL(preset);
  const std::string out = tmp("messi.json");
  ASSERT_EQ(cli("", "decode " + kMessi +
                        " --pose mediapipe-lite --roi 55,-15,420,420 --backend cpu"
                        " --decoders argmax,mediapipe --out " +
                        out + " 2>/dev/null"),
            0);
  const auto j = nlohmann::json::parse(slurp(out));
  fs::remove(out);
  EXPECT_EQ(j["pose_preset"], "mediapipe-lite");
  ASSERT_EQ(j["keypoint_names"].size(), 39u);
  EXPECT_EQ(j["skeleton"].size(), 35u);
  const auto& fr = j["frames"][0];
  EXPECT_GT(fr["pose"]["presence"].get<double>(), 0.9);
  EXPECT_EQ(fr["pose"]["roi"]["w"], 420.0);
  ASSERT_EQ(fr["channels"].size(), 39u);
  const auto& nose = fr["channels"][0];
  EXPECT_EQ(nose["name"], "nose");
  for (const char* key : {"argmax_image", "softargmax_image", "regressed"}) {
    ASSERT_TRUE(nose.contains(key)) << key;
    EXPECT_LE(std::hypot(nose[key]["x"].get<double>() - 246, nose[key]["y"].get<double>() - 118),
              kTolerancePx)
        << key;
  }
  // The decoding lab's decoders, in frame pixels too.
  for (const char* d : {"argmax", "mediapipe"}) {
    const auto& p = nose["decoders_image"][d];
    EXPECT_LE(std::hypot(p["x"].get<double>() - 246, p["y"].get<double>() - 118), kTolerancePx)
        << d;
  }
  EXPECT_EQ(nose["decoders_image"]["argmax"], nose["argmax_image"]);
  // Logits: no normalise unless asked for, so no channel's beta differs from --beta.
  EXPECT_EQ(j["normalize"], "none");
  for (const auto& ch : fr["channels"]) EXPECT_FALSE(ch.contains("effective_beta"));
}

// --normalize max on the pose model's logits: each channel's beta is --beta over its own
// maximum (named in the JSON), and a channel whose maximum is not positive keeps --beta.
TEST(PoseCliTest, NormaliseOnLogitsNamesEachChannelsBeta) {
  const auto& preset = peakscope::io::pose_preset("mediapipe-lite");
  REQUIRE_POSE_MODEL(preset);
  const std::string out = tmp("messi_max.json");
  ASSERT_EQ(cli("", "decode " + kMessi +
                        " --pose mediapipe-lite --roi 55,-15,420,420 --backend cpu --beta 10"
                        " --normalize max --out " +
                        out + " 2>/dev/null"),
            0);
  const auto j = nlohmann::json::parse(slurp(out));
  fs::remove(out);
  EXPECT_EQ(j["normalize"], "max");
  int scaled = 0;
  for (const auto& ch : j["frames"][0]["channels"]) {
    const double m = ch["argmax"]["value"].get<double>();
    if (m > 0 && m != 1) {
      ++scaled;
      EXPECT_DOUBLE_EQ(ch["effective_beta"].get<double>(), 10 / m) << ch["name"];
    } else {
      EXPECT_FALSE(ch.contains("effective_beta")) << ch["name"];
    }
  }
  EXPECT_GT(scaled, 0);
}

TEST(PoseCliTest, BadPoseArgumentsAreRefused) {
  const std::string err = tmp("err.txt");
  EXPECT_EQ(cli("", "decode " + kMessi + " --pose openpose 2>" + err), 2);
  EXPECT_NE(slurp(err).find("openpose"), std::string::npos) << slurp(err);
  EXPECT_EQ(cli("", "decode " + kMessi + " --pose mediapipe --roi 1,2,3 2>" + err), 2);
  EXPECT_NE(slurp(err).find("--roi"), std::string::npos) << slurp(err);
  EXPECT_EQ(cli("", "decode " + kMessi + " --roi 0,0,10,10 2>" + err), 2);
  EXPECT_NE(slurp(err).find("--roi needs --model or --pose"), std::string::npos) << slurp(err);
  // No model in the cache: exit 1 with the way to get it, and no output file.
  const std::string out = tmp("nomodel.json");
  EXPECT_EQ(cli("PEAKSCOPE_MODEL_CACHE=/nonexistent/peakscope_cache",
                "decode " + kMessi + " --pose mediapipe-lite --out " + out + " 2>" + err),
            1);
  EXPECT_NE(slurp(err).find("scripts/get-pose-model"), std::string::npos) << slurp(err);
  EXPECT_FALSE(fs::exists(out));
  fs::remove(err);
}

}  // namespace
