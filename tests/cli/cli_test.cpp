// peakscope-cli decode and sweep on real files.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/io/npy.hpp"
#include "tests/support/run.hpp"
#include "tests/support/temp.hpp"

namespace {

namespace fs = std::filesystem;
std::string tmp(const std::string& n) {
  return peakscope::testing::temp_path("cli_" + n).string();
}
using peakscope::testing::slurp;
int run(const std::string& args) {
  return std::system((std::string(PEAKSCOPE_CLI) + " " + args).c_str());
}
// The exit code of the CLI (-1 when it did not exit normally).
int exit_code(const std::string& args) {
  return peakscope::testing::run_exit_code(std::string(PEAKSCOPE_CLI) + " " + args);
}

TEST(CliTest, DecodeJsonOfTheFixture) {
  const std::string out = tmp("fixture.json");
  ASSERT_EQ(run("decode " + std::string(PEAKSCOPE_ASSETS) +
                "/fixtures/stack_f16_fortran_be.npy --beta 100 --normalize none --backend cpu > " +
                out + " 2>/dev/null"),
            0);
  const auto j = nlohmann::json::parse(slurp(out));  // stdout carries only the data
  EXPECT_EQ(j["beta"], 100.0);
  EXPECT_EQ(j["normalize"], "none");
  EXPECT_EQ(j["backend"], "cpu");
  ASSERT_EQ(j["frames"].size(), 2u);
  const auto& ch = j["frames"][1]["channels"][2];
  EXPECT_EQ(ch["argmax"]["x"], 4 + 5 * 2 + 3);
  EXPECT_EQ(ch["argmax"]["y"], 3 + 4 * 2 + 2);
  EXPECT_NEAR(ch["softargmax"]["x"].get<double>(), 17.0, 1e-3);
  EXPECT_GT(ch["peak_probability"].get<double>(), 0.99);
}

// --backend gpu decodes every frame on the GPU (each JSON frame says so, and the CSV run's
// summary names the GPU with no fallback), and every CSV field agrees with the CPU's: frame,
// channel, argmax and validity exactly, the values and peak probability to 1e-4 relative, the
// soft-argmax and the error to the ground truth to 1e-3 px.
TEST(CliTest, DecodeCsvOnTheGpuMatchesCpu) {
  const std::string a = tmp("gpu.csv"), b = tmp("cpu.csv"), err = tmp("gpu_csv.err");
  const std::string args = "decode synthetic --frames 3 --beta 20 --normalize max ";
  ASSERT_EQ(run(args + "--format csv --backend gpu --out " + a + " 2>" + err), 0);
  ASSERT_EQ(run(args + "--format csv --backend cpu --out " + b + " 2>/dev/null"), 0);
  const std::string log = slurp(err);
  EXPECT_NE(log.find("decoded 3 frame(s) on GPU"), std::string::npos) << log;
  EXPECT_EQ(log.find("peakscope: "), std::string::npos) << log;  // no fallback's reason
  const std::string js = tmp("gpu.json");
  ASSERT_EQ(run(args + "--backend gpu --out " + js + " 2>/dev/null"), 0);
  const auto j = nlohmann::json::parse(slurp(js));
  EXPECT_EQ(j["backend"], "gpu");
  EXPECT_FALSE(j.contains("fallback_reason")) << j["fallback_reason"];
  ASSERT_EQ(j["frames"].size(), 3u);
  for (const auto& f : j["frames"]) EXPECT_EQ(f["backend"], "gpu") << f["index"];
  std::stringstream sa(slurp(a)), sb(slurp(b));
  std::string la, lb;
  std::getline(sa, la);
  std::getline(sb, lb);
  EXPECT_EQ(la,
            "frame,channel,argmax_x,argmax_y,argmax_value,softargmax_x,softargmax_y,peak_"
            "probability,valid,effective_beta,error_to_ground_truth");
  EXPECT_EQ(la, lb);
  int rows = 0;
  while (std::getline(sa, la) && std::getline(sb, lb)) {
    double va[11], vb[11];
    char c;
    std::stringstream ra(la), rb(lb);
    for (int i = 0; i < 11; ++i) {
      ra >> va[i];
      rb >> vb[i];
      if (i < 10) ra >> c, rb >> c;
    }
    ASSERT_FALSE(ra.fail() || rb.fail()) << la << " / " << lb;
    SCOPED_TRACE(la + " / " + lb);
    for (int i : {0, 1, 2, 3, 8}) EXPECT_EQ(va[i], vb[i]) << "column " << i;
    for (int i : {4, 7, 9}) EXPECT_NEAR(va[i], vb[i], 1e-4 * std::abs(vb[i])) << "column " << i;
    for (int i : {5, 6, 10}) EXPECT_NEAR(va[i], vb[i], 1e-3) << "column " << i;
    ++rows;
  }
  EXPECT_EQ(rows, 3 * static_cast<int>(j["frames"][0]["channels"].size()));
  EXPECT_GE(rows, 3);
}

TEST(CliTest, SweepWritesSheetsAndCsv) {
  const fs::path dir = tmp("sweep");
  fs::remove_all(dir);
  ASSERT_EQ(run("sweep synthetic --frames 2 --betas 1,10,100 --normalize max --out " +
                dir.string() + " 2>/dev/null"),
            0);
  for (const char* f : {"frame00000_beta1.png", "frame00000_beta10.png", "frame00000_beta100.png",
                        "frame00000_grid.png", "frame00001_grid.png", "sweep.csv"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  std::stringstream csv(slurp((dir / "sweep.csv").string()));
  std::string line;
  int rows = 0;
  std::getline(csv, line);
  EXPECT_NE(line.find("error_to_ground_truth"), std::string::npos);
  while (std::getline(csv, line)) {
    ++rows;
    EXPECT_NE(line.back(), ',') << "synthetic input knows its ground truth: " << line;
  }
  EXPECT_EQ(rows, 2 * 3);
}

TEST(CliTest, BadInputExitsNonZeroWithMessage) {
  const std::string err = tmp("err.txt");
  auto fails_with = [&](const std::string& args, const std::string& needle) {
    EXPECT_NE(run(args + " > /dev/null 2> " + err), 0) << args;
    const std::string msg = slurp(err);
    EXPECT_NE(msg.find(needle), std::string::npos) << args << " -> " << msg;
  };
  fails_with("decode " + tmp("absent.npy"), "absent.npy");
  std::ofstream(tmp("trunc.npy")) << std::string("\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'", 26);
  fails_with("decode " + tmp("trunc.npy"), "trunc.npy");
  fails_with("decode synthetic --beta 0", "beta");
  fails_with("decode synthetic --normalize sometimes", "--normalize");
  fails_with("decode synthetic --format xml", "--format");
  fails_with("decode synthetic --backend tpu", "backend");
  fails_with("decode camera:97", "camera");
  fails_with("sweep synthetic --betas 1,x --out " + tmp("s2"), "--betas");
  fails_with("sweep synthetic --betas 1,-5 --out " + tmp("s2"), "--betas");
  fails_with("decode synthetic --transform sideways", "transform");
}

TEST(CliTest, UsageErrorsExitTwoWithTheUsualMessage) {
  const std::string err = tmp("usage_err.txt");
  auto usage = [&](const std::string& args, const std::string& needle) {
    EXPECT_EQ(exit_code(args + " > /dev/null 2> " + err), 2) << args;
    const std::string msg = slurp(err);
    EXPECT_NE(msg.find(needle), std::string::npos) << args << " -> " << msg;
  };
  usage("decode synthetic --beta abc", "--beta: beta must be a number, got 'abc'");
  usage("decode synthetic --beta 1e39", "beta must be a finite number in [1e-30, 1e+30]");
  usage("decode synthetic --beta -1", "--beta");
  usage("decode synthetic --normalize sometimes", "--normalize");
  usage("decode synthetic --transform sideways", "unknown transform 'sideways'");
  usage("decode synthetic --color 1,2", "--color");
  usage("sweep synthetic --betas 1,abc --out " + tmp("s3"), "--betas: beta must be a number");
  usage("decode", "input is required");
  // Bad input (a file) is 1, not a usage error.
  EXPECT_EQ(exit_code("decode " + tmp("absent2.npy") + " > /dev/null 2> " + err), 1);
  EXPECT_NE(slurp(err).find("absent2.npy"), std::string::npos);
  EXPECT_EQ(exit_code("--help > /dev/null"), 0);
}

TEST(CliTest, DefaultsAreTheCoreDefaults) {
  const std::string out = tmp("defaults.json");
  ASSERT_EQ(exit_code("decode synthetic --backend cpu > " + out + " 2>/dev/null"), 0);
  const auto j = nlohmann::json::parse(slurp(out));
  EXPECT_EQ(j["beta"], 100.0);       // kDefaultBeta
  EXPECT_EQ(j["normalize"], "max");  // kDefaultNormalize
}

}  // namespace
