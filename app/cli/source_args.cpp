#include "app/cli/source_args.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace peakscope::cli {
namespace {

std::vector<double> numbers(const std::string& s, std::size_t n, const char* what) {
  std::vector<double> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
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

void add_source_options(CLI::App* cmd, SourceArgs& a) {
  cmd->add_option(
         "input", a.input,
         "synthetic, camera:N, a video, an image, a folder or glob of images, or a .npy stack")
      ->required();
  cmd->add_option("--transform", a.transform,
                  "video/camera frame -> heatmap: intensity|color|template|motion")
      ->capture_default_str();
  cmd->add_option("--color", a.color, "colour for --transform color, as B,G,R")
      ->capture_default_str();
  cmd->add_option("--color-sigma", a.color_sigma, "HSV distance scale of the colour likelihood")
      ->capture_default_str();
  cmd->add_option("--template", a.templ, "patch image for --transform template");
  cmd->add_option("--model", a.model, "ONNX heatmap model run on each frame (OpenCV dnn)");
  cmd->add_option("--model-size", a.model_size, "model input WxH (default: the frame's size)");
  cmd->add_option("--model-mean", a.model_mean, "mean subtracted per channel, as three numbers")
      ->capture_default_str();
  cmd->add_option("--model-scale", a.model_scale, "input = (pixel - mean) * scale")
      ->capture_default_str();
  cmd->add_flag("--model-bgr", a.model_bgr, "feed BGR (default: RGB)");
  cmd->add_option("--layout", a.layout, "model output layout: nchw|nhwc")->capture_default_str();
  cmd->add_option("--camera-size", a.camera_size, "requested camera resolution WxH");
  cmd->add_option("--camera-fps", a.camera_fps, "requested camera frame rate");
  cmd->add_option("--frames", a.synthetic_frames, "frames of the synthetic scene")
      ->capture_default_str();
  cmd->add_option("--seed", a.seed, "synthetic scene seed")->capture_default_str();
}

io::SourceOptions source_options(const SourceArgs& a) {
  io::SourceOptions o;
  o.capture.transform = io::parse_transform(a.transform);
  const auto c = numbers(a.color, 3, "--color");
  for (int i = 0; i < 3; ++i) {
    if (c[i] < 0 || c[i] > 255) throw std::invalid_argument("--color: components must be 0..255");
    o.capture.color_bgr[i] = static_cast<std::uint8_t>(c[i]);
  }
  if (!(a.color_sigma > 0)) throw std::invalid_argument("--color-sigma must be > 0");
  o.capture.color_sigma = a.color_sigma;
  o.capture.template_path = a.templ;
  if (!a.camera_size.empty())
    std::tie(o.capture.camera_width, o.capture.camera_height) =
        size_of(a.camera_size, "--camera-size");
  o.capture.camera_fps = a.camera_fps;
  o.model.path = a.model;
  if (!a.model_size.empty())
    std::tie(o.model.input_width, o.model.input_height) = size_of(a.model_size, "--model-size");
  const auto m = numbers(a.model_mean, 3, "--model-mean");
  o.model.mean = cv::Scalar(m[0], m[1], m[2]);
  o.model.scale = a.model_scale;
  o.model.swap_rb = !a.model_bgr;
  o.model.layout = a.layout;
  if (a.synthetic_frames < 1) throw std::invalid_argument("--frames must be >= 1");
  o.synthetic.frames = a.synthetic_frames;
  o.synthetic.seed = a.seed;
  o.synthetic.animate = true;
  return o;
}

Progress::Progress(long total) : total_(total), tty_(isatty(2) != 0) {}

void Progress::update(long done) {
  if (!tty_) return;
  if (total_ > 0) {
    const int filled = static_cast<int>(std::min(30.0, 30.0 * done / total_));
    std::fprintf(stderr, "\r[%.*s%*s] %ld/%ld", filled,
                 "==============================", 30 - filled, "", done, total_);
  } else {
    std::fprintf(stderr, "\r%ld frames", done);
  }
}

void Progress::finish() {
  if (tty_) std::fprintf(stderr, "\n");
}

}  // namespace peakscope::cli
