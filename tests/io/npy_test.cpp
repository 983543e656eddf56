// The .npy reader: every dtype, shape and order round-trips; the NumPy fixture; bad files.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/io/npy.hpp"
#include "core/io/source.hpp"
#include "core/reference.hpp"
#include "tests/support/temp.hpp"

namespace peakscope::io {
namespace {

namespace fs = std::filesystem;

std::string tmp(const std::string& n) {
  return peakscope::testing::temp_path("npy_" + n).string();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string header_file(const std::string& dict, const std::string& data, int version = 1) {
  std::string h = dict;
  const std::size_t pre = version == 1 ? 10 : 12;
  h.append((64 - (pre + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>((h.size() >> 8) & 0xff);
  if (version != 1) out += std::string(2, '\0');
  return out + h + data;
}

TEST(NpyTest, RoundTripsEveryDtypeShapeOrderAndEndianness) {
  const std::vector<std::vector<std::size_t>> shapes = {{5, 7}, {3, 5, 7}, {2, 3, 4, 5}};
  for (const auto& shape : shapes)
    for (const std::string dtype : {"f4", "f2", "f8", "u1"})
      for (bool fortran : {false, true})
        for (bool big : {false, true}) {
          std::size_t n = 1;
          for (auto d : shape) n *= d;
          std::vector<float> v(n);
          for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>((i * 37) % 251);
          const std::string path = tmp("rt.npy");
          write_npy(path, shape, v, dtype, fortran, big);
          const NpyArray a = read_npy(path);
          SCOPED_TRACE(dtype + (fortran ? " F" : " C") + (big ? " BE" : " LE") + " dims " +
                       std::to_string(shape.size()));
          EXPECT_EQ(a.shape, shape);
          EXPECT_EQ(a.fortran_order, fortran);
          ASSERT_EQ(a.is_uint8, dtype == "u1");
          for (std::size_t i = 0; i < n; ++i) {
            const float got = a.is_uint8 ? a.u8[i] : a.f32[i];
            ASSERT_EQ(got, v[i]) << i;  // integers < 256 are exact in every dtype
          }
        }
}

TEST(NpyTest, HalfConversionIsExactOnRepresentableValues) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.9604644775390625e-08f})
    EXPECT_EQ(half_to_float(float_to_half(f)), f) << f;
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(1e6f))));
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(std::nanf("")))));
}

// Made by scripts/make_npy_fixture.py with NumPy: float16, big-endian, Fortran order.
TEST(NpyTest, NumpyFixtureDecodesToItsPeaks) {
  auto src = make_npy_source(PEAKSCOPE_ASSETS "/fixtures/stack_f16_fortran_be.npy");
  EXPECT_EQ(src->frame_count(), 2);
  for (int n = 0; n < 2; ++n) {
    std::optional<Frame> f = src->next();
    ASSERT_TRUE(f);
    ASSERT_EQ(f->heatmap.channels(), 3);
    EXPECT_EQ(f->heatmap.width(), 32);
    EXPECT_EQ(f->heatmap.height(), 24);
    for (int k = 0; k < 3; ++k) {
      const Keypoint kp = reference::decode(f->heatmap.view(), k, {100.0, false});
      EXPECT_EQ(kp.argmax_x, 4 + 5 * k + 3 * n);
      EXPECT_EQ(kp.argmax_y, 3 + 4 * k + 2 * n);
      EXPECT_NEAR(kp.soft_x, 4 + 5 * k + 3 * n, 1e-3);
    }
  }
  EXPECT_FALSE(src->next());
}

void expect_bad(const std::string& name, const std::string& bytes, const std::string& needle) {
  const std::string path = tmp(name);
  write_bytes(path, bytes);
  try {
    read_npy(path);
    ADD_FAILURE() << name << ": no error";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;  // names the file
    EXPECT_NE(msg.find(needle), std::string::npos) << name << ": " << msg;
  }
}

TEST(NpyTest, BadFilesGetClearMessages) {
  const std::string ok_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
  const std::string data16(16, '\0');
  expect_bad("magic.npy", "PK\x03\x04 not numpy at all", "bad magic");
  expect_bad("empty.npy", "", "bad magic");
  expect_bad("version.npy", header_file(ok_dict, data16, 9), "version 9");
  expect_bad("truncated.npy", header_file(ok_dict, data16.substr(0, 9)), "truncated");
  expect_bad("trailing.npy", header_file(ok_dict, data16 + "xx"), "trailing");
  expect_bad("dtype.npy",
             header_file("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", data16),
             "unsupported dtype");
  expect_bad("complex.npy",
             header_file("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2), }", data16),
             "unsupported dtype");
  expect_bad("overflow.npy",
             header_file("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, "
                         "4294967296, 4294967296), }",
                         data16),
             "overflows");
  expect_bad("mismatch.npy",
             header_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }", data16),
             "need 36");
  expect_bad("missing.npy", header_file("{'descr': '<f4', 'shape': (2, 2), }", data16), "lacks");
  expect_bad(
      "unknown.npy",
      header_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", data16),
      "unknown header field");
  expect_bad("order.npy",
             header_file("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 2), }", data16),
             "True or False");
  expect_bad("shape.npy",
             header_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }", data16),
             "shape");
  expect_bad("header.npy", std::string("\x93NUMPY\x01\x00\xff\x7f{", 11), "truncated header");
  expect_bad("v2.npy", header_file(ok_dict, data16 + "x", 2), "trailing");
}

TEST(NpyTest, SourceRejectsBadShapes) {
  write_npy(tmp("5d.npy"), {1, 1, 1, 2, 2}, std::vector<float>(4, 0), "f4");
  EXPECT_THROW(make_npy_source(tmp("5d.npy")), SourceError);
  write_npy(tmp("1d.npy"), {4}, std::vector<float>(4, 0), "f4");
  EXPECT_THROW(make_npy_source(tmp("1d.npy")), SourceError);
  write_npy(tmp("zero.npy"), {0, 4}, {}, "f4");
  try {
    make_npy_source(tmp("zero.npy"));
    ADD_FAILURE();
  } catch (const SourceError& e) {
    EXPECT_NE(std::string(e.what()).find("zero dimension"), std::string::npos);
  }
  EXPECT_THROW(open_source(tmp("does_not_exist.npy")), SourceError);
}

TEST(NpyTest, FourDimensionalStackGivesFrames) {
  std::vector<float> v(3 * 2 * 4 * 5, 0.0f);
  for (int n = 0; n < 3; ++n)
    for (int k = 0; k < 2; ++k) v[((n * 2 + k) * 4 + (n + k) % 4) * 5 + (2 * n + k) % 5] = 1.0f;
  write_npy(tmp("4d.npy"), {3, 2, 4, 5}, v, "f8", true, true);
  auto src = open_source(tmp("4d.npy"));
  for (int n = 0; n < 3; ++n) {
    auto f = src->next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->index, n);
    for (int k = 0; k < 2; ++k) {
      const Keypoint kp = reference::decode(f->heatmap.view(), k, {1.0, false});
      EXPECT_EQ(kp.argmax_x, (2 * n + k) % 5);
      EXPECT_EQ(kp.argmax_y, (n + k) % 4);
    }
  }
  EXPECT_FALSE(src->next());
}

}  // namespace
}  // namespace peakscope::io
