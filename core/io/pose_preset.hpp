// The pose preset (`--pose mediapipe[-lite|-full|-heavy]`) and the region of the frame a model
// sees (`--roi`): MediaPipe's BlazePose GHUM landmark models as converted by
// scripts/get-pose-model, their input, outputs, keypoint names and skeleton, and the crop that
// maps a frame to the model's input and the model's outputs back to frame pixels.
//
// Coordinates: frame pixels with pixel centres at integers (the project's convention). A Box is
// in edge coordinates (x, y = the left/top edge; the pixel at column i spans [i, i + 1)), so a
// whole W x H frame is the box {0, 0, W, H}.
#pragma once

#include <array>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace peakscope::io {

struct PosePreset {
  std::string name;                           // "mediapipe-full"
  std::string file;                           // "pose_landmark_full.onnx", in model_cache_dir()
  int input_width = 256, input_height = 256;  // RGB, values in [0, 1]
  std::string heatmap_output = "Identity_3";  // 1 x 39 x 64 x 64 (NCHW after conversion)
  std::string landmark_output = "Identity";   // 1 x 195: 39 x (x, y, z, visibility, presence)
  std::string flag_output = "Identity_1";     // 1 x 1: a person is present (probability)
  int landmark_stride = 5;
  std::vector<std::string> names;             // one per heatmap channel (39)
  std::vector<std::pair<int, int>> skeleton;  // pairs of channel indices
  // The heatmaps are logits (MediaPipe applies a sigmoid to them): their maximum has no scale
  // meaning, so --normalize defaults to none for this preset (docs/conventions.md#logits).
  bool logits = false;
};

// "mediapipe" (= mediapipe-full, MediaPipe's default complexity), "mediapipe-lite",
// "mediapipe-full", "mediapipe-heavy". Throws std::invalid_argument naming the text and the
// known names. The returned preset lives for the whole program.
const PosePreset& pose_preset(const std::string& name);

// $PEAKSCOPE_MODEL_CACHE, else $HOME/.cache/peakscope/models (scripts/get-pose-model's cache).
std::string model_cache_dir();
// The preset's converted model file in the cache (it may not exist: see pose_model_problem).
std::string pose_model_path(const PosePreset& p);
// Empty when the model file exists; otherwise one line naming the file and how to get it.
std::string pose_model_problem(const PosePreset& p);

// A rectangle of the frame in edge coordinates (see above); w, h > 0.
struct Box {
  double x = 0, y = 0, w = 0, h = 0;
};

// How the region a model sees is chosen on each frame.
enum class RoiMode {
  kNone,   // the plain model path: the whole frame resized (stretched) to the input size
  kFull,   // the whole frame, letterboxed (padded to the model's aspect, black outside)
  kFixed,  // a fixed box (--roi x,y,w,h), padded to the model's aspect about its centre
  kTrack,  // the start box (the whole frame by default) first, then the box MediaPipe's
           // tracking derives from the previous frame's landmarks (the start box again when
           // the person is lost)
};

struct RoiSpec {
  RoiMode mode = RoiMode::kNone;
  Box box;  // kFixed: the region; kTrack: the start box (w = 0: the whole frame)
};

// "full", "track", "track:x,y,w,h" (tracking from that box) or "x,y,w,h" (numbers, w and
// h > 0). Throws std::invalid_argument naming the text and the reason.
RoiSpec parse_roi(const std::string& text);

// `roi` grown about its centre to the aspect width/height of a model input (never shrunk).
Box fit_aspect(const Box& roi, int input_width, int input_height);

// The frame region `box` resampled (bilinear) to `size`; pixels outside the frame are black.
cv::Mat crop_to_input(const cv::Mat& frame, const Box& box, cv::Size size);

// One landmark regressed by the model, in frame pixels (centres at integers); visibility and
// presence are probabilities (the model's logits through a sigmoid).
struct Landmark {
  double x = 0, y = 0, z = 0;
  double visibility = 0, presence = 0;
};

// Decodes a 1 x (K * stride) landmark output given in model-input pixels (x, y edge
// coordinates of the input_width x input_height input) back to frame pixels through `box`
// (the region the input was cropped from). z is scaled like x. Throws std::invalid_argument
// when the output's size is not a multiple of stride.
std::vector<Landmark> decode_landmarks(const cv::Mat& output, int stride, const Box& box,
                                       int input_width, int input_height);

// MediaPipe's tracking region from one frame's landmarks: centred on the body centre
// (landmark 33), side 2.5 x its distance to the body-top point (landmark 34), square, in frame
// pixels. nullopt when the person is lost (presence flag < 0.5) or the landmarks are missing.
std::optional<Box> tracking_box(const std::vector<Landmark>& lms, double presence_flag);

}  // namespace peakscope::io
