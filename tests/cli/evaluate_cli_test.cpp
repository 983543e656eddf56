// Ground truth in peakscope-cli: evaluate's report (JSON, CSV, sheet) on a .npy stack whose
// Gaussian peaks sit at known sub-pixel spots, its auto-tune per keypoint, decode's name column,
// sweep --auto-beta on real data, and the bad files and flags refused with their reasons.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/io/npy.hpp"
#include "tests/cli/cli_process.hpp"

namespace {

namespace fs = std::filesystem;
using peakscope::testing::cli_test_dir;
using peakscope::testing::run_cli;
using peakscope::testing::slurp;

// 3 frames x 2 channels of 24 x 20 Gaussians (sigma 1.5) centred on the points in pts.npy
// (x, y, visibility; frame 2's channel 1 unlabelled), and names.txt naming the channels.
void write_fixture(const fs::path& d) {
  const int n = 3, k = 2, h = 20, w = 24;
  std::vector<float> maps(n * k * h * w), pts;
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < k; ++c) {
      const double x = 6.3 + 5.1 * i + 3 * c, y = 5.6 + 2.2 * i + 4 * c;
      pts.insert(pts.end(),
                 {static_cast<float>(x), static_cast<float>(y), i == 2 && c == 1 ? 0.f : 2.f});
      for (int r = 0; r < h; ++r)
        for (int q = 0; q < w; ++q)
          maps[((i * k + c) * h + r) * w + q] =
              static_cast<float>(std::exp(-((q - x) * (q - x) + (r - y) * (r - y)) / (2 * 2.25)));
    }
  peakscope::io::write_npy((d / "maps.npy").string(), {3, 2, 20, 24}, maps, "f4");
  peakscope::io::write_npy((d / "pts.npy").string(), {3, 2, 3}, pts, "f4");
  std::ofstream(d / "names.txt") << "left_wrist\nright_wrist\nleft_wrist-right_wrist\n";
}

TEST(EvaluateCli, ReportPerKeypointAndDecoderWithNamesAndAutoTune) {
  const fs::path d = cli_test_dir("eval");
  write_fixture(d);
  const auto r = run_cli(d,
                         "evaluate maps.npy --ground-truth pts.npy --keypoints names.txt "
                         "--decoders argmax,softargmax --betas 0.5,200 --pck 0.5,2 --pck-norm px "
                         "--auto-beta --per-keypoint --backend cpu --out rep");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* f : {"evaluate.json", "evaluate.csv", "evaluate.png"})
    EXPECT_TRUE(fs::exists(d / "rep" / f)) << f;
  const cv::Mat sheet = cv::imread((d / "rep" / "evaluate.png").string());
  EXPECT_GT(sheet.cols, 400);
  const nlohmann::json j = nlohmann::json::parse(slurp(d / "rep" / "evaluate.json"));
  EXPECT_EQ(j["frames_with_ground_truth"], 3);
  EXPECT_EQ(j["keypoint_names"], nlohmann::json({"left_wrist", "right_wrist"}));
  EXPECT_EQ(j["ground_truth_space"], "heatmap");
  ASSERT_EQ(j["auto_beta"]["per_keypoint"].size(), 2u);
  std::map<std::string, nlohmann::json> m;
  for (const auto& x : j["methods"]) m[x["method"]] = x;
  ASSERT_TRUE(m.count("argmax") && m.count("softargmax@0.5") && m.count("softargmax@200") &&
              m.count("softargmax@tuned"))
      << j["methods"].dump();
  // 5 labelled keypoints; argmax is off by its rounding (< 0.71 px), a wide soft-argmax far
  // off, a sharp one close, the tuned one closest; PCK follows.
  const auto& am = m["argmax"]["all"];
  EXPECT_EQ(am["labelled"], 5);
  EXPECT_LT(am["mean_error"].get<double>(), 0.71);
  EXPECT_GT(m["softargmax@0.5"]["all"]["mean_error"].get<double>(), 2.0);
  EXPECT_EQ(m["softargmax@0.5"]["all"]["pck"]["0.5"], 0.0);
  EXPECT_LT(m["softargmax@200"]["all"]["mean_error"].get<double>(), 0.4);
  EXPECT_LT(m["softargmax@tuned"]["all"]["mean_error"].get<double>(), 0.05);
  EXPECT_EQ(m["softargmax@tuned"]["all"]["pck"]["0.5"], 1.0);
  EXPECT_EQ(m["argmax"]["keypoints"][1]["name"], "right_wrist");
  EXPECT_EQ(m["argmax"]["keypoints"][1]["labelled"], 2);  // frame 2's is unlabelled
  const std::string csv = slurp(d / "rep" / "evaluate.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "method,decoder,beta,keypoint,name,labelled,invalid,mean_error,median_error,pck_0.5,"
            "pck_2");
  EXPECT_NE(csv.find("argmax,argmax,,1,right_wrist,2,0,"), std::string::npos);
}

TEST(EvaluateCli, DecodeNamesSweepAutoBetaAndRefusals) {
  const fs::path d = cli_test_dir("eval_bad");
  write_fixture(d);
  // decode: the names in the JSON and a name column in the CSV; the truth in both.
  auto r = run_cli(d,
                   "decode maps.npy --ground-truth pts.npy --keypoints names.txt --format csv "
                   "--backend cpu");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(",error_to_ground_truth"), std::string::npos);
  EXPECT_NE(r.out.substr(0, r.out.find('\n')).find(",name"), std::string::npos);
  EXPECT_NE(r.out.find(",right_wrist\n"), std::string::npos);
  r = run_cli(d, "decode maps.npy --keypoints names.txt --backend cpu");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["frames"][0]["channels"][1]["name"], "right_wrist");
  EXPECT_EQ(j["keypoint_names"], nlohmann::json({"left_wrist", "right_wrist"}));
  EXPECT_EQ(j["skeleton"], nlohmann::json::parse("[[0, 1]]"));
  r = run_cli(d, "decode maps.npy --keypoints hand21 --backend cpu");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--keypoints hand21: 21 keypoint names, but the heatmaps have 2 channels"),
            std::string::npos)
      << r.err;
  // sweep --auto-beta tunes on the file's truth.
  r = run_cli(d,
              "sweep maps.npy --ground-truth pts.npy --auto-beta --betas 1 --max-frames 1 "
              "--backend cpu --out sw");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(d / "sw" / "auto_beta.json"));
  // Refusals: no --ground-truth (usage), a K mismatch (bad input, both counts), a short .npy.
  r = run_cli(d, "evaluate maps.npy --out e1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("evaluate needs --ground-truth FILE"), std::string::npos);
  peakscope::io::write_npy((d / "k3.npy").string(), {3, 3, 2}, std::vector<float>(18, 1.f), "f4");
  r = run_cli(d, "evaluate maps.npy --ground-truth k3.npy --backend cpu --out e2");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("k3.npy: 3 keypoints per person, but the heatmaps have 2 channels"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(d / "e2"));
  peakscope::io::write_npy((d / "n1.npy").string(), {1, 2, 2}, std::vector<float>(4, 1.f), "f4");
  r = run_cli(d, "evaluate maps.npy --ground-truth n1.npy --backend cpu --out e3");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("n1.npy: ground truth for 1 frame(s), but"), std::string::npos) << r.err;
  std::ofstream(d / "bad.json") << "{\"images\": [{\"id\": 1}], \"annotations\": []}";
  r = run_cli(d, "evaluate maps.npy --ground-truth bad.json --backend cpu --out e4");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("bad.json: images[0] has no \"file_name\""), std::string::npos) << r.err;
  r = run_cli(d, "evaluate maps.npy --ground-truth pts.npy --pck-norm head --backend cpu --out e5");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--pck-norm head needs"), std::string::npos) << r.err;
}

// An image folder with a COCO file naming its images (ids in the opposite order, so only the
// names match): bbox-normalised PCK, names from the file's categories.
TEST(EvaluateCli, CocoImagesByNameWithBoxNormalisedPck) {
  const fs::path d = cli_test_dir("eval_coco");
  fs::create_directories(d / "imgs");
  nlohmann::json images = nlohmann::json::array(), anns = nlohmann::json::array();
  for (int i = 0; i < 3; ++i) {
    cv::Mat img(40, 50, CV_32F);
    const double x = 10 + 9 * i, y = 12 + 5 * i;  // integers: every decoder gives (x, y)
    for (int r = 0; r < 40; ++r)
      for (int q = 0; q < 50; ++q)
        img.at<float>(r, q) =
            static_cast<float>(200 * std::exp(-((q - x) * (q - x) + (r - y) * (r - y)) / 8.0));
    cv::Mat u8;
    img.convertTo(u8, CV_8U);
    const std::string name = "im" + std::to_string(i) + ".png";
    cv::imwrite((d / "imgs" / name).string(), u8);
    images.push_back({{"id", 10 - i}, {"file_name", "train/" + name}});
    // The truth 1 px off in x: inside PCK@0.05 of a 30 px box (1.5 px), outside of a 12 px
    // one (0.6 px) but inside its PCK@0.1 (1.2 px).
    anns.push_back({{"image_id", 10 - i},
                    {"keypoints", {x + 1, y, 2}},
                    {"bbox", {x - 15, y - 15, i == 2 ? 12 : 30, i == 2 ? 12 : 30}}});
  }
  const nlohmann::json doc = {{"images", images},
                              {"annotations", anns},
                              {"categories", {{{"id", 1}, {"keypoints", {"blob"}}}}}};
  std::ofstream(d / "coco.json") << doc.dump();
  const auto r = run_cli(d,
                         "evaluate imgs --ground-truth coco.json --decoders softargmax "
                         "--beta 100 --backend cpu --out rep");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(slurp(d / "rep" / "evaluate.json"));
  EXPECT_EQ(j["pck_norm"], "bbox");
  EXPECT_EQ(j["ground_truth_space"], "image");
  EXPECT_EQ(j["frames_with_ground_truth"], 3);
  EXPECT_EQ(j["keypoint_names"], nlohmann::json({"blob"}));
  const auto& all = j["methods"][0]["all"];
  EXPECT_NEAR(all["mean_error"].get<double>(), 1.0, 1e-6);
  EXPECT_NEAR(all["pck"]["0.05"].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_EQ(all["pck"]["0.1"], 1.0);
}

}  // namespace
