// peakscope-cli decode with frames written straight into the engine's frame memory
// (Engine::acquire): the JSON is byte for byte the one of the host-frame path
// (PEAKSCOPE_HOST_FRAMES=1), on the CPU engine and on the GPU (in place and staged by DMA).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <random>

#include "core/io/npy.hpp"
#include "tests/support/run.hpp"
#include "tests/support/temp.hpp"

namespace {

namespace fs = std::filesystem;
using peakscope::testing::slurp;

std::string tmp(const std::string& n) {
  return peakscope::testing::temp_path("cliframes_" + n).string();
}

struct CliRun {
  int code = -1;
  std::string out, err;
};

CliRun cli(const std::string& env, const std::string& args, const std::string& tag) {
  const std::string o = tmp(tag + ".out"), e = tmp(tag + ".err");
  CliRun r;
  r.code = peakscope::testing::run_exit_code(env + " " + PEAKSCOPE_CLI + " " + args + " > " + o +
                                             " 2> " + e);
  r.out = slurp(o);
  r.err = slurp(e);
  return r;
}

// Gaussian peaks at known places plus noise, N x K x H x W.
std::vector<float> stack(std::size_t n, std::size_t k, std::size_t h, std::size_t w, bool u8) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> noise(0.0f, 0.05f);
  std::vector<float> v(n * k * h * w);
  for (std::size_t i = 0; i < n * k; ++i) {
    const double cx = 3 + (i * 7) % (w - 6), cy = 2 + (i * 5) % (h - 4);
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) {
        const double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        const float val = static_cast<float>(std::exp(-d2 / 8.0)) + noise(rng);
        v[(i * h + y) * w + x] = u8 ? std::round(val * 200.0f) : val;
      }
  }
  return v;
}

TEST(CliFramesTest, JsonUnchangedWhenFramesGoStraightIntoTheEngine) {
  struct Case {
    std::string name, dtype;
    std::vector<std::size_t> shape;
  };
  // 5 frames: more than the GPU's ring of 3 slots; widths not a multiple of 4.
  const std::vector<Case> cases = {{"f4", "f4", {5, 3, 21, 35}},
                                   {"u1", "u1", {5, 2, 33, 19}},
                                   {"f8", "f8", {4, 2, 17, 23}},
                                   {"f2be", "f2", {2, 48, 64}}};
  for (const Case& c : cases) {
    std::size_t n = 1;
    for (std::size_t d : c.shape) n *= d;
    const std::size_t frames = c.shape.size() == 4 ? c.shape[0] : 1;
    const std::size_t k = c.shape.size() == 4 ? c.shape[1] : c.shape[0];
    std::vector<float> v =
        stack(frames, k, c.shape[c.shape.size() - 2], c.shape.back(), c.dtype == "u1");
    ASSERT_EQ(v.size(), n);
    const std::string path = tmp(c.name + ".npy");
    peakscope::io::write_npy(path, c.shape, v, c.dtype, false, c.name == "f2be");
    for (const std::string backend : {"cpu", "gpu"})
      for (const std::string placement : {"", "PEAKSCOPE_GPU_PLACEMENT=copy"}) {
        if (backend == "cpu" && !placement.empty()) continue;
        SCOPED_TRACE(c.name + " " + backend + " " + placement);
        const std::string args = "decode " + path + " --backend " + backend + " --beta 30";
        const CliRun direct = cli(placement, args, "direct");
        const CliRun host = cli(placement + " PEAKSCOPE_HOST_FRAMES=1", args, "host");
        ASSERT_EQ(direct.code, 0) << direct.err;
        ASSERT_EQ(host.code, 0) << host.err;
        EXPECT_EQ(direct.out, host.out);
        const auto j = nlohmann::json::parse(direct.out);
        EXPECT_EQ(j["backend"], backend);
        EXPECT_EQ(j["frames_decoded"], frames);
        // CSV too: the same numbers spelt the same way.
        const CliRun dcsv = cli(placement, args + " --format csv", "dcsv");
        const CliRun hcsv =
            cli(placement + " PEAKSCOPE_HOST_FRAMES=1", args + " --format csv", "hcsv");
        EXPECT_EQ(dcsv.out, hcsv.out);
      }
  }
  // The decoding lab reads the frame through the engine, wherever it was written.
  for (const std::string backend : {"cpu", "gpu"}) {
    const std::string args =
        "decode " + tmp("u1.npy") + " --decoders all --format csv --backend " + backend;
    const CliRun direct = cli("", args, "lab_direct");
    const CliRun host = cli("PEAKSCOPE_HOST_FRAMES=1", args, "lab_host");
    ASSERT_EQ(direct.code, 0) << direct.err;
    EXPECT_EQ(direct.out, host.out) << backend;
    EXPECT_NE(direct.out.find("dark_x"), std::string::npos);
  }
  // The fixture (Fortran order, big-endian float16: read whole, then written into the engine).
  for (const std::string backend : {"cpu", "gpu"}) {
    const std::string args = "decode " + std::string(PEAKSCOPE_ASSETS) +
                             "/fixtures/stack_f16_fortran_be.npy --backend " + backend;
    const CliRun direct = cli("", args, "fixture_direct");
    const CliRun host = cli("PEAKSCOPE_HOST_FRAMES=1", args, "fixture_host");
    ASSERT_EQ(direct.code, 0) << direct.err;
    EXPECT_EQ(direct.out, host.out);
  }
}

TEST(CliFramesTest, SyntheticScenesTheSameEitherWay) {
  for (const std::string backend : {"cpu", "gpu"}) {
    const std::string args = "decode synthetic --frames 3 --backend " + backend;
    const CliRun direct = cli("", args, "syn_direct");
    const CliRun host = cli("PEAKSCOPE_HOST_FRAMES=1", args, "syn_host");
    ASSERT_EQ(direct.code, 0) << direct.err;
    EXPECT_EQ(direct.out, host.out) << backend;
    EXPECT_NE(direct.out.find("error_to_ground_truth"), std::string::npos);
  }
}

// Images (converted into the engine's memory) and a video (its capture transform writes
// there): the same JSON as with host frames.
TEST(CliFramesTest, ImagesAndVideoTheSameEitherWay) {
  const fs::path dir = tmp("imgdir");
  fs::create_directories(dir);
  const std::string video = tmp("clip.avi");
  {
    cv::VideoWriter vw(video, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, cv::Size(64, 48));
    ASSERT_TRUE(vw.isOpened());
    for (int t = 0; t < 4; ++t) {
      cv::Mat img(48, 64, CV_8UC3, cv::Scalar(10, 20, 30));
      cv::circle(img, cv::Point(8 + 5 * t, 20 + t), 5, cv::Scalar(0, 0, 255), cv::FILLED);
      vw.write(img);
      cv::Mat grey;
      cv::cvtColor(img, grey, cv::COLOR_BGR2GRAY);
      if (t % 2) grey.convertTo(grey, CV_16U, 200.0);  // 16-bit: float32 frames
      ASSERT_TRUE(cv::imwrite((dir / ("f" + std::to_string(t) + ".png")).string(), grey));
    }
  }
  for (const std::string& input : {dir.string(), video + " --transform intensity",
                                   video + " --transform motion", video + " --transform color"})
    for (const std::string backend : {"cpu", "gpu"}) {
      SCOPED_TRACE(input + " " + backend);
      const std::string args = "decode " + input + " --backend " + backend;
      const CliRun direct = cli("", args, "media_direct");
      const CliRun host = cli("PEAKSCOPE_HOST_FRAMES=1", args, "media_host");
      ASSERT_EQ(direct.code, 0) << direct.err;
      EXPECT_EQ(direct.out, host.out);
      EXPECT_EQ(nlohmann::json::parse(direct.out)["frames_decoded"], 4);
    }
}

TEST(CliFramesTest, TruncatedStackDecodesNothingAndSaysWhy) {
  const std::string ok = tmp("whole.npy");
  peakscope::io::write_npy(ok, {3, 2, 8, 8}, std::vector<float>(3 * 2 * 64, 0.5f), "f4");
  const std::string path = tmp("cut.npy");
  fs::copy_file(ok, path, fs::copy_options::overwrite_existing);
  fs::resize_file(path, fs::file_size(path) - 10);  // the last frame is short
  for (const std::string backend : {"cpu", "gpu"}) {
    const CliRun r = cli("", "decode " + path + " --backend " + backend, "cut_" + backend);
    // Found at open, before any frame: nothing decoded, nothing on stdout.
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("(truncated file)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("cut.npy: data is"), std::string::npos) << r.err;
  }
}

}  // namespace
