#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/io/source.hpp"

namespace peakscope::io {
namespace {

namespace fs = std::filesystem;

const char* depth_name(int depth) {
  switch (depth) {
    case CV_8U:
      return "uint8";
    case CV_8S:
      return "int8";
    case CV_16U:
      return "uint16";
    case CV_16S:
      return "int16";
    case CV_32S:
      return "int32";
    case CV_32F:
      return "float32";
    case CV_64F:
      return "float64";
  }
  return "?";
}

// Loads one image at its depth (see make_image_source's contract in source.hpp) plus an
// 8-bit BGR copy for display and models.
Frame load_image(const std::string& path, long index) {
  const cv::Mat raw = cv::imread(path, cv::IMREAD_UNCHANGED);
  if (raw.empty()) throw SourceError(path + ": not a readable image (OpenCV could not decode it)");
  const int depth = raw.depth();
  // cvtColor takes 8U, 16U and 32F; other depths go to float32 first (exact for 8S, 16S).
  cv::Mat src = raw;
  if (depth != CV_8U && depth != CV_16U && depth != CV_32F) raw.convertTo(src, CV_32F);
  cv::Mat gray, alpha;
  switch (src.channels()) {
    case 1:
      gray = src;
      break;
    case 2: {  // grey + alpha
      cv::Mat ch[2];
      cv::split(src, ch);
      gray = ch[0];
      alpha = ch[1];
      break;
    }
    case 3:
      cv::cvtColor(src, gray, cv::COLOR_BGR2GRAY);
      break;
    case 4:
      cv::extractChannel(src, alpha, 3);
      cv::cvtColor(src, gray, cv::COLOR_BGRA2GRAY);
      break;
    default:
      throw SourceError(path + ": " + std::to_string(src.channels()) +
                        " channels (expected grey, BGR or BGRA)");
  }
  const bool masked = !alpha.empty() && cv::countNonZero(alpha) < alpha.rows * alpha.cols;
  Frame f;
  f.index = index;
  f.input_dtype = depth_name(depth);
  f.narrowed = depth == CV_64F || depth == CV_32S;
  if (gray.depth() == CV_8U && !masked) {
    f.heatmap = Heatmap(gray.cols, gray.rows, 1, ElemType::kUInt8);
    for (int y = 0; y < gray.rows; ++y)
      std::copy_n(gray.ptr<std::uint8_t>(y), gray.cols,
                  f.heatmap.u8() + static_cast<std::size_t>(y) * gray.cols);
  } else {
    cv::Mat g32;
    gray.convertTo(g32, CV_32F);  // 16-bit values stay 0..65535
    if (masked) g32.setTo(std::numeric_limits<float>::quiet_NaN(), alpha == 0);
    f.heatmap = Heatmap(g32.cols, g32.rows, 1, ElemType::kFloat32);
    for (int y = 0; y < g32.rows; ++y)
      std::copy_n(g32.ptr<float>(y), g32.cols,
                  f.heatmap.f32() + static_cast<std::size_t>(y) * g32.cols);
  }
  // The 8-bit BGR frame: 8-bit images as they are; deeper ones scaled from their finite
  // min..max (what a viewer shows), alpha dropped.
  cv::Mat bgr8 = src;
  if (src.depth() != CV_8U) {
    cv::Mat finite = src.reshape(1);
    double lo = 0, hi = 0;
    cv::minMaxIdx(finite, &lo, &hi, nullptr, nullptr, finite == finite);
    const double scale = hi > lo ? 255.0 / (hi - lo) : 0.0;
    src.convertTo(bgr8, CV_8U, scale, -lo * scale);
  }
  if (bgr8.channels() == 1)
    cv::cvtColor(bgr8, f.image, cv::COLOR_GRAY2BGR);
  else if (bgr8.channels() == 2) {
    cv::Mat ch0;
    cv::extractChannel(bgr8, ch0, 0);
    cv::cvtColor(ch0, f.image, cv::COLOR_GRAY2BGR);
  } else if (bgr8.channels() == 4)
    cv::cvtColor(bgr8, f.image, cv::COLOR_BGRA2BGR);
  else
    f.image = bgr8;
  return f;
}

class ImageListSource : public Source {
 public:
  ImageListSource(std::vector<std::string> files, std::string what, const ImageOptions& opt)
      : files_(std::move(files)), what_(std::move(what)) {
    interval_s_ = opt.hold_s > 0 ? opt.hold_s : (opt.fps > 0 ? 1.0 / opt.fps : 0.0);
  }
  std::optional<Frame> next() override {
    if (i_ >= files_.size()) return std::nullopt;
    const long idx = static_cast<long>(i_);
    Frame f = load_image(files_[i_++], idx);
    f.timestamp_s = idx * interval_s_;
    return f;
  }
  double frame_interval_s() const override { return interval_s_; }
  std::string describe() const override { return what_; }
  long frame_count() const override { return static_cast<long>(files_.size()); }

 private:
  std::vector<std::string> files_;
  std::string what_;
  std::size_t i_ = 0;
  double interval_s_ = 0;
};

bool is_image_ext(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), ::tolower);
  for (const char* x : {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".pgm", ".ppm", ".webp"})
    if (e == x) return true;
  return false;
}

}  // namespace

std::unique_ptr<Source> make_image_source(const std::string& path, const ImageOptions& opt) {
  if (!(opt.fps > 0) || !std::isfinite(opt.fps) || !(opt.hold_s >= 0) || !std::isfinite(opt.hold_s))
    throw std::invalid_argument("image rate must be finite and > 0 and hold >= 0");
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.is_regular_file() && is_image_ext(e.path())) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty())
      throw SourceError(path + ": folder has no images (png, jpg, bmp, tif, pgm, webp)");
    const std::string what = "images " + path + " (" + std::to_string(files.size()) + ")";
    return std::make_unique<ImageListSource>(std::move(files), what, opt);
  }
  if (path.find_first_of("*?") != std::string::npos) {
    std::vector<cv::String> found;
    try {
      cv::glob(path, found, false);
    } catch (const cv::Exception&) {
      found.clear();  // a missing folder: reported below as matching nothing
    }
    std::vector<std::string> files;
    for (const auto& f : found)
      if (is_image_ext(fs::path(std::string(f)))) files.push_back(f);
    std::sort(files.begin(), files.end());
    if (files.empty()) throw SourceError(path + ": the pattern matches no image");
    const std::string what = "images " + path + " (" + std::to_string(files.size()) + ")";
    return std::make_unique<ImageListSource>(std::move(files), what, opt);
  }
  if (!fs::exists(path, ec)) throw SourceError(path + ": no such file");
  load_image(path, 0);  // fail now, with the file's name, if it is not an image
  return std::make_unique<ImageListSource>(std::vector<std::string>{path}, "image " + path, opt);
}

}  // namespace peakscope::io
