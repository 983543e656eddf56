#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/io/source.hpp"

namespace peakscope::io {

Transform parse_transform(const std::string& s) {
  if (s == "intensity") return Transform::kIntensity;
  if (s == "color" || s == "colour") return Transform::kColor;
  if (s == "template") return Transform::kTemplate;
  if (s == "motion") return Transform::kMotion;
  throw std::invalid_argument("unknown transform '" + s +
                              "' (expected intensity, color, template or motion)");
}

namespace {

Heatmap from_float(const cv::Mat& m) {  // CV_32F single channel
  Heatmap h(m.cols, m.rows, 1, ElemType::kFloat32);
  for (int y = 0; y < m.rows; ++y)
    std::copy_n(m.ptr<float>(y), m.cols, h.f32() + static_cast<std::size_t>(y) * m.cols);
  return h;
}

class VideoSource : public Source {
 public:
  VideoSource(const std::string& spec, const CaptureOptions& opt) : spec_(spec), opt_(opt) {
    // OpenCV's back ends print their own failures as they probe a file; our SourceError
    // says what went wrong, once.
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    if (spec.rfind("camera:", 0) == 0) {
      int idx = -1;
      try {
        idx = std::stoi(spec.substr(7));
      } catch (...) {
        throw SourceError(spec + ": camera index must be a number (camera:0)");
      }
      camera_ = true;
      cap_.open(idx);
      if (!cap_.isOpened())
        throw SourceError(spec + ": no camera with index " + std::to_string(idx) +
                          " could be opened");
      if (opt.camera_width > 0) cap_.set(cv::CAP_PROP_FRAME_WIDTH, opt.camera_width);
      if (opt.camera_height > 0) cap_.set(cv::CAP_PROP_FRAME_HEIGHT, opt.camera_height);
      if (opt.camera_fps > 0) cap_.set(cv::CAP_PROP_FPS, opt.camera_fps);
    } else {
      cap_.open(spec);
      if (!cap_.isOpened())
        throw SourceError(spec + ": not a readable video (OpenCV could not open it)");
      frames_ = static_cast<long>(cap_.get(cv::CAP_PROP_FRAME_COUNT));
      cv::Mat probe;
      if (!cap_.read(probe) || probe.empty()) throw SourceError(spec + ": the video has no frames");
      first_ = probe;
    }
    if (opt.transform == Transform::kTemplate) {
      if (opt.template_path.empty())
        throw SourceError(spec + ": the template transform needs a template image");
      templ_ = cv::imread(opt.template_path, cv::IMREAD_GRAYSCALE);
      if (templ_.empty()) throw SourceError(opt.template_path + ": not a readable template image");
    }
  }

  std::optional<Frame> next() override {
    cv::Mat bgr;
    if (!first_.empty()) {
      bgr = first_;
      first_.release();
    } else if (!cap_.read(bgr) || bgr.empty()) {
      if (camera_) throw SourceError(spec_ + ": the camera stopped delivering frames");
      return std::nullopt;
    }
    Frame f;
    f.index = index_++;
    f.timestamp_s = cap_.get(cv::CAP_PROP_POS_MSEC) * 1e-3;
    f.heatmap = transform(bgr);
    f.image = bgr;
    f.image_scale_x = static_cast<double>(bgr.cols) / f.heatmap.width();
    f.image_scale_y = static_cast<double>(bgr.rows) / f.heatmap.height();
    return f;
  }
  std::string describe() const override {
    static const char* names[] = {"intensity", "color", "template", "motion"};
    return (camera_ ? "camera " : "video ") + spec_ + " (" +
           names[static_cast<int>(opt_.transform)] + ")";
  }
  long frame_count() const override { return camera_ ? -1 : frames_; }

 private:
  Heatmap transform(const cv::Mat& bgr) {
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
        // Likelihood exp(-d^2 / 2 sigma^2) of the HSV distance to the picked colour (hue wraps).
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
            const double ds = static_cast<double>(p[1]) - t[1],
                         dv = static_cast<double>(p[2]) - t[2];
            out.at<float>(y, x) =
                static_cast<float>(std::exp(-(dh * dh + ds * ds + dv * dv) * inv));
          }
        return from_float(out);
      }
      case Transform::kTemplate: {
        cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
        if (templ_.cols > gray.cols || templ_.rows > gray.rows)
          throw SourceError(opt_.template_path + ": template larger than the frame");
        cv::Mat resp;
        cv::matchTemplate(gray, templ_, resp, cv::TM_CCOEFF_NORMED);
        // Response at the template's centre, padded to the frame size.
        out = cv::Mat(gray.rows, gray.cols, CV_32F, cv::Scalar(-1));
        resp.copyTo(out(cv::Rect(templ_.cols / 2, templ_.rows / 2, resp.cols, resp.rows)));
        return from_float(out);
      }
      case Transform::kMotion: {
        cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
        gray.convertTo(gray, CV_32F);
        if (prev_.empty()) prev_ = gray.clone();
        cv::absdiff(gray, prev_, out);
        prev_ = gray;
        return from_float(out);
      }
    }
    throw SourceError("unknown transform");
  }

  std::string spec_;
  CaptureOptions opt_;
  cv::VideoCapture cap_;
  cv::Mat first_, templ_, prev_;
  bool camera_ = false;
  long frames_ = -1, index_ = 0;
};

}  // namespace

std::unique_ptr<Source> make_video_source(const std::string& spec, const CaptureOptions& opt) {
  return std::make_unique<VideoSource>(spec, opt);
}

}  // namespace peakscope::io
