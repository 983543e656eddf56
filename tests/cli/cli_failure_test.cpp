// peakscope-cli when things go wrong: nothing half-written, one line naming the file, the
// documented exit codes (1 bad input, 2 usage, 130 SIGINT), --allow-truncated, and the
// JSON's record of dtype, narrowing and backend.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "core/io/npy.hpp"
#include "tests/support/npy_bytes.hpp"
#include "tests/support/run.hpp"
#include "tests/support/temp.hpp"

namespace {

namespace fs = std::filesystem;

// A folder of this test's own (ctest runs tests in parallel).
fs::path test_dir() {
  const fs::path d = peakscope::testing::temp_path(
      "clifail_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  fs::create_directories(d);
  return d;
}

using peakscope::testing::slurp;

struct CliRun {
  int code = -1;
  std::string out, err;
};

// Runs the CLI with `args`, capturing stdout and stderr.
CliRun cli(const std::string& args) {
  const fs::path d = test_dir();
  const fs::path o = d / "stdout.txt", e = d / "stderr.txt";
  const int s = std::system(
      (std::string(PEAKSCOPE_CLI) + " " + args + " > " + o.string() + " 2> " + e.string()).c_str());
  CliRun r;
  r.code = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
  r.out = slurp(o);
  r.err = slurp(e);
  return r;
}

int lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// An MJPG AVI of `frames` frames whose second half is cut off: its header still declares
// all of them.
fs::path truncated_video(int frames) {
  const fs::path p = test_dir() / "cut.avi";
  {
    cv::VideoWriter vw(p.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10,
                       cv::Size(64, 48));
    EXPECT_TRUE(vw.isOpened());
    for (int t = 0; t < frames; ++t) {
      cv::Mat img(48, 64, CV_8UC3, cv::Scalar(10, 10, 10));
      cv::circle(img, cv::Point(5 + t, 20), 3, cv::Scalar(255, 255, 255), cv::FILLED);
      cv::randn(img(cv::Rect(40, 30, 20, 15)), 128, 60);  // noise: frames of realistic size
      vw.write(img);
    }
  }
  fs::resize_file(p, fs::file_size(p) / 2);
  return p;
}

TEST(CliFailureTest, ShortVideoFailsUnlessAllowedAndKeepsOut) {
  const fs::path video = truncated_video(40);
  const fs::path out = test_dir() / "out.json";
  std::ofstream(out) << "previous";
  CliRun r = cli("decode " + video.string() + " --backend cpu --out " + out.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(slurp(out), "previous") << "an existing --out is kept on failure";
  EXPECT_NE(r.err.find("cut.avi: stopped after "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" of 40 frames"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.find("FFMPEG"), std::string::npos) << "FFmpeg's own messages are silenced";

  // stdout: a complete document carrying the error.
  r = cli("decode " + video.string() + " --backend cpu");
  EXPECT_EQ(r.code, 1);
  const auto j = nlohmann::json::parse(r.out);  // complete, valid JSON
  EXPECT_NE(j.value("error", "").find("stopped after"), std::string::npos) << r.out;
  EXPECT_GT(j["frames"].size(), 5u);
  EXPECT_LT(j["frames"].size(), 40u);
  EXPECT_EQ(j["frames_decoded"], j["frames"].size());

  // CSV on stdout: nothing but the error line on stderr.
  r = cli("decode " + video.string() + " --backend cpu --format csv");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");

  // --allow-truncated: the frames that decode, the shortfall on stderr and in the JSON.
  r = cli("decode " + video.string() + " --backend cpu --allow-truncated --out " + out.string());
  EXPECT_EQ(r.code, 0) << r.err;
  const auto k = nlohmann::json::parse(slurp(out));
  EXPECT_NE(k.value("stopped", "").find(" of 40 frames"), std::string::npos);
  EXPECT_FALSE(k.contains("error"));
  EXPECT_NE(r.err.find("stopped after"), std::string::npos);
  for (const auto& e : fs::directory_iterator(test_dir()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST(CliFailureTest, CorruptImageInAFolderKeepsOutAndNamesTheFile) {
  const fs::path dir = test_dir() / "frames";
  fs::create_directories(dir);
  ASSERT_TRUE(cv::imwrite((dir / "a.png").string(), cv::Mat(8, 8, CV_8U, cv::Scalar(3))));
  std::ofstream(dir / "b.png") << "this is not a png";
  const fs::path out = test_dir() / "out.csv";
  std::ofstream(out) << "old";
  CliRun r = cli("decode " + dir.string() + " --backend cpu --format csv --out " + out.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(slurp(out), "old");
  EXPECT_NE(r.err.find("b.png"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("left unchanged"), std::string::npos) << r.err;
  r = cli("decode " + dir.string() + " --backend cpu");
  EXPECT_EQ(r.code, 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["frames"].size(), 1u);
  EXPECT_NE(j.value("error", "").find("b.png"), std::string::npos);
}

TEST(CliFailureTest, SigintExits130AndKeepsOut) {
  const fs::path out = test_dir() / "out.json";
  std::ofstream(out) << "before";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    const std::string o = out.string();
    execl(PEAKSCOPE_CLI, PEAKSCOPE_CLI, "decode", "synthetic", "--frames", "100000000", "--backend",
          "cpu", "--out", o.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the temporary file exists: the command is decoding.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool started = false;
  while (!started && std::chrono::steady_clock::now() < deadline) {
    for (const auto& e : fs::directory_iterator(test_dir()))
      if (e.path().filename().string().find(".tmp-") != std::string::npos) started = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(started);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_EQ(slurp(out), "before");
  for (const auto& e : fs::directory_iterator(test_dir()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST(CliFailureTest, NpyThatIsADirectoryOrADeviceNamesIt) {
  const fs::path d = test_dir() / "maps.npy";
  fs::create_directories(d);
  CliRun r = cli("decode " + d.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("maps.npy: is a directory"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err), 1);

  const fs::path z = test_dir() / "zero.npy";
  fs::remove(z);
  fs::create_symlink("/dev/zero", z);
  r = cli("decode " + z.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("zero.npy: not a .npy file"), std::string::npos) << r.err;
}

// A FIFO whose writer sends a valid 4 x 4 header and data, then never stops: the reader
// stops one byte after the declared size.
TEST(CliFailureTest, EndlessFifoIsBoundedByTheHeader) {
  const fs::path src = test_dir() / "small.npy", fifo = test_dir() / "pipe.npy";
  peakscope::io::write_npy(src.string(), {4, 4}, std::vector<float>(16, 1.f), "f4");
  const std::string bytes = slurp(src);
  fs::remove(fifo);
  ASSERT_EQ(mkfifo(fifo.string().c_str(), 0600), 0);
  signal(SIGPIPE, SIG_IGN);  // the writer learns the reader left through EPIPE
  std::thread writer([&] {
    const int fd = open(fifo.string().c_str(), O_WRONLY);
    if (fd < 0) return;
    if (write(fd, bytes.data(), bytes.size()) < 0) {
      close(fd);
      return;
    }
    const std::string junk(1 << 16, 'x');
    for (int i = 0; i < 100000; ++i)  // up to 6.5 GB unless the reader stops
      if (write(fd, junk.data(), junk.size()) < 0) break;
    close(fd);
  });
  const CliRun r = cli("decode " + fifo.string());
  writer.join();
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("pipe.npy: data is more than"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("trailing bytes"), std::string::npos) << r.err;
}

TEST(CliFailureTest, Float64IsNarrowedAndSaysSo) {
  const fs::path p = test_dir() / "f8.npy";
  // [1, 1 + 1e-12]: NumPy's argmax is 1; in float32 both are 1.0, so the argmax is 0.
  {
    // write_npy takes floats: the float64 bytes are written by hand.
    const std::string out = peakscope::testing::f8_npy_bytes({1.0, 1.0 + 1e-12, 1e301}, 1, 3);
    std::ofstream(p, std::ios::binary) << out;
  }
  const CliRun r = cli("decode " + p.string() + " --backend cpu --normalize none --beta 1");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["input_dtype"], "float64");
  EXPECT_EQ(j["narrowed"], true);
  EXPECT_NE(j.value("warning", "").find("1 float64 value(s) beyond float32's range"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("f8.npy: 1 float64 value(s)"), std::string::npos) << r.err;
  // float16 widens exactly: not narrowed.
  const CliRun h = cli("decode " + std::string(PEAKSCOPE_ASSETS) +
                       "/fixtures/stack_f16_fortran_be.npy --backend cpu");
  const auto hj = nlohmann::json::parse(h.out);
  EXPECT_EQ(hj["input_dtype"], "float16");
  EXPECT_EQ(hj["narrowed"], false);
}

TEST(CliFailureTest, BackendIsRecordedPerFrame) {
  const CliRun r = cli("decode synthetic --frames 3 --backend cpu");
  ASSERT_EQ(r.code, 0);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["backend_requested"], "cpu");
  EXPECT_EQ(j["backend"], "cpu");
  for (const auto& f : j["frames"]) EXPECT_EQ(f["backend"], "cpu");
  // gpu forces the GL path (llvmpipe is enough): every frame on the GPU, no fallback.
  const CliRun g = cli("decode synthetic --frames 2 --backend gpu");
  ASSERT_EQ(g.code, 0) << g.err;
  const auto gj = nlohmann::json::parse(g.out);
  EXPECT_EQ(gj["backend_requested"], "gpu");
  EXPECT_EQ(gj["backend"], "gpu") << g.err;
  EXPECT_FALSE(gj.contains("fallback_reason")) << g.out;
  ASSERT_EQ(gj["frames"].size(), 2u);
  for (const auto& f : gj["frames"]) EXPECT_EQ(f["backend"], "gpu");
  // A GPU asked for but not given: each frame says cpu, and the document says why.
  setenv("PEAKSCOPE_BACKEND", "cpu", 1);
  const CliRun f = cli("decode synthetic --frames 2 --backend gpu");
  unsetenv("PEAKSCOPE_BACKEND");
  ASSERT_EQ(f.code, 0) << f.err;
  const auto fj = nlohmann::json::parse(f.out);
  EXPECT_EQ(fj["backend"], "cpu");
  for (const auto& fr : fj["frames"]) EXPECT_EQ(fr["backend"], "cpu");
  EXPECT_NE(fj.value("fallback_reason", "").find("PEAKSCOPE_BACKEND=cpu"), std::string::npos)
      << f.out;
}

// The all-NaN map: JSON and CSV give the same numbers (argmax at the grid centre, 1.5), its
// NaN argmax value spelt "nan" in both (the JSON's string; never null).
TEST(CliFailureTest, JsonAndCsvAgreeOnAnAllNanMap) {
  const fs::path p = test_dir() / "nan.npy";
  peakscope::io::write_npy(p.string(), {4, 5}, std::vector<float>(20, std::nanf("")), "f4");
  const CliRun j = cli("decode " + p.string() + " --backend cpu");
  const CliRun c = cli("decode " + p.string() + " --backend cpu --format csv");
  ASSERT_EQ(j.code, 0);
  ASSERT_EQ(c.code, 0);
  const auto ch = nlohmann::json::parse(j.out)["frames"][0]["channels"][0];
  EXPECT_EQ(ch["argmax"]["x"], 2.0);
  EXPECT_EQ(ch["argmax"]["y"], 1.5);
  EXPECT_EQ(ch["valid"], false);
  EXPECT_EQ(ch["argmax"]["value"], "nan");
  EXPECT_FALSE(ch.contains("effective_beta"));  // no valid pixel: beta as given
  std::stringstream csv(c.out);
  std::string head, row;
  std::getline(csv, head);
  std::getline(csv, row);
  EXPECT_EQ(head,
            "frame,channel,argmax_x,argmax_y,argmax_value,softargmax_x,softargmax_y,peak_"
            "probability,valid,effective_beta");
  EXPECT_EQ(row, "0,0,2.0,1.5,nan,2.0,1.5,0.0,0,100.0");
}

// Model outputs: the CSV has the frame-pixel columns the JSON has.
TEST(CliFailureTest, CsvHasSoftargmaxImageColumnsForModels) {
  cv::Mat img(96, 128, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::circle(img, cv::Point(20, 30), 4, cv::Scalar(0, 0, 255), cv::FILLED);
  const fs::path p = test_dir() / "dots.png";
  ASSERT_TRUE(cv::imwrite(p.string(), img));
  const std::string args = "decode " + p.string() + " --backend cpu --model " +
                           std::string(PEAKSCOPE_ASSETS) +
                           "/models/tiny_heatmaps.onnx --model-size 64x64";
  const CliRun j = cli(args);
  const CliRun c = cli(args + " --format csv");
  ASSERT_EQ(j.code, 0) << j.err;
  ASSERT_EQ(c.code, 0) << c.err;
  const auto jj = nlohmann::json::parse(j.out);
  std::stringstream csv(c.out);
  std::string head, row;
  std::getline(csv, head);
  EXPECT_NE(head.find(",softargmax_image_x,softargmax_image_y"), std::string::npos) << head;
  std::getline(csv, row);
  const double x = jj["frames"][0]["channels"][0]["softargmax_image"]["x"];
  auto cells = [](const std::string& line) {
    std::vector<std::string> v;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) v.push_back(cell);
    return v;
  };
  const auto names = cells(head), values = cells(row);
  const auto at = std::find(names.begin(), names.end(), "softargmax_image_x");
  ASSERT_NE(at, names.end());
  EXPECT_DOUBLE_EQ(std::stod(values[at - names.begin()]), x);
  EXPECT_NEAR(x, 20, 1.5);
}

}  // namespace
