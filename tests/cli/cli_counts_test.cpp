// Counts and lists that mean what they say, and messages that name the value and the allowed
// range: --frames and --max-frames refuse -1, 0 and -5 (never "endless" or "all" by accident);
// duplicate betas are swept once; a sweep into a folder that is not empty is refused unless
// --overwrite, which then leaves only this run's files; accuracy --margin names its range;
// --coords image --udp puts the pixel of a 1-wide map at the centre of the input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/io/npy.hpp"
#include "tests/cli/cli_process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace peakscope::testing;

std::set<std::string> names_in(const fs::path& d) {
  std::set<std::string> s;
  for (const auto& e : fs::directory_iterator(d)) s.insert(e.path().filename().string());
  return s;
}

TEST(CliCountsTest, FramesRefusesNonPositiveCountsNamingTheRange) {
  const fs::path d = cli_test_dir("clicount");
  for (const std::string v : {"-1", "0", "-5", "2.5", "lots"}) {
    for (const std::string cmd : {"decode synthetic", "sweep synthetic --out s"}) {
      const CliResult r = run_cli(d, cmd + " --backend cpu --frames " + v);
      EXPECT_EQ(r.code, 2) << cmd << " --frames " << v;
      EXPECT_NE(r.err.find("--frames"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("'" + v + "'"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("from 1 to"), std::string::npos) << r.err;
      EXPECT_TRUE(r.out.empty());
    }
  }
  EXPECT_FALSE(fs::exists(d / "s"));
}

TEST(CliCountsTest, MaxFramesRefusesNonPositiveCountsAndTakesAll) {
  const fs::path d = cli_test_dir("clicount");
  for (const std::string v : {"-1", "0", "-5"}) {
    const CliResult r = run_cli(d,
                                "sweep synthetic --frames 2 --betas 1 --backend cpu --out s "
                                "--max-frames " +
                                    v);
    EXPECT_EQ(r.code, 2) << v;
    EXPECT_NE(r.err.find("--max-frames"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("'" + v + "'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("or 'all'"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(d / "s"));
  const CliResult all = run_cli(d,
                                "sweep synthetic --frames 2 --betas 1 --backend cpu --out s "
                                "--max-frames all");
  EXPECT_EQ(all.code, 0) << all.err;
  EXPECT_TRUE(fs::exists(d / "s" / "frame00001_grid.png"));
  const CliResult one = run_cli(d,
                                "sweep synthetic --frames 2 --betas 1 --backend cpu --out s1 "
                                "--max-frames 1");
  EXPECT_EQ(one.code, 0) << one.err;
  EXPECT_FALSE(fs::exists(d / "s1" / "frame00001_grid.png"));
}

// Seeds are unsigned: -1 used to wrap to 18446744073709551615 silently.
TEST(CliCountsTest, NegativeSeedsAreRefused) {
  const fs::path d = cli_test_dir("clicount");
  for (const std::string cmd :
       {"demo --out demo", "accuracy --peaks 2 --sizes 32x32", "decode synthetic --backend cpu"}) {
    const CliResult r = run_cli(d, cmd + " --seed -1");
    EXPECT_EQ(r.code, 2) << cmd;
    EXPECT_NE(r.err.find("--seed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("from 0 to 18446744073709551615, got '-1'"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(d / "demo"));
}

// --max-frames 0 --auto-beta used to report "no ground truth": the count is the problem.
TEST(CliCountsTest, MaxFramesZeroWithAutoBetaNamesTheCount) {
  const fs::path d = cli_test_dir("clicount");
  const CliResult r = run_cli(d,
                              "sweep synthetic --frames 2 --max-frames 0 --auto-beta "
                              "--backend cpu --out s");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--max-frames"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("ground truth"), std::string::npos) << r.err;
}

TEST(CliCountsTest, DuplicateBetasAreSweptOnceWithANote) {
  const fs::path d = cli_test_dir("clicount");
  const CliResult r = run_cli(d, "sweep synthetic --frames 1 --betas 1,1,1 --backend cpu --out s");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("--betas: 1 given 3 times"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 beta(s): 2 sheets"), std::string::npos) << r.err;
  EXPECT_EQ(names_in(d / "s"),
            (std::set<std::string>{"frame00000_beta1.png", "frame00000_grid.png", "sweep.csv"}));
  // The CSV has the rows of the one beta, as a sweep given it once.
  const CliResult once = run_cli(d, "sweep synthetic --frames 1 --betas 1 --backend cpu --out s1");
  EXPECT_EQ(once.code, 0) << once.err;
  EXPECT_EQ(slurp(d / "s" / "sweep.csv"), slurp(d / "s1" / "sweep.csv"));
}

TEST(CliCountsTest, BetasThatWouldShareASheetNameAreRefused) {
  const fs::path d = cli_test_dir("clicount");
  const CliResult r =
      run_cli(d, "sweep synthetic --frames 1 --betas 1.0000001,1.0000002 --backend cpu --out s");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("sheet name"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d / "s"));
}

TEST(CliCountsTest, SweepIntoAFolderThatIsNotEmptyNeedsOverwrite) {
  const fs::path d = cli_test_dir("clicount"), s = d / "s";
  fs::create_directories(s);
  std::ofstream(s / "sweep.csv") << "an older run";
  std::ofstream(s / "frame00007_beta3.png") << "an older sheet";
  const std::string args = "sweep synthetic --frames 1 --betas 2 --backend cpu --out s";
  const CliResult refused = run_cli(d, args);
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("not empty"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--overwrite"), std::string::npos) << refused.err;
  EXPECT_EQ(slurp(s / "sweep.csv"), "an older run");
  const CliResult replaced = run_cli(d, args + " --overwrite");
  EXPECT_EQ(replaced.code, 0) << replaced.err;
  EXPECT_EQ(names_in(s),
            (std::set<std::string>{"frame00000_beta2.png", "frame00000_grid.png", "sweep.csv"}));
  EXPECT_TRUE(temporaries_in(d).empty());
}

// A sweep that fails part-way (the channel is checked on the first frame) leaves nothing: not
// a folder of sheets without sweep.csv, nor a new folder.
TEST(CliCountsTest, FailedSweepWritesNothing) {
  const fs::path d = cli_test_dir("clicount");
  const CliResult r =
      run_cli(d, "sweep synthetic --frames 1 --betas 1 --channel 9 --backend cpu --out s");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--channel 9 out of range: the input has 1 channel(s), 0 to 0"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(d / "s"));
  EXPECT_TRUE(temporaries_in(d).empty());
}

TEST(CliCountsTest, AccuracyMarginNamesItsRange) {
  const fs::path d = cli_test_dir("clicount");
  for (const std::string m : {"-5", "24", "nan"}) {
    const CliResult r = run_cli(d, "accuracy --peaks 5 --sizes 64x48 --margin " + m);
    EXPECT_EQ(r.code, 2) << m;
    EXPECT_NE(r.err.find("--margin must be >= 0 and below 23.5 for --sizes 64x48"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("leaves no room"), std::string::npos) << r.err;
  }
}

TEST(CliCountsTest, AccuracyMergesRepeatedValues) {
  const fs::path d = cli_test_dir("clicount");
  const CliResult r = run_cli(d,
                              "accuracy --peaks 5 --sizes 32x32,32x32 --sigmas 2,2 --noises 0 "
                              "--decoders softargmax --betas 10,10 --format json");
  EXPECT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["cells"].size(), 1u);
  EXPECT_EQ(j["cells"][0]["decoders"].size(), 2u);  // b=10 and auto
  EXPECT_NE(r.err.find("--betas: 10 given 2 times"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--sizes: 32x32 given more than once"), std::string::npos) << r.err;
}

// A 1-wide map: UDP has no span to scale and puts the one pixel at the centre of the input,
// (9 - 1) / 2 = 4; without --udp the formula gives 0 (docs/lab.md).
TEST(CliCountsTest, UdpOnAOneWideMapGivesTheCentre) {
  const fs::path d = cli_test_dir("clicount");
  std::vector<float> v(5, 0.f);
  v[2] = 1.f;  // a 1 x 5 column with its peak at row 2
  peakscope::io::write_npy((d / "col.npy").string(), {5, 1}, v, "f4");
  auto x_of = [&](const std::string& flags) {
    const CliResult r = run_cli(d,
                                "decode col.npy --backend cpu --decoders argmax --coords image "
                                "--input-size 9x20 " +
                                    flags);
    EXPECT_EQ(r.code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    return j["frames"][0]["channels"][0]["decoders"]["argmax"]["x"].get<double>();
  };
  EXPECT_DOUBLE_EQ(x_of("--udp"), 4.0);
  EXPECT_DOUBLE_EQ(x_of(""), 0.0);
}

}  // namespace
