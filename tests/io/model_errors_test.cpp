// ONNX models OpenCV's dnn rejects, when loading (assets/models/tiny_rejected.onnx) and when
// running (tiny_mismatch.onnx): one SourceError line naming the model and OpenCV's reason,
// and none of OpenCV's own "[ERROR:0@0.028] global ./modules/dnn/..." lines on stderr, from
// the library and from peakscope-cli alike; OpenCV's log level is restored afterwards.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>

#include "core/io/source.hpp"
#include "tests/support/run.hpp"
#include "tests/support/temp.hpp"

namespace peakscope::io {
namespace {

namespace fs = std::filesystem;
using peakscope::testing::slurp;
using peakscope::testing::temp_path;

const std::string kRejected = PEAKSCOPE_ASSETS "/models/tiny_rejected.onnx";
const std::string kMismatch = PEAKSCOPE_ASSETS "/models/tiny_mismatch.onnx";

// A 64 x 64 frame for the models to run on.
std::string frame_png() {
  const fs::path p = temp_path("model_errors_frame.png");
  cv::imwrite(p.string(), cv::Mat(64, 64, CV_8UC3, cv::Scalar(40, 80, 120)));
  return p.string();
}

// What `f` writes to this process's stderr (file descriptor 2, where OpenCV logs).
std::string captured_stderr(const std::function<void()>& f) {
  const fs::path p = temp_path("model_errors_stderr.txt");
  std::cerr.flush();
  std::fflush(stderr);
  const int saved = dup(2);
  const int fd = open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, 2);
  close(fd);
  f();
  std::cerr.flush();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  return slurp(p);
}

// The SourceError message open_source (and the first frame) give for `model`, and what was
// printed on stderr meanwhile.
struct Failure {
  std::string message, printed;
};
Failure fail_with(const std::string& model) {
  SourceOptions o;
  o.model.path = model;
  o.model.input_width = 64;
  o.model.input_height = 64;
  const std::string frame = frame_png();
  Failure r;
  r.printed = captured_stderr([&] {
    try {
      auto src = open_source(frame, o);
      src->next();
    } catch (const SourceError& e) {
      r.message = e.what();
    }
  });
  return r;
}

TEST(ModelErrorsTest, ModelOpenCvCannotLoadIsOneLine) {
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_WARNING);
  const Failure f = fail_with(kRejected);
  EXPECT_EQ(
      f.message,
      kRejected +
          ": the model does not load (Node [MaxPool@ai.onnx]:(onnx_node_output_0!heatmaps) parse "
          "error: Assertion failed: kernel[i] > 0 in function 'getKernelSize')");
  EXPECT_EQ(f.printed, "");
  EXPECT_EQ(cv::utils::logging::getLogLevel(), cv::utils::logging::LOG_LEVEL_WARNING);
}

TEST(ModelErrorsTest, ModelOpenCvCannotRunIsOneLine) {
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_WARNING);
  const Failure f = fail_with(kMismatch);
  EXPECT_EQ(f.message.rfind(kMismatch + ": inference failed (assertion failed: ", 0), 0)
      << f.message;
  EXPECT_NE(f.message.find(" in function '"), std::string::npos) << f.message;
  EXPECT_EQ(f.message.find('\n'), std::string::npos) << f.message;
  EXPECT_EQ(f.printed, "");
  EXPECT_EQ(cv::utils::logging::getLogLevel(), cv::utils::logging::LOG_LEVEL_WARNING);
}

// peakscope-cli: exit 1 and exactly one line on stderr, naming the model; no "[ERROR:" line.
TEST(ModelErrorsTest, CliPrintsOneLineWithoutOpenCvLogLines) {
  const std::string frame = frame_png();
  for (const std::string& model : {kRejected, kMismatch}) {
    SCOPED_TRACE(model);
    const fs::path out = temp_path("model_errors_out.txt"), err = temp_path("model_errors_err.txt");
    const int code = peakscope::testing::run_exit_code(
        std::string(PEAKSCOPE_CLI) + " decode " + frame + " --backend cpu --model " + model +
        " --model-size 64x64 > " + out.string() + " 2> " + err.string());
    const std::string printed = slurp(err);
    EXPECT_EQ(code, 1);
    EXPECT_EQ(printed.find("[ERROR:"), std::string::npos) << printed;
    EXPECT_EQ(printed.find("[ WARN:"), std::string::npos) << printed;
    ASSERT_FALSE(printed.empty());
    EXPECT_EQ(printed.find('\n'), printed.size() - 1) << printed;
    EXPECT_NE(printed.find(model + ": "), std::string::npos) << printed;
  }
}

}  // namespace
}  // namespace peakscope::io
