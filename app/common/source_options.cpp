#include "app/common/source_options.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "app/common/flags.hpp"

namespace peakscope::common {
namespace {

// A list flag's items as the user typed them ("1,2").
std::string typed(const std::vector<std::string>& items) {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i) s += (i ? "," : "") + items[i];
  return s;
}

// The items of a list flag as numbers; the messages quote the list as typed.
std::vector<double> numbers(const std::vector<std::string>& items, std::size_t n,
                            const char* what) {
  const std::string s = typed(items);
  std::vector<double> v;
  for (const std::string& item : items) {
    if (item.empty()) continue;  // --color "" is an empty list
    try {
      std::size_t used = 0;
      v.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw std::invalid_argument(std::string(what) + ": '" + s + "' is not a list of numbers");
    }
  }
  if (v.size() != n)
    throw std::invalid_argument(std::string(what) + ": expected " + std::to_string(n) +
                                " numbers, got '" + s + "'");
  return v;
}

std::pair<int, int> size_of(const std::string& s, const char* what) {
  int w = 0, h = 0;
  char x = 0;
  std::stringstream ss(s);
  if (!(ss >> w >> x >> h) || (x != 'x' && x != 'X') || w <= 0 || h <= 0 || !ss.eof())
    throw std::invalid_argument(std::string(what) + ": expected WxH, got '" + s + "'");
  return {w, h};
}

}  // namespace

void add_source_options(CLI::App& app, SourceArgs& a) {
  app.add_option("--transform", a.transform,
                 "video/camera frame -> heatmap: intensity|color|template|motion")
      ->capture_default_str();
  add_list_option(app, "--color", a.color, "colour for --transform color, as B,G,R")
      ->capture_default_str();
  app.add_option("--color-sigma", a.color_sigma, "HSV distance scale of the colour likelihood")
      ->capture_default_str();
  app.add_option("--template", a.templ, "patch image for --transform template");
  app.add_option("--model", a.model, "ONNX heatmap model run on each frame (OpenCV dnn)");
  app.add_option("--model-size", a.model_size, "model input WxH (default: the frame's size)");
  add_list_option(app, "--model-mean", a.model_mean,
                  "mean subtracted per channel, as three numbers")
      ->capture_default_str();
  app.add_option("--model-scale", a.model_scale, "input = (pixel - mean) * scale")
      ->capture_default_str();
  app.add_flag("--model-bgr", a.model_bgr, "feed BGR (default: RGB)");
  app.add_option("--layout", a.layout,
                 "layout of a model's output or a .npy: nchw (K x H x W, the default) or nhwc "
                 "(H x W x K, channels last)");
  app.add_option("--pose", a.pose,
                 "pose model preset: mediapipe (= mediapipe-full), mediapipe-lite, mediapipe-heavy "
                 "(scripts/get-pose-model fetches them)");
  app.add_option(
      "--roi", a.roi,
      "region the model sees: x,y,w,h (padded to the model's aspect), full (whole "
      "frame letterboxed), track (follow the last frame's pose from the whole frame; --pose's "
      "default) or track:x,y,w,h (follow it from that box)");
  app.add_option("--camera-size", a.camera_size, "requested camera resolution WxH");
  app.add_option("--camera-fps", a.camera_fps, "requested camera frame rate");
  app.add_option("--image-fps", a.image_fps, "image folders and globs: images per second")
      ->capture_default_str();
  app.add_option("--image-hold", a.image_hold,
                 "image folders and globs: seconds each image is shown (overrides --image-fps)");
  app.add_option("--stream-timeout", a.stream_timeout,
                 "stream:...: end after this many seconds without a frame (0: wait for ever)");
  app.add_option("--ground-truth", a.ground_truth,
                 "keypoint ground truth: a COCO keypoint .json, a .csv (frame,keypoint,x,y"
                 "[,visible]) or a .npy (N x K x 2|3); docs/ground-truth.md");
  app.add_option("--ground-truth-space", a.ground_truth_space,
                 "coordinates of --ground-truth: image pixels, heatmap pixels, or auto (image "
                 "for .json/.csv, heatmap for .npy)")
      ->check(CLI::IsMember({"auto", "image", "heatmap"}))
      ->capture_default_str();
  app.add_option("--keypoints", a.keypoints,
                 "keypoint names and skeleton: coco17, mpii16, hand21, face68 or a names file "
                 "(one name per line, 'a-b' lines for edges)");
}

void add_synthetic_options(CLI::App& app, SourceArgs& a) {
  a.synthetic_frames = 1;
  // A positive count: -1 or 0 is a typo, not "endless" (the CLI writes its output when the
  // run ends; the viewer is where the scene runs without end).
  app.add_option("--frames", a.synthetic_frames, "frames of the synthetic scene (1 or more)")
      ->check(parsed_by([](const std::string& t) { parse_count(t); }))
      ->capture_default_str();
  app.add_option("--seed", a.seed, "synthetic scene seed")
      ->check(parsed_by(parse_seed))  // unsigned: -1 is refused, not wrapped
      ->capture_default_str();
}

io::SourceOptions to_source_options(const SourceArgs& a) {
  io::SourceOptions o;
  try {
    o.capture.transform = io::parse_transform(a.transform);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("--transform: ") + e.what());
  }
  const auto c = numbers(a.color, 3, "--color");
  for (int i = 0; i < 3; ++i) {
    if (c[i] < 0 || c[i] > 255)
      throw std::invalid_argument("--color: components must be 0..255, got '" + typed(a.color) +
                                  "'");
    o.capture.color_bgr[i] = static_cast<std::uint8_t>(c[i]);
  }
  if (!(a.color_sigma > 0) || !std::isfinite(a.color_sigma))
    throw std::invalid_argument("--color-sigma must be finite and > 0, got " +
                                std::to_string(a.color_sigma));
  o.capture.color_sigma = a.color_sigma;
  o.capture.template_path = a.templ;
  if (!a.camera_size.empty())
    std::tie(o.capture.camera_width, o.capture.camera_height) =
        size_of(a.camera_size, "--camera-size");
  o.capture.camera_fps = a.camera_fps;
  if (!(a.image_fps > 0) || !std::isfinite(a.image_fps))
    throw std::invalid_argument("--image-fps must be finite and > 0, got " +
                                std::to_string(a.image_fps));
  if (!(a.image_hold >= 0) || !std::isfinite(a.image_hold))
    throw std::invalid_argument("--image-hold must be finite and >= 0, got " +
                                std::to_string(a.image_hold));
  o.images.fps = a.image_fps;
  o.images.hold_s = a.image_hold;
  o.model.path = a.model;
  if (!a.model_size.empty())
    std::tie(o.model.input_width, o.model.input_height) = size_of(a.model_size, "--model-size");
  const auto m = numbers(a.model_mean, 3, "--model-mean");
  o.model.mean = cv::Scalar(m[0], m[1], m[2]);
  o.model.scale = a.model_scale;
  o.model.swap_rb = !a.model_bgr;
  if (!a.layout.empty() && a.layout != "nchw" && a.layout != "nhwc")
    throw std::invalid_argument("--layout must be nchw or nhwc, got '" + a.layout + "'");
  o.model.layout = a.layout.empty() ? "nchw" : a.layout;
  o.npy.layout = a.layout;
  // --pose fills the model options from the preset (input 256x256 RGB in [0, 1], NCHW
  // outputs) and overrides --model-size/--model-mean/--model-scale/--model-bgr/--layout.
  if (!a.roi.empty() && a.model.empty() && a.pose.empty())
    throw std::invalid_argument("--roi needs --model or --pose");
  if (!a.pose.empty() && !a.model.empty())
    throw std::invalid_argument("--pose and --model both given: --pose names its own model");
  try {
    o.model.roi = a.roi.empty() ? io::RoiSpec{} : io::parse_roi(a.roi);
    if (!a.pose.empty()) {
      const io::PosePreset& p = io::pose_preset(a.pose);
      o.model.pose = &p;
      o.model.path = io::pose_model_path(p);
      o.model.input_width = p.input_width;
      o.model.input_height = p.input_height;
      o.model.mean = cv::Scalar(0, 0, 0);
      o.model.scale = 1.0 / 255;
      o.model.swap_rb = true;
      o.model.layout = "nchw";
      if (a.roi.empty()) o.model.roi.mode = io::RoiMode::kTrack;
    }
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    throw std::invalid_argument(what.rfind("--roi", 0) == 0 ? what : "--pose: " + what);
  }
  // -1 (endless) is set by the viewer's interactive runs only: the flag takes counts >= 1.
  if (a.synthetic_frames < 1 && a.synthetic_frames != -1)
    throw std::invalid_argument("--frames: expected a whole number from 1 to " +
                                std::to_string(std::numeric_limits<long>::max()) + ", got " +
                                std::to_string(a.synthetic_frames));
  o.synthetic.frames = a.synthetic_frames;
  if (!(a.stream_timeout >= 0))
    throw std::invalid_argument("--stream-timeout must be >= 0 seconds, got " +
                                std::to_string(a.stream_timeout));
  o.stream.idle_timeout_s = a.stream_timeout;
  o.synthetic.seed = a.seed;
  o.synthetic.animate = true;
  o.annotation.ground_truth = a.ground_truth;
  o.annotation.space = a.ground_truth_space;
  o.annotation.keypoints = a.keypoints;
  if (a.ground_truth_space != "auto" && a.ground_truth_space != "image" &&
      a.ground_truth_space != "heatmap")
    throw std::invalid_argument("--ground-truth-space must be auto, image or heatmap, got '" +
                                a.ground_truth_space + "'");
  return o;
}

bool logits_source(const SourceArgs& a) {
  if (a.pose.empty()) return false;
  try {
    return io::pose_preset(a.pose).logits;
  } catch (const std::invalid_argument&) {
    return false;  // an unknown preset is refused with its message when the source opens
  }
}

bool resolve_normalize(const std::string& typed, const SourceArgs& a) {
  return typed.empty() ? !logits_source(a) : parse_normalize(typed);
}

std::unique_ptr<io::Source> open_source(const std::string& spec, const SourceArgs& a) {
  return io::open_source(spec, to_source_options(a));
}

}  // namespace peakscope::common
