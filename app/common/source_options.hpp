// The ONE source-options path of the CLI and the viewer: the flags that say how an input
// becomes heatmaps (--transform and its --color/--color-sigma/--template, --model and its
// --model-size/--model-mean/--model-scale/--model-bgr/--layout, --pose, --roi,
// --camera-size/--camera-fps),
// their validation, and the function that opens any spec with them.
//
// Use: register the flags once with add_source_options, keep the SourceArgs, and open every
// source through open_source(spec, args): the first input, a dropped file and an opened path
// all get the same transform and model.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/io/source.hpp"

namespace peakscope::common {

// The flags as typed (strings where the text needs parsing), so they can be re-applied to
// every source opened later. Defaults are the flags' defaults.
struct SourceArgs {
  std::string transform = "intensity";
  std::vector<std::string> color = {"0", "0", "255"};  // --color B,G,R, each 0..255
  double color_sigma = 20;
  std::string templ;
  std::string model, model_size;
  std::string layout;  // --layout nchw|nhwc; empty: not given (nchw, with a warning for a
                       // .npy whose last axis looks like channels)
  std::vector<std::string> model_mean = {"0", "0", "0"};  // --model-mean, three numbers
  double model_scale = 1.0 / 255;
  bool model_bgr = false;
  std::string camera_size;
  double camera_fps = 0;
  double image_fps = 20;  // folders and globs played live: images per second
  double image_hold = 0;  // > 0: seconds each image is shown (overrides image_fps)
  // --pose mediapipe[-lite|-full|-heavy] (a model preset: core/io/pose_preset.hpp) and
  // --roi x,y,w,h|full|track (the region the model sees; with --pose, default track).
  std::string pose, roi;
  // The synthetic scene: frames (-1: endless) and seed. add_synthetic_options exposes them
  // as --frames/--seed (the CLI); the viewer sets them from its own flags.
  long synthetic_frames = -1;
  unsigned long long seed = 1;
  // A live stream (stream:...): seconds without a frame after which it ends (0: never).
  double stream_timeout = 0;
  // --ground-truth FILE, --ground-truth-space auto|image|heatmap, --keypoints PRESET|FILE
  // (core/io/ground_truth_file.hpp, docs/ground-truth.md).
  std::string ground_truth, ground_truth_space = "auto", keypoints;
};

// Registers the transform, model and camera flags on `app`, bound to `a`. Values are
// checked when a source is opened (to_source_options), with a message naming the flag.
void add_source_options(CLI::App& app, SourceArgs& a);
// Registers --frames (default 1: a headless run must end) and --seed for the synthetic scene.
void add_synthetic_options(CLI::App& app, SourceArgs& a);

// The core/io options for `a`. Throws std::invalid_argument naming the flag and the value
// (an unknown transform, a colour outside 0..255, a size that is not WxH, sigma <= 0...).
io::SourceOptions to_source_options(const SourceArgs& a);

// Whether the source's heatmaps are logits (a --pose preset's: core/io/pose_preset.hpp).
bool logits_source(const SourceArgs& a);
// The --normalize in force: `typed` ("max" or "none") when given, else none for a logits
// source (their maximum has no scale meaning: docs/conventions.md#logits) and max otherwise.
// Throws std::invalid_argument for any other text.
bool resolve_normalize(const std::string& typed, const SourceArgs& a);

// Opens `spec` (synthetic, camera:N, a video, an image, a folder or glob of images, a .npy)
// with the options of `a`. Throws std::invalid_argument for a bad flag value and
// io::SourceError naming the input and the reason when it cannot be opened.
std::unique_ptr<io::Source> open_source(const std::string& spec, const SourceArgs& a);

}  // namespace peakscope::common
