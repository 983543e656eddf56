#include "core/io/ground_truth_file.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace peakscope::io {
namespace {

using Json = nlohmann::json;

std::string base_name(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

GtSpace resolve(GtSpace s, GtSpace dflt) {
  return s == GtSpace::kAuto ? dflt : s;
}

// ---- COCO -----------------------------------------------------------------------------------

// A finite number at j[key] of an entry; the message names the entry and the field.
double coco_number(const Json& j, const std::string& at, const std::string& what) {
  if (!j.is_number()) throw SourceError(what + ": " + at + " is not a number");
  const double v = j.get<double>();
  if (!std::isfinite(v)) throw SourceError(what + ": " + at + " is not finite");
  return v;
}

const Json& coco_field(const Json& obj, const char* key, const std::string& at,
                       const std::string& what) {
  if (!obj.is_object()) throw SourceError(what + ": " + at + " is not an object");
  const auto it = obj.find(key);
  if (it == obj.end()) throw SourceError(what + ": " + at + " has no \"" + key + "\"");
  return *it;
}

// "frame_000012.png" -> 12; -1 when the stem is not frame_ (or frame) followed by digits.
long frame_number(const std::string& file_name) {
  const std::string stem = std::filesystem::path(file_name).stem().string();
  std::string digits;
  if (stem.rfind("frame_", 0) == 0)
    digits = stem.substr(6);
  else if (stem.rfind("frame", 0) == 0)
    digits = stem.substr(5);
  if (digits.empty() || digits.size() > 15 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stol(digits);
}

// ---- CSV ------------------------------------------------------------------------------------

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r' && c != '"') {
      cur += c;
    }
  }
  out.push_back(cur);
  for (std::string& s : out) {
    const auto b = s.find_first_not_of(" \t");
    s = b == std::string::npos ? std::string() : s.substr(b, s.find_last_not_of(" \t") - b + 1);
  }
  return out;
}

bool parse_double(const std::string& s, double& v) {
  if (s.empty()) return false;
  try {
    std::size_t used = 0;
    v = std::stod(s, &used);
    return used == s.size();
  } catch (const std::exception&) {
    return false;
  }
}

bool parse_index(const std::string& s, long& v) {
  if (s.empty() || s.size() > 15 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  v = std::stol(s);
  return true;
}

// Box around a person's labelled points (w, h >= 1 so that a normaliser is never 0).
Box extent(const GtPerson& p) {
  double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
  for (const auto& q : p.points)
    if (q) {
      x0 = std::min(x0, q->x), y0 = std::min(y0, q->y);
      x1 = std::max(x1, q->x), y1 = std::max(y1, q->y);
    }
  if (x0 > x1) return {};
  return {x0, y0, std::max(x1 - x0, 1.0), std::max(y1 - y0, 1.0)};
}

}  // namespace

GtSpace parse_gt_space(const std::string& text) {
  if (text == "auto") return GtSpace::kAuto;
  if (text == "image") return GtSpace::kImage;
  if (text == "heatmap") return GtSpace::kHeatmap;
  throw std::invalid_argument("--ground-truth-space must be auto, image or heatmap, got '" + text +
                              "'");
}

const GtEntry* GroundTruthFile::find(long index, const std::string& file_name) const {
  if (!file_name.empty() && !by_name.empty()) {
    const auto it = by_name.find(base_name(file_name));
    return it == by_name.end() ? nullptr : &entries[it->second];
  }
  const auto it = by_index.find(index);
  return it == by_index.end() ? nullptr : &entries[it->second];
}

GroundTruthFile parse_coco_ground_truth(const std::string& text, const std::string& what,
                                        GtSpace space) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw SourceError(what + ": not valid JSON (" + e.what() + ")");
  }
  GroundTruthFile gt;
  gt.path = what;
  gt.format = "coco";
  gt.space = resolve(space, GtSpace::kImage);
  if (!root.is_object())
    throw SourceError(what +
                      ": expected a COCO keypoint document (an object with \"images\" "
                      "and \"annotations\")");
  const Json& images = coco_field(root, "images", "the document", what);
  const Json& anns = coco_field(root, "annotations", "the document", what);
  if (!images.is_array()) throw SourceError(what + ": \"images\" is not an array");
  if (!anns.is_array()) throw SourceError(what + ": \"annotations\" is not an array");
  // Names and skeleton from the first category that lists keypoints.
  if (const auto cats = root.find("categories"); cats != root.end() && cats->is_array()) {
    for (std::size_t i = 0; i < cats->size(); ++i) {
      const Json& c = (*cats)[i];
      const std::string at = "categories[" + std::to_string(i) + "]";
      if (!c.is_object() || !c.contains("keypoints")) continue;
      const Json& kn = c["keypoints"];
      if (!kn.is_array()) throw SourceError(what + ": " + at + ".keypoints is not an array");
      for (std::size_t k = 0; k < kn.size(); ++k) {
        if (!kn[k].is_string())
          throw SourceError(what + ": " + at + ".keypoints[" + std::to_string(k) +
                            "] is not a string");
        gt.names.push_back(kn[k].get<std::string>());
      }
      if (c.contains("skeleton")) {
        const Json& sk = c["skeleton"];
        for (std::size_t e = 0; sk.is_array() && e < sk.size(); ++e) {
          const std::string ae = at + ".skeleton[" + std::to_string(e) + "]";
          if (!sk[e].is_array() || sk[e].size() != 2 || !sk[e][0].is_number_integer() ||
              !sk[e][1].is_number_integer())
            throw SourceError(what + ": " + ae + " is not a pair of keypoint numbers");
          const int a = sk[e][0].get<int>() - 1, b = sk[e][1].get<int>() - 1;  // 1-based
          const int n = static_cast<int>(gt.names.size());
          if (a < 0 || b < 0 || a >= n || b >= n)
            throw SourceError(what + ": " + ae + " names a keypoint outside 1.." +
                              std::to_string(n));
          gt.skeleton.emplace_back(a, b);
        }
      }
      break;
    }
  }
  // Images: id -> entry; frame indices from frame_NNNNNN names, else ascending id order.
  std::map<long long, std::size_t> by_id;
  std::vector<std::pair<long long, std::size_t>> ids;
  bool all_numbered = !images.empty();
  std::vector<long> numbers;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const std::string at = "images[" + std::to_string(i) + "]";
    const Json& id = coco_field(images[i], "id", at, what);
    const Json& fn = coco_field(images[i], "file_name", at, what);
    if (!id.is_number_integer()) throw SourceError(what + ": " + at + ".id is not an integer");
    if (!fn.is_string()) throw SourceError(what + ": " + at + ".file_name is not a string");
    const long long idv = id.get<long long>();
    if (by_id.count(idv))
      throw SourceError(what + ": " + at + ": image id " + std::to_string(idv) + " appears twice");
    const std::string name = base_name(fn.get<std::string>());
    if (gt.by_name.count(name))
      throw SourceError(what + ": " + at + ": file name '" + name + "' appears twice");
    by_id[idv] = i;
    gt.by_name[name] = i;
    ids.emplace_back(idv, i);
    numbers.push_back(frame_number(name));
    all_numbered = all_numbered && numbers.back() >= 0;
  }
  gt.entries.resize(images.size());
  std::sort(ids.begin(), ids.end());
  for (std::size_t r = 0; r < ids.size(); ++r) {
    const std::size_t i = ids[r].second;
    const long frame = all_numbered ? numbers[i] : static_cast<long>(r);
    if (gt.by_index.count(frame))
      throw SourceError(what + ": images[" + std::to_string(i) + "]: frame " +
                        std::to_string(frame) + " is named twice");
    gt.by_index[frame] = i;
  }
  gt.keypoints = static_cast<int>(gt.names.size());
  for (std::size_t j = 0; j < anns.size(); ++j) {
    const std::string at = "annotations[" + std::to_string(j) + "]";
    const Json& img = coco_field(anns[j], "image_id", at, what);
    const Json& kp = coco_field(anns[j], "keypoints", at, what);
    if (!img.is_number_integer())
      throw SourceError(what + ": " + at + ".image_id is not an integer");
    const auto e = by_id.find(img.get<long long>());
    if (e == by_id.end())
      throw SourceError(what + ": " + at + ".image_id " + std::to_string(img.get<long long>()) +
                        " is not in \"images\"");
    if (!kp.is_array() || kp.empty() || kp.size() % 3 != 0)
      throw SourceError(what + ": " + at + ".keypoints is not a list of x, y, v triples (length " +
                        std::to_string(kp.is_array() ? kp.size() : 0) + ")");
    const int k = static_cast<int>(kp.size() / 3);
    if (gt.keypoints == 0) gt.keypoints = k;
    if (k != gt.keypoints)
      throw SourceError(what + ": " + at + " has " + std::to_string(k) + " keypoints, expected " +
                        std::to_string(gt.keypoints) +
                        (gt.names.empty() ? " (as the first annotation)" : " (as categories)"));
    GtPerson p;
    p.points.resize(k);
    for (int i = 0; i < k; ++i) {
      const std::string ak = at + ".keypoints[" + std::to_string(3 * i) + "..]";
      const double v = coco_number(kp[3 * i + 2], ak + " v", what);
      if (v == 0) continue;  // not labelled
      p.points[i] = Point2{coco_number(kp[3 * i], ak + " x", what),
                           coco_number(kp[3 * i + 1], ak + " y", what)};
    }
    if (const auto bb = anns[j].find("bbox"); bb != anns[j].end()) {
      if (!bb->is_array() || bb->size() != 4)
        throw SourceError(what + ": " + at + ".bbox is not [x, y, w, h]");
      const double x = coco_number((*bb)[0], at + ".bbox x", what);
      const double y = coco_number((*bb)[1], at + ".bbox y", what);
      const double w = coco_number((*bb)[2], at + ".bbox w", what);
      const double h = coco_number((*bb)[3], at + ".bbox h", what);
      if (w < 0 || h < 0) throw SourceError(what + ": " + at + ".bbox has a negative size");
      p.box = {x, y, w, h};
    }
    gt.entries[e->second].people.push_back(std::move(p));
  }
  if (gt.keypoints == 0)
    throw SourceError(what + ": no annotation has keypoints and no category lists them");
  return gt;
}

GroundTruthFile parse_csv_ground_truth(const std::string& text, const std::string& what,
                                       GtSpace space, const std::vector<std::string>& names) {
  GroundTruthFile gt;
  gt.path = what;
  gt.format = "csv";
  gt.space = resolve(space, GtSpace::kImage);
  std::istringstream in(text);
  std::string line;
  long n = 0;
  // Columns: frame, keypoint, x, y, then optional visible and person.
  int cf = 0, ck = 1, cx = 2, cy = 3, cv = -1, cp = -1;
  std::size_t columns = 0;
  bool first = true;
  // (frame, person) -> person's points
  std::map<std::pair<long, long>, GtPerson> people;
  int max_k = -1;
  auto fail = [&](const std::string& why) {
    throw SourceError(what + ": line " + std::to_string(n) + ": " + why);
  };
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
    const std::vector<std::string> f = split_csv(line);
    if (first) {
      first = false;
      double dummy = 0;
      long dummy_i = 0;
      if (!parse_index(f[0], dummy_i) && !parse_double(f[0], dummy)) {  // a header
        cf = ck = cx = cy = cv = cp = -1;
        for (std::size_t i = 0; i < f.size(); ++i) {
          const std::string& h = f[i];
          const int c = static_cast<int>(i);
          if (h == "frame")
            cf = c;
          else if (h == "keypoint" || h == "channel")
            ck = c;
          else if (h == "x")
            cx = c;
          else if (h == "y")
            cy = c;
          else if (h == "visible" || h == "visibility" || h == "v")
            cv = c;
          else if (h == "person")
            cp = c;
        }
        for (const auto& [col, name] : {std::pair{cf, "frame"}, std::pair{ck, "keypoint"},
                                        std::pair{cx, "x"}, std::pair{cy, "y"}})
          if (col < 0)
            fail(std::string("the header has no \"") + name +
                 "\" column (expected frame,keypoint,x,y[,visible][,person])");
        columns = f.size();
        continue;
      }
      columns = f.size();
      if (columns < 4 || columns > 5)
        fail("expected frame,keypoint,x,y[,visible] (" + std::to_string(f.size()) + " fields)");
      cv = 4;  // present or not
    }
    // Trailing optional fields (visible, person) may be left out; the required ones may not.
    const int need = std::max({cf, ck, cx, cy}) + 1;
    if (f.size() > columns || static_cast<int>(f.size()) < need)
      fail(std::to_string(f.size()) + " fields, expected " +
           (static_cast<int>(columns) == need
                ? std::to_string(columns)
                : std::to_string(need) + " to " + std::to_string(columns)));
    const bool has_v = cv >= 0 && cv < static_cast<int>(f.size()) && !f[cv].empty();
    const bool has_p = cp >= 0 && cp < static_cast<int>(f.size()) && !f[cp].empty();
    long frame = 0, person = 0, kl = -1;
    if (!parse_index(f[cf], frame)) fail("frame '" + f[cf] + "' is not a whole number >= 0");
    if (has_p && !parse_index(f[cp], person))
      fail("person '" + f[cp] + "' is not a whole number >= 0");
    if (!parse_index(f[ck], kl)) {
      const auto it = std::find(names.begin(), names.end(), f[ck]);
      if (it == names.end())
        fail("keypoint '" + f[ck] + "' is neither an index nor one of the " +
             std::to_string(names.size()) + " --keypoints names");
      kl = it - names.begin();
    }
    if (kl > 100000) fail("keypoint " + f[ck] + " is out of range");
    double v = 1, x = 0, y = 0;
    if (has_v && !parse_double(f[cv], v)) fail("visible '" + f[cv] + "' is not a number");
    if (v == 0) continue;  // not labelled
    if (!parse_double(f[cx], x) || !std::isfinite(x))
      fail("x '" + f[cx] + "' is not a finite number");
    if (!parse_double(f[cy], y) || !std::isfinite(y))
      fail("y '" + f[cy] + "' is not a finite number");
    GtPerson& p = people[{frame, person}];
    const int k = static_cast<int>(kl);
    if (static_cast<int>(p.points.size()) <= k) p.points.resize(k + 1);
    if (p.points[k] && cp >= 0)
      fail("frame " + std::to_string(frame) + " person " + std::to_string(person) + " keypoint " +
           std::to_string(k) + " is given twice");
    if (p.points[k]) {  // no person column: a second point of a keypoint is another person
      GtPerson& q = people[{frame, 1000000 + n}];
      q.points.resize(k + 1);
      q.points[k] = Point2{x, y};
    } else {
      p.points[k] = Point2{x, y};
    }
    max_k = std::max(max_k, k);
  }
  if (people.empty()) throw SourceError(what + ": no labelled points (frame,keypoint,x,y rows)");
  gt.keypoints =
      names.empty() ? max_k + 1 : std::max<int>(max_k + 1, static_cast<int>(names.size()));
  for (auto& [key, p] : people) {
    p.points.resize(gt.keypoints);
    auto [it, fresh] = gt.by_index.emplace(key.first, gt.entries.size());
    if (fresh) gt.entries.emplace_back();
    gt.entries[it->second].people.push_back(std::move(p));
  }
  return gt;
}

GroundTruthFile npy_ground_truth(const NpyArray& a, const std::string& what, GtSpace space) {
  GroundTruthFile gt;
  gt.path = what;
  gt.format = "npy";
  gt.space = resolve(space, GtSpace::kHeatmap);
  std::vector<std::size_t> s = a.shape;
  if (s.size() == 2) s.insert(s.begin(), 1);  // K x 2|3: one frame
  std::string shape;
  for (std::size_t d : a.shape) shape += (shape.empty() ? "" : " x ") + std::to_string(d);
  if (s.size() != 3 || (s[2] != 2 && s[2] != 3) || s[0] == 0 || s[1] == 0)
    throw SourceError(what + ": shape " + shape +
                      ", expected N x K x 2 (x, y) or N x K x 3 (x, y, visibility)");
  if (a.is_uint8) throw SourceError(what + ": uint8 coordinates; expected float32 or float64");
  gt.keypoints = static_cast<int>(s[1]);
  gt.frames = static_cast<long>(s[0]);
  gt.entries.resize(s[0]);
  for (std::size_t i = 0; i < s[0]; ++i) {
    GtPerson p;
    p.points.resize(s[1]);
    for (std::size_t k = 0; k < s[1]; ++k) {
      const float* v = a.f32.data() + (i * s[1] + k) * s[2];
      if (s[2] == 3 && (v[2] == 0 || std::isnan(v[2]))) continue;  // not labelled
      if (!std::isfinite(v[0]) || !std::isfinite(v[1]))
        throw SourceError(what + ": frame " + std::to_string(i) + ", keypoint " +
                          std::to_string(k) + ": (" + std::to_string(v[0]) + ", " +
                          std::to_string(v[1]) + ") is not finite" +
                          (s[2] == 3 ? " (mark unlabelled points with visibility 0)"
                                     : " (use N x K x 3 with visibility 0 for unlabelled points)"));
      p.points[k] = Point2{v[0], v[1]};
    }
    gt.entries[i].people.push_back(std::move(p));
    gt.by_index[static_cast<long>(i)] = i;
  }
  return gt;
}

GroundTruthFile read_ground_truth(const std::string& path, GtSpace space,
                                  const std::vector<std::string>& names) {
  namespace fs = std::filesystem;
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  std::error_code ec;
  if (!fs::exists(path, ec)) throw SourceError(path + ": no such ground-truth file");
  if (fs::is_directory(path, ec)) throw SourceError(path + ": a folder, not a ground-truth file");
  if (ext == ".npy") {
    NpyArray a;
    try {
      a = read_npy(path);
    } catch (const std::exception& e) {
      throw SourceError(e.what());
    }
    return npy_ground_truth(a, path, space);
  }
  if (ext != ".json" && ext != ".csv")
    throw SourceError(path +
                      ": unknown ground-truth format (expected a COCO .json, a .csv or a .npy)");
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  if (!f) throw SourceError(path + ": cannot read the file");
  return ext == ".json" ? parse_coco_ground_truth(ss.str(), path, space)
                        : parse_csv_ground_truth(ss.str(), path, space, names);
}

Point2 image_to_heatmap(const Frame& f, double x, double y) {
  return {(x - f.image_offset_x + 0.5) / f.image_scale_x - 0.5,
          (y - f.image_offset_y + 0.5) / f.image_scale_y - 0.5};
}

Point2 ground_truth_in_heatmap(const GroundTruthFile& gt, const Frame& f, const Point2& p) {
  return gt.space == GtSpace::kHeatmap ? p : image_to_heatmap(f, p.x, p.y);
}

Box person_box(const GtPerson& p) {
  return p.box.w > 0 && p.box.h > 0 ? p.box : extent(p);
}

}  // namespace peakscope::io
