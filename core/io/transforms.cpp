#include "core/io/transforms.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "core/enum_names.hpp"

namespace peakscope::io {

namespace {
constexpr EnumName<Transform> kTransformNames[] = {{Transform::kIntensity, "intensity"},
                                                   {Transform::kColor, "color"},
                                                   {Transform::kColor, "colour"},
                                                   {Transform::kTemplate, "template"},
                                                   {Transform::kMotion, "motion"}};
}  // namespace

Transform parse_transform(const std::string& s) {
  return parse_enum(kTransformNames, s, "transform");
}

const char* transform_name(Transform t) {
  return enum_name(kTransformNames, t);
}

FrameTransform::FrameTransform(const TransformOptions& opt) : opt_(opt) {
  if (opt.transform != Transform::kTemplate) return;
  if (opt.template_path.empty())
    throw std::runtime_error("the template transform needs a template image (--template)");
  templ_ = cv::imread(opt.template_path, cv::IMREAD_GRAYSCALE);
  if (templ_.empty())
    throw std::runtime_error(opt.template_path + ": not a readable template image");
}

ElemType FrameTransform::output_type() const {
  return opt_.transform == Transform::kIntensity ? ElemType::kUInt8 : ElemType::kFloat32;
}

Heatmap FrameTransform::apply(const cv::Mat& bgr) {
  Heatmap h(bgr.cols, bgr.rows, 1, output_type());
  apply_into(bgr, h.mutable_view());
  return h;
}

void FrameTransform::apply_into(const cv::Mat& bgr, const MutableHeatmapView& dst) {
  assert(bgr.type() == CV_8UC3 && !bgr.empty());
  if (dst.data == nullptr || dst.width != bgr.cols || dst.height != bgr.rows || dst.channels != 1 ||
      dst.type != output_type() || dst.row_stride < dst.width)
    throw std::invalid_argument(std::string("transform ") + transform_name(opt_.transform) +
                                ": the destination does not fit a " + std::to_string(bgr.cols) +
                                " x " + std::to_string(bgr.rows) + " " + elem_name(output_type()) +
                                " map");
  // dst as a Mat header: OpenCV writes into it in place (same size and type: no reallocation).
  const int cv_type = dst.type == ElemType::kUInt8 ? CV_8U : CV_32F;
  const auto header = [&] {
    return cv::Mat(dst.height, dst.width, cv_type, dst.data,
                   static_cast<std::size_t>(dst.row_stride) * elem_size(dst.type));
  };
  cv::Mat out = header(), gray;
  // Had OpenCV allocated a new output after all, its values still land in dst.
  const auto landed = [&] {
    if (out.data != dst.data) out.copyTo(header());
  };
  switch (opt_.transform) {
    case Transform::kIntensity:
      cv::cvtColor(bgr, out, cv::COLOR_BGR2GRAY);
      landed();
      break;
    case Transform::kColor: {
      cv::Mat hsv, target(1, 1, CV_8UC3,
                          cv::Scalar(opt_.color_bgr[0], opt_.color_bgr[1], opt_.color_bgr[2]));
      cv::cvtColor(bgr, hsv, cv::COLOR_BGR2HSV);
      cv::cvtColor(target, target, cv::COLOR_BGR2HSV);
      const cv::Vec3b t = target.at<cv::Vec3b>(0, 0);
      const double inv = 1.0 / (2 * opt_.color_sigma * opt_.color_sigma);
      for (int y = 0; y < hsv.rows; ++y)
        for (int x = 0; x < hsv.cols; ++x) {
          const cv::Vec3b p = hsv.at<cv::Vec3b>(y, x);
          double dh = std::abs(static_cast<int>(p[0]) - t[0]);
          dh = std::min(dh, 180 - dh) * 2;  // OpenCV hue is 0..179
          const double ds = static_cast<double>(p[1]) - t[1], dv = static_cast<double>(p[2]) - t[2];
          out.at<float>(y, x) = static_cast<float>(std::exp(-(dh * dh + ds * ds + dv * dv) * inv));
        }
      break;
    }
    case Transform::kTemplate: {
      cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
      if (templ_.cols > gray.cols || templ_.rows > gray.rows)
        throw std::runtime_error(opt_.template_path + ": template larger than the frame");
      cv::Mat resp;
      cv::matchTemplate(gray, templ_, resp, cv::TM_CCOEFF_NORMED);
      out.setTo(cv::Scalar(-1));
      resp.copyTo(out(cv::Rect(templ_.cols / 2, templ_.rows / 2, resp.cols, resp.rows)));
      break;
    }
    case Transform::kMotion: {
      cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
      gray.convertTo(gray, CV_32F);
      if (prev_.empty() || prev_.size() != gray.size()) prev_ = gray.clone();
      cv::absdiff(gray, prev_, out);
      landed();
      prev_ = gray;
      break;
    }
  }
}

}  // namespace peakscope::io
