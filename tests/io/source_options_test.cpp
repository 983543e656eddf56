// app/common/source_options: the one path from the command line to io::SourceOptions, shared
// by the CLI and the viewer.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "app/common/source_options.hpp"
#include "tests/support/temp.hpp"

namespace peakscope::common {
namespace {

// Parses `args` (after the program name) with the source flags registered.
SourceArgs parse(std::vector<std::string> args) {
  CLI::App app;
  SourceArgs a;
  add_source_options(app, a);
  args.insert(args.begin(), "prog");
  std::vector<const char*> argv;
  for (const auto& s : args) argv.push_back(s.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return a;
}

TEST(SourceOptionsTest, FlagsBecomeSourceOptions) {
  const io::SourceOptions o = to_source_options(parse({"--transform",
                                                       "color",
                                                       "--color",
                                                       "10,20,30",
                                                       "--color-sigma",
                                                       "5",
                                                       "--model",
                                                       "m.onnx",
                                                       "--model-size",
                                                       "64x48",
                                                       "--model-mean",
                                                       "1,2,3",
                                                       "--model-bgr",
                                                       "--layout",
                                                       "nhwc",
                                                       "--camera-size",
                                                       "640x480",
                                                       "--image-fps",
                                                       "4",
                                                       "--image-hold",
                                                       "0.5"}));
  EXPECT_EQ(o.capture.transform, io::Transform::kColor);
  EXPECT_EQ(o.capture.color_bgr, cv::Vec3b(10, 20, 30));
  EXPECT_EQ(o.capture.color_sigma, 5);
  EXPECT_EQ(o.model.path, "m.onnx");
  EXPECT_EQ(o.model.input_width, 64);
  EXPECT_EQ(o.model.input_height, 48);
  EXPECT_EQ(o.model.mean, cv::Scalar(1, 2, 3));
  EXPECT_FALSE(o.model.swap_rb);
  EXPECT_EQ(o.model.layout, "nhwc");
  EXPECT_EQ(o.capture.camera_width, 640);
  EXPECT_EQ(o.images.fps, 4);
  EXPECT_EQ(o.images.hold_s, 0.5);
  EXPECT_EQ(o.synthetic.frames, -1);  // endless unless the CLI's --frames says otherwise
}

TEST(SourceOptionsTest, BadValuesNameTheFlag) {
  auto problem = [](std::vector<std::string> args) -> std::string {
    try {
      to_source_options(parse(std::move(args)));
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(accepted)";
  };
  EXPECT_NE(problem({"--transform", "sideways"}).find("--transform"), std::string::npos);
  EXPECT_NE(problem({"--color", "1,2"}).find("--color"), std::string::npos);
  EXPECT_NE(problem({"--color", "1,2,300"}).find("--color"), std::string::npos);
  EXPECT_NE(problem({"--color-sigma", "0"}).find("--color-sigma"), std::string::npos);
  EXPECT_NE(problem({"--model-size", "64"}).find("--model-size"), std::string::npos);
  EXPECT_NE(problem({"--layout", "chw"}).find("--layout"), std::string::npos);
  EXPECT_NE(problem({"--image-fps", "0"}).find("--image-fps"), std::string::npos);
  EXPECT_NE(problem({"--image-hold", "-1"}).find("--image-hold"), std::string::npos);
}

// Every source opened through open_source gets the same options (a dropped file in the
// viewer keeps --transform and the image rate), and a bad value fails the open.
TEST(SourceOptionsTest, OpenSourceAppliesTheOptions) {
  const std::string img = peakscope::testing::temp_path("srcopt.png").string();
  ASSERT_TRUE(cv::imwrite(img, cv::Mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3))));
  SourceArgs a = parse({"--image-hold", "3"});
  auto src = open_source(img, a);
  EXPECT_EQ(src->frame_interval_s(), 3.0);
  a.transform = "nope";
  EXPECT_THROW(open_source(img, a), std::invalid_argument);
}

}  // namespace
}  // namespace peakscope::common
