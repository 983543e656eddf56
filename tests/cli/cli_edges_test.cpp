// peakscope-cli at its rough edges: a mistyped subcommand or flag named with the nearest one,
// the engine's reason said once and only where it matters, and --auto-beta's warnings.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/io/npy.hpp"
#include "tests/cli/cli_process.hpp"

namespace {

namespace fs = std::filesystem;
using peakscope::testing::cli_test_dir;
using peakscope::testing::CliResult;

// Runs the CLI in `dir` with `env` (VAR=value words) set, capturing stdout and stderr.
CliResult run_cli(const fs::path& dir, const std::string& args, const std::string& env = "") {
  const fs::path o = dir / "out.txt", e = dir / "err.txt";
  CliResult r;
  r.code = peakscope::testing::run_exit_code("cd '" + dir.string() + "' && " + env + " " +
                                             PEAKSCOPE_CLI + " " + args + " > '" + o.string() +
                                             "' 2> '" + e.string() + "'");
  r.out = peakscope::testing::slurp(o);
  r.err = peakscope::testing::slurp(e);
  return r;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(CliEdgesTest, UnknownNamesGetTheNearestKnownOne) {
  const fs::path d = cli_test_dir("edges");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"decoed synthetic", "unknown subcommand 'decoed'; did you mean 'decode'?"},
      {"swep synthetic --out x", "unknown subcommand 'swep'; did you mean 'sweep'?"},
      {"frobnicate",
       "unknown subcommand 'frobnicate'; expected demo, decode, sweep, accuracy or evaluate"},
      {"", "a subcommand is required: demo, decode, sweep, accuracy or evaluate"},
      {"decode synthetic --betta 3", "unknown flag '--betta'; did you mean '--beta'?"},
      {"decode synthetic --betta=3", "unknown flag '--betta'; did you mean '--beta'?"},
      {"decode synthetic --normalise none",
       "unknown flag '--normalise'; did you mean '--normalize'?"},
      {"decode synthetic --max-frame 2",
       "unknown flag '--max-frame'; did you mean '--max-frames'?"},
      {"sweep synthetic --out o --max 3", "unknown flag '--max'; did you mean '--max-frames'?"},
      {"accuracy --peak 5", "unknown flag '--peak'; did you mean '--peaks'?"},
      {"evalute x", "unknown subcommand 'evalute'; did you mean 'evaluate'?"},
      {"decode synthetic --zzzzzz", "unknown flag '--zzzzzz'; 'decode --help' lists the flags"},
  };
  for (const auto& [args, message] : cases) {
    const CliResult r = run_cli(d, args);
    EXPECT_EQ(r.code, 2) << args;
    EXPECT_EQ(r.err, "peakscope-cli: " + message + "\nRun with --help for more information.\n")
        << args;
    EXPECT_TRUE(r.out.empty()) << args;
  }
  // What is not a typo keeps CLI11's own message.
  const CliResult v = run_cli(d, "decode synthetic --beta abc");
  EXPECT_EQ(v.code, 2);
  EXPECT_NE(v.err.find("--beta"), std::string::npos) << v.err;
  EXPECT_EQ(v.err.find("unknown"), std::string::npos) << v.err;
  fs::remove_all(d);
}

// --backend auto says nothing about its choice unless -v; a GPU asked for and not given is
// said once.
TEST(CliEdgesTest, EngineReasonOnlyWhenItMatters) {
  const fs::path d = cli_test_dir("edges");
  const CliResult quiet = run_cli(d, "decode synthetic --frames 2");
  ASSERT_EQ(quiet.code, 0) << quiet.err;
  EXPECT_EQ(quiet.err.find("peakscope: "), std::string::npos) << quiet.err;
  EXPECT_EQ(quiet.err.find("rasteriser"), std::string::npos) << quiet.err;
  // The JSON still names the engine of every frame.
  const auto doc = nlohmann::json::parse(quiet.out);
  EXPECT_TRUE(doc.contains("backend"));
  const CliResult verbose = run_cli(d, "decode synthetic --frames 2 -v");
  ASSERT_EQ(verbose.code, 0) << verbose.err;
  // Whatever this machine has (no EGL, a software rasteriser, a GPU timed against the CPU),
  // the choice is said.
  EXPECT_NE(verbose.err.find("peakscope: "), std::string::npos) << verbose.err;
  const CliResult env =
      run_cli(d, "decode synthetic --frames 2 --backend gpu", "PEAKSCOPE_BACKEND=cpu");
  ASSERT_EQ(env.code, 0) << env.err;
  EXPECT_EQ(count(env.err, "PEAKSCOPE_BACKEND=cpu is set"), 1u) << env.err;
  const CliResult sweep = run_cli(d, "sweep synthetic --betas 10 --out s");
  ASSERT_EQ(sweep.code, 0) << sweep.err;
  EXPECT_EQ(sweep.err.find("peakscope: "), std::string::npos) << sweep.err;
  fs::remove_all(d);
}

// --auto-beta: no ground truth at all is an error that says how to give some; a tune on fewer
// than 10 keypoints warns with the count (stderr and auto_beta.json).
TEST(CliEdgesTest, AutoBetaWarnsWhereItHasLittleToGoOn) {
  const fs::path d = cli_test_dir("edges");
  const std::string p = (d / "maps.npy").string();
  peakscope::io::write_npy(p, {2, 5, 6}, std::vector<float>(60, 0.5f), "f4");
  const CliResult none = run_cli(d, "sweep " + p + " --betas 10 --auto-beta --out a");
  EXPECT_EQ(none.code, 1);
  EXPECT_NE(
      none.err.find(p + ": auto-beta needs ground truth: none of the 1 frame(s) read has any"),
      std::string::npos)
      << none.err;
  EXPECT_NE(none.err.find("--ground-truth FILE"), std::string::npos) << none.err;
  EXPECT_FALSE(fs::exists(d / "a"));

  const CliResult few =
      run_cli(d, "sweep synthetic --frames 1 --betas 10 --backend cpu --auto-beta --out b");
  ASSERT_EQ(few.code, 0) << few.err;
  const auto j = nlohmann::json::parse(peakscope::testing::slurp(d / "b" / "auto_beta.json"));
  const long samples = j["samples"].get<long>();
  ASSERT_LT(samples, 10);
  const std::string said = "auto-beta tuned on only " + std::to_string(samples) +
                           " keypoint(s) with ground truth (in 1 frame(s))";
  EXPECT_NE(few.err.find("peakscope-cli: warning: " + said), std::string::npos) << few.err;
  EXPECT_NE(j.value("warning", "").find(said), std::string::npos) << j.dump();

  const CliResult many =
      run_cli(d, "sweep synthetic --frames 10 --betas 10 --backend cpu --auto-beta --out c");
  ASSERT_EQ(many.code, 0) << many.err;
  const auto k = nlohmann::json::parse(peakscope::testing::slurp(d / "c" / "auto_beta.json"));
  EXPECT_GE(k["samples"].get<long>(), 10) << k.dump();
  EXPECT_FALSE(k.contains("warning"));
  EXPECT_EQ(many.err.find("warning"), std::string::npos) << many.err;
  fs::remove_all(d);
}

}  // namespace
