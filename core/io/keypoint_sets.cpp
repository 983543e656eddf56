#include "core/io/keypoint_sets.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace peakscope::io {
namespace {

// Names with a numbered run: prefix_0 .. prefix_{n-1}.
void add_run(std::vector<std::string>& names, const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i) names.push_back(prefix + "_" + std::to_string(i));
}

// Edges first, first+1, ..., last-1 - last; closed: last - first as well.
void add_chain(std::vector<std::pair<int, int>>& s, int first, int last, bool closed) {
  for (int i = first; i < last; ++i) s.emplace_back(i, i + 1);
  if (closed) s.emplace_back(last, first);
}

KeypointSet coco17() {
  return {"coco17",
          {"nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
           "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
           "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"},
          // COCO's person skeleton (its 1-based pairs, minus one).
          {{15, 13},
           {13, 11},
           {16, 14},
           {14, 12},
           {11, 12},
           {5, 11},
           {6, 12},
           {5, 6},
           {5, 7},
           {6, 8},
           {7, 9},
           {8, 10},
           {1, 2},
           {0, 1},
           {0, 2},
           {1, 3},
           {2, 4},
           {3, 5},
           {4, 6}}};
}

KeypointSet mpii16() {
  return {
      "mpii16",
      {"r_ankle", "r_knee", "r_hip", "l_hip", "l_knee", "l_ankle", "pelvis", "thorax", "upper_neck",
       "head_top", "r_wrist", "r_elbow", "r_shoulder", "l_shoulder", "l_elbow", "l_wrist"},
      {{0, 1},
       {1, 2},
       {2, 6},
       {3, 6},
       {3, 4},
       {4, 5},
       {6, 7},
       {7, 8},
       {8, 9},
       {10, 11},
       {11, 12},
       {12, 7},
       {13, 7},
       {13, 14},
       {14, 15}}};
}

KeypointSet hand21() {
  KeypointSet k{"hand21", {"wrist"}, {}};
  for (const char* f : {"thumb", "index_finger", "middle_finger", "ring_finger", "pinky"}) {
    const bool thumb = std::string(f) == "thumb";
    for (const char* j : thumb ? std::vector<const char*>{"cmc", "mcp", "ip", "tip"}
                               : std::vector<const char*>{"mcp", "pip", "dip", "tip"})
      k.names.push_back(std::string(f) + "_" + j);
  }
  // MediaPipe's HAND_CONNECTIONS: each finger from its base, and the palm.
  for (int f = 0; f < 5; ++f) add_chain(k.skeleton, 1 + 4 * f, 4 + 4 * f, false);
  for (const auto& e :
       std::vector<std::pair<int, int>>{{0, 1}, {0, 5}, {5, 9}, {9, 13}, {13, 17}, {0, 17}})
    k.skeleton.push_back(e);
  return k;
}

KeypointSet face68() {
  KeypointSet k{"face68", {}, {}};
  add_run(k.names, "jaw", 17);           // 0..16
  add_run(k.names, "right_eyebrow", 5);  // 17..21
  add_run(k.names, "left_eyebrow", 5);   // 22..26
  add_run(k.names, "nose_bridge", 4);    // 27..30
  add_run(k.names, "nose_lower", 5);     // 31..35
  add_run(k.names, "right_eye", 6);      // 36..41
  add_run(k.names, "left_eye", 6);       // 42..47
  add_run(k.names, "outer_lip", 12);     // 48..59
  add_run(k.names, "inner_lip", 8);      // 60..67
  add_chain(k.skeleton, 0, 16, false);
  add_chain(k.skeleton, 17, 21, false);
  add_chain(k.skeleton, 22, 26, false);
  add_chain(k.skeleton, 27, 30, false);
  add_chain(k.skeleton, 31, 35, false);
  add_chain(k.skeleton, 36, 41, true);
  add_chain(k.skeleton, 42, 47, true);
  add_chain(k.skeleton, 48, 59, true);
  add_chain(k.skeleton, 60, 67, true);
  return k;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

const std::vector<std::string>& keypoint_preset_names() {
  static const std::vector<std::string> n = {"coco17", "mpii16", "hand21", "face68"};
  return n;
}

const KeypointSet* keypoint_preset(const std::string& name) {
  static const std::vector<KeypointSet> sets = {coco17(), mpii16(), hand21(), face68()};
  for (const KeypointSet& s : sets)
    if (s.name == name) return &s;
  return nullptr;
}

KeypointSet parse_keypoint_names(const std::string& text, const std::string& what) {
  KeypointSet k;
  k.name = what;
  std::map<std::string, int> index;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  auto fail = [&](const std::string& why) {
    throw std::runtime_error(what + ": line " + std::to_string(n) + ": " + why);
  };
  // A side of an edge: a name listed earlier or a channel index; -1 otherwise.
  auto node = [&](const std::string& s) -> int {
    if (auto it = index.find(s); it != index.end()) return it->second;
    if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 9)
      return std::stoi(s);
    return -1;
  };
  std::vector<std::pair<int, std::pair<int, int>>> edges;  // (line, edge), checked at the end
  while (std::getline(in, line)) {
    ++n;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const auto dash = t.find('-');
    if (dash != std::string::npos && index.count(t) == 0) {
      const int a = node(trim(t.substr(0, dash))), b = node(trim(t.substr(dash + 1)));
      if (a >= 0 && b >= 0) {
        edges.push_back({n, {a, b}});
        continue;
      }
    }
    if (index.count(t)) fail("'" + t + "' is listed twice");
    index[t] = static_cast<int>(k.names.size());
    k.names.push_back(t);
  }
  if (k.names.empty()) throw std::runtime_error(what + ": no keypoint names (one per line)");
  for (const auto& [line_no, e] : edges) {
    const int count = static_cast<int>(k.names.size());
    if (e.first >= count || e.second >= count || e.first == e.second) {
      n = line_no;
      fail("the edge " + std::to_string(e.first) + "-" + std::to_string(e.second) +
           " is not a pair of two of the " + std::to_string(count) + " keypoints");
    }
    k.skeleton.push_back(e);
  }
  return k;
}

KeypointSet load_keypoint_set(const std::string& spec) {
  if (const KeypointSet* p = keypoint_preset(spec)) return *p;
  std::error_code ec;
  std::ifstream f;
  if (!std::filesystem::is_directory(spec, ec)) f.open(spec, std::ios::binary);
  if (!f.is_open()) {
    std::string presets;
    for (const std::string& s : keypoint_preset_names())
      presets += (presets.empty() ? "" : ", ") + s;
    throw std::runtime_error("--keypoints " + spec + ": neither a preset (" + presets +
                             ") nor a readable names file");
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_keypoint_names(ss.str(), spec);
}

}  // namespace peakscope::io
