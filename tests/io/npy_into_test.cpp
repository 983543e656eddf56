// Frames written straight into caller memory (Source::next_shape / next_into, the .npy
// reader's NpyStream): bit for bit what the whole-file reader and next() give, on padded
// destinations, for every dtype, order and byte order; bad and changing files fail as before.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <random>

#include "core/io/npy.hpp"
#include "core/io/source.hpp"
#include "core/io/transforms.hpp"
#include "tests/support/npy_bytes.hpp"
#include "tests/support/temp.hpp"

namespace peakscope::io {
namespace {

namespace fs = std::filesystem;

std::string tmp(const std::string& n) {
  return peakscope::testing::temp_path("npy_into_" + n).string();
}

// A destination with padded rows and planes, every byte preset to 0xA5 so that a write
// outside the frame shows.
struct Padded {
  std::vector<std::uint8_t> bytes;
  MutableHeatmapView view;
  Padded(const FrameShape& s, int row_pad, int plane_pad) {
    const std::size_t es = elem_size(s.type);
    const std::ptrdiff_t rs = s.width + row_pad;
    const std::ptrdiff_t cs = rs * s.height + plane_pad;
    bytes.assign(static_cast<std::size_t>(cs) * s.channels * es + 64, 0xA5);
    view = {bytes.data(), s.type, s.width, s.height, s.channels, rs, cs};
  }
  // Bytes of the destination outside the frame that are no longer 0xA5.
  std::size_t touched_outside() const {
    const std::size_t es = elem_size(view.type);
    std::vector<bool> inside(bytes.size(), false);
    for (int c = 0; c < view.channels; ++c)
      for (int y = 0; y < view.height; ++y)
        for (std::size_t b = 0; b < view.width * es; ++b)
          inside[(c * view.channel_stride + y * view.row_stride) * es + b] = true;
    std::size_t n = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) n += !inside[i] && bytes[i] != 0xA5;
    return n;
  }
};

// Element i (C order within frame `frame`) of what read_npy gives, as bytes.
bool same_bits(const NpyArray& a, std::size_t i, const MutableHeatmapView& v, int c, int y, int x) {
  if (a.is_uint8) return a.u8[i] == v.row_u8(c, y)[x];
  return std::memcmp(&a.f32[i], &v.row_f32(c, y)[x], 4) == 0;
}

void expect_frames_equal_read_npy(const std::string& path, int row_pad, int plane_pad) {
  const NpyArray want = read_npy(path);
  auto src = make_npy_source(path);
  auto plain = make_npy_source(path);
  std::size_t i = 0;
  for (long frame = 0;; ++frame) {
    const std::optional<FrameShape> s = src->next_shape();
    if (!s) {
      EXPECT_FALSE(src->next_into(MutableHeatmapView{}));
      EXPECT_FALSE(plain->next());
      break;
    }
    EXPECT_EQ(s->type, want.is_uint8 ? ElemType::kUInt8 : ElemType::kFloat32);
    Padded dst(*s, row_pad, plane_pad);
    const std::optional<Frame> f = src->next_into(dst.view);
    const std::optional<Frame> g = plain->next();
    ASSERT_TRUE(f && g);
    EXPECT_EQ(f->index, frame);
    EXPECT_TRUE(f->heatmap.view().empty());
    EXPECT_EQ(f->input_dtype, want.dtype);
    EXPECT_EQ(f->narrowed, want.narrowed);
    EXPECT_EQ(dst.touched_outside(), 0u);
    const HeatmapView gv = g->heatmap.view();
    ASSERT_EQ(gv.width, s->width);
    ASSERT_EQ(gv.channels, s->channels);
    std::size_t bad = 0;
    for (int c = 0; c < s->channels; ++c)
      for (int y = 0; y < s->height; ++y)
        for (int x = 0; x < s->width; ++x, ++i) {
          bad += !same_bits(want, i, dst.view, c, y, x);
          const std::ptrdiff_t j = c * gv.channel_stride + y * gv.row_stride + x;
          if (want.is_uint8)
            bad += want.u8[i] != static_cast<const std::uint8_t*>(gv.data)[j];
          else
            bad += std::memcmp(&want.f32[i], static_cast<const float*>(gv.data) + j, 4) != 0;
        }
    EXPECT_EQ(bad, 0u) << path << " frame " << frame;
  }
  EXPECT_EQ(i, want.elements());
  EXPECT_EQ(src->warning(), plain->warning());
}

TEST(NpyIntoTest, EveryDtypeOrderAndByteOrderBitForBit) {
  std::mt19937 rng(11);
  std::normal_distribution<float> nd(0.0f, 50.0f);
  const std::vector<std::vector<std::size_t>> shapes = {{5, 7}, {3, 5, 7}, {2, 3, 5, 9}};
  for (const std::string dtype : {"f4", "f2", "f8", "u1"})
    for (bool fortran : {false, true})
      for (bool big : {false, true})
        for (const auto& shape : shapes) {
          std::size_t n = 1;
          for (std::size_t d : shape) n *= d;
          std::vector<float> v(n);
          for (float& x : v) x = dtype == "u1" ? std::fabs(nd(rng)) : nd(rng);
          v[1] = std::numeric_limits<float>::quiet_NaN();
          v[2] = -std::numeric_limits<float>::infinity();
          if (dtype != "u1") v[3] = 1e-41f;  // a denormal float
          const std::string path = tmp("all.npy");
          write_npy(path, shape, v, dtype, fortran, big);
          SCOPED_TRACE(dtype + (fortran ? " F" : " C") + (big ? " BE" : " LE") + " dims " +
                       std::to_string(shape.size()));
          expect_frames_equal_read_npy(path, 3, 5);
          expect_frames_equal_read_npy(path, 0, 0);  // dense: whole planes in one read
        }
}

TEST(NpyIntoTest, NumpyFixtureInFortranOrderReadsAsBefore) {
  expect_frames_equal_read_npy(PEAKSCOPE_ASSETS "/fixtures/stack_f16_fortran_be.npy", 1, 16);
}

TEST(NpyIntoTest, Float64NarrowedIntoTheDestinationAndOverflowCounted) {
  const std::string path = tmp("f8.npy");
  std::ofstream(path, std::ios::binary)
      << testing::f8_npy_bytes({1.0, 1.0 + 1e-12, 1e301, -1e302, 0.5, 3e38}, 2, 3);
  expect_frames_equal_read_npy(path, 2, 0);
  auto src = make_npy_source(path);
  Padded dst(*src->next_shape(), 1, 0);
  const auto f = src->next_into(dst.view);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->input_dtype, "float64");
  EXPECT_TRUE(f->narrowed);
  EXPECT_EQ(dst.view.row_f32(0, 0)[0], dst.view.row_f32(0, 0)[1]);  // merged in float32
  EXPECT_TRUE(std::isinf(dst.view.row_f32(0, 0)[2]));
  EXPECT_NE(src->warning().find("2 float64 value(s) beyond float32's range"), std::string::npos)
      << src->warning();
}

// The message read_npy gives for a file (empty when it reads).
std::string read_npy_message(const std::string& path) {
  try {
    read_npy(path);
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

TEST(NpyIntoTest, TruncatedOrTrailingFilesFailAtOpenWithTheWholeReadersMessage) {
  std::vector<float> v(3 * 4 * 6, 0.25f);
  write_npy(tmp("ok.npy"), {3, 4, 6}, v, "f4");
  std::string bytes;
  {
    std::ifstream in(tmp("ok.npy"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Cut in the last frame (the earlier frames are whole: still nothing may be decoded), and
  // bytes after the data.
  for (const std::string& b : {bytes.substr(0, bytes.size() - 5), bytes + "xyz"}) {
    const std::string path = tmp("bad.npy");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << b;
    const std::string want = read_npy_message(path);
    ASSERT_FALSE(want.empty());
    try {
      make_npy_source(path);
      ADD_FAILURE() << "opened " << b.size() << " bytes";
    } catch (const SourceError& e) {
      EXPECT_EQ(std::string(e.what()), want);
    }
  }
}

TEST(NpyIntoTest, ShrinkingBetweenFramesIsASourceError) {
  const std::string path = tmp("shrinks4.npy");
  write_npy(path, {2, 1, 8, 8}, std::vector<float>(2 * 64, 1.0f), "f4");
  auto src = make_npy_source(path);
  Padded dst(*src->next_shape(), 0, 0);
  ASSERT_TRUE(src->next_into(dst.view));
  fs::resize_file(path, fs::file_size(path) - 100);
  try {
    src->next_into(dst.view);
    ADD_FAILURE() << "read a frame past the end";
  } catch (const SourceError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("changed"), std::string::npos) << e.what();
  }
}

// np.save rewrites a file in place (same inode): a stream opened before must not mix the two
// arrays' bytes or read the new ones through the old header.
TEST(NpyIntoTest, RewrittenInPlaceBetweenFramesIsASourceError) {
  const std::string path = tmp("rewritten.npy");
  write_npy(path, {3, 1, 8, 8}, std::vector<float>(3 * 64, 1.0f), "f4");
  auto src = make_npy_source(path);
  Padded dst(*src->next_shape(), 0, 0);
  ASSERT_TRUE(src->next_into(dst.view));
  // Rewritten in place (the same file, not a new one renamed over it as write_npy does): the
  // new bytes are copied over the old ones.
  write_npy(path + ".new", {3, 1, 8, 8}, std::vector<float>(3 * 64, 2.0f), "f8");
  {
    std::ifstream in(path + ".new", std::ios::binary);
    std::ofstream(path, std::ios::binary | std::ios::in | std::ios::out) << in.rdbuf();
  }
  try {
    src->next_into(dst.view);
    ADD_FAILURE() << "read a frame of a rewritten file";
  } catch (const SourceError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("changed"), std::string::npos) << e.what();
  }
}

TEST(NpyIntoTest, DestinationOfTheWrongShapeIsRejected) {
  const std::string path = tmp("shape.npy");
  write_npy(path, {4, 6}, std::vector<float>(24, 1.0f), "f4");
  auto src = make_npy_source(path);
  FrameShape s = *src->next_shape();
  EXPECT_EQ(s.width, 6);
  EXPECT_EQ(s.height, 4);
  EXPECT_EQ(s.channels, 1);
  s.width = 5;
  Padded wrong(s, 0, 0);
  EXPECT_THROW(src->next_into(wrong.view), std::invalid_argument);
  s.width = 6;
  s.type = ElemType::kUInt8;
  Padded wrong_type(s, 0, 0);
  EXPECT_THROW(src->next_into(wrong_type.view), std::invalid_argument);
}

TEST(NpyIntoTest, SyntheticSourceRendersIntoTheDestination) {
  for (bool u8 : {false, true}) {
    SyntheticOptions o;
    o.width = 67;
    o.height = 41;
    o.fwhm = 9;
    o.uint8 = u8;
    o.frames = 3;
    auto a = make_synthetic_source(o), b = make_synthetic_source(o);
    for (int i = 0; i < 3; ++i) {
      const std::optional<FrameShape> s = a->next_shape();
      ASSERT_TRUE(s);
      Padded dst(*s, 5, 7);
      const auto f = a->next_into(dst.view);
      const auto g = b->next();
      ASSERT_TRUE(f && g);
      EXPECT_EQ(dst.touched_outside(), 0u);
      ASSERT_TRUE(f->scene && g->scene);
      EXPECT_EQ(f->scene->frame(), i);
      ASSERT_EQ(f->ground_truth.size(), 1u);
      EXPECT_EQ(f->ground_truth[0][0].x, g->ground_truth[0][0].x);
      const std::size_t es = elem_size(s->type);
      for (int y = 0; y < s->height; ++y) {
        const auto* want = static_cast<const std::uint8_t*>(g->heatmap.view().data) +
                           static_cast<std::size_t>(y) * s->width * es;
        const auto* got =
            static_cast<const std::uint8_t*>(dst.view.data) + y * dst.view.row_stride * es;
        ASSERT_EQ(std::memcmp(want, got, s->width * es), 0) << "row " << y;
      }
      // The scene the frame carries renders that frame.
      const Heatmap again = g->scene->render(s->type);
      EXPECT_EQ(std::memcmp(again.u8(), g->heatmap.u8(), again.size_bytes()), 0);
    }
    EXPECT_FALSE(a->next_shape());
  }
}

// Rows of a one-channel map equal, bit for bit (any strides).
void expect_same_map(const HeatmapView& want, const HeatmapView& got, const std::string& what) {
  ASSERT_EQ(want.type, got.type) << what;
  ASSERT_EQ(want.width, got.width) << what;
  ASSERT_EQ(want.height, got.height) << what;
  const std::size_t es = elem_size(want.type);
  std::size_t bad = 0;
  for (int y = 0; y < want.height; ++y)
    bad += std::memcmp(static_cast<const char*>(want.data) + y * want.row_stride * es,
                       static_cast<const char*>(got.data) + y * got.row_stride * es,
                       want.width * es) != 0;
  EXPECT_EQ(bad, 0u) << what << ": rows differ";
}

TEST(NpyIntoTest, ImagesConvertIntoTheDestination) {
  // 8-bit grey (uint8), 16-bit (float32 values 0..65535), BGRA with transparent pixels (NaN).
  cv::Mat g8(9, 13, CV_8UC1), g16(9, 13, CV_16UC1),
      bgra(9, 13, CV_8UC4, cv::Scalar(40, 80, 120, 255));
  for (int y = 0; y < 9; ++y)
    for (int x = 0; x < 13; ++x) {
      g8.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(x * 7 + y);
      g16.at<std::uint16_t>(y, x) = static_cast<std::uint16_t>(x * 5000 + y);
    }
  bgra.at<cv::Vec4b>(4, 6)[3] = 0;
  const std::string dir = tmp("imgs");
  fs::create_directories(dir);
  ASSERT_TRUE(cv::imwrite(dir + "/a.png", g8));
  ASSERT_TRUE(cv::imwrite(dir + "/b.png", g16));
  ASSERT_TRUE(cv::imwrite(dir + "/c.png", bgra));
  auto a = make_image_source(dir), b = make_image_source(dir);
  const ElemType types[] = {ElemType::kUInt8, ElemType::kFloat32, ElemType::kFloat32};
  for (int i = 0; i < 3; ++i) {
    const std::optional<FrameShape> s = a->next_shape();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->type, types[i]) << i;
    EXPECT_EQ(s, a->next_shape());
    Padded dst(*s, 2, 0);
    const auto f = a->next_into(dst.view);
    const auto g = b->next();
    ASSERT_TRUE(f && g);
    EXPECT_EQ(dst.touched_outside(), 0u);
    EXPECT_EQ(f->input_dtype, g->input_dtype);
    EXPECT_EQ(f->image.size(), g->image.size());
    expect_same_map(g->heatmap.view(), dst.view.view(), "image " + std::to_string(i));
  }
  EXPECT_FALSE(a->next_shape());
  EXPECT_FALSE(b->next());
}

cv::Mat test_frame(int t) {
  cv::Mat img(48, 64, CV_8UC3, cv::Scalar(10, 20, 30));
  cv::circle(img, cv::Point(8 + 3 * t, 20 + t), 5, cv::Scalar(0, 0, 255), cv::FILLED);
  cv::randn(img(cv::Rect(36, 26, 24, 18)), 128, 60);
  return img;
}

TEST(NpyIntoTest, TransformsWriteIntoTheDestination) {
  const std::string templ = tmp("templ.png");
  ASSERT_TRUE(cv::imwrite(templ, test_frame(0)(cv::Rect(3, 15, 11, 11))));
  for (Transform t :
       {Transform::kIntensity, Transform::kColor, Transform::kTemplate, Transform::kMotion}) {
    TransformOptions o;
    o.transform = t;
    o.template_path = templ;
    FrameTransform a(o), b(o);
    for (int i = 0; i < 3; ++i) {  // motion: the first frame and two differences
      const cv::Mat bgr = test_frame(i);
      const Heatmap want = a.apply(bgr);
      EXPECT_EQ(want.type(), b.output_type());
      Padded dst({b.output_type(), bgr.cols, bgr.rows, 1}, 7, 0);
      b.apply_into(bgr, dst.view);
      EXPECT_EQ(dst.touched_outside(), 0u);
      expect_same_map(want.view(), dst.view.view(),
                      std::string(transform_name(t)) + " frame " + std::to_string(i));
    }
    Padded wrong({b.output_type(), 63, 48, 1}, 0, 0);
    EXPECT_THROW(b.apply_into(test_frame(0), wrong.view), std::invalid_argument);
  }
}

TEST(NpyIntoTest, VideoFramesAreTransformedIntoTheDestination) {
  const std::string path = tmp("clip.avi");
  {
    cv::VideoWriter vw(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, cv::Size(64, 48));
    ASSERT_TRUE(vw.isOpened());
    for (int t = 0; t < 4; ++t) vw.write(test_frame(t));
  }
  for (Transform t : {Transform::kIntensity, Transform::kMotion}) {
    CaptureOptions o;
    o.transform = t;
    auto a = make_video_source(path, o), b = make_video_source(path, o);
    for (int i = 0; i < 4; ++i) {
      const std::optional<FrameShape> s = a->next_shape();
      ASSERT_TRUE(s) << i;
      EXPECT_EQ(s, a->next_shape());  // asking again reads nothing more
      Padded dst(*s, 3, 0);
      const auto f = a->next_into(dst.view);
      const auto g = b->next();
      ASSERT_TRUE(f && g);
      EXPECT_EQ(f->index, g->index);
      EXPECT_EQ(f->image.size(), g->image.size());
      EXPECT_EQ(f->image_scale_x, g->image_scale_x);
      expect_same_map(g->heatmap.view(), dst.view.view(),
                      std::string(transform_name(t)) + " frame " + std::to_string(i));
    }
    EXPECT_FALSE(a->next_shape());
    EXPECT_FALSE(a->next_into(MutableHeatmapView{}));
    EXPECT_FALSE(b->next());
    EXPECT_EQ(a->ended_short(), b->ended_short());
  }
}

}  // namespace
}  // namespace peakscope::io
