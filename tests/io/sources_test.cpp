// Video, image and ONNX-model sources, and their bad inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/cpu/cpu_engine.hpp"
#include "core/io/source.hpp"
#include "tests/support/temp.hpp"

namespace peakscope::io {
namespace {

namespace fs = std::filesystem;
std::string tmp(const std::string& n) {
  return peakscope::testing::temp_path("src_" + n).string();
}

// The disc's path: frame t at (12 + 3t, 16 + 1.5t) in a 96 x 64 video.
cv::Point2d disc_at(int t) {
  return {12 + 3.0 * t, 16 + 1.5 * t};
}

// Each test writes its own file: ctest runs tests in parallel.
std::string write_disc_video(const cv::Scalar& colour) {
  const std::string path =
      tmp(std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".avi");
  cv::VideoWriter vw(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 20, cv::Size(96, 64));
  EXPECT_TRUE(vw.isOpened());
  for (int t = 0; t < 20; ++t) {
    cv::Mat img(64, 96, CV_8UC3, cv::Scalar(20, 20, 20));
    // Anti-aliased disc drawn at sub-pixel precision (shift = 4 fractional bits).
    const cv::Point2d c = disc_at(t);
    cv::circle(
        img,
        cv::Point(static_cast<int>(std::lround(c.x * 16)), static_cast<int>(std::lround(c.y * 16))),
        4 * 16, colour, cv::FILLED, cv::LINE_AA, 4);
    vw.write(img);
  }
  return path;
}

TEST(SourcesTest, VideoOfAMovingDiscDecodesToItsPath) {
  const std::string path = write_disc_video(cv::Scalar(255, 255, 255));
  auto src = open_source(path);
  EXPECT_EQ(src->frame_count(), 20);
  CpuEngine engine(1);
  int t = 0;
  while (auto f = src->next()) {
    const Keypoint k = engine.decode(f->heatmap.view(), {50.0, true}).keypoints()[0];
    EXPECT_NEAR(k.soft_x, disc_at(t).x, 0.35) << "frame " << t;
    EXPECT_NEAR(k.soft_y, disc_at(t).y, 0.35) << "frame " << t;
    EXPECT_FALSE(f->image.empty());
    ++t;
  }
  EXPECT_EQ(t, 20);
}

TEST(SourcesTest, ColourAndMotionTransforms) {
  const std::string path = write_disc_video(cv::Scalar(0, 0, 255));  // red disc
  CpuEngine engine(1);
  SourceOptions o;
  o.capture.transform = Transform::kColor;
  o.capture.color_bgr = cv::Vec3b(0, 0, 255);
  auto src = open_source(path, o);
  for (int t = 0; t < 5; ++t) {
    auto f = src->next();
    ASSERT_TRUE(f);
    const Keypoint k = engine.decode(f->heatmap.view(), {30.0, true}).keypoints()[0];
    // MJPG keeps colour at half resolution (4:2:0), so the colour centroid is coarser.
    EXPECT_NEAR(k.soft_x, disc_at(t).x, 1.0) << t;
    EXPECT_NEAR(k.soft_y, disc_at(t).y, 1.0) << t;
  }
  o.capture.transform = Transform::kMotion;
  auto mot = open_source(path, o);
  mot->next();  // the first frame has no motion
  auto f = mot->next();
  ASSERT_TRUE(f);
  const Keypoint k = engine.decode(f->heatmap.view(), {1.0, true}).keypoints()[0];
  // Motion energy sits on the disc's leading and trailing edges, between frames 0 and 1:
  // the strongest change is within a radius (4 px) plus half the step of their midpoint.
  const cv::Point2d mid = (disc_at(0) + disc_at(1)) * 0.5;
  EXPECT_LE(std::hypot(k.argmax_x - mid.x, k.argmax_y - mid.y), 4 + 2.0);
}

TEST(SourcesTest, TemplateTransformFindsThePatch) {
  cv::Mat img(60, 80, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::rectangle(img, cv::Rect(50, 20, 9, 9), cv::Scalar(255, 255, 255), cv::FILLED);
  cv::line(img, cv::Point(50, 20), cv::Point(58, 28), cv::Scalar(0, 0, 0), 1);
  const std::string frame = tmp("tm_frame.png"), patch = tmp("tm_patch.png"), video = tmp("tm.avi");
  cv::imwrite(patch, img(cv::Rect(48, 18, 13, 13)));
  cv::VideoWriter vw(video, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, img.size());
  for (int i = 0; i < 3; ++i) vw.write(img);
  vw.release();
  SourceOptions o;
  o.capture.transform = Transform::kTemplate;
  o.capture.template_path = patch;
  auto src = open_source(video, o);
  auto f = src->next();
  ASSERT_TRUE(f);
  CpuEngine engine(1);
  const Keypoint k = engine.decode(f->heatmap.view(), {1000.0, false}).keypoints()[0];
  EXPECT_NEAR(k.argmax_x, 54, 1.0);
  EXPECT_NEAR(k.argmax_y, 24, 1.0);
  o.capture.template_path = tmp("no_such_patch.png");
  EXPECT_THROW(open_source(video, o), SourceError);
}

TEST(SourcesTest, TinyOnnxModelDecodesToItsPeaks) {
  // Red, green and blue dots; the model's channel k is colour plane k (RGB).
  cv::Mat img(96, 128, CV_8UC3, cv::Scalar(0, 0, 0));
  const cv::Point red(20, 30), green(100, 70), blue(64, 12);
  cv::circle(img, red, 4, cv::Scalar(0, 0, 255), cv::FILLED);
  cv::circle(img, green, 4, cv::Scalar(0, 255, 0), cv::FILLED);
  cv::circle(img, blue, 4, cv::Scalar(255, 0, 0), cv::FILLED);
  const std::string path = tmp("dots.png");
  cv::imwrite(path, img);
  SourceOptions o;
  o.model.path = PEAKSCOPE_ASSETS "/models/tiny_heatmaps.onnx";
  o.model.input_width = 64;
  o.model.input_height = 64;
  auto src = open_source(path, o);
  auto f = src->next();
  ASSERT_TRUE(f);
  ASSERT_EQ(f->heatmap.channels(), 3);
  EXPECT_EQ(f->heatmap.width(), 64);
  EXPECT_DOUBLE_EQ(f->image_scale_x, 2.0);
  EXPECT_DOUBLE_EQ(f->image_scale_y, 1.5);
  CpuEngine engine(1);
  const std::vector<Keypoint> k = engine.decode(f->heatmap.view(), {200.0, true}).keypoints();
  const cv::Point want[3] = {red, green, blue};
  for (int c = 0; c < 3; ++c) {
    const double fx = (k[c].soft_x + 0.5) * f->image_scale_x - 0.5,
                 fy = (k[c].soft_y + 0.5) * f->image_scale_y - 0.5;
    EXPECT_NEAR(fx, want[c].x, 1.5) << c;
    EXPECT_NEAR(fy, want[c].y, 1.5) << c;
  }
}

TEST(SourcesTest, BadInputsNameTheFileAndTheProblem) {
  auto expect_error = [](const std::string& spec, const SourceOptions& o,
                         const std::string& needle) {
    try {
      auto s = open_source(spec, o);
      while (s->next()) {
      }
      ADD_FAILURE() << spec << ": no error";
    } catch (const SourceError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const std::string empty_video = tmp("empty.avi");
  std::ofstream(empty_video) << "";
  expect_error(empty_video, {}, empty_video);
  const std::string junk = tmp("junk.mp4");
  std::ofstream(junk) << "this is not a video";
  expect_error(junk, {}, junk);
  expect_error("camera:97", {}, "camera");
  expect_error("camera:x", {}, "camera index");
  expect_error(tmp("missing.png"), {}, "no such file");
  const std::string notimg = tmp("notimg.png");
  std::ofstream(notimg) << "nope";
  expect_error(notimg, {}, "not a readable image");
  expect_error(tmp("empty_dir_that_is_missing/*.png"), {}, "matches no image");
  // Models: one that does not load, one whose output is not a heatmap stack.
  cv::Mat img(64, 64, CV_8UC3, cv::Scalar(9, 9, 9));
  const std::string frame = tmp("frame.png");
  cv::imwrite(frame, img);
  SourceOptions o;
  o.model.path = tmp("garbage.onnx");
  std::ofstream(o.model.path) << "garbage";
  expect_error(frame, o, "does not load");
  o.model.path = PEAKSCOPE_ASSETS "/models/tiny_flat.onnx";
  expect_error(frame, o, "not a heatmap stack");
  o.model.path = tmp("absent.onnx");
  expect_error(frame, o, "no such model");
}

TEST(SourcesTest, ImageFolderInOrder) {
  const fs::path dir = peakscope::testing::temp_path("src_folder");
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (int i = 0; i < 3; ++i) {
    cv::Mat img(20, 30, CV_8UC3, cv::Scalar(0, 0, 0));
    img.at<cv::Vec3b>(5, 3 + 10 * i) = cv::Vec3b(255, 255, 255);
    cv::imwrite((dir / ("f" + std::to_string(i) + ".png")).string(), img);
  }
  auto src = open_source(dir.string());
  EXPECT_EQ(src->frame_count(), 3);
  CpuEngine engine(1);
  for (int i = 0; i < 3; ++i) {
    auto f = src->next();
    ASSERT_TRUE(f);
    EXPECT_EQ(engine.decode(f->heatmap.view(), {1.0, false}).keypoints()[0].argmax_x, 3 + 10 * i);
  }
  auto glob = open_source((dir / "f*.png").string());
  EXPECT_EQ(glob->frame_count(), 3);
}

}  // namespace
}  // namespace peakscope::io

namespace peakscope::io {
namespace {

TEST(GroundTruthTest, ErrorIsToThePointNearestTheArgmax) {
  Frame f;
  f.ground_truth = {{{10, 10}, {50, 20}}};
  Keypoint k;
  k.argmax_x = 48;
  k.argmax_y = 21;
  k.soft_x = 47;
  k.soft_y = 24;  // 5 px from (50, 20), the point nearest the argmax
  EXPECT_DOUBLE_EQ(ground_truth_error(f, 0, k), 5.0);
  EXPECT_EQ(ground_truth_error(f, 1, k), -1);  // no such channel
  f.ground_truth[0].clear();
  EXPECT_EQ(ground_truth_error(f, 0, k), -1);
}

}  // namespace
}  // namespace peakscope::io
