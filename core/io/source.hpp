// Frame sources: one interface for the synthetic scene, camera, video, images and .npy
// stacks. A source is used from one thread at a time (the viewer's worker, or the CLI).
#pragma once

#include <memory>
#include <optional>
#include <opencv2/core.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/heatmap.hpp"

namespace peakscope::io {

struct Point2 {
  double x = 0, y = 0;
};

// One frame: a K x H x W heatmap (float32 or uint8), optionally the BGR image it came from
// (same size as the heatmap or larger: `image_scale` maps heatmap pixels to image pixels)
// and ground-truth points per channel (empty when unknown).
struct Frame {
  long index = 0;
  double timestamp_s = 0;
  Heatmap heatmap;
  cv::Mat image;
  double image_scale_x = 1, image_scale_y = 1;
  std::vector<std::vector<Point2>> ground_truth;  // [channel] -> points
};

// A source failed: the message names the input and the reason.
struct SourceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Source {
 public:
  virtual ~Source() = default;
  // The next frame, or nullopt at the end. Throws SourceError on a read failure.
  virtual std::optional<Frame> next() = 0;
  // Human-readable description, e.g. "synthetic 512x512, 4 subjects".
  virtual std::string describe() const = 0;
  // Total frames when known (files), -1 otherwise (camera, synthetic).
  virtual long frame_count() const { return -1; }
};

struct SyntheticOptions {
  int width = 512, height = 512, subjects = 4;
  double fwhm = 60;
  unsigned long long seed = 1;
  bool animate = true;
  bool uint8 = false;
  long frames = -1;  // -1: endless
};
std::unique_ptr<Source> make_synthetic_source(const SyntheticOptions& opt);

// A single image file as a heatmap (grey levels 0..255 as uint8), or an image sequence.
std::unique_ptr<Source> make_image_source(const std::string& path);

// Opens whatever `spec` names: "synthetic", an image, a folder of images, a glob, a video,
// "camera:N" or a .npy file (see io/open_source.cpp). Throws SourceError naming the input.
std::unique_ptr<Source> open_source(const std::string& spec);

}  // namespace peakscope::io
