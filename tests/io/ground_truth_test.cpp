// Ground truth for real data (core/io/ground_truth_file.hpp) and keypoint sets
// (core/io/keypoint_sets.hpp): each format read right, every bad file refused with the file,
// the entry or line and the reason, random damage never crashing a parser, and sources opened
// with --ground-truth / --keypoints carrying points in heatmap pixels and names.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <set>

#include "core/io/ground_truth_file.hpp"
#include "core/io/keypoint_sets.hpp"
#include "core/io/npy.hpp"
#include "core/io/source.hpp"
#include "core/lab/evaluation.hpp"
#include "tests/support/temp.hpp"

namespace peakscope::io {
namespace {

namespace fs = std::filesystem;
using testing::temp_path;

// The message of the SourceError `f` throws ("" when it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const SourceError& e) {
    return e.what();
  }
  return "";
}

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream(p, std::ios::binary) << s;
}

// A 2-keypoint COCO document: images 7 ("b.png") and 3 ("a.png"); b has two people.
nlohmann::json coco_doc() {
  return {
      {"images", {{{"id", 7}, {"file_name", "imgs/b.png"}}, {{"id", 3}, {"file_name", "a.png"}}}},
      {"annotations",
       {{{"image_id", 7}, {"keypoints", {10, 20, 2, 0, 0, 0}}, {"bbox", {5, 5, 40, 20}}},
        {{"image_id", 7}, {"keypoints", {30, 5, 1, 31, 6, 2}}},
        {{"image_id", 3}, {"keypoints", {1.5, 2.5, 2, 3, 4, 2}}}}},
      {"categories", {{{"id", 1}, {"keypoints", {"head", "tail"}}, {"skeleton", {{1, 2}}}}}}};
}

TEST(KeypointSets, PresetsHaveTheirCountsUniqueNamesAndSkeletonsInRange) {
  const std::pair<const char*, int> want[] = {
      {"coco17", 17}, {"mpii16", 16}, {"hand21", 21}, {"face68", 68}};
  for (const auto& [name, n] : want) {
    const KeypointSet* s = keypoint_preset(name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_EQ(static_cast<int>(s->names.size()), n) << name;
    EXPECT_EQ(std::set<std::string>(s->names.begin(), s->names.end()).size(), s->names.size());
    EXPECT_FALSE(s->skeleton.empty());
    for (const auto& [a, b] : s->skeleton) {
      EXPECT_TRUE(a >= 0 && a < n && b >= 0 && b < n && a != b) << name << " " << a << "-" << b;
    }
  }
  EXPECT_EQ(keypoint_preset("coco17")->names[0], "nose");
  EXPECT_EQ(keypoint_preset("mpii16")->names[9], "head_top");
  EXPECT_EQ(keypoint_preset("hand21")->names[4], "thumb_tip");
  EXPECT_EQ(keypoint_preset("hand21")->names[20], "pinky_tip");
  EXPECT_EQ(keypoint_preset("coco17")->skeleton.size(), 19u);
  EXPECT_EQ(keypoint_preset("hand21")->skeleton.size(), 21u);
  EXPECT_EQ(keypoint_preset("nope"), nullptr);
}

TEST(KeypointSets, NamesFileWithEdgesByNameAndIndexAndItsErrors) {
  const KeypointSet k =
      parse_keypoint_names("# joints\nneck\nleft-hand\n\nhip\nneck-hip\n1-2\n", "k.txt");
  EXPECT_EQ(k.names, (std::vector<std::string>{"neck", "left-hand", "hip"}));
  EXPECT_EQ(k.skeleton, (std::vector<std::pair<int, int>>{{0, 2}, {1, 2}}));
  EXPECT_NE(error_of([] {
              try {
                parse_keypoint_names("a\nb\na\n", "k.txt");
              } catch (const std::runtime_error& e) {
                throw SourceError(e.what());
              }
            }).find("k.txt: line 3: 'a' is listed twice"),
            std::string::npos);
  EXPECT_THROW(parse_keypoint_names("a\nb\n0-7\n", "k.txt"), std::runtime_error);
  EXPECT_THROW(parse_keypoint_names("\n# none\n", "k.txt"), std::runtime_error);
  try {
    load_keypoint_set("coco18");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("coco17, mpii16, hand21, face68"), std::string::npos);
  }
}

TEST(GroundTruthFile, CocoPeopleVisibilityBoxesNamesAndMatching) {
  const GroundTruthFile g = parse_coco_ground_truth(coco_doc().dump(), "gt.json", GtSpace::kAuto);
  EXPECT_EQ(g.space, GtSpace::kImage);
  EXPECT_EQ(g.keypoints, 2);
  EXPECT_EQ(g.names, (std::vector<std::string>{"head", "tail"}));
  EXPECT_EQ(g.skeleton, (std::vector<std::pair<int, int>>{{0, 1}}));
  const GtEntry* b = g.find(0, "/somewhere/b.png");  // by file name, whatever the folder
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->people.size(), 2u);
  EXPECT_FALSE(b->people[0].points[1].has_value());  // v = 0: not labelled
  EXPECT_EQ(b->people[0].points[0]->x, 10);
  EXPECT_EQ(b->people[0].box.w, 40);
  EXPECT_EQ(person_box(b->people[1]).w, 1);  // no bbox: the points' extent, at least 1
  EXPECT_EQ(g.find(5, "c.png"), nullptr);
  // Without file names (video, .npy): ascending id order, a.png (id 3) is frame 0.
  ASSERT_NE(g.find(0, ""), nullptr);
  EXPECT_EQ(g.find(0, "")->people[0].points[0]->x, 1.5);
  EXPECT_EQ(g.find(1, ""), b);
  // frame_NNNNNN names give the frame index itself.
  nlohmann::json d = coco_doc();
  d["images"][0]["file_name"] = "frame_000012.png";
  d["images"][1]["file_name"] = "frame_000004.jpg";
  const GroundTruthFile n = parse_coco_ground_truth(d.dump(), "gt.json", GtSpace::kAuto);
  ASSERT_NE(n.find(12, ""), nullptr);
  EXPECT_EQ(n.find(12, "")->people.size(), 2u);
  EXPECT_EQ(n.find(0, ""), nullptr);
}

TEST(GroundTruthFile, BadCocoFilesNameTheEntryAndTheReason) {
  auto msg = [](const std::string& text) {
    return error_of([&] { parse_coco_ground_truth(text, "gt.json", GtSpace::kAuto); });
  };
  EXPECT_NE(msg("{\"images\": [").find("gt.json: not valid JSON"), std::string::npos);
  EXPECT_NE(msg("[1, 2]").find("gt.json: expected a COCO keypoint document"), std::string::npos);
  EXPECT_NE(msg("{\"images\": []}").find("has no \"annotations\""), std::string::npos);
  nlohmann::json d = coco_doc();
  d["annotations"][1]["keypoints"] = {1, 2};
  EXPECT_NE(msg(d.dump()).find("annotations[1].keypoints is not a list of x, y, v triples"),
            std::string::npos);
  d = coco_doc();
  d["annotations"][2]["keypoints"] = {1, 2, 2, 3, 4, 2, 5, 6, 2};
  EXPECT_NE(msg(d.dump()).find("annotations[2] has 3 keypoints, expected 2"), std::string::npos);
  d = coco_doc();
  d["annotations"][0]["image_id"] = 99;
  EXPECT_NE(msg(d.dump()).find("annotations[0].image_id 99 is not in \"images\""),
            std::string::npos);
  d = coco_doc();
  d["annotations"][0]["keypoints"][0] = nullptr;
  EXPECT_NE(msg(d.dump()).find("annotations[0].keypoints[0..] x is not a number"),
            std::string::npos);
  d = coco_doc();
  d["images"][1].erase("file_name");
  EXPECT_NE(msg(d.dump()).find("images[1] has no \"file_name\""), std::string::npos);
  d = coco_doc();
  d["images"][1]["file_name"] = "b.png";
  EXPECT_NE(msg(d.dump()).find("file name 'b.png' appears twice"), std::string::npos);
}

TEST(GroundTruthFile, CsvWithAndWithoutHeaderNamedKeypointsAndBadLines) {
  const GroundTruthFile g = parse_csv_ground_truth(
      "frame,keypoint,x,y,visible\n0,0,1.5,2\n0,tail,3,4,2\n0,1,9,9,0\n2,0,5,6,1\n", "gt.csv",
      GtSpace::kAuto, {"head", "tail"});
  EXPECT_EQ(g.space, GtSpace::kImage);
  EXPECT_EQ(g.keypoints, 2);
  ASSERT_NE(g.find(0, ""), nullptr);
  EXPECT_EQ(g.find(0, "")->people[0].points[1]->x, 3);  // row 3 (visible 0) not used
  EXPECT_EQ(g.find(1, ""), nullptr);
  ASSERT_NE(g.find(2, "x.png"), nullptr);  // CSV: by index even for named images
  const GroundTruthFile h = parse_csv_ground_truth("0,0,1,1\n0,0,5,5\n", "gt.csv", GtSpace::kAuto);
  EXPECT_EQ(h.find(0, "")->people.size(), 2u);  // a keypoint twice: two people
  auto msg = [](const std::string& text) {
    return error_of([&] { parse_csv_ground_truth(text, "gt.csv", GtSpace::kAuto); });
  };
  EXPECT_NE(msg("frame,x,y\n0,1,2\n").find("gt.csv: line 1: the header has no \"keypoint\""),
            std::string::npos);
  EXPECT_NE(msg("0,0,1,2\n0,0,nan,2\n").find("gt.csv: line 2: x 'nan' is not a finite number"),
            std::string::npos);
  EXPECT_NE(msg("0,0,1,2\n0,0,1\n").find("line 2: 3 fields, expected 4"), std::string::npos);
  EXPECT_NE(msg("-1,0,1,2\n").find("line 1: frame '-1' is not a whole number"), std::string::npos);
  EXPECT_NE(msg("0,nose,1,2\n").find("keypoint 'nose' is neither an index"), std::string::npos);
  EXPECT_NE(msg("frame,keypoint,x,y\n").find("no labelled points"), std::string::npos);
}

TEST(GroundTruthFile, NpyShapesVisibilityNanAndTruncation) {
  const fs::path p = temp_path("gt_ok.npy");
  // 2 frames x 2 keypoints x 3: frame 1 keypoint 0 unlabelled (and NaN, which is allowed there).
  write_npy(p.string(), {2, 2, 3}, {1, 2, 1, 3, 4, 1, NAN, NAN, 0, 7, 8, 2}, "f4");
  const GroundTruthFile g = read_ground_truth(p.string(), GtSpace::kAuto);
  EXPECT_EQ(g.space, GtSpace::kHeatmap);
  EXPECT_EQ(g.frames, 2);
  EXPECT_EQ(g.keypoints, 2);
  EXPECT_FALSE(g.find(1, "")->people[0].points[0].has_value());
  EXPECT_EQ(g.find(1, "")->people[0].points[1]->y, 8);
  const fs::path bad = temp_path("gt_bad.npy");
  write_npy(bad.string(), {2, 2, 4}, std::vector<float>(16, 1.f), "f4");
  EXPECT_NE(error_of([&] {
              read_ground_truth(bad.string(), GtSpace::kAuto);
            }).find("shape 2 x 2 x 4, expected N x K x 2"),
            std::string::npos);
  write_npy(bad.string(), {1, 2, 2}, {1, 2, NAN, 4}, "f4");
  EXPECT_NE(error_of([&] {
              read_ground_truth(bad.string(), GtSpace::kAuto);
            }).find("frame 0, keypoint 1: (nan, 4.000000) is not finite"),
            std::string::npos);
  // Truncated: the header promises more bytes than the file has.
  write_npy(bad.string(), {4, 2, 2}, std::vector<float>(16, 1.f), "f4");
  fs::resize_file(bad, fs::file_size(bad) - 10);
  EXPECT_NE(error_of([&] { read_ground_truth(bad.string(), GtSpace::kAuto); }).find(bad.string()),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              read_ground_truth(temp_path("none.json").string(), GtSpace::kAuto);
            }).find("no such ground-truth file"),
            std::string::npos);
  write_text(temp_path("gt.txt"), "x");
  EXPECT_NE(error_of([&] {
              read_ground_truth(temp_path("gt.txt").string(), GtSpace::kAuto);
            }).find("unknown ground-truth format"),
            std::string::npos);
}

// Random damage (bytes changed, cut, inserted) to a good COCO document and CSV: each parse
// succeeds or throws SourceError; nothing else escapes and nothing crashes.
TEST(GroundTruthFile, DamagedFilesNeverEscapeAsAnythingButSourceError) {
  std::mt19937 rng(7);
  const std::string csv = "frame,keypoint,x,y,visible\n0,0,1.5,2,1\n1,1,3,4,2\n2,0,5,6,0\n";
  for (const std::string& good : {coco_doc().dump(), csv}) {
    const bool json = good[0] == '{';
    for (int i = 0; i < 1500; ++i) {
      std::string s = good;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !s.empty(); ++e) {
        const std::size_t at = rng() % s.size();
        switch (rng() % 3) {
          case 0:
            s[at] = static_cast<char>("0123456789,.-:[]{}\"ex \n"[rng() % 23]);
            break;
          case 1:
            s.erase(at, 1 + rng() % 8);
            break;
          default:
            s.insert(at, 1, static_cast<char>(rng() % 256));
            break;
        }
      }
      try {
        if (json)
          parse_coco_ground_truth(s, "gt.json", GtSpace::kAuto);
        else
          parse_csv_ground_truth(s, "gt.csv", GtSpace::kAuto);
      } catch (const SourceError& e) {
        EXPECT_NE(std::string(e.what()).find(json ? "gt.json" : "gt.csv"), std::string::npos);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "not a SourceError: " << e.what() << "\n" << s;
      }
    }
  }
}

// The figures evaluate and the viewer's panel share: mean and median of the finite errors,
// PCK over every sample with a normaliser, a non-finite error a miss.
TEST(KeypointEvaluationTest, MeanMedianPckAndInvalidByHand) {
  KeypointEvaluation ev(2, 2);
  ev.add(0, 0, 1.0, 10);  // 0.1 of its norm
  ev.add(0, 0, 3.0, 10);  // 0.3
  ev.add(0, 1, 2.0, 4);   // 0.5
  ev.add(0, 1, NAN, 4);   // invalid: a miss
  ev.add(1, 0, 5.0, 0);   // no normaliser: in the mean, not in PCK
  const EvalStats all = ev.stats(0, -1, {0.2, 0.5});
  EXPECT_EQ(all.labelled, 4);
  EXPECT_EQ(all.invalid, 1);
  EXPECT_DOUBLE_EQ(all.mean, 2.0);
  EXPECT_DOUBLE_EQ(all.median, 2.0);
  EXPECT_DOUBLE_EQ(all.pck[0], 0.25);
  EXPECT_DOUBLE_EQ(all.pck[1], 0.75);
  const EvalStats k0 = ev.stats(0, 0, {0.2});
  EXPECT_DOUBLE_EQ(k0.median, 2.0);  // even count: the mean of the middle two
  EXPECT_DOUBLE_EQ(k0.pck[0], 0.5);
  const EvalStats m1 = ev.stats(1, -1, {0.2});
  EXPECT_DOUBLE_EQ(m1.mean, 5.0);
  EXPECT_TRUE(std::isnan(m1.pck[0]));
  EXPECT_EQ(ev.stats(1, 1, {0.2}).labelled, 0);
  EXPECT_THROW(ev.add(2, 0, 1, 1), std::out_of_range);
}

TEST(GroundTruthFile, ImageToHeatmapInvertsHeatmapToImage) {
  Frame f;
  f.image_scale_x = 4;
  f.image_scale_y = 2.5;
  f.image_offset_x = -12;
  f.image_offset_y = 30;
  const Point2 im = heatmap_to_image(f, 3.25, 7.5);
  const Point2 back = image_to_heatmap(f, im.x, im.y);
  EXPECT_NEAR(back.x, 3.25, 1e-12);
  EXPECT_NEAR(back.y, 7.5, 1e-12);
}

// An image folder named in a COCO file (ids in the opposite order of the names, so only the
// names can match them) and a .npy stack with a .npy of points: opened with --ground-truth
// and --keypoints, frames carry the points in heatmap pixels and the names; bad counts are
// refused naming both.
TEST(AnnotatedSource, ImagesByFileNameAndNpyByIndexWithNamesAndCountChecks) {
  const fs::path dir = temp_path("gt_images");
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* n : {"a.png", "b.png"})
    cv::imwrite((dir / n).string(), cv::Mat(8, 10, CV_8U, cv::Scalar(3)));
  nlohmann::json d = {
      {"images", {{{"id", 1}, {"file_name", "b.png"}}, {{"id", 2}, {"file_name", "a.png"}}}},
      {"annotations",
       {{{"image_id", 1}, {"keypoints", {6, 5, 2}}}, {{"image_id", 2}, {"keypoints", {2, 3, 2}}}}}};
  write_text(dir / "gt.json", d.dump());
  write_text(dir / "names.txt", "centre\n");
  SourceOptions o;
  o.annotation.ground_truth = (dir / "gt.json").string();
  o.annotation.keypoints = (dir / "names.txt").string();
  std::unique_ptr<Source> s = open_source((dir / "*.png").string(), o);
  std::optional<Frame> f = s->next();
  ASSERT_TRUE(f);
  EXPECT_EQ(fs::path(f->file_name).filename(), "a.png");
  ASSERT_EQ(f->ground_truth.size(), 1u);
  ASSERT_EQ(f->ground_truth[0].size(), 1u);
  EXPECT_EQ(f->ground_truth[0][0].x, 2);
  EXPECT_EQ(f->ground_truth[0][0].y, 3);
  EXPECT_EQ(f->names, (std::vector<std::string>{"centre"}));
  f = s->next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->ground_truth[0][0].x, 6);
  // coco17 names on a 1-channel source: both counts named.
  o.annotation.keypoints = "coco17";
  s = open_source((dir / "*.png").string(), o);
  EXPECT_NE(
      error_of([&] { s->next(); }).find("17 keypoint names, but the heatmaps have 1 channels"),
      std::string::npos);
  // A 2-keypoint file on the 1-channel source.
  o.annotation.keypoints.clear();
  d["annotations"][0]["keypoints"] = {6, 5, 2, 1, 1, 2};
  d["annotations"][1]["keypoints"] = {6, 5, 2, 1, 1, 2};
  write_text(dir / "gt2.json", d.dump());
  o.annotation.ground_truth = (dir / "gt2.json").string();
  s = open_source((dir / "*.png").string(), o);
  EXPECT_NE(error_of([&] { s->next(); }).find("2 keypoints per person, but the heatmaps have 1"),
            std::string::npos);

  // .npy: 3 frames of 2 channels; a ground truth .npy of 2 frames is too short.
  const fs::path maps = dir / "maps.npy", pts = dir / "pts.npy";
  write_npy(maps.string(), {3, 2, 4, 5}, std::vector<float>(120, 0.5f), "f4");
  write_npy(pts.string(), {2, 2, 2}, {1, 2, 3, 1, 0, 0, 4, 3}, "f4");
  SourceOptions n;
  n.annotation.ground_truth = pts.string();
  EXPECT_NE(error_of([&] {
              open_source(maps.string(), n);
            }).find("pts.npy: ground truth for 2 frame(s), but"),
            std::string::npos);
  write_npy(pts.string(), {3, 2, 2}, {1, 2, 3, 1, 0, 0, 4, 3, 2, 2, 2, 2}, "f4");
  s = open_source(maps.string(), n);
  s->next();
  f = s->next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->ground_truth[1][0].x, 4);
  EXPECT_EQ(f->ground_truth[1][0].y, 3);
}

}  // namespace
}  // namespace peakscope::io
