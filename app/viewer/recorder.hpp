// Records what the viewer shows to a video file (OpenCV's VideoWriter), the container and
// codec chosen by the file's extension (record_format).
// Frames are written to a temporary file of the one writer (core/io/output_file.hpp), with the
// same extension, and put
// in place when recording stops (renamed over a file, written into a FIFO or device), so an
// interrupted recording never leaves a half-written file under the name asked for.
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>
#include <string>

#include "core/io/output_file.hpp"

namespace peakscope::viewer {

// A recording's container, from the path's extension (any case): .mp4 MPEG-4 ("mp4v"), .avi
// Motion JPEG ("MJPG"), .mkv Matroska with MPEG-4 ("mp4v"); a FIFO, character device or
// socket, whatever its name, gets MPEG-4 in MP4.
struct RecordFormat {
  std::string extension;  // ".mp4", ".avi", ".mkv"
  int fourcc = 0;
  std::string codec;  // "MPEG-4", "Motion JPEG"
};
// Throws std::invalid_argument naming the path and the extensions known for any other
// extension (or none) on anything else: nothing is written under a name the data would not
// match.
RecordFormat record_format(const std::string& path);

class Recorder {
 public:
  ~Recorder();
  // Starts a recording of w x h BGR frames at `fps` in record_format(path). Throws
  // std::invalid_argument for an unknown extension and std::runtime_error naming the path when
  // the file cannot be opened for writing.
  void start(const std::string& path, int w, int h, double fps);
  // Adds one frame (CV_8UC3; resized to the recording's size when the window changed).
  void add(const cv::Mat& bgr);
  // Adds the window as seen at time t (seconds), so the clip plays in real time whatever the
  // UI's frame rate: a frame that comes early is skipped, a late one is repeated up to the
  // frame due (at most one second of repeats).
  void add_at(const cv::Mat& bgr, double t);
  // Finishes the file and renames it into place; returns its path ("" when not recording).
  // Throws std::runtime_error when the file cannot be finished.
  std::string stop();
  bool active() const { return writer_.isOpened(); }
  long frames() const { return frames_; }
  const std::string& path() const { return path_; }

 private:
  cv::VideoWriter writer_;
  std::unique_ptr<io::OutputFile> out_;
  std::string path_;
  cv::Size size_;
  long frames_ = 0;
  double fps_ = 30, t0_ = 0;
};

}  // namespace peakscope::viewer
