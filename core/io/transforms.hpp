// Capture transforms: how a BGR video or camera frame becomes a heatmap when no model is
// given (intensity, colour likelihood, template response, frame difference).
#pragma once

#include <opencv2/core.hpp>
#include <string>

#include "core/heatmap.hpp"

namespace peakscope::io {

enum class Transform { kIntensity, kColor, kTemplate, kMotion };
// "intensity", "color" (or "colour"), "template", "motion"; throws std::invalid_argument
// naming the text otherwise.
Transform parse_transform(const std::string& s);
// The name parse_transform accepts for t.
const char* transform_name(Transform t);

struct TransformOptions {
  Transform transform = Transform::kIntensity;
  cv::Vec3b color_bgr{0, 0, 255};  // kColor: the colour to look for
  double color_sigma = 20;         // kColor: HSV distance scale (> 0)
  std::string template_path;       // kTemplate: the patch image
};

// One transform with its state (the template image, the previous frame for kMotion). Used
// from one thread at a time.
class FrameTransform {
 public:
  // Loads the template for kTemplate. Throws std::runtime_error naming the template file
  // when it is missing or unreadable.
  explicit FrameTransform(const TransformOptions& opt);

  // The heatmap of a CV_8UC3 BGR frame, same width and height:
  //   kIntensity  grey levels as uint8 0..255;
  //   kColor      float exp(-d^2 / 2 sigma^2), d the HSV distance to the colour (hue wraps);
  //   kTemplate   float normalised cross-correlation at the template's centre, -1 where the
  //               template does not fit; throws std::runtime_error when it exceeds the frame;
  //   kMotion     float |grey - previous grey| (zeros on the first frame).
  Heatmap apply(const cv::Mat& bgr);
  // The element type apply() gives: uint8 for kIntensity, float32 otherwise.
  ElemType output_type() const;
  // apply() written straight into dst (an engine's frame memory): one channel of the frame's
  // width and height and output_type(), any row stride; the same values bit for bit. Throws
  // std::invalid_argument when dst does not fit, std::runtime_error as apply() does.
  void apply_into(const cv::Mat& bgr, const MutableHeatmapView& dst);

  Transform kind() const { return opt_.transform; }

 private:
  TransformOptions opt_;
  cv::Mat templ_, prev_;
};

}  // namespace peakscope::io
