#include "core/io/opencv_errors.hpp"

#include <opencv2/core/utils/logger.hpp>
#include <regex>
#include <sstream>

namespace peakscope::io {

QuietOpenCvLog::QuietOpenCvLog()
    : previous_(cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT)) {}

QuietOpenCvLog::~QuietOpenCvLog() {
  cv::utils::logging::setLogLevel(static_cast<cv::utils::logging::LogLevel>(previous_));
}

std::string opencv_reason(const cv::Exception& e) {
  std::string text = e.err.empty() ? e.msg : e.err;
  // A nested error quotes OpenCV's whole message: "OpenCV(4.6.0) ./modules/dnn/src/x.cpp:109:
  // error: (-215:Assertion failed) kernel[i] > 0 in function 'f'" -> "Assertion failed: ...".
  static const std::regex location(R"(OpenCV\([^)]*\) \S+:\d+: error: \(-?\d+:([^)]*)\) )");
  text = std::regex_replace(text, location, "$1: ");
  std::istringstream lines(text);
  std::string line, out;
  while (std::getline(lines, line)) {
    std::size_t a = line.find_first_not_of(" \t\r>");
    if (a == std::string::npos) continue;
    const std::size_t b = line.find_last_not_of(" \t\r");
    if (!out.empty()) out += ' ';
    out.append(line, a, b - a + 1);
  }
  if (out.empty()) out = "OpenCV error " + std::to_string(e.code);
  if (e.code == cv::Error::StsAssert) out = std::string("assertion failed: ").append(out);
  if (!e.func.empty() && out.find("in function") == std::string::npos)
    out.append(" in function '").append(e.func).append("'");
  return out;
}

}  // namespace peakscope::io
