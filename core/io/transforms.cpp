#include "core/io/transforms.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace peakscope::io {

Transform parse_transform(const std::string& s) {
  if (s == "intensity") return Transform::kIntensity;
  if (s == "color" || s == "colour") return Transform::kColor;
  if (s == "template") return Transform::kTemplate;
  if (s == "motion") return Transform::kMotion;
  throw std::invalid_argument("unknown transform '" + s +
                              "' (expected intensity, color, template or motion)");
}

const char* transform_name(Transform t) {
  switch (t) {
    case Transform::kIntensity:
      return "intensity";
    case Transform::kColor:
      return "color";
    case Transform::kTemplate:
      return "template";
    case Transform::kMotion:
      return "motion";
  }
  return "?";
}

namespace {

Heatmap from_float(const cv::Mat& m) {  // CV_32F single channel
  Heatmap h(m.cols, m.rows, 1, ElemType::kFloat32);
  for (int y = 0; y < m.rows; ++y)
    std::copy_n(m.ptr<float>(y), m.cols, h.f32() + static_cast<std::size_t>(y) * m.cols);
  return h;
}

}  // namespace

FrameTransform::FrameTransform(const TransformOptions& opt) : opt_(opt) {
  if (opt.transform != Transform::kTemplate) return;
  if (opt.template_path.empty())
    throw std::runtime_error("the template transform needs a template image (--template)");
  templ_ = cv::imread(opt.template_path, cv::IMREAD_GRAYSCALE);
  if (templ_.empty())
    throw std::runtime_error(opt.template_path + ": not a readable template image");
}

Heatmap FrameTransform::apply(const cv::Mat& bgr) {
  assert(bgr.type() == CV_8UC3 && !bgr.empty());
  cv::Mat gray, out;
  switch (opt_.transform) {
    case Transform::kIntensity: {
      cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
      Heatmap h(gray.cols, gray.rows, 1, ElemType::kUInt8);
      for (int y = 0; y < gray.rows; ++y)
        std::copy_n(gray.ptr<std::uint8_t>(y), gray.cols,
                    h.u8() + static_cast<std::size_t>(y) * gray.cols);
      return h;
    }
    case Transform::kColor: {
      cv::Mat hsv, target(1, 1, CV_8UC3,
                          cv::Scalar(opt_.color_bgr[0], opt_.color_bgr[1], opt_.color_bgr[2]));
      cv::cvtColor(bgr, hsv, cv::COLOR_BGR2HSV);
      cv::cvtColor(target, target, cv::COLOR_BGR2HSV);
      const cv::Vec3b t = target.at<cv::Vec3b>(0, 0);
      out.create(bgr.rows, bgr.cols, CV_32F);
      const double inv = 1.0 / (2 * opt_.color_sigma * opt_.color_sigma);
      for (int y = 0; y < hsv.rows; ++y)
        for (int x = 0; x < hsv.cols; ++x) {
          const cv::Vec3b p = hsv.at<cv::Vec3b>(y, x);
          double dh = std::abs(static_cast<int>(p[0]) - t[0]);
          dh = std::min(dh, 180 - dh) * 2;  // OpenCV hue is 0..179
          const double ds = static_cast<double>(p[1]) - t[1], dv = static_cast<double>(p[2]) - t[2];
          out.at<float>(y, x) = static_cast<float>(std::exp(-(dh * dh + ds * ds + dv * dv) * inv));
        }
      return from_float(out);
    }
    case Transform::kTemplate: {
      cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
      if (templ_.cols > gray.cols || templ_.rows > gray.rows)
        throw std::runtime_error(opt_.template_path + ": template larger than the frame");
      cv::Mat resp;
      cv::matchTemplate(gray, templ_, resp, cv::TM_CCOEFF_NORMED);
      out = cv::Mat(gray.rows, gray.cols, CV_32F, cv::Scalar(-1));
      resp.copyTo(out(cv::Rect(templ_.cols / 2, templ_.rows / 2, resp.cols, resp.rows)));
      return from_float(out);
    }
    case Transform::kMotion: {
      cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
      gray.convertTo(gray, CV_32F);
      if (prev_.empty() || prev_.size() != gray.size()) prev_ = gray.clone();
      cv::absdiff(gray, prev_, out);
      prev_ = gray;
      return from_float(out);
    }
  }
  throw std::logic_error("unknown transform");
}

}  // namespace peakscope::io
