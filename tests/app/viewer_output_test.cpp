// The viewer's files and settings at their edges, without a window: the settings file through
// a symlink (a dotfiles folder) keeps its link; "channel" values too large for an int are
// named with the range instead of wrapping; a source that blocks (a FIFO with no writer)
// times out with a message instead of stalling the caller; a recording into a symlink or a
// FIFO goes through the one writer, and an abandoned one leaves no temporary file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <string>
#include <thread>

#include "app/viewer/recorder.hpp"
#include "app/viewer/settings.hpp"
#include "app/viewer/source_worker.hpp"
#include "tests/support/run.hpp"
#include "tests/support/temp.hpp"

namespace {

namespace fs = std::filesystem;
using namespace peakscope;
using namespace peakscope::viewer;
using peakscope::testing::slurp;

fs::path test_dir() {
  const fs::path d = peakscope::testing::temp_path(
      "vout_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

bool has_temporary(const fs::path& d) {
  for (const auto& e : fs::directory_iterator(d))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) return true;
  return false;
}

TEST(ViewerOutputTest, SettingsSymlinkStaysALink) {
  const fs::path d = test_dir();
  fs::create_directories(d / "dotfiles");
  std::ofstream(d / "dotfiles" / "viewer.json") << "{}";
  fs::create_symlink(d / "dotfiles" / "viewer.json", d / "viewer.json");
  Settings s;
  s.set_beta(42);
  save_settings((d / "viewer.json").string(), s);
  EXPECT_TRUE(fs::is_symlink(d / "viewer.json"));
  std::string warn;
  EXPECT_DOUBLE_EQ(load_settings((d / "dotfiles" / "viewer.json").string(), &warn).beta(), 42);
  EXPECT_TRUE(warn.empty()) << warn;
  EXPECT_FALSE(has_temporary(d / "dotfiles"));
}

TEST(ViewerOutputTest, ChannelOutOfIntRangeIsNamedNotWrapped) {
  const fs::path d = test_dir(), p = d / "viewer.json";
  for (const std::string v : {"1e10", "1e300", "-2", "2.5", "-1e300"}) {
    std::ofstream(p) << "{\"channel\": " << v << ", \"beta\": 7}";
    std::string warn;
    const Settings s = load_settings(p.string(), &warn);
    EXPECT_EQ(s.channel(), -1) << v;  // the default kept
    EXPECT_DOUBLE_EQ(s.beta(), 7);    // the other keys still apply
    EXPECT_NE(warn.find("channel must be a whole number from -1 (all) to 2147483647"),
              std::string::npos)
        << v << ": " << warn;
    EXPECT_EQ(warn.find("-2147483648"), std::string::npos) << warn;
  }
  std::ofstream(p) << "{\"channel\": 3}";
  std::string warn;
  EXPECT_EQ(load_settings(p.string(), &warn).channel(), 3);
  EXPECT_TRUE(warn.empty()) << warn;
}

TEST(ViewerOutputTest, BlockingSourceTimesOutWithAMessage) {
  const fs::path d = test_dir(), fifo = d / "stream.npy";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);  // nobody will ever write to it
  const auto t0 = std::chrono::steady_clock::now();
  try {
    open_source_within(fifo.string(), io::SourceOptions{}, 0.5);
    FAIL() << "a FIFO with no writer opened";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(fifo.string()), std::string::npos) << m;
    EXPECT_NE(m.find("did not open within 0.5 s"), std::string::npos) << m;
  }
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(waited, 5.0);
  // A source that opens comes back as usual within the time.
  EXPECT_NE(open_source_within("synthetic", io::SourceOptions{}, 5), nullptr);
}

TEST(ViewerOutputTest, WorkerReportsABlockingSourceAndKeepsRunning) {
  const fs::path d = test_dir(), fifo = d / "stream.npy";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  SourceWorker w(/*paced=*/false, 30, io::SourceOptions{}, /*open_timeout_s=*/0.3);
  w.open(fifo.string());
  std::string err;
  for (int i = 0; i < 100 && err.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    err = w.take_error();
  }
  EXPECT_NE(err.find("did not open within"), std::string::npos) << err;
  w.open("synthetic");  // the worker is free for the next source
  EXPECT_TRUE(w.take(10).has_value());
}

// The recording's container and codec follow the extension (any case); any other is refused
// before a file exists.
TEST(ViewerOutputTest, RecordingFormatFollowsTheExtension) {
  EXPECT_EQ(record_format("a.mp4").fourcc, cv::VideoWriter::fourcc('m', 'p', '4', 'v'));
  EXPECT_EQ(record_format("b/A.MP4").extension, ".mp4");
  EXPECT_EQ(record_format("c.avi").fourcc, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'));
  EXPECT_EQ(record_format("d.mkv").fourcc, cv::VideoWriter::fourcc('m', 'p', '4', 'v'));
  for (const std::string bad : {"x.webm", "x", "x.mp4.part"}) {
    try {
      record_format(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).rfind(bad + ": a recording is .mp4 (MPEG-4), .avi", 0), 0u)
          << e.what();
    }
  }
  const fs::path d = test_dir();
  Recorder r;
  EXPECT_THROW(r.start((d / "clip.webm").string(), 64, 48, 10), std::invalid_argument);
  EXPECT_TRUE(fs::is_empty(d));
  ASSERT_EQ(mkfifo((d / "pipe").c_str(), 0600), 0);  // no name to go by: MP4
  EXPECT_EQ(record_format((d / "pipe").string()).extension, ".mp4");
  fs::remove(d / "pipe");
  const cv::Mat grey(48, 64, CV_8UC3, cv::Scalar(90, 90, 90));
  for (const char* name : {"clip.avi", "clip.mkv", "clip.mp4"}) {
    r.start((d / name).string(), 64, 48, 10);
    for (int i = 0; i < 3; ++i) r.add(grey);
    r.stop();
    cv::VideoCapture in((d / name).string(), cv::CAP_FFMPEG);
    ASSERT_TRUE(in.isOpened()) << name;
    const int fourcc = static_cast<int>(in.get(cv::CAP_PROP_FOURCC));
    if (std::string(name) == "clip.avi") {
      EXPECT_EQ(fourcc, cv::VideoWriter::fourcc('M', 'J', 'P', 'G')) << name;
    }
    cv::Mat f;
    EXPECT_TRUE(in.read(f)) << name;
    EXPECT_EQ(f.cols, 64) << name;
  }
  // The container, not only the name: an .avi starts RIFF, an .mkv with EBML's magic.
  EXPECT_EQ(slurp(d / "clip.avi").substr(0, 4), "RIFF");
  EXPECT_EQ(slurp(d / "clip.mkv").substr(0, 4), "\x1a\x45\xdf\xa3");
  EXPECT_EQ(slurp(d / "clip.mp4").substr(4, 4), "ftyp");
}

TEST(ViewerOutputTest, RecordingThroughASymlinkAndIntoAFifo) {
  const fs::path d = test_dir();
  const cv::Mat black(48, 64, CV_8UC3, cv::Scalar(0, 0, 0));
  fs::create_symlink("clips/real.mp4", d / "clip.mp4");
  fs::create_directories(d / "clips");
  {
    Recorder r;
    r.start((d / "clip.mp4").string(), 64, 48, 10);
    for (int i = 0; i < 3; ++i) r.add(black);
    EXPECT_TRUE(has_temporary(d / "clips")) << "the recording is written beside its target";
    EXPECT_FALSE(fs::exists(d / "clips" / "real.mp4"));
    r.stop();
  }
  EXPECT_TRUE(fs::is_symlink(d / "clip.mp4"));
  EXPECT_GT(fs::file_size(d / "clips" / "real.mp4"), 0u);
  const fs::path fifo = d / "clip.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = slurp(fifo); });
  {
    Recorder r;
    r.start(fifo.string(), 64, 48, 10);
    for (int i = 0; i < 3; ++i) r.add(black);
    r.stop();
  }
  reader.join();
  EXPECT_EQ(got.substr(4, 4), "ftyp");  // an MP4 came through the FIFO
  struct stat st;
  ASSERT_EQ(lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  {
    Recorder r;
    r.start((d / "dropped.mp4").string(), 64, 48, 10);
    r.add(black);
  }  // never stopped: nothing under the name, no temporary left
  EXPECT_FALSE(fs::exists(d / "dropped.mp4"));
  EXPECT_FALSE(has_temporary(d));
}

}  // namespace
