#include <cstdlib>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/io/source.hpp"

namespace peakscope::io {

namespace {

class VideoSource : public Source {
 public:
  VideoSource(const std::string& spec, const CaptureOptions& opt) : spec_(spec), opt_(opt) {
    // OpenCV's back ends print their own failures as they probe a file; our SourceError
    // says what went wrong, once.
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    // FFmpeg prints its own multi-line complaints about damaged streams; OpenCV reads this
    // variable once, when its FFmpeg back end starts (-8 is AV_LOG_QUIET). A user's own
    // setting wins.
    setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", /*overwrite=*/0);
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
    if (opt.frames_only) return;
    try {
      transform_.emplace(opt);
    } catch (const std::exception& e) {
      throw SourceError(spec + ": " + e.what());
    }
  }

  std::optional<Frame> next() override {
    std::optional<Frame> f = take();
    if (!f || opt_.frames_only) return f;
    f->heatmap = transform(f->image);
    return f;
  }
  // The next frame is read (and kept) to learn its size; the transform gives its type.
  std::optional<FrameShape> next_shape() override {
    if (opt_.frames_only || !fetch()) return std::nullopt;
    return FrameShape{transform_->output_type(), first_.cols, first_.rows, 1};
  }
  // The transform's output written straight into dst (no temporary heatmap).
  std::optional<Frame> next_into(const MutableHeatmapView& dst) override {
    if (opt_.frames_only) return Source::next_into(dst);
    std::optional<Frame> f = take();
    if (!f) return f;
    try {
      transform_->apply_into(f->image, dst);
    } catch (const std::runtime_error& e) {
      throw SourceError(spec_ + ": " + e.what());
    }
    return f;
  }
  std::string describe() const override {
    const std::string what = (camera_ ? "camera " : "video ") + spec_;
    return opt_.frames_only ? what : what + " (" + transform_name(opt_.transform) + ")";
  }
  long frame_count() const override { return camera_ ? -1 : frames_; }
  // A video file seeks by frame number (OpenCV's CAP_PROP_POS_FRAMES; FFmpeg decodes from
  // the key frame before it, so the frame read is the one asked for).
  bool seek(long index) override {
    if (camera_ || index < 0 || (frames_ > 0 && index >= frames_)) return false;
    if (!cap_.set(cv::CAP_PROP_POS_FRAMES, static_cast<double>(index))) return false;
    first_.release();
    short_.clear();
    index_ = index;
    return true;
  }
  std::string ended_short() const override { return short_; }
  double frame_interval_s() const override {
    const double fps = cap_.get(cv::CAP_PROP_FPS);
    return fps > 0 && fps < 1000 ? 1.0 / fps : 0.0;
  }

 private:
  // Makes first_ the next BGR frame (read unless one is waiting there); false at the end.
  bool fetch() {
    if (!first_.empty()) return true;
    cv::Mat bgr;
    if (!cap_.read(bgr) || bgr.empty()) {
      if (camera_) throw SourceError(spec_ + ": the camera stopped delivering frames");
      if (frames_ > 0 && index_ < frames_)
        short_ = "stopped after " + std::to_string(index_) + " of " + std::to_string(frames_) +
                 " frames";
      return false;
    }
    first_ = bgr;
    return true;
  }
  // The next frame with its image (heatmap not computed yet; image scale 1: the transforms
  // keep the frame's size).
  std::optional<Frame> take() {
    if (!fetch()) return std::nullopt;
    Frame f;
    f.index = index_++;
    f.timestamp_s = cap_.get(cv::CAP_PROP_POS_MSEC) * 1e-3;
    f.image = first_;
    first_.release();
    return f;
  }

  Heatmap transform(const cv::Mat& bgr) {
    try {
      return transform_->apply(bgr);
    } catch (const std::runtime_error& e) {
      throw SourceError(spec_ + ": " + e.what());
    }
  }

  std::string spec_;
  CaptureOptions opt_;
  cv::VideoCapture cap_;
  cv::Mat first_;
  std::optional<FrameTransform> transform_;
  bool camera_ = false;
  long frames_ = -1, index_ = 0;
  std::string short_;
};

}  // namespace

std::unique_ptr<Source> make_video_source(const std::string& spec, const CaptureOptions& opt) {
  return std::make_unique<VideoSource>(spec, opt);
}

}  // namespace peakscope::io
