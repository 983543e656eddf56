// The decoding lab in peakscope-cli: decode --decoders/--coords on a map whose answers are
// known by hand, sweep --auto-beta, and the accuracy study.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/io/npy.hpp"
#include "tests/support/run.hpp"

namespace {

namespace fs = std::filesystem;
// Unique per process: ctest runs the tests of this binary in parallel.
std::string tmp(const std::string& n) {
  return (fs::temp_directory_path() / ("peakscope_lab_" + std::to_string(::getpid()) + "_" + n))
      .string();
}
using peakscope::testing::slurp;
int exit_code(const std::string& args) {
  return peakscope::testing::run_exit_code(std::string(PEAKSCOPE_CLI) + " " + args);
}

// A 5 x 4 map (W x H): peak 1 at (3, 1), 0.5 at (4, 1), zeros elsewhere. By hand: argmax (3, 1);
// quarter moves x by +0.25 (right neighbour larger) and not y (MMPose moves y only when
// 1 < y < H - 1): (3.25, 1).
std::string hand_map() {
  const std::string p = tmp("hand.npy");
  std::vector<float> v(20, 0.f);
  v[1 * 5 + 3] = 1.f;
  v[1 * 5 + 4] = 0.5f;
  peakscope::io::write_npy(p, {4, 5}, v, "f4");
  return p;
}

nlohmann::json decode_json(const std::string& args) {
  const std::string out = tmp("out.json");
  EXPECT_EQ(exit_code("decode " + hand_map() + " --backend cpu " + args + " --out " + out +
                      " 2>/dev/null"),
            0);
  return nlohmann::json::parse(slurp(out));
}

TEST(LabCli, EveryCoordsValueOnAHandComputedMap) {
  struct Case {
    const char* flags;
    double x, y;
  } cases[] = {
      {"--coords index", 3.25, 1},
      {"--coords half", 3.75, 1.5},
      {"--coords dsnt", 0.5, -0.25},                            // (2x+1)/5 - 1, (2y+1)/4 - 1
      {"--coords corner", 0.625, -1.0 / 3},                     // 2x/4 - 1, 2y/3 - 1
      {"--coords image --input-size 20x16", 13, 4},             // x*20/5, y*16/4
      {"--coords image --input-size 20x16 --udp", 15.4375, 5},  // x*19/4, y*15/3
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.flags);
    const auto j = decode_json(std::string("--decoders quarter,argmax ") + c.flags);
    const auto& ch = j["frames"][0]["channels"][0];
    EXPECT_NEAR(ch["decoders"]["quarter"]["x"].get<double>(), c.x, 1e-9);
    EXPECT_NEAR(ch["decoders"]["quarter"]["y"].get<double>(), c.y, 1e-9);
    EXPECT_EQ(ch["decoders"]["quarter"]["score"], 1.0);
    // The existing fields stay as they are, in index pixels.
    EXPECT_EQ(ch["argmax"]["x"], 3);
    EXPECT_EQ(ch["argmax"]["y"], 1);
    EXPECT_TRUE(ch.contains("softargmax"));
    EXPECT_TRUE(ch.contains("peak_probability"));
  }
  EXPECT_EQ(decode_json("--decoders quarter --coords dsnt")["coords"], "dsnt");
  const auto img = decode_json("--decoders argmax --coords image --input-size 20x16 --udp");
  EXPECT_EQ(img["coords"], "image");
  EXPECT_EQ(img["input_size"], "20x16");
  EXPECT_EQ(img["udp"], true);
  // Without lab flags the output is unchanged: no "coords", no "decoders".
  const auto plain = decode_json("");
  EXPECT_FALSE(plain.contains("coords"));
  EXPECT_FALSE(plain["frames"][0]["channels"][0].contains("decoders"));
}

TEST(LabCli, EveryDecoderHasItsFields) {
  const auto j = decode_json("--decoders all --beta 5 --normalize none");
  const auto& d = j["frames"][0]["channels"][0]["decoders"];
  for (const char* name : {"argmax", "softargmax", "quarter", "dark", "dark-udp", "window",
                           "centroid", "mediapipe", "debiased"}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(d.contains(name));
    EXPECT_TRUE(d[name]["x"].is_number());
    EXPECT_TRUE(d[name]["y"].is_number());
    EXPECT_TRUE(d[name]["score"].is_number());
  }
  // Centroid of the positive values by hand: (3 * 1 + 4 * 0.5) / 1.5.
  EXPECT_NEAR(d["centroid"]["x"].get<double>(), 5.0 / 1.5, 1e-9);
  EXPECT_NEAR(d["centroid"]["y"].get<double>(), 1, 1e-9);
  EXPECT_EQ(d["argmax"]["x"], 3);
}

// Each decoder's pair is named with the convention (<decoder>_x_<coords>), spelt as the JSON.
TEST(LabCli, CsvGainsAColumnPairPerDecoder) {
  const std::string out = tmp("out.csv");
  ASSERT_EQ(exit_code("decode " + hand_map() +
                      " --backend cpu --format csv --decoders quarter,dark --coords half --out " +
                      out + " 2>/dev/null"),
            0);
  std::istringstream in(slurp(out));
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  EXPECT_EQ(header,
            "frame,channel,argmax_x,argmax_y,argmax_value,softargmax_x,softargmax_y,peak_"
            "probability,valid,effective_beta,quarter_x_half,quarter_y_half,dark_x_half,dark_y_"
            "half");
  EXPECT_NE(row.find(",3.75,1.5,"), std::string::npos) << row;
}

// --decoders runs on the CLI's engine (decode_lab): on the GPU, and on gpu-synthetic frames
// that never leave the device, every decoder agrees with the CPU engine within 1e-3 px.
TEST(LabCli, DecodersOnTheGpuEngineAndGpuSyntheticAgreeWithTheCpu) {
  auto run = [&](const std::string& input, const char* backend) {
    const std::string out = tmp(std::string("lab_") + backend + "_" + input + ".json");
    EXPECT_EQ(exit_code("decode " + input + " --frames 2 --backend " + backend +
                        " --decoders all --beta 20 --out " + out + " 2>/dev/null"),
              0);
    return nlohmann::json::parse(slurp(out));
  };
  const auto cpu = run("synthetic", "cpu");
  for (const auto& [input, backend] : {std::pair<std::string, const char*>{"synthetic", "gpu"},
                                       {"gpu-synthetic", "gpu"},
                                       {"gpu-synthetic", "cpu"}}) {
    SCOPED_TRACE(input + " on " + backend);
    const auto j = run(input, backend);
    EXPECT_EQ(j["backend"], backend);
    ASSERT_EQ(j["frames"].size(), 2u);
    for (std::size_t f = 0; f < 2; ++f) {
      const auto& a = j["frames"][f]["channels"][0]["decoders"];
      const auto& b = cpu["frames"][f]["channels"][0]["decoders"];
      ASSERT_EQ(a.size(), 9u);
      for (const auto& [name, p] : b.items()) {
        SCOPED_TRACE(name);
        EXPECT_NEAR(a[name]["x"].get<double>(), p["x"].get<double>(), 1e-3);
        EXPECT_NEAR(a[name]["y"].get<double>(), p["y"].get<double>(), 1e-3);
      }
    }
  }
}

TEST(LabCli, BadLabFlagsExitTwoWithAMessage) {
  const std::string err = tmp("err.txt");
  const std::string m = hand_map();
  EXPECT_EQ(exit_code("decode " + m + " --decoders argmax,nope 2>" + err), 2);
  EXPECT_NE(slurp(err).find("'nope'"), std::string::npos) << slurp(err);
  EXPECT_EQ(exit_code("decode " + m + " --coords image 2>" + err), 2);
  EXPECT_NE(slurp(err).find("--input-size"), std::string::npos) << slurp(err);
  EXPECT_EQ(exit_code("decode " + m + " --coords dsnt --udp 2>/dev/null"), 2);
  EXPECT_EQ(exit_code("decode " + m + " --coords image --input-size 20x 2>/dev/null"), 2);
  EXPECT_EQ(exit_code("decode " + m + " --decoders dark --dark-kernel 4 2>" + err), 2);
  EXPECT_NE(slurp(err).find("kernel"), std::string::npos) << slurp(err);
  EXPECT_EQ(exit_code("decode " + m + " --decoders window --window-beta 0 2>" + err), 2);
  EXPECT_NE(slurp(err).find("beta"), std::string::npos) << slurp(err);
  EXPECT_EQ(exit_code("accuracy --peaks 0 2>/dev/null"), 2);
  EXPECT_EQ(exit_code("accuracy --sizes 10x10 --margin 10 2>/dev/null"), 2);
}

TEST(LabCli, SweepAutoBetaWritesItsCurveAndSheets) {
  const std::string dir = tmp("sweep");
  ASSERT_EQ(exit_code("sweep synthetic --frames 2 --betas 10 --backend cpu --auto-beta --out " +
                      dir + " 2>/dev/null"),
            0);
  const auto j = nlohmann::json::parse(slurp(dir + "/auto_beta.json"));
  const double beta = j["beta"].get<double>();
  EXPECT_GE(beta, 1e-2);
  EXPECT_LE(beta, 1e4);
  EXPECT_EQ(j["frames"], 2);
  char name[96];
  std::snprintf(name, sizeof name, "/frame00000_beta%g.png", beta);
  EXPECT_TRUE(fs::exists(dir + name)) << name;
  EXPECT_NE(slurp(dir + "/auto_beta.csv").find("beta,mean_error"), std::string::npos);
  fs::remove_all(dir);
}

TEST(LabCli, AccuracyStudyLandsNearTheIndependentSimulation) {
  const std::string js = tmp("acc.json");
  ASSERT_EQ(exit_code("accuracy --peaks 300 --sizes 64x48 --sigmas 2 --noises 0 --betas 10,20 "
                      "--debiased-betas 10 --threads 2 --format json --json " +
                      js + " > /dev/null 2>&1"),
            0);
  const auto j = nlohmann::json::parse(slurp(js));
  ASSERT_EQ(j["cells"].size(), 1u);
  const auto& cell = j["cells"][0];
  auto mean = [&](const std::string& name, double beta) {
    for (const auto& d : cell["decoders"])
      if (d["decoder"] == name && (beta == 0 || (d.contains("beta") && d["beta"] == beta) ||
                                   (beta < 0 && d.contains("auto_beta"))))
        return d["mean"].get<double>();
    ADD_FAILURE() << name << " " << beta;
    return -1.0;
  };
  // An independent simulation in NumPy (48x64, sigma 2, no noise): 0.38, 0.19, 0.0002, 0.13,
  // 0.64 (beta 10), 0.04 (beta 20), 0.003 (debiased, beta 10).
  EXPECT_NEAR(mean("argmax", 0), 0.38, 0.04);
  EXPECT_NEAR(mean("quarter", 0), 0.19, 0.03);
  EXPECT_LT(mean("dark", 0), 0.001);
  EXPECT_NEAR(mean("centroid", 0), 0.13, 0.03);
  EXPECT_NEAR(mean("softargmax", 10), 0.64, 0.1);
  EXPECT_NEAR(mean("softargmax", 20), 0.04, 0.01);
  EXPECT_NEAR(mean("debiased", 10), 0.003, 0.001);
  EXPECT_LT(mean("softargmax", -1), mean("softargmax", 20));  // the tuned beta is better
  EXPECT_GT(cell["auto_beta"].get<double>(), 10);
  EXPECT_LT(cell["auto_beta"].get<double>(), 20);
  fs::remove(js);
}

}  // namespace
