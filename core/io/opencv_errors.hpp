// OpenCV's own error reporting turned into ours: its log lines silenced while a call runs, and
// its exceptions as one line for a SourceError.
#pragma once

#include <opencv2/core.hpp>
#include <string>

namespace peakscope::io {

// Silences OpenCV's logging for the object's lifetime (OpenCV's dnn prints
// "[ERROR:0@0.028] global ./modules/dnn/..." lines to stderr before it throws), then restores
// the level it found. The level is process-wide: other threads' OpenCV messages are silenced
// meanwhile too.
class QuietOpenCvLog {
 public:
  QuietOpenCvLog();
  ~QuietOpenCvLog();
  QuietOpenCvLog(const QuietOpenCvLog&) = delete;
  QuietOpenCvLog& operator=(const QuietOpenCvLog&) = delete;

 private:
  int previous_;  // a cv::utils::logging::LogLevel
};

// The reason a cv::Exception gives, as one line: OpenCV's "OpenCV(4.6.0) file:line: error:
// (-215:Assertion failed)" prefixes, the "> " of nested errors and line breaks removed; a
// failed assertion says so and names the function.
std::string opencv_reason(const cv::Exception& e);

}  // namespace peakscope::io
