#include "app/viewer/recorder.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace peakscope::viewer {

RecordFormat record_format(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".mp4") return {ext, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), "MPEG-4"};
  if (ext == ".avi") return {ext, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), "Motion JPEG"};
  if (ext == ".mkv") return {ext, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), "MPEG-4"};
  // A FIFO, a device or a socket (/dev/stdout into a pipe) has no name to go by: MP4.
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 &&
      (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode)))
    return {".mp4", cv::VideoWriter::fourcc('m', 'p', '4', 'v'), "MPEG-4"};
  throw std::invalid_argument(
      path + ": a recording is .mp4 (MPEG-4), .avi (Motion JPEG) or " + ".mkv (MPEG-4), not " +
      (ext.empty() ? std::string("a name without an extension") : "'" + ext + "'"));
}

Recorder::~Recorder() {
  if (writer_.isOpened()) writer_.release();
  out_.reset();  // never finished: the temporary file goes, nothing under the asked name
}

void Recorder::start(const std::string& path, int w, int h, double fps) {
  if (writer_.isOpened()) stop();
  const RecordFormat format = record_format(path);
  // Even sizes: the MPEG-4 encoder refuses odd ones.
  size_ = cv::Size(w & ~1, h & ~1);
  if (size_.width <= 0 || size_.height <= 0)
    throw std::runtime_error("cannot record " + path + ": empty window");
  path_ = path;
  frames_ = 0;
  fps_ = fps;
  // The one writer (core/io/output_file.hpp) makes the temporary file the encoder fills, with
  // the extension FFmpeg picks the container by.
  try {
    out_ = std::make_unique<io::OutputFile>(path, io::OutputFile::Options{format.extension, true});
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot record ") + e.what());
  }
  if (!writer_.open(out_->file_path(), cv::CAP_FFMPEG, format.fourcc, fps, size_, true)) {
    out_.reset();
    throw std::runtime_error("cannot record " + path + ": no " + format.codec +
                             " writer for this file");
  }
}

void Recorder::add(const cv::Mat& bgr) {
  if (!writer_.isOpened()) return;
  if (bgr.size() == size_) {
    writer_.write(bgr);
  } else {
    cv::Mat r;
    cv::resize(bgr, r, size_, 0, 0, cv::INTER_AREA);
    writer_.write(r);
  }
  ++frames_;
}

void Recorder::add_at(const cv::Mat& bgr, double t) {
  if (!writer_.isOpened()) return;
  if (frames_ == 0) t0_ = t;
  const long due = 1 + static_cast<long>(std::floor((t - t0_) * fps_ + 1e-9));
  const long n = std::min<long>(due - frames_, std::max<long>(1, std::lround(fps_)));
  for (long i = 0; i < n; ++i) add(bgr);
}

std::string Recorder::stop() {
  if (!writer_.isOpened()) return {};
  writer_.release();
  std::unique_ptr<io::OutputFile> out = std::move(out_);
  if (frames_ == 0) throw std::runtime_error("nothing recorded to " + path_);
  try {
    out->commit();  // a file: renamed into place; a FIFO or device: the bytes written into it
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot write ") + e.what());
  }
  return path_;
}

}  // namespace peakscope::viewer
