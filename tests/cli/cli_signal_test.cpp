// peakscope-cli and each signal it handles (SIGINT, SIGTERM, SIGHUP, SIGPIPE) mid-run: exit
// 128 + N, a complete JSON document with "error" on stdout, --out left unchanged and no
// temporary file; a sweep leaves its folder as it was; a SIGKILL's temporary file is removed
// (and named) by the next run; a reader that goes away gives 141, not a crash or 1.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/cli/cli_process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace peakscope::testing;

struct Sig {
  int number;
  const char* name;
};

class CliSignalTest : public ::testing::TestWithParam<Sig> {};

// An endless-enough decode (it is stopped by the signal long before it ends).
std::vector<std::string> long_decode() {
  return {"decode", "synthetic", "--frames", "100000000", "--backend", "cpu"};
}

TEST_P(CliSignalTest, DecodeToStdoutEndsWithACompleteJsonAndItsCode) {
  const Sig s = GetParam();
  const fs::path d = cli_test_dir("clisig");
  const fs::path out = d / "stdout.json", err = d / "stderr.txt";
  const pid_t pid = start_cli(d, long_decode(), out.string(), err.string());
  // stdout is buffered and stderr no terminal: the sign that decoding has begun is the CPU
  // engine's worker threads (started after the command installs its signal handling; on a
  // one-core machine there are none, and 5 s stand in for them).
  const fs::path tasks = "/proc/" + std::to_string(pid) + "/task";
  wait_until(
      [&] {
        std::error_code ec;
        long n = 0;
        for (fs::directory_iterator it(tasks, ec), end; !ec && it != end; it.increment(ec)) ++n;
        return n >= 2;
      },
      5);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, s.number);
  EXPECT_EQ(wait_exit_code(pid), 128 + s.number);
  const nlohmann::json j = nlohmann::json::parse(slurp(out));  // complete: it parses
  EXPECT_NE(j.value("error", "").find(s.name), std::string::npos) << j.value("error", "");
  EXPECT_EQ(j["frames_decoded"].get<long>(), static_cast<long>(j["frames"].size()));
  EXPECT_NE(slurp(err).find(s.name), std::string::npos) << slurp(err);
}

TEST_P(CliSignalTest, DecodeWithOutLeavesTheTargetAndNoTemporary) {
  const Sig s = GetParam();
  const fs::path d = cli_test_dir("clisig");
  std::ofstream(d / "out.json") << "before";
  std::vector<std::string> args = long_decode();
  args.insert(args.end(), {"--out", "out.json"});
  const pid_t pid = start_cli(d, args);
  ASSERT_TRUE(wait_until([&] { return !temporaries_in(d).empty(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, s.number);
  EXPECT_EQ(wait_exit_code(pid), 128 + s.number);
  EXPECT_EQ(slurp(d / "out.json"), "before");
  EXPECT_TRUE(temporaries_in(d).empty());
}

TEST_P(CliSignalTest, SweepLeavesItsFolderAsItWas) {
  const Sig s = GetParam();
  const fs::path d = cli_test_dir("clisig"), sweep = d / "sweep";
  fs::create_directories(sweep);
  std::ofstream(sweep / "sweep.csv") << "old run";
  const pid_t pid = start_cli(d, {"sweep", "synthetic", "--frames", "100000", "--betas", "1",
                                  "--backend", "cpu", "--out", "sweep", "--overwrite"});
  // Sheets are being written into the folder built beside it.
  ASSERT_TRUE(wait_until([&] {
    for (const std::string& t : temporaries_in(d))
      for (const auto& e : fs::directory_iterator(d / t))
        if (e.path().extension() == ".png") return true;
    return false;
  }));
  kill(pid, s.number);
  EXPECT_EQ(wait_exit_code(pid), 128 + s.number);
  EXPECT_EQ(slurp(sweep / "sweep.csv"), "old run");
  long entries = 0;
  for (const auto& e : fs::directory_iterator(sweep)) entries += e.exists();
  EXPECT_EQ(entries, 1);
  EXPECT_TRUE(temporaries_in(d).empty());
}

INSTANTIATE_TEST_SUITE_P(EachSignal, CliSignalTest,
                         ::testing::Values(Sig{SIGINT, "SIGINT"}, Sig{SIGTERM, "SIGTERM"},
                                           Sig{SIGHUP, "SIGHUP"}, Sig{SIGPIPE, "SIGPIPE"}),
                         [](const auto& p) { return std::string(p.param.name); });

// SIGKILL cannot be handled: its temporary file stays, and the next run to the same target
// removes it and says so.
TEST(CliSignalKillTest, NextRunRemovesAndNamesTheKilledRunsTemporary) {
  const fs::path d = cli_test_dir("clisig");
  std::vector<std::string> args = long_decode();
  args.insert(args.end(), {"--out", "out.json"});
  const pid_t pid = start_cli(d, args);
  ASSERT_TRUE(wait_until([&] { return !temporaries_in(d).empty(); }));
  kill(pid, SIGKILL);
  wait_exit_code(pid);
  const std::vector<std::string> left = temporaries_in(d);
  ASSERT_EQ(left.size(), 1u);
  const CliResult r = run_cli(d, "decode synthetic --frames 1 --backend cpu --out out.json");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("removed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(left[0]), std::string::npos) << r.err;
  EXPECT_TRUE(temporaries_in(d).empty());
  EXPECT_EQ(nlohmann::json::parse(slurp(d / "out.json"))["frames_decoded"], 1);
}

// The reader of stdout went away before the document was written (`... | head -0`): the
// write raises SIGPIPE, handled: exit 141 with a message on stderr.
TEST(CliSignalPipeTest, ClosedStdoutExits141) {
  const fs::path d = cli_test_dir("clisig");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);  // no reader
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    const int e = open((d / "err.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(e, 2);
    execl(PEAKSCOPE_CLI, PEAKSCOPE_CLI, "decode", "synthetic", "--frames", "3", "--backend", "cpu",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  EXPECT_EQ(wait_exit_code(pid), 141);
  const std::string err = slurp(d / "err.txt");
  EXPECT_NE(err.find("stdout"), std::string::npos) << err;
  EXPECT_NE(err.find("SIGPIPE"), std::string::npos) << err;
}

}  // namespace
