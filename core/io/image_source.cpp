#include <algorithm>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/io/source.hpp"

namespace peakscope::io {
namespace {

namespace fs = std::filesystem;

// Loads one image as a uint8 heatmap (grey levels) plus its BGR frame.
Frame load_image(const std::string& path, long index) {
  cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  if (bgr.empty()) throw SourceError(path + ": not a readable image (OpenCV could not decode it)");
  cv::Mat gray;
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  Frame f;
  f.index = index;
  f.heatmap = Heatmap(gray.cols, gray.rows, 1, ElemType::kUInt8);
  for (int y = 0; y < gray.rows; ++y)
    std::copy_n(gray.ptr<std::uint8_t>(y), gray.cols,
                f.heatmap.u8() + static_cast<std::size_t>(y) * gray.cols);
  f.image = bgr;
  return f;
}

class ImageListSource : public Source {
 public:
  ImageListSource(std::vector<std::string> files, std::string what)
      : files_(std::move(files)), what_(std::move(what)) {}
  std::optional<Frame> next() override {
    if (i_ >= files_.size()) return std::nullopt;
    const long idx = static_cast<long>(i_);
    return load_image(files_[i_++], idx);
  }
  std::string describe() const override { return what_; }
  long frame_count() const override { return static_cast<long>(files_.size()); }

 private:
  std::vector<std::string> files_;
  std::string what_;
  std::size_t i_ = 0;
};

bool is_image_ext(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), ::tolower);
  for (const char* x : {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".pgm", ".ppm", ".webp"})
    if (e == x) return true;
  return false;
}

}  // namespace

std::unique_ptr<Source> make_image_source(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.is_regular_file() && is_image_ext(e.path())) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty())
      throw SourceError(path + ": folder has no images (png, jpg, bmp, tif, pgm, webp)");
    const std::string what = "images " + path + " (" + std::to_string(files.size()) + ")";
    return std::make_unique<ImageListSource>(std::move(files), what);
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
    return std::make_unique<ImageListSource>(std::move(files), what);
  }
  if (!fs::exists(path, ec)) throw SourceError(path + ": no such file");
  load_image(path, 0);  // fail now, with the file's name, if it is not an image
  return std::make_unique<ImageListSource>(std::vector<std::string>{path}, "image " + path);
}

}  // namespace peakscope::io
