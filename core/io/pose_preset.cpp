#include "core/io/pose_preset.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "core/enum_names.hpp"
#include "core/split_list.hpp"

namespace peakscope::io {
namespace {

// MediaPipe's 33 pose landmarks (mediapipe/python/solutions/pose.py, PoseLandmark), then the
// model's 6 further channels: 33 and 34 are the auxiliary landmarks MediaPipe's tracking
// derives the next region from (body centre between the hips, a point above the head that sets
// the scale); 35..38 are not used by MediaPipe's pose graph and are named after where they
// land (a hand centre and the wrist beside it, per side).
const std::vector<std::string> kNames = {
    "nose",          "left_eye_inner",  "left_eye",         "left_eye_outer",  "right_eye_inner",
    "right_eye",     "right_eye_outer", "left_ear",         "right_ear",       "mouth_left",
    "mouth_right",   "left_shoulder",   "right_shoulder",   "left_elbow",      "right_elbow",
    "left_wrist",    "right_wrist",     "left_pinky",       "right_pinky",     "left_index",
    "right_index",   "left_thumb",      "right_thumb",      "left_hip",        "right_hip",
    "left_knee",     "right_knee",      "left_ankle",       "right_ankle",     "left_heel",
    "right_heel",    "left_foot_index", "right_foot_index", "aux_body_center", "aux_body_top",
    "aux_left_hand", "aux_left_wrist",  "aux_right_hand",   "aux_right_wrist"};

// MediaPipe's POSE_CONNECTIONS.
const std::vector<std::pair<int, int>> kSkeleton = {
    {0, 1},   {1, 2},   {2, 3},   {3, 7},   {0, 4},   {4, 5},   {5, 6},   {6, 8},   {9, 10},
    {11, 12}, {11, 13}, {13, 15}, {15, 17}, {15, 19}, {15, 21}, {17, 19}, {12, 14}, {14, 16},
    {16, 18}, {16, 20}, {16, 22}, {18, 20}, {11, 23}, {12, 24}, {23, 24}, {23, 25}, {24, 26},
    {25, 27}, {26, 28}, {27, 29}, {28, 30}, {29, 31}, {30, 32}, {27, 31}, {28, 32}};

PosePreset make_preset(const std::string& variant) {
  PosePreset p;
  p.name = "mediapipe-" + variant;
  p.file = "pose_landmark_" + variant + ".onnx";
  p.names = kNames;
  p.skeleton = kSkeleton;
  p.logits = true;  // Identity_3 is raw: MediaPipe's refinement takes its sigmoid
  return p;
}

double sigmoid(double v) {
  return 1.0 / (1.0 + std::exp(-v));
}

// The whole of `item` as a finite number, else NaN.
double number(const std::string& item) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(item, &used);
  } catch (const std::exception&) {
    return std::nan("");
  }
  return used == item.size() && std::isfinite(v) ? v : std::nan("");
}

}  // namespace

const PosePreset& pose_preset(const std::string& name) {
  static const PosePreset lite = make_preset("lite"), full = make_preset("full"),
                          heavy = make_preset("heavy");
  // mediapipe is mediapipe-full; the message lists the three models by their own names.
  constexpr EnumName<const PosePreset*> kPresetNames[] = {{&lite, "mediapipe-lite"},
                                                          {&full, "mediapipe-full"},
                                                          {&heavy, "mediapipe-heavy"},
                                                          {&full, "mediapipe"}};
  return *parse_enum(kPresetNames, name, "pose preset");
}

std::string model_cache_dir() {
  if (const char* c = std::getenv("PEAKSCOPE_MODEL_CACHE"); c && *c) return c;
  // Without $HOME (a bare CI environment) the account's home, as scripts/get-pose-model does.
  const char* home = std::getenv("HOME");
  std::string dir = home && *home ? home : "";
  if (dir.empty())
    if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir) dir = pw->pw_dir;
  return (dir.empty() ? std::string(".") : dir) + "/.cache/peakscope/models";
}

std::string pose_model_path(const PosePreset& p) {
  return model_cache_dir() + "/" + p.file;
}

std::string pose_model_problem(const PosePreset& p) {
  const std::string path = pose_model_path(p);
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return {};
  return path + ": no such model file (run scripts/get-pose-model to fetch and convert the " +
         p.name + " model)";
}

RoiSpec parse_roi(const std::string& text) {
  const std::string usage =
      "--roi: '" + text + "' is not x,y,w,h (four numbers), full, track or track:x,y,w,h";
  RoiSpec r;
  if (text == "full") {
    r.mode = RoiMode::kFull;
    return r;
  }
  if (text == "track") {
    r.mode = RoiMode::kTrack;
    return r;
  }
  const bool track = text.rfind("track:", 0) == 0;
  const std::string nums = track ? text.substr(6) : text;
  std::vector<double> v;
  for (const std::string& item : split_list(nums)) v.push_back(number(item));
  if (v.size() != 4 || nums.empty() || nums.back() == ',') throw std::invalid_argument(usage);
  for (double x : v)
    if (!std::isfinite(x)) throw std::invalid_argument(usage);
  if (!(v[2] > 0) || !(v[3] > 0))
    throw std::invalid_argument("--roi: width and height must be > 0, got '" + text + "'");
  r.mode = track ? RoiMode::kTrack : RoiMode::kFixed;
  r.box = {v[0], v[1], v[2], v[3]};
  return r;
}

Box fit_aspect(const Box& roi, int input_width, int input_height) {
  const double aspect = static_cast<double>(input_width) / input_height;
  Box b = roi;
  if (roi.w / roi.h < aspect)
    b.w = roi.h * aspect;
  else
    b.h = roi.w / aspect;
  b.x = roi.x + (roi.w - b.w) / 2;
  b.y = roi.y + (roi.h - b.h) / 2;
  return b;
}

cv::Mat crop_to_input(const cv::Mat& frame, const Box& box, cv::Size size) {
  // Input pixel centre c maps to the frame's edge coordinate box.x + (c + 0.5) * box.w / W,
  // i.e. the pixel-centre coordinate box.x + (c + 0.5) * sx - 0.5 (warpAffine's convention).
  const double sx = box.w / size.width, sy = box.h / size.height;
  const cv::Matx23d inv(sx, 0, box.x + 0.5 * sx - 0.5, 0, sy, box.y + 0.5 * sy - 0.5);
  cv::Mat out;
  cv::warpAffine(frame, out, inv, size, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 cv::BORDER_CONSTANT, cv::Scalar::all(0));
  return out;
}

std::vector<Landmark> decode_landmarks(const cv::Mat& output, int stride, const Box& box,
                                       int input_width, int input_height) {
  const std::size_t n = output.total();
  if (stride <= 0 || n % stride != 0 || output.type() != CV_32F)
    throw std::invalid_argument("landmark output of " + std::to_string(n) +
                                " values is not float K x " + std::to_string(stride));
  const cv::Mat flat = output.isContinuous() ? output : output.clone();
  const float* v = flat.ptr<float>();
  const double sx = box.w / input_width, sy = box.h / input_height;
  std::vector<Landmark> lms(n / stride);
  for (std::size_t k = 0; k < lms.size(); ++k) {
    const float* l = v + k * stride;
    Landmark& m = lms[k];
    m.x = box.x + l[0] * sx - 0.5;  // input edge coordinate -> frame pixel centres
    m.y = box.y + l[1] * sy - 0.5;
    m.z = stride > 2 ? l[2] * sx : 0;
    m.visibility = stride > 3 ? sigmoid(l[3]) : 1;
    m.presence = stride > 4 ? sigmoid(l[4]) : 1;
  }
  return lms;
}

std::optional<Box> tracking_box(const std::vector<Landmark>& lms, double presence_flag) {
  // MediaPipe (pose_landmark_by_roi / pose_detection_to_roi): alignment points 33 (centre) and
  // 34 (scale), radius = their distance, rectangle 2 x radius enlarged by 1.25, square. The
  // rotation MediaPipe also derives is not applied: the crop stays axis-aligned.
  if (lms.size() < 35 || !(presence_flag >= 0.5)) return std::nullopt;
  const Landmark &c = lms[33], &t = lms[34];
  const double r = std::hypot(t.x - c.x, t.y - c.y);
  if (!(r > 1) || !std::isfinite(r)) return std::nullopt;
  const double side = 2 * r * 1.25;
  return Box{c.x + 0.5 - side / 2, c.y + 0.5 - side / 2, side, side};
}

}  // namespace peakscope::io
