#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/enum_names.hpp"
#include "core/io/source.hpp"

namespace peakscope::io {
namespace {

namespace fs = std::filesystem;

// OpenCV's depths by NumPy's names.
constexpr EnumName<int> kDepthNames[] = {{CV_8U, "uint8"},   {CV_8S, "int8"},   {CV_16U, "uint16"},
                                         {CV_16S, "int16"},  {CV_32S, "int32"}, {CV_32F, "float32"},
                                         {CV_64F, "float64"}};

const char* depth_name(int depth) {
  return enum_name(kDepthNames, depth);
}

// One image decoded at its depth: the frame without its heatmap (index, dtype, BGR copy) and
// the grey map the heatmap is made of (see make_image_source's contract in source.hpp).
struct LoadedImage {
  Frame frame;
  cv::Mat gray, alpha;  // alpha empty unless some pixel is fully transparent
  ElemType type() const {
    return gray.depth() == CV_8U && alpha.empty() ? ElemType::kUInt8 : ElemType::kFloat32;
  }
};

LoadedImage decode_image(const std::string& path, long index) {
  const cv::Mat raw = cv::imread(path, cv::IMREAD_UNCHANGED);
  if (raw.empty()) throw SourceError(path + ": not a readable image (OpenCV could not decode it)");
  const int depth = raw.depth();
  // cvtColor takes 8U, 16U and 32F; other depths go to float32 first (exact for 8S, 16S).
  cv::Mat src = raw;
  if (depth != CV_8U && depth != CV_16U && depth != CV_32F) raw.convertTo(src, CV_32F);
  LoadedImage li;
  cv::Mat& gray = li.gray;
  cv::Mat alpha;
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
  if (!alpha.empty() && cv::countNonZero(alpha) < alpha.rows * alpha.cols) li.alpha = alpha;
  Frame& f = li.frame;
  f.index = index;
  f.file_name = path;
  f.input_dtype = depth_name(depth);
  f.narrowed = depth == CV_64F || depth == CV_32S;
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
  return li;
}

// The heatmap of a decoded image written into dst (its size, li.type(), any row stride):
// 8-bit grey as uint8, anything else as float32 (16-bit values stay 0..65535), fully
// transparent pixels NaN.
void write_heatmap(const LoadedImage& li, const MutableHeatmapView& dst) {
  if (dst.data == nullptr || dst.width != li.gray.cols || dst.height != li.gray.rows ||
      dst.channels != 1 || dst.type != li.type() || dst.row_stride < dst.width)
    throw std::invalid_argument("image: the destination does not fit a " +
                                std::to_string(li.gray.cols) + " x " +
                                std::to_string(li.gray.rows) + " " + elem_name(li.type()) + " map");
  const std::size_t step = static_cast<std::size_t>(dst.row_stride) * elem_size(dst.type);
  if (dst.type == ElemType::kUInt8) {
    li.gray.copyTo(cv::Mat(dst.height, dst.width, CV_8U, dst.data, step));
    return;
  }
  cv::Mat out(dst.height, dst.width, CV_32F, dst.data, step);
  if (li.gray.depth() == CV_32F) {
    li.gray.copyTo(out);
  } else {
    cv::Mat g32;
    li.gray.convertTo(g32, CV_32F);
    g32.copyTo(out);
  }
  if (!li.alpha.empty()) out.setTo(std::numeric_limits<float>::quiet_NaN(), li.alpha == 0);
}

class ImageListSource : public Source {
 public:
  ImageListSource(std::vector<std::string> files, std::string what, const ImageOptions& opt)
      : files_(std::move(files)), what_(std::move(what)) {
    interval_s_ = opt.hold_s > 0 ? opt.hold_s : (opt.fps > 0 ? 1.0 / opt.fps : 0.0);
  }
  std::optional<Frame> next() override {
    std::optional<LoadedImage> li = take();
    if (!li) return std::nullopt;
    Heatmap h(li->gray.cols, li->gray.rows, 1, li->type());
    write_heatmap(*li, h.mutable_view());
    li->frame.heatmap = std::move(h);
    return std::move(li->frame);
  }
  // The next image is decoded (and kept) to learn its size and type.
  std::optional<FrameShape> next_shape() override {
    if (!fetch()) return std::nullopt;
    return FrameShape{pending_->type(), pending_->gray.cols, pending_->gray.rows, 1};
  }
  // The grey map converted straight into dst (no temporary heatmap).
  std::optional<Frame> next_into(const MutableHeatmapView& dst) override {
    std::optional<LoadedImage> li = take();
    if (!li) return std::nullopt;
    write_heatmap(*li, dst);
    return std::move(li->frame);
  }
  double frame_interval_s() const override { return interval_s_; }
  std::string describe() const override { return what_; }
  long frame_count() const override { return static_cast<long>(files_.size()); }
  bool seek(long index) override {
    if (index < 0 || index >= static_cast<long>(files_.size())) return false;
    pending_.reset();
    i_ = static_cast<std::size_t>(index);
    return true;
  }

 private:
  // Makes pending_ the next image (decoded unless one is waiting); false at the end.
  bool fetch() {
    if (pending_) return true;
    if (i_ >= files_.size()) return false;
    const long idx = static_cast<long>(i_);
    pending_ = decode_image(files_[i_++], idx);
    pending_->frame.timestamp_s = idx * interval_s_;
    return true;
  }
  std::optional<LoadedImage> take() {
    if (!fetch()) return std::nullopt;
    std::optional<LoadedImage> li = std::move(pending_);
    pending_.reset();
    return li;
  }

  std::vector<std::string> files_;
  std::string what_;
  std::optional<LoadedImage> pending_;
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
  decode_image(path, 0);  // fail now, with the file's name, if it is not an image
  return std::make_unique<ImageListSource>(std::vector<std::string>{path}, "image " + path, opt);
}

}  // namespace peakscope::io
