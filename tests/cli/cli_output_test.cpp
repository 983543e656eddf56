// peakscope-cli --out on each kind of target, end to end: a FIFO with a reader gets the
// document and stays a FIFO, a symlink's target is written and the link stays (a dangling
// link's target created), a link into /proc (what /dev/stdout is) writes the open file, "-"
// is stdout, and the PNGs of a sweep go through the same writer.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/cli/cli_process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace peakscope::testing;

const char* kDecode = "decode synthetic --frames 2 --backend cpu";

TEST(CliOutputTest, FifoWithAReaderGetsTheJsonAndStaysAFifo) {
  const fs::path d = cli_test_dir("cliout"), fifo = d / "out.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = slurp(fifo); });
  const CliResult r = run_cli(d, std::string(kDecode) + " --out out.fifo");
  reader.join();
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(got)["frames_decoded"], 2);
  struct stat st;
  ASSERT_EQ(lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_TRUE(temporaries_in(d).empty());
}

TEST(CliOutputTest, SymlinkTargetIsWrittenAndTheLinkStays) {
  const fs::path d = cli_test_dir("cliout");
  fs::create_directories(d / "dotfiles");
  std::ofstream(d / "dotfiles" / "target.json") << "old";
  fs::create_symlink("dotfiles/target.json", d / "link.json");
  const CliResult r = run_cli(d, std::string(kDecode) + " --out link.json");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(d / "link.json"));
  EXPECT_EQ(nlohmann::json::parse(slurp(d / "dotfiles" / "target.json"))["frames_decoded"], 2);
}

TEST(CliOutputTest, DanglingSymlinkGetsItsTargetCreated) {
  const fs::path d = cli_test_dir("cliout");
  fs::create_symlink("made.json", d / "link.json");
  const CliResult r = run_cli(d, std::string(kDecode) + " --out link.json");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(d / "link.json"));
  EXPECT_EQ(nlohmann::json::parse(slurp(d / "made.json"))["frames_decoded"], 2);
}

// What `--out /dev/stdout` does, without touching /dev: a link of the test's own to
// /proc/self/fd/1. The JSON reaches stdout and the link stays a link.
TEST(CliOutputTest, LinkToOwnStdoutWritesStdout) {
  const fs::path d = cli_test_dir("cliout");
  fs::create_symlink("/proc/self/fd/1", d / "stdout_link");
  const CliResult r = run_cli(d, std::string(kDecode) + " --out stdout_link");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["frames_decoded"], 2);
  EXPECT_TRUE(fs::is_symlink(d / "stdout_link"));
}

TEST(CliOutputTest, DashIsStdout) {
  const fs::path d = cli_test_dir("cliout");
  const CliResult r = run_cli(d, std::string(kDecode) + " --out -");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["frames_decoded"], 2);
  EXPECT_FALSE(fs::exists(d / "-"));
}

TEST(CliOutputTest, AccuracyJsonThroughASymlink) {
  const fs::path d = cli_test_dir("cliout");
  fs::create_symlink("real.json", d / "acc.json");
  const CliResult r = run_cli(d,
                              "accuracy --peaks 5 --sizes 32x32 --sigmas 2 --noises 0 "
                              "--decoders argmax --json acc.json");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(d / "acc.json"));
  EXPECT_EQ(nlohmann::json::parse(slurp(d / "real.json"))["command"], "accuracy");
}

TEST(CliOutputTest, UnwritableOutNamesThePathAndReason) {
  const fs::path d = cli_test_dir("cliout");
  std::ofstream(d / "plain") << "a file";
  // A path under a regular file fails for root too (ENOTDIR), unlike permission bits.
  const CliResult r = run_cli(d, std::string(kDecode) + " --out plain/out.json");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("plain/out.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Not a directory"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(d / "plain"), "a file");
}

}  // namespace
