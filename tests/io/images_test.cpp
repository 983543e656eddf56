// Images read as they are: 16-bit and float images at their depth, alpha as a mask, and the
// rate at which folders play.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "core/cpu/cpu_engine.hpp"
#include "core/io/source.hpp"
#include "core/reference.hpp"
#include "tests/support/temp.hpp"

namespace peakscope::io {
namespace {

namespace fs = std::filesystem;
// A name unique to the running test: ctest runs tests in parallel.
std::string tmp(const std::string& n) {
  return peakscope::testing::temp_path(
             "img_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
             "_" + n)
      .string();
}

TEST(ImagesTest, SixteenBitPngKeepsItsValues) {
  cv::Mat img(40, 50, CV_16U, cv::Scalar(1000));
  img.at<std::uint16_t>(13, 31) = 59766;
  img.at<std::uint16_t>(13, 32) = 59765;  // one level lower: an 8-bit read would tie them
  const std::string path = tmp("a.png");
  ASSERT_TRUE(cv::imwrite(path, img));
  auto src = open_source(path);
  const auto f = src->next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->input_dtype, "uint16");
  EXPECT_FALSE(f->narrowed);
  const HeatmapView v = f->heatmap.view();
  ASSERT_EQ(v.type, ElemType::kFloat32);
  EXPECT_EQ(v.at(0, 13, 31), 59766.0);
  EXPECT_EQ(v.at(0, 13, 32), 59765.0);
  EXPECT_EQ(v.at(0, 0, 0), 1000.0);
  const Keypoint k = reference::decode(v, 0, {1.0, false});
  EXPECT_EQ(k.argmax_x, 31);
  EXPECT_EQ(k.argmax_value, 59766.0);
  // The display copy is 8-bit BGR.
  EXPECT_EQ(f->image.type(), CV_8UC3);
}

TEST(ImagesTest, SixteenBitColourPngIsGreyAtSixteenBits) {
  cv::Mat img(8, 8, CV_16UC3, cv::Scalar(30000, 30000, 30000));
  const std::string path = tmp("c.png");
  ASSERT_TRUE(cv::imwrite(path, img));
  const auto f = open_source(path)->next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->input_dtype, "uint16");
  EXPECT_NEAR(f->heatmap.view().at(0, 3, 3), 30000.0, 1.0);
}

TEST(ImagesTest, FloatTiffKeepsItsValues) {
  cv::Mat img(16, 24, CV_32F, cv::Scalar(-2.5f));
  img.at<float>(5, 7) = 1e-3f;
  img.at<float>(9, 20) = 3.25e6f;
  const std::string path = tmp("f.tiff");
  ASSERT_TRUE(cv::imwrite(path, img));
  const auto f = open_source(path)->next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->input_dtype, "float32");
  const HeatmapView v = f->heatmap.view();
  EXPECT_EQ(v.at(0, 0, 0), -2.5);
  EXPECT_EQ(v.at(0, 5, 7), static_cast<double>(1e-3f));
  EXPECT_EQ(v.at(0, 9, 20), 3.25e6);
}

TEST(ImagesTest, EightBitGreyStaysUint8) {
  cv::Mat img(10, 10, CV_8U, cv::Scalar(7));
  img.at<std::uint8_t>(2, 3) = 250;
  const std::string path = tmp("g.png");
  ASSERT_TRUE(cv::imwrite(path, img));
  const auto f = open_source(path)->next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->input_dtype, "uint8");
  ASSERT_EQ(f->heatmap.view().type, ElemType::kUInt8);
  EXPECT_EQ(f->heatmap.view().at(0, 2, 3), 250.0);
}

// A transparent white patch must not become the argmax: alpha 0 masks pixels out.
TEST(ImagesTest, TransparentPixelsAreMaskedOut) {
  cv::Mat img(30, 40, CV_8UC4, cv::Scalar(40, 40, 40, 255));
  img(cv::Rect(2, 2, 6, 6)).setTo(cv::Scalar(255, 255, 255, 0));  // transparent white
  img.at<cv::Vec4b>(20, 30) = cv::Vec4b(200, 200, 200, 255);      // the visible peak
  img.at<cv::Vec4b>(21, 30) = cv::Vec4b(120, 120, 120, 128);      // half transparent: kept
  const std::string path = tmp("rgba.png");
  ASSERT_TRUE(cv::imwrite(path, img));
  const auto f = open_source(path)->next();
  ASSERT_TRUE(f);
  const HeatmapView v = f->heatmap.view();
  ASSERT_EQ(v.type, ElemType::kFloat32);  // NaN needs float
  EXPECT_TRUE(std::isnan(v.at(0, 4, 4)));
  EXPECT_EQ(v.at(0, 20, 30), 200.0);
  EXPECT_EQ(v.at(0, 21, 30), 120.0);
  EXPECT_EQ(v.at(0, 0, 0), 40.0);
  CpuEngine engine(1);
  const Keypoint k = engine.decode(v, {100.0, true}).keypoints()[0];
  EXPECT_EQ(k.argmax_x, 30);
  EXPECT_EQ(k.argmax_y, 20);
  EXPECT_EQ(f->image.type(), CV_8UC3);
}

TEST(ImagesTest, OpaqueRgbaIsAnOrdinaryImage) {
  cv::Mat img(6, 6, CV_8UC4, cv::Scalar(90, 90, 90, 255));
  const std::string path = tmp("opaque.png");
  ASSERT_TRUE(cv::imwrite(path, img));
  const auto f = open_source(path)->next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->heatmap.view().type, ElemType::kUInt8);
  EXPECT_EQ(f->heatmap.view().at(0, 1, 1), 90.0);
}

TEST(ImagesTest, FoldersPlayAtTheChosenRateOrHold) {
  const fs::path dir = tmp("dir");
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(cv::imwrite((dir / ("im" + std::to_string(i) + ".png")).string(),
                            cv::Mat(4, 4, CV_8U, cv::Scalar(i))));
  SourceOptions o;
  EXPECT_DOUBLE_EQ(open_source(dir.string(), o)->frame_interval_s(), 0.05);  // 20 per second
  o.images.fps = 4;
  auto src = open_source(dir.string(), o);
  EXPECT_DOUBLE_EQ(src->frame_interval_s(), 0.25);
  src->next();
  EXPECT_DOUBLE_EQ(src->next()->timestamp_s, 0.25);
  o.images.hold_s = 2;
  EXPECT_DOUBLE_EQ(open_source(dir.string(), o)->frame_interval_s(), 2.0);
  o.images.fps = 0;
  EXPECT_THROW(open_source(dir.string(), o), std::invalid_argument);
}

TEST(ImagesTest, CorruptImageInAFolderNamesTheFile) {
  const fs::path dir = tmp("bad");
  fs::remove_all(dir);
  fs::create_directories(dir);
  ASSERT_TRUE(cv::imwrite((dir / "a.png").string(), cv::Mat(4, 4, CV_8U, cv::Scalar(1))));
  std::ofstream((dir / "b.png").string()) << "not a png";
  auto src = open_source(dir.string());
  EXPECT_TRUE(src->next());
  try {
    src->next();
    FAIL() << "a corrupt image must throw";
  } catch (const SourceError& e) {
    EXPECT_NE(std::string(e.what()).find("b.png"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace peakscope::io
