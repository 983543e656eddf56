// Records what the viewer shows to a video file (OpenCV's VideoWriter, MPEG-4 in .mp4).
// Frames are written to "<path>.part.mp4" and renamed to `path` when recording stops, so an
// interrupted recording never leaves a half-written file under the name asked for.
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>
#include <string>

namespace peakscope::viewer {

class Recorder {
 public:
  ~Recorder();
  // Starts a recording of w x h BGR frames at `fps`. Throws std::runtime_error naming the
  // path when the file cannot be opened for writing.
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
  std::string path_, part_;
  cv::Size size_;
  long frames_ = 0;
  double fps_ = 30, t0_ = 0;
};

}  // namespace peakscope::viewer
