// The numbers peakscope-cli writes: CSV column names that never repeat (per decoder and per
// --coords convention), CSV cells spelt exactly as the JSON spells them, +Inf kept apart from
// NaN, the effective beta per channel, channels-last .npy stacks and --max-frames.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli/csv.hpp"
#include "app/cli/json_number.hpp"
#include "core/io/npy.hpp"
#include "tests/cli/cli_process.hpp"

namespace {

namespace fs = std::filesystem;
using peakscope::testing::cli_test_dir;
using peakscope::testing::CliResult;
using peakscope::testing::run_cli;
using Json = nlohmann::json;

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> v;
  std::stringstream ss(line);
  for (std::string c; std::getline(ss, c, ',');) v.push_back(c);
  if (!line.empty() && line.back() == ',') v.emplace_back();
  return v;
}

// Rows of a CSV document as name -> cell maps (the header's names, checked unique).
std::vector<std::map<std::string, std::string>> read_csv(const std::string& text) {
  std::stringstream in(text);
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> names = cells(line);
  const std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size()) << "a column name repeats: " << line;
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const std::vector<std::string> v = cells(line);
    EXPECT_EQ(v.size(), names.size()) << line;
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < names.size() && i < v.size(); ++i) row[names[i]] = v[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

// The CSV spelling of a JSON value: the number as the JSON has it, or nan / inf / -inf.
std::string spelt(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  EXPECT_TRUE(v.is_number()) << v.dump();
  return v.dump();
}

// Two frames of four 12 x 9 channels: a peak with sub-pixel neighbours, a channel with an
// +Inf pixel, a channel of NaN only and a channel whose maximum is 0.25.
std::string stack(const fs::path& d) {
  const int w = 12, h = 9, k = 4, n = 2;
  std::vector<float> v(static_cast<std::size_t>(n) * k * w * h, 0.1f);
  auto at = [&](int f, int c, int y, int x) -> float& {
    return v[((static_cast<std::size_t>(f) * k + c) * h + y) * w + x];
  };
  for (int f = 0; f < n; ++f) {
    at(f, 0, 4, 5 + f) = 1.f;
    at(f, 0, 4, 6 + f) = 0.7f;
    at(f, 0, 3, 5 + f) = 0.4f;
    at(f, 1, 2, 3) = std::numeric_limits<float>::infinity();
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) at(f, 2, y, x) = std::nanf("");
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) at(f, 3, y, x) *= 0.5f;
    at(f, 3, 6, 8) = 0.25f;
  }
  const std::string p = (d / "stack.npy").string();
  peakscope::io::write_npy(p, {2, 4, 9, 12}, v, "f4");
  return p;
}

// --decoders all under every --coords: the CSV header has no name twice, and every cell of the
// engine's and the decoders' columns is the JSON's number, character for character.
TEST(CliNumbersTest, CsvColumnsAreUniqueAndSpeltAsTheJson) {
  const fs::path d = cli_test_dir("numbers");
  const std::string in = stack(d);
  for (const std::string coords : {"index", "half", "dsnt", "corner", "image"}) {
    SCOPED_TRACE(coords);
    std::string args = "decode " + in + " --backend cpu --beta 2 --decoders all --coords " + coords;
    if (coords == "image") args += " --input-size 48x36";
    const CliResult j = run_cli(d, args);
    const CliResult c = run_cli(d, args + " --format csv");
    ASSERT_EQ(j.code, 0) << j.err;
    ASSERT_EQ(c.code, 0) << c.err;
    const Json doc = Json::parse(j.out);
    const auto rows = read_csv(c.out);
    ASSERT_EQ(rows.size(), 8u);
    std::size_t r = 0;
    for (const Json& fr : doc["frames"])
      for (const Json& ch : fr["channels"]) {
        const auto& row = rows[r++];
        EXPECT_EQ(row.at("argmax_x"), spelt(ch["argmax"]["x"]));
        EXPECT_EQ(row.at("argmax_y"), spelt(ch["argmax"]["y"]));
        EXPECT_EQ(row.at("argmax_value"), spelt(ch["argmax"]["value"]));
        EXPECT_EQ(row.at("softargmax_x"), spelt(ch["softargmax"]["x"]));
        EXPECT_EQ(row.at("softargmax_y"), spelt(ch["softargmax"]["y"]));
        EXPECT_EQ(row.at("peak_probability"), spelt(ch["peak_probability"]));
        EXPECT_EQ(row.at("effective_beta"), spelt(ch.value("effective_beta", Json(2.0))));
        ASSERT_EQ(ch["decoders"].size(), 9u);
        for (const auto& [name, p] : ch["decoders"].items()) {
          EXPECT_EQ(row.at(name + "_x_" + coords), spelt(p["x"])) << name;
          EXPECT_EQ(row.at(name + "_y_" + coords), spelt(p["y"])) << name;
        }
      }
    // Full precision: the soft-argmax of the peak channel at beta 2 is not a round number.
    EXPECT_GT(rows[0].at("softargmax_x").size(), 10u) << rows[0].at("softargmax_x");
  }
  fs::remove_all(d);
}

// +Inf, -Inf and NaN stay apart: strings in the JSON (never null), the same words in the CSV.
TEST(CliNumbersTest, InfinityIsNotNan) {
  EXPECT_EQ(peakscope::cli::json_num(INFINITY), "inf");
  EXPECT_EQ(peakscope::cli::json_num(-INFINITY), "-inf");
  EXPECT_EQ(peakscope::cli::json_num(std::nan("")), "nan");
  EXPECT_EQ(peakscope::cli::json_num(0.1).dump(), "0.1");
  EXPECT_EQ(peakscope::cli::csv_num(-INFINITY), "-inf");
  EXPECT_EQ(peakscope::cli::csv_num(12), "12.0");
  EXPECT_EQ(peakscope::cli::csv_num(1e-5), "1e-05");
  EXPECT_EQ(peakscope::cli::csv_num(0.1 + 0.2), "0.30000000000000004");

  const fs::path d = cli_test_dir("numbers");
  const CliResult j = run_cli(d, "decode " + stack(d) + " --backend cpu --decoders all");
  ASSERT_EQ(j.code, 0) << j.err;
  const Json doc = Json::parse(j.out);
  const Json& chs = doc["frames"][0]["channels"];
  EXPECT_EQ(chs[1]["argmax"]["value"], "inf");
  EXPECT_EQ(chs[1]["argmax"]["x"], 3.0);
  EXPECT_EQ(chs[1]["peak_probability"], 1.0);
  EXPECT_EQ(chs[2]["argmax"]["value"], "nan");
  EXPECT_EQ(chs[2]["valid"], false);
  // Nowhere a null.
  std::vector<const Json*> todo{&doc};
  while (!todo.empty()) {
    const Json* v = todo.back();
    todo.pop_back();
    EXPECT_FALSE(v->is_null());
    if (v->is_structured())
      for (const Json& e : *v) todo.push_back(&e);
  }
  fs::remove_all(d);
}

// normalise changes beta per channel: the JSON gives effective_beta where it differs from
// --beta (max 0.25: 4 x beta), the CSV on every row; --normalize none has neither.
TEST(CliNumbersTest, EffectiveBetaPerChannel) {
  const fs::path d = cli_test_dir("numbers");
  const std::string in = stack(d);
  const CliResult j = run_cli(d, "decode " + in + " --backend cpu --beta 10");
  ASSERT_EQ(j.code, 0) << j.err;
  const Json chs = Json::parse(j.out)["frames"][0]["channels"];
  EXPECT_FALSE(chs[0].contains("effective_beta"));  // max 1
  EXPECT_FALSE(chs[1].contains("effective_beta"));  // +Inf max: only the +Inf pixel counts
  EXPECT_FALSE(chs[2].contains("effective_beta"));  // no valid pixel
  EXPECT_EQ(chs[3]["effective_beta"], 40.0);
  const CliResult n = run_cli(d, "decode " + in + " --backend cpu --normalize none");
  ASSERT_EQ(n.code, 0) << n.err;
  EXPECT_EQ(n.out.find("effective_beta"), std::string::npos);
  const CliResult nc = run_cli(d, "decode " + in + " --backend cpu --normalize none --format csv");
  EXPECT_EQ(nc.out.find("effective_beta"), std::string::npos);
  fs::remove_all(d);
}

// A channels-last stack (H x W x K, N x H x W x K; float32 and uint8) with --layout nhwc gives
// exactly the frames of the same maps written channels first.
TEST(CliNumbersTest, ChannelsLastNpyIsTransposed) {
  const fs::path d = cli_test_dir("numbers");
  const int n = 2, h = 7, w = 10, k = 3;
  std::vector<float> khw(static_cast<std::size_t>(n) * k * h * w), hwk(khw.size());
  for (int f = 0; f < n; ++f)
    for (int c = 0; c < k; ++c)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          // A peak per channel at its own place, and a ramp so that no two pixels tie.
          const bool peak = x == 2 + 3 * c && y == 1 + 2 * c + f;
          const float v = peak ? 200.f : static_cast<float>((x + 2 * y + 5 * c) % 37);
          khw[((static_cast<std::size_t>(f) * k + c) * h + y) * w + x] = v;
          hwk[((static_cast<std::size_t>(f) * h + y) * w + x) * k + c] = v;
        }
  for (const char* dtype : {"f4", "u1"}) {
    SCOPED_TRACE(dtype);
    const std::string a = (d / "khw.npy").string(), b = (d / "hwk.npy").string();
    peakscope::io::write_npy(a, {2, 3, 7, 10}, khw, dtype);
    peakscope::io::write_npy(b, {2, 7, 10, 3}, hwk, dtype);
    const CliResult first = run_cli(d, "decode " + a + " --backend cpu --decoders all");
    const CliResult last =
        run_cli(d, "decode " + b + " --backend cpu --decoders all --layout nhwc");
    ASSERT_EQ(first.code, 0) << first.err;
    ASSERT_EQ(last.code, 0) << last.err;
    const Json fa = Json::parse(first.out)["frames"], fb = Json::parse(last.out)["frames"];
    ASSERT_EQ(fb.size(), 2u);
    ASSERT_EQ(fb[0]["channels"].size(), 3u);
    EXPECT_EQ(fa, fb);
    EXPECT_EQ(fb[1]["channels"][2]["argmax"]["x"], 8.0);
    EXPECT_EQ(fb[1]["channels"][2]["argmax"]["y"], 6.0);
    // One frame, H x W x K, in Fortran order: read whole rather than streamed.
    const std::vector<float> one(hwk.begin(), hwk.begin() + h * w * k);
    peakscope::io::write_npy(b, {7, 10, 3}, one, dtype, /*fortran=*/true);
    const CliResult f = run_cli(d, "decode " + b + " --backend cpu --decoders all --layout nhwc");
    ASSERT_EQ(f.code, 0) << f.err;
    EXPECT_EQ(Json::parse(f.out)["frames"][0]["channels"], fa[0]["channels"]);
  }
  fs::remove_all(d);
}

// Without --layout, a shape whose last axis looks like channels is read channels first with a
// warning naming the file, the shape and --layout nhwc (stderr and the JSON); a shape that
// does not look so, or --layout nchw, has none.
TEST(CliNumbersTest, ChannelsLastShapeIsWarnedAbout) {
  const fs::path d = cli_test_dir("numbers");
  const std::string p = (d / "hwk.npy").string(), q = (d / "khw.npy").string();
  peakscope::io::write_npy(p, {16, 12, 3}, std::vector<float>(16 * 12 * 3, 0.5f), "f4");
  peakscope::io::write_npy(q, {3, 16, 12}, std::vector<float>(16 * 12 * 3, 0.5f), "f4");
  const CliResult r = run_cli(d, "decode " + p + " --backend cpu");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find(p + ": shape (16, 12, 3) read as 16 channels of 12 x 3"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--layout nhwc reads it as 3 channels of 16 x 12"), std::string::npos)
      << r.err;
  const Json doc = Json::parse(r.out);
  EXPECT_NE(doc.value("warning", "").find("(16, 12, 3)"), std::string::npos) << r.out;
  EXPECT_EQ(doc["frames"][0]["channels"].size(), 16u);
  for (const std::string& args :
       {"decode " + q + " --backend cpu", "decode " + p + " --backend cpu --layout nchw",
        "decode " + p + " --backend cpu --layout nhwc"}) {
    const CliResult ok = run_cli(d, args);
    ASSERT_EQ(ok.code, 0) << ok.err;
    EXPECT_EQ(ok.err.find("looks like channels"), std::string::npos) << args << ok.err;
    EXPECT_FALSE(Json::parse(ok.out).contains("warning")) << args;
  }
  const CliResult bad = run_cli(d, "decode " + p + " --layout nwhc");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--layout must be nchw or nhwc, got 'nwhc'"), std::string::npos)
      << bad.err;
  fs::remove_all(d);
}

// --max-frames (and --frames given for a file) limit decode on any source; the synthetic
// scene's --frames is its length.
TEST(CliNumbersTest, MaxFramesLimitsDecode) {
  const fs::path d = cli_test_dir("numbers");
  const std::string p = (d / "ten.npy").string();
  peakscope::io::write_npy(p, {10, 2, 5, 6}, std::vector<float>(10 * 2 * 5 * 6, 0.5f), "f4");
  auto frames = [&](const std::string& args) {
    const CliResult r = run_cli(d, args + " --backend cpu");
    EXPECT_EQ(r.code, 0) << args << ": " << r.err;
    return r.code == 0 ? Json::parse(r.out)["frames"].size() : 0u;
  };
  EXPECT_EQ(frames("decode " + p), 10u);
  EXPECT_EQ(frames("decode " + p + " --max-frames 3"), 3u);
  EXPECT_EQ(frames("decode " + p + " --frames 4"), 4u);
  EXPECT_EQ(frames("decode " + p + " --frames 4 --max-frames 2"), 2u);
  EXPECT_EQ(frames("decode " + p + " --max-frames all"), 10u);
  EXPECT_EQ(frames("decode synthetic --frames 5 --max-frames 2"), 2u);
  const CliResult csv = run_cli(d, "decode " + p + " --backend cpu --max-frames 3 --format csv");
  EXPECT_EQ(read_csv(csv.out).size(), 6u);  // 3 frames x 2 channels
  const CliResult zero = run_cli(d, "decode " + p + " --max-frames 0");
  EXPECT_EQ(zero.code, 2);
  EXPECT_NE(zero.err.find("--max-frames"), std::string::npos) << zero.err;
  fs::remove_all(d);
}

}  // namespace
